import { describe, it, expect } from 'vitest';
import { createActor, fromPromise, waitFor, type AnyMachineSnapshot } from 'xstate';
import { SimClock } from '../../src/domain/clock.js';
import {
  orderMachine,
  POST_ONLY_REJECT_REASON,
  type OrderContext,
  type OrderEvent,
  type OrderInput,
  type QueryOrderInput,
  type QueryOrderOutput,
} from '../../src/machines/order.js';
import { fill, orderEvents, orderInput, venueOrder } from './order-events.js';
import { coverage } from './support.js';

describe('order machine graph', () => {
  it('reaches every state and takes every transition on shortest paths', () => {
    const result = coverage(orderMachine, {
      inputs: [orderInput],
      events: orderEvents,
      serializeState: (s: AnyMachineSnapshot) => {
        const c = s.context as OrderContext;
        return JSON.stringify([
          s.value,
          c.price,
          c.qty,
          c.cumQty,
          c.acknowledged,
          c.confirmed,
          c.reconcileFailures,
          c.amendFrom.cumQty,
        ]);
      },
    });
    expect(result.paths).toBeGreaterThan(100);
    expect(result.missingStates).toEqual([]);
    expect(result.missingTransitions).toEqual([]);
  });
});

function harness(query: (n: number) => Promise<QueryOrderOutput>, extra: Partial<OrderInput> = {}) {
  const clock = new SimClock();
  const calls: { type: string; at: number; params: unknown }[] = [];
  const queries: { at: number; input: QueryOrderInput }[] = [];
  const record =
    (type: string) =>
    (_: unknown, params: unknown): void => {
      calls.push({ type, at: clock.now(), params });
    };
  const machine = orderMachine.provide({
    actors: {
      queryOrder: fromPromise<QueryOrderOutput, QueryOrderInput>(({ input }) => {
        queries.push({ at: clock.now(), input });
        return query(queries.length);
      }),
    },
    actions: {
      notifyTransition: record('notifyTransition'),
      notifyFill: record('notifyFill'),
      notifyRejected: record('notifyRejected'),
    },
  });
  const actor = createActor(machine, { clock, input: { ...orderInput, ...extra } });
  const errors: unknown[] = [];
  actor.subscribe({ error: (e) => errors.push(e) });
  actor.start();
  const of = (type: string) => calls.filter((c) => c.type === type).map((c) => c.params);
  return { clock, actor, calls, queries, of, errors };
}

const never = () => new Promise<QueryOrderOutput>(() => {});
/** Lets settled promises deliver their outcome (no time passes on the simulated clock). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('order machine context', () => {
  // XState copies the context on every assign with Object.assign({}, context, patch); V8 makes an
  // object built that way a dictionary past about 19 properties, and then every copy and read of
  // it is many times slower (5 µs against 0.2 µs a copy, measured): the replay's largest cost.
  it('keeps 16 or fewer top-level fields through a whole life, amend and fills included', () => {
    const h = harness(never);
    const widths = [Object.keys(h.actor.getSnapshot().context).length];
    h.actor.send({ type: 'create.accepted', orderId: 'o-1' });
    h.actor.send(venueOrder('New', 0) as OrderEvent);
    h.actor.send({ type: 'amend.sent', price: 101, qty: 10 });
    h.actor.send({ type: 'amend.accepted' });
    h.actor.send(fill('e1', 4) as OrderEvent);
    h.actor.send({ type: 'cancel.sent' });
    widths.push(Object.keys(h.actor.getSnapshot().context).length);
    expect(Math.max(...widths)).toBeLessThanOrEqual(16);
    expect(h.actor.getSnapshot().context.cumQty).toBe(4);
  });

  it('takes an update that repeats what it knows without leaving its state or copying its context', () => {
    const h = harness(never);
    h.actor.send(venueOrder('New', 0) as OrderEvent);
    h.actor.send({ type: 'amend.sent', price: 101, qty: 10 });
    h.actor.send({ type: 'amend.accepted' });
    const before = h.actor.getSnapshot().context;
    const transitions = h.of('notifyTransition').length;
    h.actor.send(venueOrder('New', 0, { price: 101 }) as OrderEvent);
    expect(h.actor.getSnapshot().value).toEqual({ open: 'new' });
    expect(h.actor.getSnapshot().context).toBe(before);
    expect(h.of('notifyTransition')).toHaveLength(transitions);
    // One that says something new is applied as before.
    h.actor.send(venueOrder('PartiallyFilled', 3, { price: 101 }) as OrderEvent);
    expect(h.actor.getSnapshot().value).toEqual({ open: 'partiallyFilled' });
    expect(h.actor.getSnapshot().context.cumQty).toBe(3);
  });
});

describe('order machine on a simulated clock', () => {
  it('follows an order from request to filled, counting a repeated fill once', () => {
    const h = harness(never);
    h.actor.send({ type: 'create.accepted', orderId: 'o-1' });
    expect(h.actor.getSnapshot().value).toBe('pendingNew');
    h.actor.send(venueOrder('New', 0) as OrderEvent);
    h.actor.send(fill('e1', 4) as OrderEvent);
    h.actor.send(fill('e1', 4) as OrderEvent);
    expect(h.actor.getSnapshot().value).toEqual({ open: 'partiallyFilled' });
    expect(h.actor.getSnapshot().context.cumQty).toBe(4);
    h.actor.send(fill('e2', 6) as OrderEvent);
    expect(h.actor.getSnapshot().value).toBe('filled');
    h.actor.send(fill('e2', 6) as OrderEvent);
    h.clock.advanceBy(2_000);
    expect(h.actor.getSnapshot().status).toBe('done');
    expect(h.actor.getSnapshot().output).toEqual({
      orderLinkId: 'mm-1',
      orderId: 'o-1',
      status: 'filled',
      cumQty: 10,
      price: 100,
      qty: 10,
    });
    expect(h.of('notifyFill')).toEqual([
      { orderLinkId: 'mm-1', execId: 'e1', qty: 4, price: 100 },
      { orderLinkId: 'mm-1', execId: 'e2', qty: 6, price: 100 },
    ]);
    expect(h.of('notifyTransition').map((p) => (p as { to: string }).to)).toEqual([
      'new',
      'partiallyFilled',
      'filled',
      'done',
    ]);
    expect(h.queries).toEqual([]);
  });

  it('reconciles an unconfirmed order after ackTimeoutMs and takes the state the venue reports', async () => {
    const h = harness(() =>
      Promise.resolve({
        found: true,
        status: 'PartiallyFilled',
        orderId: 'o-1',
        price: 100,
        qty: 10,
        cumQty: 3,
      }),
    );
    h.clock.advanceBy(4_999);
    expect(h.actor.getSnapshot().value).toBe('pendingNew');
    h.clock.advanceBy(1);
    expect(h.queries).toEqual([{ at: 5_000, input: { orderLinkId: 'mm-1', symbol: 'BTCUSDT' } }]);
    await waitFor(h.actor, (s) => s.matches('open'));
    expect(h.actor.getSnapshot().value).toEqual({ open: 'partiallyFilled' });
    expect(h.actor.getSnapshot().context).toMatchObject({ orderId: 'o-1', cumQty: 3, confirmed: true });
  });

  it('retries a failing query with a doubling backoff and gives up to unresolved', async () => {
    const h = harness(() => Promise.reject(new Error('rest down')));
    h.actor.send({ type: 'create.unknown' });
    for (let i = 0; i < 3; i++) {
      await settle();
      const next = h.clock.nextDue();
      if (next !== undefined) h.clock.advanceTo(next);
    }
    await settle();
    expect(h.queries.map((q) => q.at)).toEqual([0, 500, 1_500]);
    expect(h.actor.getSnapshot().value).toBe('unresolved');
    expect(h.actor.getSnapshot().output).toMatchObject({ status: 'unresolved', orderId: null });
    expect(h.errors).toEqual([]);
  });

  it('rejects an order the venue never saw as lost', async () => {
    const h = harness(() => Promise.resolve({ found: false }));
    h.actor.send({ type: 'create.unknown' });
    await waitFor(h.actor, (s) => s.matches('rejected'));
    expect(h.of('notifyRejected')).toEqual([{ orderLinkId: 'mm-1', reason: 'lost' }]);
  });

  it('rejects a PostOnly order that would have crossed, with reason post_only', () => {
    const h = harness(never);
    h.actor.send({ type: 'create.accepted', orderId: 'o-1' });
    h.actor.send(venueOrder('Cancelled', 0, { rejectReason: POST_ONLY_REJECT_REASON }) as OrderEvent);
    expect(h.actor.getSnapshot().value).toBe('rejected');
    expect(h.of('notifyRejected')).toEqual([{ orderLinkId: 'mm-1', reason: 'post_only' }]);
  });

  it('records a fill that beat the cancel, and ends filled when it completes the order', () => {
    const h = harness(never);
    h.actor.send(venueOrder('PartiallyFilled', 4) as OrderEvent);
    h.actor.send(fill('e6', 4) as OrderEvent);
    h.actor.send({ type: 'cancel.sent' });
    h.actor.send(venueOrder('Cancelled', 4) as OrderEvent);
    expect(h.actor.getSnapshot().value).toBe('cancelled');
    h.clock.advanceBy(1_000);
    h.actor.send(fill('e7', 6) as OrderEvent);
    expect(h.actor.getSnapshot().value).toBe('filled');
    h.clock.advanceBy(2_000);
    expect(h.actor.getSnapshot().output).toMatchObject({ status: 'filled', cumQty: 10 });
  });

  it('settles a cancel for settleMs, then is done with what it knows', () => {
    const h = harness(never);
    h.actor.send(venueOrder('New', 0) as OrderEvent);
    h.actor.send({ type: 'cancel.sent' });
    h.actor.send(venueOrder('Cancelled', 0) as OrderEvent);
    h.actor.send(fill('e8', 3) as OrderEvent);
    h.clock.advanceBy(1_999);
    expect(h.actor.getSnapshot().value).toBe('cancelled');
    h.clock.advanceBy(1);
    expect(h.actor.getSnapshot().output).toMatchObject({ status: 'cancelled', cumQty: 3 });
  });

  it('goes back to the previous state and price on a rejected amend, and reconciles a gone order', () => {
    const h = harness(never);
    h.actor.send(venueOrder('PartiallyFilled', 4) as OrderEvent);
    h.actor.send({ type: 'amend.sent', price: 101, qty: 12 });
    expect(h.actor.getSnapshot().context).toMatchObject({
      price: 101,
      qty: 12,
      amendFrom: { price: 100, qty: 10, cumQty: 4 },
    });
    h.actor.send({ type: 'amend.rejected', code: 110010, reason: 'too late' });
    expect(h.actor.getSnapshot().value).toEqual({ open: 'partiallyFilled' });
    expect(h.actor.getSnapshot().context).toMatchObject({ price: 100, qty: 10, cumQty: 4 });
    h.actor.send({ type: 'cancel.sent' });
    h.actor.send({ type: 'cancel.rejected', code: 110001 });
    expect(h.actor.getSnapshot().value).toEqual({ reconciling: 'querying' });
    expect(h.queries).toHaveLength(1);
  });

  it('reconciles a cancel the venue never confirms', () => {
    const h = harness(never);
    h.actor.send(venueOrder('New', 0) as OrderEvent);
    h.actor.send({ type: 'cancel.sent' });
    h.clock.advanceBy(5_000);
    expect(h.actor.getSnapshot().value).toEqual({ reconciling: 'querying' });
  });
});
