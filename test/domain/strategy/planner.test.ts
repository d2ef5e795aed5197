import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../../src/errors.js';
import type { PlanParams } from '../../../src/domain/strategy/params.js';
import {
  planOrders,
  withinTolerance,
  type LiveOrder,
  type OrderPlan,
  type OrderSide,
  type PendingKind,
} from '../../../src/domain/strategy/planner.js';
import { computeQuotes, type QuoteLevel } from '../../../src/domain/strategy/quotes.js';
import { BTC, scenarioArb } from './arbitraries.js';

const PARAMS: PlanParams = { refreshToleranceBps: 1, maxActivePerSide: 10, batchSize: 20 };

const bid = (level: number, price: number, qty = 1): QuoteLevel => ({ level, price, qty });
const ask = bid;
const order = (
  id: string,
  side: OrderSide,
  price: number,
  qty = 1,
  extra: Partial<LiveOrder> = {},
): LiveOrder => ({
  orderLinkId: id,
  side,
  price,
  qty,
  ...extra,
});

/** Executes a plan on idle orders (cancels, then amends, then creates) and returns the result. */
function execute(live: readonly LiveOrder[], plan: OrderPlan): LiveOrder[] {
  const cancelled = new Set(plan.cancels.map((c) => c.orderLinkId));
  const amended = new Map(plan.amends.map((a) => [a.orderLinkId, a]));
  const out = live
    .filter((o) => !cancelled.has(o.orderLinkId))
    .map((o) => {
      const a = amended.get(o.orderLinkId);
      return a ? { ...o, price: a.price, qty: a.qty } : o;
    });
  plan.creates.forEach((c, i) => out.push(order(`new-${i}-${c.side}-${c.level}`, c.side, c.price, c.qty)));
  return out;
}

/**
 * Replays the plan in its execution order against every price our orders might rest at, and
 * returns the first moment a bid is at or above an ask (or null).
 */
function firstSelfCross(live: readonly LiveOrder[], plan: OrderPlan): string | null {
  const cancelled = new Set(plan.cancels.map((c) => c.orderLinkId));
  type Slot = { id: string; side: OrderSide; prices: number[] };
  const slots: Slot[] = live
    .filter((o) => !cancelled.has(o.orderLinkId))
    .map((o) => ({
      id: o.orderLinkId,
      side: o.side,
      prices: o.pending === 'amend' && o.pendingPrice !== undefined ? [o.price, o.pendingPrice] : [o.price],
    }));
  const crossed = () => {
    const bids = slots.filter((s) => s.side === 'Buy').flatMap((s) => s.prices);
    const asks = slots.filter((s) => s.side === 'Sell').flatMap((s) => s.prices);
    return bids.length > 0 && asks.length > 0 && Math.max(...bids) >= Math.min(...asks);
  };
  if (crossed()) return 'initial state';
  for (const a of plan.amends) {
    const s = slots.find((x) => x.id === a.orderLinkId)!;
    s.prices = [a.price];
    if (crossed()) return `amend ${a.orderLinkId} to ${a.price}`;
  }
  plan.creates.forEach((c, i) => slots.push({ id: `c${i}`, side: c.side, prices: [c.price] }));
  for (let i = 0; i < plan.creates.length; i++) {
    const partial = slots.slice(0, slots.length - plan.creates.length + i + 1);
    const bids = partial.filter((s) => s.side === 'Buy').flatMap((s) => s.prices);
    const asks = partial.filter((s) => s.side === 'Sell').flatMap((s) => s.prices);
    if (bids.length > 0 && asks.length > 0 && Math.max(...bids) >= Math.min(...asks)) return `create ${i}`;
  }
  return null;
}

const isEmpty = (p: OrderPlan) => p.cancels.length + p.amends.length + p.creates.length === 0;

describe('planOrders', () => {
  it('creates the whole ladder when nothing is live, nearest level first', () => {
    const plan = planOrders(
      { bids: [bid(0, 990), bid(1, 980)], asks: [ask(0, 1010), ask(1, 1020)], reduceOnly: false },
      [],
      PARAMS,
    );
    expect(plan.cancels).toEqual([]);
    expect(plan.amends).toEqual([]);
    expect(plan.creates.map((c) => [c.side, c.level, c.price])).toEqual([
      ['Buy', 0, 990],
      ['Buy', 1, 980],
      ['Sell', 0, 1010],
      ['Sell', 1, 1020],
    ]);
    expect(plan.batches.creates.map((b) => b.length)).toEqual([2, 2]);
  });

  it('plans nothing when the live orders already match', () => {
    const live = [order('a', 'Buy', 990), order('b', 'Sell', 1010)];
    expect(isEmpty(planOrders({ bids: [bid(0, 990)], asks: [ask(0, 1010)] }, live, PARAMS))).toBe(true);
  });

  it('leaves a price within the refresh tolerance alone and amends one beyond it', () => {
    // 1 bps of 100,000 units is 10 units.
    const live = [order('a', 'Buy', 99_990), order('b', 'Sell', 100_020)];
    const within = planOrders({ bids: [bid(0, 100_000)], asks: [ask(0, 100_030)] }, live, PARAMS);
    expect(isEmpty(within)).toBe(true);
    const beyond = planOrders({ bids: [bid(0, 100_015)], asks: [ask(0, 100_030)] }, live, PARAMS);
    expect(beyond.amends).toEqual([
      { side: 'Buy', orderLinkId: 'a', price: 100_015, qty: 1, fromPrice: 99_990, level: 0 },
    ]);
    // Within tolerance but locked against the new bid: the ask has to move after all.
    const locked = planOrders({ bids: [bid(0, 100_020)], asks: [ask(0, 100_030)] }, live, PARAMS);
    expect(locked.amends.map((a) => [a.orderLinkId, a.price])).toEqual([
      ['b', 100_030],
      ['a', 100_020],
    ]);
    expect(withinTolerance(99_990, 100_000, 1)).toBe(true);
    expect(withinTolerance(99_989, 100_000, 1)).toBe(false);
  });

  it('amends a size change to filled + desired resting size', () => {
    const live = [order('a', 'Buy', 990, 10, { filledQty: 4 })];
    const plan = planOrders({ bids: [bid(0, 990, 10)], asks: [] }, live, PARAMS);
    expect(plan.amends).toEqual([
      { side: 'Buy', orderLinkId: 'a', price: 990, qty: 14, fromPrice: 990, level: 0 },
    ]);
    expect(isEmpty(planOrders({ bids: [bid(0, 990, 6)], asks: [] }, live, PARAMS))).toBe(true);
  });

  it('matches the nearest live order, cancels the surplus and creates what is missing', () => {
    const live = [order('far', 'Buy', 900), order('near', 'Buy', 985), order('x', 'Sell', 1050)];
    const plan = planOrders({ bids: [bid(0, 990)], asks: [ask(0, 1010), ask(1, 1020)] }, live, PARAMS);
    expect(plan.cancels).toEqual([{ side: 'Buy', orderLinkId: 'far' }]);
    // 'x' at 1050 is nearer to 1020 than to 1010, so it takes level 1 and level 0 is created.
    expect(plan.amends.map((a) => [a.orderLinkId, a.price])).toEqual([
      ['near', 990],
      ['x', 1020],
    ]);
    expect(plan.creates.map((c) => [c.side, c.price])).toEqual([['Sell', 1010]]);
  });

  it('never touches in-flight orders, and lets a pending order cover its level', () => {
    const live = [
      order('pn', 'Buy', 990, 1, { pending: 'new' }),
      order('pa', 'Buy', 900, 1, { pending: 'amend', pendingPrice: 980 }),
      order('pc', 'Sell', 1010, 1, { pending: 'cancel' }),
    ];
    const plan = planOrders(
      { bids: [bid(0, 990), bid(1, 980), bid(2, 970)], asks: [ask(0, 1020)] },
      live,
      PARAMS,
    );
    expect(plan.cancels).toEqual([]);
    expect(plan.amends).toEqual([]);
    expect(plan.creates.map((c) => [c.side, c.price])).toEqual([
      ['Buy', 970],
      ['Sell', 1020],
    ]);
  });

  it('keeps within max_active_per_side, counting in-flight orders and keeping the nearest levels', () => {
    const params = { ...PARAMS, maxActivePerSide: 3 };
    const live = [
      order('p1', 'Buy', 500, 1, { pending: 'new' }),
      order('p2', 'Buy', 510, 1, { pending: 'cancel' }),
    ];
    const plan = planOrders({ bids: [bid(0, 990), bid(1, 980), bid(2, 970)], asks: [] }, live, params);
    expect(plan.creates.map((c) => c.level)).toEqual([0]);
    expect(plan.skipped.capacity).toBe(2);
  });

  it('skips a create that would cross one of our resting orders on the other side', () => {
    // The market jumped up: our old ask at 1000 is still being cancelled, the new bid at 1005 would cross it.
    const live = [order('old-ask', 'Sell', 1000, 1, { pending: 'cancel' })];
    const plan = planOrders({ bids: [bid(0, 1005)], asks: [ask(0, 1015)] }, live, PARAMS);
    expect(plan.creates.map((c) => [c.side, c.price])).toEqual([['Sell', 1015]]);
    expect(plan.skipped.crossing).toBe(1);
  });

  it('sends widening amends before tightening ones so a jump never self-crosses', () => {
    // Market up by 30: the ask moves up (widens) first, then the bid can follow.
    const live = [order('b', 'Buy', 990), order('a', 'Sell', 1010)];
    const plan = planOrders({ bids: [bid(0, 1020)], asks: [ask(0, 1040)] }, live, PARAMS);
    expect(plan.amends.map((a) => a.orderLinkId)).toEqual(['a', 'b']);
    expect(plan.skipped.crossing).toBe(0);
    expect(firstSelfCross(live, plan)).toBeNull();
  });

  it('cuts batches at 20 per side, in execution order', () => {
    const bids = Array.from({ length: 45 }, (_, i) => bid(i, 10_000 - i * 10));
    const plan = planOrders({ bids, asks: [ask(0, 20_000)] }, [], { ...PARAMS, maxActivePerSide: 100 });
    expect(plan.batches.creates.map((b) => [b[0]!.side, b.length])).toEqual([
      ['Buy', 20],
      ['Buy', 20],
      ['Buy', 5],
      ['Sell', 1],
    ]);
    expect(plan.batches.creates.flat()).toEqual(plan.creates);
  });

  it('flags creates reduce-only in reduce-only mode', () => {
    const plan = planOrders({ bids: [], asks: [ask(0, 1010)], reduceOnly: true }, [], PARAMS);
    expect(plan.creates[0]!.reduceOnly).toBe(true);
  });

  it('refuses a desired ladder that crosses itself or leaves the grid, as a broken invariant', () => {
    expect(() => planOrders({ bids: [bid(0, 1010)], asks: [ask(0, 1010)] }, [], PARAMS)).toThrow(
      InvariantError,
    );
    expect(() => planOrders({ bids: [bid(0, 995)], asks: [] }, [], PARAMS, BTC)).toThrow(/off the grid/);
    expect(() => planOrders({ bids: [bid(0, 990, 0)], asks: [] }, [], PARAMS)).toThrow(InvariantError);
    expect(planOrders({ bids: [bid(0, 990)], asks: [] }, [], PARAMS, BTC).creates).toHaveLength(1);
  });

  // ---- properties ----

  const pendingArb: fc.Arbitrary<PendingKind | undefined> = fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom<PendingKind>('new', 'amend', 'cancel') },
  );

  /** A non-crossing live state and a non-crossing desired ladder, around independent splits. */
  const worldArb = fc
    .record({
      liveSplit: fc.integer({ min: 10_000, max: 11_000 }),
      desiredSplit: fc.integer({ min: 10_000, max: 11_000 }),
      maxActive: fc.integer({ min: 1, max: 12 }),
      tol: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 30, noNaN: true })),
      batch: fc.integer({ min: 1, max: 20 }),
    })
    .chain((w) =>
      fc.record({
        w: fc.constant(w),
        liveBids: fc.array(
          fc.record({
            off: fc.integer({ min: 1, max: 400 }),
            amendOff: fc.integer({ min: 1, max: 400 }),
            qty: fc.integer({ min: 1, max: 5 }),
            pending: pendingArb,
          }),
          { maxLength: 14 },
        ),
        liveAsks: fc.array(
          fc.record({
            off: fc.integer({ min: 0, max: 400 }),
            amendOff: fc.integer({ min: 0, max: 400 }),
            qty: fc.integer({ min: 1, max: 5 }),
            pending: pendingArb,
          }),
          { maxLength: 14 },
        ),
        bidOffs: fc.uniqueArray(fc.integer({ min: 1, max: 400 }), { maxLength: 12 }),
        askOffs: fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 12 }),
        qty: fc.integer({ min: 1, max: 5 }),
      }),
    )
    .map(({ w, liveBids, liveAsks, bidOffs, askOffs, qty }) => {
      const mk = (side: OrderSide, sign: number) => (o: (typeof liveBids)[number], i: number) =>
        order(`${side}-${i}`, side, w.liveSplit + sign * o.off, o.qty, {
          ...(o.pending ? { pending: o.pending } : {}),
          ...(o.pending === 'amend' ? { pendingPrice: w.liveSplit + sign * o.amendOff } : {}),
        });
      const live = [...liveBids.map(mk('Buy', -1)), ...liveAsks.map(mk('Sell', 1))];
      const cap = w.maxActive;
      const desired = {
        bids: [...bidOffs]
          .sort((a, b) => a - b)
          .slice(0, cap)
          .map((o, i) => bid(i, w.desiredSplit - o, qty)),
        asks: [...askOffs]
          .sort((a, b) => a - b)
          .slice(0, cap)
          .map((o, i) => ask(i, w.desiredSplit + o, qty)),
      };
      const params: PlanParams = { refreshToleranceBps: w.tol, maxActivePerSide: cap, batchSize: w.batch };
      return { live, desired, params };
    });

  it('never touches in-flight orders and never exceeds max_active_per_side', () => {
    fc.assert(
      fc.property(worldArb, ({ live, desired, params }) => {
        const plan = planOrders(desired, live, params);
        const inFlight = new Set(live.filter((o) => o.pending).map((o) => o.orderLinkId));
        for (const x of [...plan.cancels, ...plan.amends]) expect(inFlight.has(x.orderLinkId)).toBe(false);
        const touched = [...plan.cancels, ...plan.amends].map((x) => x.orderLinkId);
        expect(new Set(touched).size).toBe(touched.length); // each order at most once
        for (const side of ['Buy', 'Sell'] as const) {
          const n = live.filter((o) => o.side === side).length;
          const afterCancels = n - plan.cancels.filter((c) => c.side === side).length;
          const creates = plan.creates.filter((c) => c.side === side).length;
          // Cancels only lower the count, amends keep it, creates only fill free slots.
          if (creates > 0) expect(afterCancels + creates).toBeLessThanOrEqual(params.maxActivePerSide);
          expect(afterCancels + creates).toBeLessThanOrEqual(Math.max(n, params.maxActivePerSide));
        }
        for (const list of [plan.batches.cancels, plan.batches.amends, plan.batches.creates])
          for (const b of list) {
            expect(b.length).toBeLessThanOrEqual(params.batchSize);
            expect(new Set(b.map((x) => x.side)).size).toBe(1);
          }
        expect(plan.batches.amends.flat()).toEqual(plan.amends);
      }),
      { numRuns: 500 },
    );
  });

  it('never plans a request that crosses one of our resting orders, at any step of its execution order', () => {
    fc.assert(
      fc.property(worldArb, ({ live, desired, params }) => {
        const plan = planOrders(desired, live, params);
        expect(firstSelfCross(live, plan)).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it('reaches the desired ladder from idle orders, after which it plans nothing', () => {
    fc.assert(
      fc.property(worldArb, ({ live, desired, params }) => {
        const idle = live.map(({ pending: _p, pendingPrice: _pp, ...o }) => o);
        const plan = planOrders(desired, idle, params);
        expect(plan.skipped).toEqual({ crossing: 0, capacity: 0 });
        const after = execute(idle, plan);
        for (const side of ['Buy', 'Sell'] as const) {
          const want = side === 'Buy' ? desired.bids : desired.asks;
          const have = after.filter((o) => o.side === side);
          expect(have.length).toBe(want.length);
        }
        expect(isEmpty(planOrders(desired, after, params))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('plans nothing for an unchanged market once the quotes are resting', () => {
    fc.assert(
      fc.property(
        scenarioArb,
        fc.double({ min: 0, max: 20, noNaN: true }),
        ([inst, market, qp, inv], tol) => {
          const q = computeQuotes(qp, market, inv, inst);
          const params: PlanParams = {
            refreshToleranceBps: tol,
            maxActivePerSide: qp.maxActivePerSide,
            batchSize: 20,
          };
          const first = planOrders(q, [], params, inst);
          expect(first.creates).toHaveLength(q.bids.length + q.asks.length);
          const resting = execute([], first);
          const again = planOrders(computeQuotes(qp, market, inv, inst), resting, params);
          expect(isEmpty(again)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
