import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/domain/random.js';
import type { Exchange } from '../../../src/sim/engine/exchange.js';
import { MarketGenerator } from '../../../src/sim/market/market-generator.js';
import { isReject, type SimOrder } from '../../../src/sim/engine/types.js';
import { BTC, harness, limit } from './fixtures.js';

type Step =
  | {
      kind: 'place';
      account: number;
      side: 'Buy' | 'Sell';
      market: boolean;
      tif: 'GTC' | 'IOC' | 'FOK' | 'PostOnly';
      offset: number;
      qty: number;
      reduceOnly: boolean;
      link: number;
    }
  | { kind: 'amend'; pick: number; offset: number | undefined; qty: number | undefined }
  | { kind: 'cancel'; pick: number }
  | { kind: 'cancelAll'; account: number }
  | { kind: 'move'; ms: number }
  | { kind: 'aggress'; side: 'Buy' | 'Sell'; qty: number };

/** true about once in `n` draws. */
const rarely = (n: number): fc.Arbitrary<boolean> =>
  fc.oneof({ weight: n - 1, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('place' as const),
      account: fc.integer({ min: 0, max: 1 }),
      side: fc.constantFrom('Buy' as const, 'Sell' as const),
      market: rarely(5),
      tif: fc.constantFrom('GTC' as const, 'IOC' as const, 'FOK' as const, 'PostOnly' as const),
      offset: fc.integer({ min: -30, max: 30 }),
      qty: fc.integer({ min: 1, max: 400 }),
      reduceOnly: rarely(4),
      link: fc.integer({ min: 0, max: 6 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('amend' as const),
      pick: fc.nat(),
      offset: fc.option(fc.integer({ min: -30, max: 30 }), { nil: undefined }),
      qty: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('cancelAll' as const),
      account: fc.integer({ min: 0, max: 1 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('move' as const), ms: fc.integer({ min: 1, max: 3000 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('aggress' as const),
      side: fc.constantFrom('Buy' as const, 'Sell' as const),
      qty: fc.integer({ min: 1, max: 2000 }),
    }),
  },
);

function openOrders(ex: Exchange): SimOrder[] {
  return ex.accounts.flatMap((a) => [...a.open.values()]);
}

/** Throws with a message when a law is broken (plain checks: expect() per level is too slow here). */
function law(ok: boolean, what: string): void {
  if (!ok) throw new Error(`broken: ${what}`);
}

function checkInvariants(ex: Exchange): void {
  const s = ex.symbol('BTCUSDT')!;
  law(!s.book.isCrossed(), 'the book is never crossed after matching');
  // Every open order rests exactly once at its price; level totals match their queues.
  const resting = new Map<SimOrder, number>();
  for (const side of [s.book.bids, s.book.asks]) {
    let prev: number | undefined;
    side.forEachBest((level) => {
      law(prev === undefined || side.better(prev, level.price), 'levels are sorted best-first');
      prev = level.price;
      let synth = 0;
      let user = 0;
      for (const e of level.queue) {
        if (typeof e === 'number') synth += e;
        else {
          user += e.leaves;
          resting.set(e, (resting.get(e) ?? 0) + 1);
          law(
            e.price === level.price && (e.side === 'Buy') === side.isBid,
            'an order rests at its own price and side',
          );
        }
      }
      law(synth === level.synth && user === level.user, 'level totals equal their queues');
      law(level.synth + level.user > 0, 'no empty level is kept');
      return true;
    });
  }
  const open = openOrders(ex);
  law(resting.size === open.length, 'the book holds exactly the open orders');
  for (const o of open) law(resting.get(o) === 1, 'an open order rests once');

  for (const acc of ex.accounts) {
    const byOrder = new Map<string, number>();
    let size = 0;
    let pnl = 0;
    let fees = 0;
    let sells = 0;
    let buys = 0;
    for (const e of acc.executions) {
      byOrder.set(e.orderId, (byOrder.get(e.orderId) ?? 0) + e.qty);
      size += e.side === 'Buy' ? e.qty : -e.qty;
      pnl += e.pnl;
      fees += e.fee;
      if (e.side === 'Buy') buys += e.value;
      else sells += e.value;
    }
    for (const o of acc.orders.values()) {
      law(o.cumExecQty <= o.qty, 'no order is filled beyond its quantity');
      law(o.cumExecQty === (byOrder.get(o.orderId) ?? 0), "an order's fills are its executions");
      if (o.status === 'New' || o.status === 'PartiallyFilled')
        law(o.leaves === o.qty - o.cumExecQty, 'open leaves');
      else law(o.leaves === 0, 'closed orders have no leaves');
      if (o.status === 'Filled') law(o.cumExecQty === o.qty, 'a filled order is complete');
    }
    const pos = acc.positions.get('BTCUSDT');
    expect(pos?.size ?? 0).toBe(size);
    expect(acc.wallet).toBe(acc.initial + pnl - fees);
    expect(pos?.cumRealised ?? 0).toBe(pnl - fees);
    const cost = pos?.cost ?? 0;
    expect(pnl).toBe(sells - buys + (size > 0 ? cost : size < 0 ? -cost : 0));
    if (size === 0) expect(cost).toBe(0);
    expect(cost).toBeGreaterThanOrEqual(0);
  }
}

describe('matching engine properties', () => {
  it('keeps fills, positions, the book and the wallet consistent under arbitrary steps', () => {
    const seen = { taker: 0, maker: 0, postOnlyMaker: 0, reduceOnlyFill: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.array(step, { minLength: 10, maxLength: 60, size: 'max' }),
        (seed, steps) => {
          const h = harness(seed);
          const gen = new MarketGenerator(h.ex, BTC, createRng(seed).fork('market'), {
            startPrice: 60000,
            volatility: 2,
            takerRatePerS: 20,
            stepMs: 20,
          });
          gen.start(h.clock);
          const postOnly = new Set<string>();
          const reduceOnly = new Set<string>();
          for (const st of steps) {
            const s = h.ex.symbol('BTCUSDT')!;
            const tick = BTC.tickUnits;
            switch (st.kind) {
              case 'place': {
                const acc = h.ex.accounts[st.account]!;
                const r = h.ex.create(
                  acc,
                  st.market
                    ? {
                        ...limit(st.side, 0, st.qty),
                        orderType: 'Market',
                        price: undefined,
                        reduceOnly: st.reduceOnly,
                      }
                    : limit(st.side, s.mark + st.offset * tick, st.qty, {
                        timeInForce: st.tif,
                        reduceOnly: st.reduceOnly,
                        orderLinkId: st.link === 0 ? '' : `l-${st.link}`,
                      }),
                );
                if (!isReject(r)) {
                  if (!st.market && st.tif === 'PostOnly') postOnly.add(r.orderId);
                  if (st.reduceOnly) reduceOnly.add(r.orderId);
                } else expect([110072, 110017, 110007]).toContain(r.retCode);
                break;
              }
              case 'amend': {
                const open = openOrders(h.ex);
                const o = open[st.pick % Math.max(1, open.length)];
                if (o === undefined) break;
                h.ex.amend(h.ex.accounts[o.accountIndex]!, {
                  symbol: 'BTCUSDT',
                  orderId: o.orderId,
                  orderLinkId: undefined,
                  qty: st.qty,
                  price: st.offset === undefined ? undefined : s.mark + st.offset * tick,
                });
                break;
              }
              case 'cancel': {
                const open = openOrders(h.ex);
                const o = open[st.pick % Math.max(1, open.length)];
                if (o === undefined) break;
                const r = h.ex.cancel(h.ex.accounts[o.accountIndex]!, {
                  symbol: 'BTCUSDT',
                  orderId: o.orderId,
                  orderLinkId: undefined,
                });
                expect(isReject(r)).toBe(false);
                break;
              }
              case 'cancelAll':
                h.ex.cancelAll(h.ex.accounts[st.account]!, undefined);
                expect([...h.ex.accounts[st.account]!.open.values()]).toHaveLength(0);
                break;
              case 'move':
                h.clock.advanceBy(st.ms);
                break;
              case 'aggress':
                h.ex.takeSynthetic('BTCUSDT', st.side, st.qty);
                break;
            }
            checkInvariants(h.ex);
          }
          for (const acc of h.ex.accounts) {
            for (const e of acc.executions) {
              // A PostOnly order never takes liquidity.
              if (postOnly.has(e.orderId)) expect(e.isMaker).toBe(true);
              // A reduce-only fill only ever closes.
              if (reduceOnly.has(e.orderId)) expect(e.closedSize).toBe(e.qty);
              seen[e.isMaker ? 'maker' : 'taker']++;
              if (postOnly.has(e.orderId)) seen.postOnlyMaker++;
              if (reduceOnly.has(e.orderId)) seen.reduceOnlyFill++;
            }
          }
          gen.stop();
        },
      ),
      { numRuns: 100, seed: 20_260_101 },
    );
    // The runs exercised what the laws are about.
    expect(seen.taker).toBeGreaterThan(50);
    expect(seen.maker).toBeGreaterThan(50);
    expect(seen.postOnlyMaker).toBeGreaterThan(5);
    expect(seen.reduceOnlyFill).toBeGreaterThan(5);
  });
});
