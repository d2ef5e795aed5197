import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { linearFit } from '../../../src/domain/soak/regression.js';
import { studentTCdf, studentTQuantile } from '../../../src/domain/soak/student-t.js';
import { mean, percentile } from '../../../src/domain/soak/stats.js';

describe('Student t', () => {
  it('matches published quantiles', () => {
    // Two-sided 95 % critical values from any t table.
    const table: [number, number][] = [
      [1, 12.706],
      [2, 4.303],
      [5, 2.571],
      [10, 2.228],
      [30, 2.042],
      [120, 1.98],
    ];
    for (const [dof, t] of table) expect(studentTQuantile(0.975, dof)).toBeCloseTo(t, 2);
    expect(studentTQuantile(0.995, 10)).toBeCloseTo(3.169, 2);
    expect(studentTQuantile(0.5, 7)).toBe(0);
    expect(studentTCdf(0, 3)).toBeCloseTo(0.5, 12);
  });

  it('is the inverse of its CDF and symmetric', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.double({ min: 0.5, max: 500, noNaN: true }),
        (p, dof) => {
          const t = studentTQuantile(p, dof);
          expect(studentTCdf(t, dof)).toBeCloseTo(p, 6);
          expect(studentTQuantile(1 - p, dof)).toBeCloseTo(-t, 6);
        },
      ),
    );
  });

  it('refuses impossible arguments', () => {
    expect(() => studentTQuantile(1, 5)).toThrow(RangeError);
    expect(() => studentTCdf(1, 0)).toThrow(RangeError);
  });
});

describe('linearFit', () => {
  it('recovers an exact line with a zero-width interval and R² 1', () => {
    const xs = [0, 1, 2, 3, 4, 5];
    const fit = linearFit(
      xs,
      xs.map((x) => 3 + 2 * x),
    )!;
    expect(fit.slope).toBeCloseTo(2, 12);
    expect(fit.intercept).toBeCloseTo(3, 12);
    expect(fit.r2).toBeCloseTo(1, 12);
    expect(fit.slopeHigh - fit.slopeLow).toBeCloseTo(0, 9);
  });

  it('matches a textbook regression', () => {
    // Worked by hand: Sxx = 42, Sxy = 82.7, SE of the slope 0.0278, t(0.975, 6) = 2.447.
    const xs = [1, 2, 3, 4, 5, 6, 7, 8];
    const ys = [3.2, 4.9, 7.1, 9.0, 10.7, 13.2, 14.8, 16.9];
    const fit = linearFit(xs, ys)!;
    expect(fit.slope).toBeCloseTo(1.96905, 4);
    expect(fit.intercept).toBeCloseTo(1.11429, 4);
    expect(fit.r2).toBeCloseTo(0.99881, 4);
    expect(fit.residualAutocorrelation).toBeCloseTo(-0.676, 3);
    expect(fit.slopeStdError).toBeCloseTo(0.0278, 4);
    expect(fit.slopeLow).toBeCloseTo(1.969 - 2.447 * 0.0278, 2);
    expect(fit.slopeHigh).toBeCloseTo(1.969 + 2.447 * 0.0278, 2);
  });

  it('has no slope for fewer than 3 points or a single x', () => {
    expect(linearFit([1, 2], [1, 2])).toBeUndefined();
    expect(linearFit([1, 1, 1], [1, 2, 3])).toBeUndefined();
    expect(() => linearFit([1, 2, 3], [1, 2])).toThrow(RangeError);
  });

  it('widens the interval for autocorrelated residuals', () => {
    // The same points, once with alternating noise (negative autocorrelation: no widening) and once
    // with noise in long runs (positive autocorrelation: wider).
    const xs = Array.from({ length: 200 }, (_, i) => i);
    const alternating = xs.map((x, i) => x * 0.1 + (i % 2 === 0 ? 1 : -1));
    const runs = xs.map((x, i) => x * 0.1 + (Math.floor(i / 20) % 2 === 0 ? 1 : -1));
    const a = linearFit(xs, alternating)!;
    const r = linearFit(xs, runs)!;
    expect(a.residualAutocorrelation).toBeLessThan(0);
    expect(r.residualAutocorrelation).toBeGreaterThan(0.8);
    expect(r.effectiveN).toBeLessThan(r.n / 5);
    expect(r.slopeHigh - r.slopeLow).toBeGreaterThan(3 * (a.slopeHigh - a.slopeLow));
  });
});

describe('stats', () => {
  it('computes mean and interpolated percentiles', () => {
    expect(mean([])).toBeNull();
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(percentile([], 95)).toBeNull();
    expect(percentile([10], 95)).toBe(10);
    expect(percentile([1, 2, 3, 4, 5], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5], 95)).toBeCloseTo(4.8, 12);
    expect(percentile([5, 1, 4, 2, 3], 100)).toBe(5);
  });
});
