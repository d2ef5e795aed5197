import { describe, expect, it } from 'vitest';
import { isReject, type SimOrder } from '../../../src/sim/engine/types.js';
import type { OrderAck } from '../../../src/sim/engine/requests.js';
import { harness, limit, seedBook, topics } from './fixtures.js';

const BID = 5_999_990;
const ASK = 6_000_000;

function ack(v: unknown): OrderAck {
  if (isReject(v)) throw new Error(`rejected ${v.retCode} ${v.retMsg}`);
  return v as OrderAck;
}

function orderOf(h: ReturnType<typeof harness>, id: string, account = 0): SimOrder {
  const o = h.ex.accounts[account]!.orders.get(id);
  if (o === undefined) throw new Error(`no order ${id}`);
  return o;
}

describe('matching engine', () => {
  it('rests a non-crossing limit order and pushes order, wallet, position', () => {
    const h = harness();
    seedBook(h.ex);
    const { orderId } = ack(h.ex.create(h.ex.accounts[0]!, limit('Buy', BID, 5, { orderLinkId: 'a-1' })));
    const o = orderOf(h, orderId);
    expect(o.status).toBe('New');
    expect(o.leaves).toBe(5);
    expect(h.batches.map(topics)).toEqual([['order', 'wallet', 'position']]);
    expect(h.ex.symbol('BTCUSDT')!.book.bids.get(BID)!.user).toBe(5);
    expect(orderId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('fills a resting order only after the synthetic queue ahead of it has traded', () => {
    const h = harness();
    seedBook(h.ex, 5, 100);
    const { orderId } = ack(h.ex.create(h.ex.accounts[0]!, limit('Buy', BID, 10)));
    // Quantity added after our order queues behind it.
    h.ex.setSynth('BTCUSDT', true, BID, 150);
    h.batches.length = 0;
    expect(h.ex.takeSynthetic('BTCUSDT', 'Sell', 99)).toBe(99);
    expect(orderOf(h, orderId).cumExecQty).toBe(0);
    h.ex.takeSynthetic('BTCUSDT', 'Sell', 5);
    const o = orderOf(h, orderId);
    expect(o.cumExecQty).toBe(4);
    expect(o.status).toBe('PartiallyFilled');
    h.ex.takeSynthetic('BTCUSDT', 'Sell', 10);
    expect(orderOf(h, orderId).status).toBe('Filled');
    // The 50 that arrived later is still there.
    expect(h.ex.symbol('BTCUSDT')!.book.bids.get(BID)!.synth).toBe(46);
    const fills = h.batches.filter((b) => b.items[0]?.topic === 'execution');
    expect(fills.map(topics)).toEqual([
      ['execution', 'order', 'position', 'wallet'],
      ['execution', 'order', 'position', 'wallet'],
    ]);
    const exec = h.ex.accounts[0]!.executions;
    expect(exec.every((e) => e.isMaker && e.feeRate === 0.0002)).toBe(true);
    expect(h.ex.accounts[0]!.positions.get('BTCUSDT')!.size).toBe(10);
  });

  it('keeps the queue position on a quantity cut and loses it on a price change', () => {
    const h = harness();
    seedBook(h.ex, 5, 100);
    const acc = h.ex.accounts[0]!;
    const a = ack(h.ex.create(acc, limit('Buy', BID, 10)));
    h.ex.setSynth('BTCUSDT', true, BID, 200);
    ack(
      h.ex.amend(acc, {
        symbol: 'BTCUSDT',
        orderId: a.orderId,
        orderLinkId: undefined,
        qty: 6,
        price: undefined,
      }),
    );
    h.ex.takeSynthetic('BTCUSDT', 'Sell', 106);
    expect(orderOf(h, a.orderId).status).toBe('Filled');
    const b = ack(h.ex.create(acc, limit('Buy', BID - 10, 10)));
    ack(
      h.ex.amend(acc, {
        symbol: 'BTCUSDT',
        orderId: b.orderId,
        orderLinkId: undefined,
        qty: undefined,
        price: BID,
      }),
    );
    // Re-queued behind the 100 synthetic still at BID.
    h.ex.takeSynthetic('BTCUSDT', 'Sell', 100, BID);
    expect(orderOf(h, b.orderId).cumExecQty).toBe(0);
  });

  it('fills a resting order as maker when the market sweeps through its price', () => {
    const h = harness();
    seedBook(h.ex);
    const { orderId } = ack(h.ex.create(h.ex.accounts[1]!, limit('Sell', ASK + 20, 7)));
    h.ex.takeSynthetic('BTCUSDT', 'Buy', Infinity, ASK + 30);
    const o = orderOf(h, orderId, 1);
    expect(o.status).toBe('Filled');
    expect(h.ex.accounts[1]!.executions[0]!.isMaker).toBe(true);
    expect(h.ex.symbol('BTCUSDT')!.book.asks.bestPrice()).toBe(ASK + 40);
    expect(h.trades.map((t) => t.price)).toEqual([ASK, ASK + 10, ASK + 20, ASK + 30]);
  });

  it('cancels a crossing PostOnly order without a fill and acks it', () => {
    const h = harness();
    seedBook(h.ex);
    const r = ack(h.ex.create(h.ex.accounts[0]!, limit('Buy', ASK, 5, { timeInForce: 'PostOnly' })));
    const o = orderOf(h, r.orderId);
    expect(o.status).toBe('Cancelled');
    expect(o.rejectReason).toBe('EC_PostOnlyWillTakeLiquidity');
    expect(o.cancelType).toBe('UNKNOWN');
    expect(o.cumExecQty).toBe(0);
    expect(h.ex.accounts[0]!.executions).toHaveLength(0);
    expect(h.batches.map(topics)).toEqual([['order', 'wallet', 'position']]);
  });

  it('cancels a PostOnly order that an amend moves across the book', () => {
    const h = harness();
    seedBook(h.ex);
    const acc = h.ex.accounts[0]!;
    const r = ack(h.ex.create(acc, limit('Buy', BID, 5, { timeInForce: 'PostOnly' })));
    ack(
      h.ex.amend(acc, {
        symbol: 'BTCUSDT',
        orderId: r.orderId,
        orderLinkId: undefined,
        qty: undefined,
        price: ASK + 10,
      }),
    );
    expect(orderOf(h, r.orderId).rejectReason).toBe('EC_PostOnlyWillTakeLiquidity');
    expect(acc.executions).toHaveLength(0);
    expect(h.ex.symbol('BTCUSDT')!.book.bids.get(BID)!.user).toBe(0);
  });

  it('takes liquidity across levels as taker, then rests the remainder', () => {
    const h = harness();
    seedBook(h.ex, 3, 10);
    const acc = h.ex.accounts[0]!;
    const r = ack(h.ex.create(acc, limit('Buy', ASK + 10, 25)));
    const o = orderOf(h, r.orderId);
    expect(o.cumExecQty).toBe(20);
    expect(o.status).toBe('PartiallyFilled');
    expect(acc.executions.map((e) => [e.price, e.qty, e.isMaker, e.seq])).toEqual([
      [ASK, 10, false, acc.executions[0]!.seq],
      [ASK + 10, 10, false, acc.executions[0]!.seq],
    ]);
    expect(h.ex.symbol('BTCUSDT')!.book.bids.bestPrice()).toBe(ASK + 10);
    expect(h.ex.symbol('BTCUSDT')!.book.isCrossed()).toBe(false);
    expect(h.batches.map(topics)).toEqual([['execution', 'order', 'position', 'wallet']]);
  });

  it('matches user orders of two accounts against each other', () => {
    const h = harness();
    const maker = ack(h.ex.create(h.ex.accounts[0]!, limit('Sell', ASK, 3)));
    const taker = ack(h.ex.create(h.ex.accounts[1]!, limit('Buy', ASK, 3)));
    expect(orderOf(h, maker.orderId, 0).status).toBe('Filled');
    expect(orderOf(h, taker.orderId, 1).status).toBe('Filled');
    expect(h.ex.accounts[0]!.positions.get('BTCUSDT')!.size).toBe(-3);
    expect(h.ex.accounts[1]!.positions.get('BTCUSDT')!.size).toBe(3);
  });

  it('cancels IOC remainders and refuses FOK orders that cannot fill completely', () => {
    const h = harness();
    seedBook(h.ex, 1, 10);
    const acc = h.ex.accounts[0]!;
    const fok = ack(h.ex.create(acc, limit('Buy', ASK, 11, { timeInForce: 'FOK' })));
    expect(orderOf(h, fok.orderId).rejectReason).toBe('EC_NoEnoughQtyToFill');
    expect(acc.executions).toHaveLength(0);
    const ioc = ack(h.ex.create(acc, limit('Buy', ASK, 11, { timeInForce: 'IOC' })));
    const o = orderOf(h, ioc.orderId);
    expect([o.status, o.cumExecQty, o.rejectReason]).toEqual(['Cancelled', 10, 'EC_CancelForNoFullFill']);
  });

  it('fills market orders up to the protection price', () => {
    const h = harness();
    seedBook(h.ex, 2, 10);
    const r = ack(
      h.ex.create(h.ex.accounts[0]!, { ...limit('Sell', 0, 15), orderType: 'Market', price: undefined }),
    );
    const o = orderOf(h, r.orderId);
    expect(o.cumExecQty).toBe(15);
    expect(o.timeInForce).toBe('IOC');
    expect(o.price).toBe(5_700_000);
  });

  it('refuses duplicate orderLinkIds among open orders only', () => {
    const h = harness();
    seedBook(h.ex);
    const acc = h.ex.accounts[0]!;
    const a = ack(h.ex.create(acc, limit('Buy', BID, 1, { orderLinkId: 'dup' })));
    const r = h.ex.create(acc, limit('Buy', BID, 1, { orderLinkId: 'dup' }));
    expect(isReject(r) && r.retCode).toBe(110072);
    ack(h.ex.cancel(acc, { symbol: 'BTCUSDT', orderId: a.orderId, orderLinkId: undefined }));
    ack(h.ex.create(acc, limit('Buy', BID, 1, { orderLinkId: 'dup' })));
    // Another account may use the same link id.
    ack(h.ex.create(h.ex.accounts[1]!, limit('Buy', BID, 1, { orderLinkId: 'dup' })));
  });

  it('honours reduceOnly: refuses with nothing to reduce, truncates, never flips', () => {
    const h = harness();
    seedBook(h.ex, 3, 100);
    const acc = h.ex.accounts[0]!;
    const r = h.ex.create(acc, limit('Sell', ASK, 5, { reduceOnly: true }));
    expect(isReject(r) && r.retCode).toBe(110017);
    ack(h.ex.create(acc, limit('Buy', ASK, 5)));
    const ro = ack(h.ex.create(acc, limit('Sell', ASK + 50, 9, { reduceOnly: true })));
    expect(orderOf(h, ro.orderId).qty).toBe(5);
    h.ex.takeSynthetic('BTCUSDT', 'Buy', Infinity, ASK + 60);
    expect(acc.positions.get('BTCUSDT')!.size).toBe(0);
    expect(orderOf(h, ro.orderId).status).toBe('Filled');
  });

  it('cancels a resting reduce-only order once the position is gone', () => {
    const h = harness();
    seedBook(h.ex, 3, 100);
    const acc = h.ex.accounts[0]!;
    ack(h.ex.create(acc, limit('Buy', ASK, 5)));
    const ro = ack(h.ex.create(acc, limit('Sell', ASK + 500, 5, { reduceOnly: true })));
    ack(h.ex.create(acc, limit('Sell', BID - 500, 5, { timeInForce: 'IOC' })));
    expect(acc.positions.get('BTCUSDT')!.size).toBe(0);
    const o = orderOf(h, ro.orderId);
    expect([o.status, o.cancelType]).toEqual(['Cancelled', 'CancelByReduceOnly']);
  });

  it('answers amend errors: unknown 110001, not modified 10001, qty under filled 110064', () => {
    const h = harness();
    seedBook(h.ex, 3, 10);
    const acc = h.ex.accounts[0]!;
    const ref = { symbol: 'BTCUSDT', orderLinkId: undefined };
    const unknown = h.ex.amend(acc, { ...ref, orderId: 'nope', qty: 2, price: undefined });
    expect(isReject(unknown) && unknown.retCode).toBe(110001);
    const r = ack(h.ex.create(acc, limit('Buy', ASK, 15)));
    const same = h.ex.amend(acc, { ...ref, orderId: r.orderId, qty: 15, price: ASK });
    expect(isReject(same) && [same.retCode, same.retMsg]).toEqual([10001, 'order not modified']);
    const under = h.ex.amend(acc, { ...ref, orderId: r.orderId, qty: 10, price: undefined });
    expect(isReject(under) && under.retCode).toBe(110064);
    const ok = h.ex.amend(acc, { ...ref, orderId: r.orderId, qty: 12, price: undefined });
    expect(isReject(ok)).toBe(false);
    expect(orderOf(h, r.orderId).leaves).toBe(2);
  });

  it('pushes Cancelled with CancelByUser on a user cancel', () => {
    const h = harness();
    seedBook(h.ex);
    const acc = h.ex.accounts[0]!;
    const r = ack(h.ex.create(acc, limit('Buy', BID, 1)));
    h.batches.length = 0;
    ack(h.ex.cancel(acc, { symbol: 'BTCUSDT', orderId: r.orderId, orderLinkId: undefined }));
    expect(h.batches.map(topics)).toEqual([['order', 'wallet', 'position']]);
    const item = h.batches[0]!.items[0]!;
    const pushed = item.topic === 'order' ? item.orders[0]! : undefined;
    expect([pushed?.status, pushed?.cancelType, pushed?.rejectReason, pushed?.leaves]).toEqual([
      'Cancelled',
      'CancelByUser',
      'EC_PerCancelRequest',
      0,
    ]);
    const again = h.ex.cancel(acc, { symbol: 'BTCUSDT', orderId: r.orderId, orderLinkId: undefined });
    expect(isReject(again) && again.retCode).toBe(110001);
  });

  it('answers a cancel racing a fill with 110001 and a second Filled push', () => {
    const h = harness();
    seedBook(h.ex, 3, 10);
    const acc = h.ex.accounts[0]!;
    const r = ack(h.ex.create(acc, limit('Buy', BID, 5)));
    h.ex.takeSynthetic('BTCUSDT', 'Sell', 15);
    h.batches.length = 0;
    const c = h.ex.cancel(acc, { symbol: 'BTCUSDT', orderId: r.orderId, orderLinkId: undefined });
    expect(isReject(c) && c.retCode).toBe(110001);
    const item = h.batches[0]!.items[0]!;
    const pushed = item.topic === 'order' ? item.orders[0]! : undefined;
    expect([pushed?.status, pushed?.cancelType, pushed?.rejectReason]).toEqual([
      'Filled',
      'CancelByUser',
      'EC_OrigClOrdIDDoesNotExist',
    ]);
    // Past the race window the cancel is a plain 110001 with no push.
    h.clock.advanceBy(1000);
    h.batches.length = 0;
    h.ex.cancel(acc, { symbol: 'BTCUSDT', orderId: r.orderId, orderLinkId: undefined });
    expect(h.batches).toHaveLength(0);
  });

  it('accounts a round trip: realised PnL, fees and the wallet add up', () => {
    const h = harness();
    seedBook(h.ex, 3, 100);
    const acc = h.ex.accounts[0]!;
    ack(h.ex.create(acc, limit('Buy', ASK, 10))); // taker buy 0.010 @ 60000.00
    for (let i = 0; i < 3; i++) h.ex.setSynth('BTCUSDT', true, 6_000_990 - i * 10, 100);
    ack(h.ex.create(acc, limit('Sell', 6_000_990, 10))); // taker sell 0.010 @ 60009.90
    const pos = acc.positions.get('BTCUSDT')!;
    expect(pos.size).toBe(0);
    // 0.01 × 9.90 = 0.099 USDT gross; fees 0.00055 × (600 + 600.099).
    expect(acc.realisedGross).toBe(9_900_000);
    expect(acc.feesPaid).toBe(Math.round(60_000_000_000 * 0.00055) + Math.round(60_009_900_000 * 0.00055));
    expect(acc.wallet).toBe(acc.initial + acc.realisedGross - acc.feesPaid);
    expect(pos.cumRealised).toBe(acc.realisedGross - acc.feesPaid);
  });

  it('cancels every open order of an account with cancelAll', () => {
    const h = harness();
    seedBook(h.ex);
    const acc = h.ex.accounts[0]!;
    for (let i = 0; i < 4; i++) ack(h.ex.create(acc, limit('Buy', BID - i * 10, 1)));
    ack(h.ex.create(h.ex.accounts[1]!, limit('Buy', BID, 1)));
    const list = h.ex.cancelAll(acc, 'BTCUSDT');
    expect(list).toHaveLength(4);
    expect(acc.open.size).toBe(0);
    expect(h.ex.accounts[1]!.open.size).toBe(1);
  });
});
