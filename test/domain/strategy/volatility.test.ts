import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/domain/random.js';
import {
  EwmaVolatility,
  INITIAL_VOLATILITY,
  updateVolatility,
  volatilityBps,
} from '../../../src/domain/strategy/volatility.js';

/** Feeds a geometric Brownian path with `sigma` per √second, sampled at the given intervals. */
function simulate(sigmaPerSqrtS: number, intervalsMs: () => number, seconds: number, seed: number): number {
  const rng = createRng(seed);
  const vol = new EwmaVolatility(60);
  let t = 0;
  let logMid = Math.log(60_000);
  vol.update(t, Math.exp(logMid));
  while (t < seconds * 1000) {
    const dt = intervalsMs();
    t += dt;
    logMid += sigmaPerSqrtS * Math.sqrt(dt / 1000) * rng.normal();
    vol.update(t, Math.exp(logMid));
  }
  return vol.bps;
}

describe('EWMA volatility', () => {
  it('knows nothing from the first sample and gives an unbiased figure from the second', () => {
    const v = new EwmaVolatility(60);
    expect(v.bps).toBeNaN();
    v.update(1_000, 100);
    expect(v.bps).toBeNaN();
    v.update(2_000, 100.01);
    // One return of ln(1.0001) over 1 s: sqrt(r² / 1 s · 60 s) in bps, with no shrink towards zero.
    const r = Math.log(100.01 / 100);
    expect(v.bps).toBeCloseTo(Math.sqrt(r * r * 60) * 1e4, 9);
    expect(v.state.samples).toBe(1);
  });

  it('reads zero for a flat price and ignores bad or time-reversed samples', () => {
    let s = INITIAL_VOLATILITY;
    for (let t = 0; t <= 10_000; t += 100) s = updateVolatility(s, t, 50, 60);
    expect(volatilityBps(s)).toBe(0);
    const before = s;
    for (const [t, mid] of [
      [10_000, 60], // same millisecond
      [9_000, 60], // earlier
      [11_000, NaN],
      [11_000, 0],
      [11_000, -5],
      [NaN, 50],
    ] as const)
      s = updateVolatility(s, t, mid, 60);
    expect(s).toBe(before);
  });

  it('estimates the true volatility whatever the sampling pattern', () => {
    const sigma = 1e-4; // 1 bps per √s, i.e. 7.75 bps over the 60 s horizon
    const expected = sigma * Math.sqrt(60) * 1e4;
    const rng = createRng(99);
    const regular = simulate(sigma, () => 20, 600, 1);
    const irregular = simulate(sigma, () => 1 + Math.floor(-Math.log(1 - rng.next()) * 50), 600, 2);
    const sparse = simulate(sigma, () => 500 + rng.int(1500), 3_600, 3);
    for (const v of [regular, irregular, sparse]) expect(Math.abs(v / expected - 1)).toBeLessThan(0.15);
  });

  it('decays by time, not by sample count: one half-life halves the variance', () => {
    const shock = (stepMs: number) => {
      let s = INITIAL_VOLATILITY;
      let t = 0;
      for (; t <= 3_600_000; t += 1_000) s = updateVolatility(s, t, 100, 60); // long calm history
      s = updateVolatility(s, t, 101, 60); // one jump, 1 s after the last calm sample
      const afterJump = volatilityBps(s);
      const end = t + 60_000;
      while (t < end) {
        t += stepMs;
        s = updateVolatility(s, t, 101, 60);
      }
      return volatilityBps(s) / afterJump;
    };
    expect(shock(1_000)).toBeCloseTo(Math.SQRT1_2, 6);
    expect(shock(100)).toBeCloseTo(Math.SQRT1_2, 6);
    expect(shock(60_000)).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it('refuses a non-positive half-life or horizon', () => {
    expect(() => new EwmaVolatility(0)).toThrow(RangeError);
    expect(() => new EwmaVolatility(60, -1)).toThrow(RangeError);
  });
});
