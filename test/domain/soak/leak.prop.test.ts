import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRng } from '../../../src/domain/random.js';
import {
  detectLeak,
  describeLeakRule,
  type LeakRule,
  type MemoryPoint,
} from '../../../src/domain/soak/leak.js';

const rule: LeakRule = {
  maxMbPerHour: 1,
  confidence: 0.95,
  minSamples: 30,
  minSpanHours: 1,
  warmupHours: 0.5,
};

/** The kinds of noise a process's memory shows on top of any trend. */
interface Noise {
  /** Independent measurement noise, MB (standard deviation). */
  readonly white: number;
  /** GC sawtooth: amplitude in MB and period in minutes. */
  readonly sawtooth: number;
  readonly periodMin: number;
  /** A slowly wandering level (AR(1), ρ = 0.9): innovation standard deviation in MB. */
  readonly wander: number;
}

/**
 * Memory every `intervalS` over `hours`: a base level, `leak` MB/h, start-up growth during the
 * warm-up (which the rule must ignore), and noise.
 */
function series(seed: number, hours: number, intervalS: number, leak: number, noise: Noise): MemoryPoint[] {
  const rng = createRng(seed);
  const out: MemoryPoint[] = [];
  let ar = 0;
  for (let s = 0; s <= hours * 3600; s += intervalS) {
    const h = s / 3600;
    ar = 0.9 * ar + noise.wander * rng.normal();
    const phase = ((s / 60) % noise.periodMin) / noise.periodMin;
    const startup = h < rule.warmupHours ? -60 * (1 - h / rule.warmupHours) : 0;
    out.push({
      hours: h,
      mb: 150 + startup + leak * h + noise.white * rng.normal() + noise.sawtooth * (phase - 0.5) + ar,
    });
  }
  return out;
}

const noiseArb = (maxSawtooth: number) =>
  fc.record({
    white: fc.double({ min: 0, max: 2, noNaN: true }),
    sawtooth: fc.double({ min: 0, max: maxSawtooth, noNaN: true }),
    periodMin: fc.double({ min: 5, max: 30, noNaN: true }),
    wander: fc.double({ min: 0, max: 0.3, noNaN: true }),
  });

describe('leak rule (property tests)', () => {
  it('finds a synthetic linear leak of k MB/h within ±10 %', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.double({ min: 3, max: 200, noNaN: true }),
        fc.double({ min: 12, max: 48, noNaN: true }),
        fc.constantFrom(30, 60, 120),
        noiseArb(4),
        (seed, k, hours, intervalS, noise) => {
          const r = detectLeak('rss', series(seed, hours, intervalS, k, noise), rule);
          expect(r.enoughEvidence).toBe(true);
          expect(r.leak).toBe(true);
          expect(Math.abs(r.slopeMbPerHour! - k)).toBeLessThanOrEqual(0.1 * k);
          expect(r.ciLowMbPerHour!).toBeGreaterThan(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('does not flag a flat series, whatever its noise, GC sawtooth included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.double({ min: 12, max: 48, noNaN: true }),
        fc.constantFrom(30, 60, 120),
        noiseArb(30),
        (seed, hours, intervalS, noise) => {
          const r = detectLeak('heap', series(seed, hours, intervalS, 0, noise), rule);
          expect(r.enoughEvidence).toBe(true);
          expect(r.leak).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('does not flag a slow growth under the threshold', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 12, max: 48, noNaN: true }),
        noiseArb(4),
        (seed, k, hours, noise) => {
          expect(detectLeak('rss', series(seed, hours, 60, k, noise), rule).leak).toBe(false);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('claims nothing without enough samples or span after the warm-up', () => {
    const steep = series(1, 1.2, 60, 500, { white: 0, sawtooth: 0, periodMin: 10, wander: 0 });
    const short = detectLeak('rss', steep, rule);
    expect(short.enoughEvidence).toBe(false);
    expect(short.leak).toBe(false);
    expect(short.reason).toContain('not enough evidence');
    const sparse = detectLeak(
      'rss',
      series(1, 24, 3600, 500, { white: 0, sawtooth: 0, periodMin: 10, wander: 0 }),
      rule,
    );
    expect(sparse.samples).toBeLessThan(rule.minSamples);
    expect(sparse.enoughEvidence).toBe(false);
    expect(detectLeak('rss', [], rule)).toMatchObject({ samples: 0, slopeMbPerHour: null, leak: false });
  });

  it('ignores the warm-up: start-up growth alone is not a leak', () => {
    const r = detectLeak(
      'rss',
      series(7, 6, 60, 0, { white: 0.5, sawtooth: 0, periodMin: 10, wander: 0 }),
      rule,
    );
    expect(r.leak).toBe(false);
    expect(Math.abs(r.slopeMbPerHour!)).toBeLessThan(0.2);
  });

  it('states the rule with its numbers', () => {
    expect(describeLeakRule(rule)).toBe(
      'after 0.5 h of warm-up, with at least 30 samples over at least 1 h, a leak is declared when ' +
        'the least-squares slope exceeds 1 MB/h and the lower bound of its 95 % confidence interval ' +
        '(Student t, effective sample size corrected for lag-1 autocorrelation) is above 0',
    );
  });
});
