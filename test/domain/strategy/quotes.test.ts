import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pow10 } from '../../../src/domain/decimal.js';
import type { Instrument } from '../../../src/domain/instrument.js';
import { fairPrice } from '../../../src/domain/strategy/fair-price.js';
import { quoteParamsFromConfig, type QuoteParams } from '../../../src/domain/strategy/params.js';
import { computeQuotes, type MarketInput, type Quotes } from '../../../src/domain/strategy/quotes.js';
import { BTC, marketArb, paramsArb, scenarioArb, instrumentArb } from './arbitraries.js';

const notional = (inst: Instrument, price: number, qty: number): number =>
  (price * qty) / pow10(inst.priceDecimals + inst.qtyDecimals);

const DEFAULTS: QuoteParams = quoteParamsFromConfig(
  {
    strategy: {
      fair_price: 'microprice',
      enable_dynamic_spread: true,
      enable_inventory_skew: true,
      min_spread_bps: 2,
      max_spread_bps: 25,
      k_vola_spread: 0.95,
      vola_half_life_s: 60,
      vola_horizon_s: 5,
      skew_coeff: 10,
      size_skew_coeff: 0.5,
      levels_per_side: 3,
      level_spacing_coeff: 0.4,
      order_size: '0.001',
      level_size_multiplier: 1,
      refresh_tolerance_bps: 1,
      requote_interval_ms: 100,
      post_only: true,
    },
    risk: {
      enable_kill_switch: true,
      max_position_base: '0.05',
      max_position_usd: 5000,
      reduce_only_ratio: 0.8,
      daily_max_loss_usd: 300,
      max_drawdown_usd: 600,
      max_consecutive_losses: 5,
      max_stale_market_data_ms: 60000,
      max_reject_rate: 0.5,
      reject_rate_window: 50,
      max_event_loop_lag_ms: 2000,
      exit_on_halt: false,
    },
    limits: { max_active_per_side: 10, max_requests_per_sec: 8 },
  },
  BTC,
);

/** BTC at 60,000.00 / 60,000.10, 1 BTC a side. */
const MARKET: MarketInput = {
  bestBid: 6_000_000,
  bestAsk: 6_000_010,
  bestBidSize: 1000,
  bestAskSize: 1000,
  volBps: 8,
};

const allPrices = (q: Quotes) => [...q.bids, ...q.asks];

describe('computeQuotes', () => {
  it('quotes the defaults on tick and lot, around the fair price', () => {
    const q = computeQuotes(DEFAULTS, MARKET, { positionUnits: 0, mode: 'normal' }, BTC);
    expect(q.skipped).toBeNull();
    expect(q.fair).toBe(6_000_005);
    expect(q.spreadBps).toBeCloseTo(7.6, 10); // 0.95 · 8
    expect(q.skewBps).toBe(0);
    // Level 0 sits 3.8 bps from 60,000.05 = 22.8 USDT: bid 59,977.20 (rounded down), ask 60,022.90 (up).
    expect(q.bids[0]).toEqual({ level: 0, price: 5_997_720, qty: 1 });
    expect(q.asks[0]).toEqual({ level: 0, price: 6_002_290, qty: 1 });
    expect(q.bids).toHaveLength(3);
    expect(q.asks).toHaveLength(3);
    expect(q.bids[1]!.price).toBeLessThan(q.bids[0]!.price);
    expect(q.asks[1]!.price).toBeGreaterThan(q.asks[0]!.price);
  });

  it('shifts both quotes down when long and up when short, and shrinks the adding side', () => {
    const params = { ...DEFAULTS, orderSizeUnits: 10 };
    const flat = computeQuotes(params, MARKET, { positionUnits: 0, mode: 'normal' }, BTC);
    const long = computeQuotes(params, MARKET, { positionUnits: 25, mode: 'normal' }, BTC); // half of 0.05
    const short = computeQuotes(params, MARKET, { positionUnits: -25, mode: 'normal' }, BTC);
    expect(long.inventoryRatio).toBe(0.5);
    expect(long.skewBps).toBe(-5);
    expect(short.skewBps).toBe(5);
    for (let i = 0; i < 3; i++) {
      expect(long.bids[i]!.price).toBeLessThan(flat.bids[i]!.price);
      expect(long.asks[i]!.price).toBeLessThan(flat.asks[i]!.price);
      expect(short.bids[i]!.price).toBeGreaterThan(flat.bids[i]!.price);
      expect(short.asks[i]!.price).toBeGreaterThan(flat.asks[i]!.price);
    }
    // 10 lots shrink by 0.5 · 0.5 on the adding side (7.5 rounds down to 7); the other side keeps 10.
    expect(long.bids.map((l) => l.qty)).toEqual([7, 7, 7]);
    expect(long.asks[0]!.qty).toBe(10);
    expect(short.asks[0]!.qty).toBe(7);
    // At full inventory there is no room left to buy.
    const full = computeQuotes(params, MARKET, { positionUnits: 50, mode: 'normal' }, BTC);
    expect(full.skewBps).toBe(-10);
    expect(full.bids).toEqual([]);
    expect(full.asks).toHaveLength(3);
  });

  it('keeps the minimum size on the adding side while the shrink leaves anything of a one-lot quote', () => {
    const params = { ...DEFAULTS, orderSizeUnits: 1 };
    const short = computeQuotes(params, MARKET, { positionUnits: -1, mode: 'normal' }, BTC);
    // 1 lot · (1 - 0.5 · 0.02) rounds down to 0 lots; the venue's minimum is quoted instead.
    expect(short.asks.map((l) => l.qty)).toEqual([1, 1, 1]);
    expect(short.bids.map((l) => l.qty)).toEqual([1, 1, 1]);
    // A shrink to nothing (size_skew_coeff 1 at full inventory) still drops the side.
    const all = { ...params, sizeSkewCoeff: 1 };
    const full = computeQuotes(all, MARKET, { positionUnits: -49, mode: 'normal' }, BTC);
    expect(full.asks.length).toBeGreaterThan(0);
    const none = computeQuotes(
      { ...all, maxPositionUnits: 49 },
      MARKET,
      { positionUnits: -49, mode: 'normal' },
      BTC,
    );
    expect(none.asks).toEqual([]);
  });

  it('uses the notional limit when it is the tighter one', () => {
    const params = { ...DEFAULTS, maxPositionUsd: 600 }; // 0.01 BTC at 60k is full
    const q = computeQuotes(params, MARKET, { positionUnits: 10, mode: 'normal' }, BTC);
    expect(q.inventoryRatio).toBeCloseTo(1, 6);
    expect(
      computeQuotes(params, MARKET, { positionUnits: -5, mode: 'normal' }, BTC).inventoryRatio,
    ).toBeCloseTo(-0.5, 3);
  });

  it('quotes the maximum spread while the volatility is unknown, the minimum when dynamic spread is off', () => {
    expect(
      computeQuotes(DEFAULTS, { ...MARKET, volBps: NaN }, { positionUnits: 0, mode: 'normal' }, BTC)
        .spreadBps,
    ).toBe(25);
    expect(
      computeQuotes(
        { ...DEFAULTS, enableDynamicSpread: false },
        { ...MARKET, volBps: 100 },
        { positionUnits: 0, mode: 'normal' },
        BTC,
      ).spreadBps,
    ).toBe(2);
  });

  it('quotes nothing without a usable book', () => {
    for (const m of [
      { ...MARKET, bestAsk: NaN },
      { ...MARKET, bestBid: MARKET.bestAsk },
    ]) {
      const q = computeQuotes(DEFAULTS, m, { positionUnits: 0, mode: 'normal' }, BTC);
      expect(q.skipped).toBe('no_market');
      expect(allPrices(q)).toEqual([]);
    }
  });

  it('in reduce-only mode quotes only the reducing side, never more than the position', () => {
    const params = { ...DEFAULTS, orderSizeUnits: 4, levelSizeMultiplier: 1 };
    const long = computeQuotes(params, MARKET, { positionUnits: 9, mode: 'reducing' }, BTC);
    expect(long.reduceOnly).toBe(true);
    expect(long.bids).toEqual([]);
    expect(long.asks.map((l) => l.qty)).toEqual([4, 4, 1]);
    const short = computeQuotes(params, MARKET, { positionUnits: -5, mode: 'reducing' }, BTC);
    expect(short.asks).toEqual([]);
    expect(short.bids.map((l) => l.qty)).toEqual([4, 1]);
    const flat = computeQuotes(params, MARKET, { positionUnits: 0, mode: 'reducing' }, BTC);
    expect(allPrices(flat)).toEqual([]);
    expect(flat.skipped).toBe('no_size');
  });

  it('holds its invariants over arbitrary books, inventories and parameters', () => {
    fc.assert(
      fc.property(scenarioArb, ([inst, market, params, inventory]) => {
        const q = computeQuotes(params, market, inventory, inst);
        const fair = fairPrice(params.fairPrice, market);
        expect(q.fair).toBe(fair);
        const tick = inst.tickUnits;
        // Pre-rounding spread within [min, max].
        expect(q.spreadBps).toBeGreaterThanOrEqual(params.minSpreadBps);
        expect(q.spreadBps).toBeLessThanOrEqual(params.maxSpreadBps);
        const cap = Math.min(params.levelsPerSide, params.maxActivePerSide);
        expect(q.bids.length).toBeLessThanOrEqual(cap);
        expect(q.asks.length).toBeLessThanOrEqual(cap);
        for (const l of allPrices(q)) {
          expect(l.price % tick).toBe(0);
          expect(l.price).toBeGreaterThan(0);
          expect(l.qty % inst.lotUnits).toBe(0);
          expect(l.qty).toBeGreaterThanOrEqual(inst.minQtyUnits);
          expect(l.qty).toBeLessThanOrEqual(inst.maxQtyUnits);
          expect(notional(inst, l.price, l.qty)).toBeGreaterThanOrEqual(inst.minNotional);
        }
        // Post-only against the book, and never crossing ourselves; levels strictly ordered.
        for (const b of q.bids) expect(b.price).toBeLessThan(market.bestAsk);
        for (const a of q.asks) expect(a.price).toBeGreaterThan(market.bestBid);
        for (let i = 1; i < q.bids.length; i++) expect(q.bids[i]!.price).toBeLessThan(q.bids[i - 1]!.price);
        for (let i = 1; i < q.asks.length; i++)
          expect(q.asks[i]!.price).toBeGreaterThan(q.asks[i - 1]!.price);
        if (q.bids.length > 0 && q.asks.length > 0) {
          const spread = q.asks[0]!.price - q.bids[0]!.price;
          expect(spread).toBeGreaterThan(0);
          // After rounding away from each other the spread is at least the minimum (a float hair aside).
          expect(spread).toBeGreaterThanOrEqual((fair * params.minSpreadBps) / 1e4 - 1e-6 * fair);
        }
        // Sizes: the adding side never exceeds the room to the limit; reduce-only never the position.
        const pos = inventory.positionUnits;
        const sum = (ls: readonly { qty: number }[]) => ls.reduce((s, l) => s + l.qty, 0);
        if (inventory.mode === 'reducing') {
          expect(q.reduceOnly).toBe(true);
          if (pos >= 0) expect(q.bids).toEqual([]);
          if (pos <= 0) expect(q.asks).toEqual([]);
          expect(sum(q.bids) + sum(q.asks)).toBeLessThanOrEqual(Math.abs(pos));
        } else {
          expect(pos + sum(q.bids)).toBeLessThanOrEqual(Math.max(pos, params.maxPositionUnits));
          expect(pos - sum(q.asks)).toBeGreaterThanOrEqual(Math.min(pos, -params.maxPositionUnits));
        }
        // The skew leans against the position.
        if (params.enableInventorySkew && pos !== 0) expect(q.skewBps * pos).toBeLessThanOrEqual(0);
        else expect(q.skewBps).toBe(0);
        expect(Math.abs(q.skewBps)).toBeLessThanOrEqual(params.skewCoeff);
      }),
      { numRuns: 400 },
    );
  });

  it('is symmetric around fair within one tick at zero inventory', () => {
    fc.assert(
      fc.property(
        instrumentArb.chain((inst) => fc.tuple(fc.constant(inst), marketArb(inst), paramsArb(inst))),
        ([inst, market, params]) => {
          const q = computeQuotes(params, market, { positionUnits: 0, mode: 'normal' }, inst);
          const asks = new Map(q.asks.map((l) => [l.level, l]));
          const bids = new Map(q.bids.map((l) => [l.level, l]));
          let samePrefix = true; // sizes match while both sides kept every level so far (same room used)
          for (let level = 0; level < Math.min(params.levelsPerSide, params.maxActivePerSide); level++) {
            const a = asks.get(level);
            const b = bids.get(level);
            if (a === undefined || b === undefined) {
              if (a !== b) samePrefix = false;
              continue;
            }
            expect(Math.abs(q.fair - b.price - (a.price - q.fair))).toBeLessThanOrEqual(
              inst.tickUnits * (1 + 1e-9),
            );
            if (samePrefix) expect(a.qty).toBe(b.qty);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('moves both quotes down when long and up when short, compared with flat', () => {
    fc.assert(
      fc.property(
        instrumentArb.chain((inst) =>
          fc.tuple(fc.constant(inst), marketArb(inst), paramsArb(inst), fc.integer({ min: 1, max: 1000 })),
        ),
        fc.boolean(),
        ([inst, market, p, lots], isLong) => {
          const params = {
            ...p,
            enableInventorySkew: true,
            maxPositionUnits: Math.max(p.maxPositionUnits, 4000 * inst.lotUnits),
          };
          const pos = (isLong ? 1 : -1) * lots * inst.lotUnits;
          const flat = computeQuotes(params, market, { positionUnits: 0, mode: 'normal' }, inst);
          const skewed = computeQuotes(params, market, { positionUnits: pos, mode: 'normal' }, inst);
          const byLevel = (ls: readonly { level: number; price: number }[]) =>
            new Map(ls.map((l) => [l.level, l.price]));
          for (const [flatSide, skewSide] of [
            [flat.bids, skewed.bids],
            [flat.asks, skewed.asks],
          ] as const) {
            const f = byLevel(flatSide);
            for (const [level, price] of byLevel(skewSide)) {
              const fp = f.get(level);
              if (fp === undefined) continue;
              if (isLong) expect(price).toBeLessThanOrEqual(fp);
              else expect(price).toBeGreaterThanOrEqual(fp);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rounds sizes down to the lot and drops levels below min qty or min notional', () => {
    // 0.0015 BTC rounds down to 0.001; 0.0005 is below the 0.001 minimum; at 3,000 USDT a price
    // 0.001 BTC is 3 USDT, under the 5 USDT minimum notional.
    const one = { ...DEFAULTS, levelsPerSide: 1, enableDynamicSpread: false };
    expect(
      computeQuotes({ ...one, orderSizeUnits: 1.5 }, MARKET, { positionUnits: 0, mode: 'normal' }, BTC)
        .bids[0]!.qty,
    ).toBe(1);
    expect(
      computeQuotes({ ...one, orderSizeUnits: 0.5 }, MARKET, { positionUnits: 0, mode: 'normal' }, BTC)
        .skipped,
    ).toBe('no_size');
    const cheap: MarketInput = { ...MARKET, bestBid: 300_000, bestAsk: 300_010 };
    expect(computeQuotes(one, cheap, { positionUnits: 0, mode: 'normal' }, BTC).skipped).toBe('no_size');
    // With a growing multiplier the deeper levels pass the minimum notional.
    const q = computeQuotes(
      { ...one, levelsPerSide: 3, levelSizeMultiplier: 2 },
      cheap,
      { positionUnits: 0, mode: 'normal' },
      BTC,
    );
    expect(q.bids.map((l) => [l.level, l.qty])).toEqual([
      [1, 2],
      [2, 4],
    ]);
  });

  it('never quotes through the book even when the skew pushes the centre past it', () => {
    const params = { ...DEFAULTS, skewCoeff: 1000, levelsPerSide: 5 };
    const q = computeQuotes(params, { ...MARKET, volBps: 0 }, { positionUnits: 50, mode: 'normal' }, BTC);
    expect(q.asks[0]!.price).toBe(MARKET.bestBid + BTC.tickUnits);
    expect(q.asks.map((l) => l.price)).toEqual([6_000_010, 6_000_020, 6_000_030, 6_000_040, 6_000_050]);
    for (const b of q.bids) expect(b.price).toBeLessThan(q.asks[0]!.price);
  });

  it('respects every parameter range the schema allows (no throw, no NaN)', () => {
    fc.assert(
      fc.property(
        instrumentArb.chain((inst) => fc.tuple(fc.constant(inst), marketArb(inst), paramsArb(inst))),
        ([inst, market, params]) => {
          const q = computeQuotes(params, market, { positionUnits: 0, mode: 'normal' }, inst);
          for (const l of allPrices(q)) {
            expect(Number.isSafeInteger(l.price)).toBe(true);
            expect(Number.isSafeInteger(l.qty)).toBe(true);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
