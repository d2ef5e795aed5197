import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/domain/random.js';
import { MarketGenerator } from '../../../src/sim/market/market-generator.js';
import { advancePrice, poisson, type PriceState } from '../../../src/sim/market/price-process.js';
import { BTC, harness } from '../engine/fixtures.js';

function run(seed: number, ms: number) {
  const h = harness(seed);
  const gen = new MarketGenerator(h.ex, BTC, createRng(seed).fork('market'), {
    startPrice: 60000,
    volatility: 0.6,
    takerRatePerS: 4,
    stepMs: 20,
  });
  gen.start(h.clock);
  h.clock.advanceBy(ms);
  gen.stop();
  const book = h.ex.symbol('BTCUSDT')!.book;
  const prices: number[] = [];
  const sizes: number[] = [];
  book.bids.top(60, prices, sizes);
  const bids = prices.map((p, i) => [p, sizes[i]!]);
  book.asks.top(60, prices, sizes);
  const asks = prices.map((p, i) => [p, sizes[i]!]);
  return { h, gen, bids, asks, trades: h.trades };
}

describe('market generator', () => {
  it('is deterministic under a seed and differs across seeds', () => {
    const a = run(11, 30_000);
    const b = run(11, 30_000);
    const c = run(12, 30_000);
    expect(b.bids).toEqual(a.bids);
    expect(b.asks).toEqual(a.asks);
    expect(b.trades).toEqual(a.trades);
    expect(c.bids).not.toEqual(a.bids);
  });

  it('keeps 50+ levels per side on the tick, uncrossed, deeper away from the touch', () => {
    const { bids, asks, h } = run(3, 60_000);
    expect(bids.length).toBeGreaterThanOrEqual(50);
    expect(asks.length).toBeGreaterThanOrEqual(50);
    for (const [p] of [...bids, ...asks]) expect(p! % BTC.tickUnits).toBe(0);
    expect(bids[0]![0]!).toBeLessThan(asks[0]![0]!);
    const mean = (xs: number[][]) => xs.reduce((s, x) => s + x[1]!, 0) / xs.length;
    expect(mean(bids.slice(40, 60))).toBeGreaterThan(mean(bids.slice(0, 10)));
    expect(mean(asks.slice(40, 60))).toBeGreaterThan(mean(asks.slice(0, 10)));
    expect(h.ex.symbol('BTCUSDT')!.book.bids.size).toBeGreaterThan(900);
  });

  it('prints synthetic trades on the tape with both aggressor sides', () => {
    const { trades } = run(5, 20_000);
    expect(trades.length).toBeGreaterThan(50);
    expect(new Set(trades.map((t) => t.side))).toEqual(new Set(['Buy', 'Sell']));
    for (let i = 1; i < trades.length; i++)
      expect(trades[i]!.time).toBeGreaterThanOrEqual(trades[i - 1]!.time);
  });

  it('realises roughly the configured volatility and switches regimes', () => {
    const rng = createRng(99);
    const state: PriceState = { mid: 6_000_000, regime: 'calm' };
    const dt = 1000;
    const steps = 86_400 * 2; // two days of seconds
    let sumSq = 0;
    let calm = 0;
    let switches = 0;
    let prevRegime = state.regime;
    for (let i = 0; i < steps; i++) {
      const before = state.mid;
      advancePrice(state, dt, 0.6, rng, 1);
      const r = Math.log(state.mid / before);
      if (state.regime === 'calm') calm++;
      if (state.regime !== prevRegime) switches++;
      prevRegime = state.regime;
      sumSq += r * r;
    }
    const annualised = Math.sqrt((sumSq / steps) * 365 * 86_400);
    // Calm 0.6 most of the time, volatile 1.8 some of it, plus jumps.
    expect(annualised).toBeGreaterThan(0.6);
    expect(annualised).toBeLessThan(1.8);
    expect(calm / steps).toBeGreaterThan(0.6);
    expect(switches).toBeGreaterThan(10);
  });

  it('draws Poisson counts with the right mean', () => {
    const rng = createRng(1);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += poisson(0.4, rng);
    expect(sum / 20_000).toBeCloseTo(0.4, 1);
    expect(poisson(0, rng)).toBe(0);
  });
});
