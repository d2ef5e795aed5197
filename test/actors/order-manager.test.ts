import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/log/logger.js';
import { Metrics } from '../../src/adapters/metrics/metrics.js';
import type { EntryResult, OrderEntry } from '../../src/actors/orders/order-entry.js';
import { OrderManager } from '../../src/actors/orders/order-manager.js';
import { SimClock } from '../../src/domain/clock.js';
import { DEFAULT_INSTRUMENTS, toInstrument } from '../../src/domain/instrument.js';
import { OrderIds } from '../../src/domain/order-id.js';
import { RateBudget } from '../../src/domain/rate-budget.js';
import { NO_QUOTES, type QuoteLevel, type Quotes } from '../../src/domain/strategy/quotes.js';

const SYMBOL = 'BTCUSDT';
const instrument = toInstrument(DEFAULT_INSTRUMENTS.find((s) => s.symbol === SYMBOL)!);

/** One request the manager made: its items, and the hooks the test drives it with. */
interface Call {
  readonly op: 'create' | 'amend' | 'cancel';
  readonly ids: string[];
  /** The manager's view of its orders when the request was made. */
  readonly statesAtCall: string[];
  readonly write: () => void;
  readonly answer: (results: EntryResult[]) => void;
}

/** An entry the test scripts: nothing is written or answered until the test says so. */
function scriptedEntry(view: () => OrderManager): { entry: OrderEntry; calls: Call[] } {
  const calls: Call[] = [];
  const op =
    (name: Call['op']) =>
    (items: readonly { orderLinkId: string }[], onWrite?: () => void): Promise<EntryResult[]> =>
      new Promise((resolve) =>
        calls.push({
          op: name,
          ids: items.map((i) => i.orderLinkId),
          statesAtCall: view()
            .orders(SYMBOL)
            .map((o) => `${o.orderLinkId}:${o.state}`),
          write: () => onWrite?.(),
          answer: resolve,
        }),
      );
  return { entry: { name: 'rest', create: op('create'), amend: op('amend'), cancel: op('cancel') }, calls };
}

function harness() {
  const clock = new SimClock(1_000);
  const built: { manager?: OrderManager } = {};
  const { entry, calls } = scriptedEntry(() => built.manager!);
  const manager = new OrderManager({
    instruments: new Map([[SYMBOL, instrument]]),
    entry,
    venue: { getOpenOrders: () => Promise.resolve([]), cancelAllOrders: () => Promise.resolve({}) },
    ids: new OrderIds('mm', 0),
    clock,
    logger: silentLogger(),
    metrics: new Metrics(),
    budget: new RateBudget(100),
    plan: { refreshToleranceBps: 0, maxActivePerSide: 5, batchSize: 20 },
    timings: {
      ackTimeoutMs: 5_000,
      cancelTimeoutMs: 5_000,
      settleMs: 2_000,
      maxReconcileAttempts: 5,
      missingGraceMs: 3_000,
      verifyPollMs: 200,
    },
    postOnly: true,
    strangers: 'cancel',
    onFill: () => {},
    onOrderOutcome: () => {},
    onBudgetSpent: () => {},
  });
  built.manager = manager;
  return { manager, calls };
}

const level = (price: number): QuoteLevel => ({ level: 0, price, qty: 1 });
const quotes = (bid: number, ask: number): Quotes => ({
  ...NO_QUOTES,
  bids: [level(bid)],
  asks: [level(ask)],
});
/** The venue's push for every order of ours, with this status and the order's own price. */
function confirm(manager: OrderManager, status: string): void {
  manager.onOrders(
    manager.orders(SYMBOL).map((o) => ({
      symbol: SYMBOL,
      orderId: `id-${o.orderLinkId}`,
      orderLinkId: o.orderLinkId,
      side: o.side as 'Buy' | 'Sell',
      orderStatus: status,
      price: String(o.price / 10 ** instrument.priceDecimals),
      qty: String(o.qty / 10 ** instrument.qtyDecimals),
      cumExecQty: '0',
    })),
  );
}

/** Lets every promise reaction already queued run (no I/O, no timers). */
const settle = () => new Promise<void>((r) => setImmediate(r));
const ok = (n: number): EntryResult[] =>
  Array.from({ length: n }, (_, i) => ({ ok: true, orderId: `o${i}` }));

describe('OrderManager: requests first, machines once the request is being written', () => {
  it('spawns the machines of new orders only once the create is being written, before its answer', async () => {
    const { manager, calls } = harness();
    const written: string[] = [];
    const done = manager.requote(SYMBOL, quotes(600_000, 600_100), () => written.push('written'));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.op).toBe('create');
    expect(calls[0]!.statesAtCall).toEqual([]);
    await settle();
    expect(manager.orders(SYMBOL)).toEqual([]);
    expect(written).toEqual([]);

    calls[0]!.write();
    await Promise.resolve();
    await Promise.resolve();
    await Promise.resolve();
    expect(manager.orders(SYMBOL).map((o) => [o.orderLinkId, o.state])).toEqual(
      calls[0]!.ids.map((id) => [id, 'pendingNew']),
    );
    expect(written).toEqual(['written']);

    calls[0]!.answer(ok(2));
    await done;
    // Accepted; the venue's push confirms them.
    expect(manager.orders(SYMBOL).map((o) => o.state)).toEqual(['pendingNew', 'pendingNew']);
    expect(written).toEqual(['written']);
  });

  it('moves amended orders to pendingAmend once the amend is being written', async () => {
    const { manager, calls } = harness();
    const first = manager.requote(SYMBOL, quotes(600_000, 600_100));
    calls[0]!.write();
    calls[0]!.answer(ok(2));
    await first;
    confirm(manager, 'New');
    const second = manager.requote(SYMBOL, quotes(599_000, 601_100));
    expect(calls[1]!.op).toBe('amend');
    expect(calls[1]!.statesAtCall.map((s) => s.split(':')[1])).toEqual(['new', 'new']);
    await settle();
    expect(manager.orders(SYMBOL).map((o) => o.state)).toEqual(['new', 'new']);
    calls[1]!.write();
    await settle();
    expect(manager.orders(SYMBOL).map((o) => o.state)).toEqual(['pendingAmend', 'pendingAmend']);
    calls[1]!.answer(ok(2));
    await second;
    expect(manager.orders(SYMBOL).map((o) => [o.state, o.price])).toEqual([
      ['new', 599_000],
      ['new', 601_100],
    ]);
  });

  it('still moves the machines, then settles them, when a request is answered without being written', async () => {
    const { manager, calls } = harness();
    const written: string[] = [];
    const done = manager.requote(SYMBOL, quotes(600_000, 600_100), () => written.push('written'));
    calls[0]!.answer(
      calls[0]!.ids.map(() => ({ ok: false, kind: 'not_sent', code: 10006, msg: 'rate limited' })),
    );
    await done;
    // Refused before sending: the orders were never live.
    expect(manager.orders(SYMBOL).map((o) => o.state)).toEqual(['rejected', 'rejected']);
    expect(written).toEqual(['written']);
  });

  it('reports onWritten at once for a requote queued behind the running one, or refused while frozen', async () => {
    const { manager, calls } = harness();
    const seen: string[] = [];
    const first = manager.requote(SYMBOL, quotes(600_000, 600_100), () => seen.push('first'));
    void manager.requote(SYMBOL, quotes(599_000, 601_100), () => seen.push('queued'));
    expect(seen).toEqual(['queued']);
    calls[0]!.write();
    calls[0]!.answer(ok(2));
    await settle();
    expect(seen).toEqual(['queued', 'first']);
    // The queued quotes run next, behind the first.
    expect(calls).toHaveLength(2);
    calls[1]!.write();
    calls[1]!.answer(ok(calls[1]!.ids.length));
    await first;
    manager.freeze();
    void manager.requote(SYMBOL, NO_QUOTES, () => seen.push('frozen'));
    expect(seen).toEqual(['queued', 'first', 'frozen']);
  });

  it('reports onWritten when the quotes need no request at all', async () => {
    const { manager } = harness();
    const seen: string[] = [];
    await manager.requote(SYMBOL, NO_QUOTES, () => seen.push('nothing to send'));
    expect(seen).toEqual(['nothing to send']);
  });
});
