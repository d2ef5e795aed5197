/**
 * Ordinary least squares of y on x with a confidence interval for the slope that stays honest on
 * memory series. Samples of RSS or heap are not independent (a GC sawtooth, a slow drift): plain
 * OLS then understates the slope's uncertainty and flags noise as a trend. The interval here
 * widens the standard error by the lag-1 autocorrelation ρ of the residuals (variance inflation
 * (1+ρ)/(1−ρ), effective sample size n·(1−ρ)/(1+ρ)), the usual AR(1) correction.
 */
import { studentTQuantile } from './student-t.js';

/** A fitted line with the evidence behind its slope. */
export interface LinearFit {
  /** Points used. */
  readonly n: number;
  readonly slope: number;
  readonly intercept: number;
  /** Share of the variance of y the line explains (0 when y is constant). */
  readonly r2: number;
  /** Lag-1 autocorrelation of the residuals (0 when undefined). */
  readonly residualAutocorrelation: number;
  /** Sample size after the autocorrelation correction. */
  readonly effectiveN: number;
  /** Standard error of the slope, autocorrelation-corrected. */
  readonly slopeStdError: number;
  /** Two-sided confidence level of the interval. */
  readonly confidence: number;
  readonly slopeLow: number;
  readonly slopeHigh: number;
}

/**
 * Fits y = intercept + slope·x. Returns undefined with fewer than 3 points or when every x is the
 * same (no slope can be measured).
 */
export function linearFit(
  xs: readonly number[],
  ys: readonly number[],
  confidence = 0.95,
): LinearFit | undefined {
  if (xs.length !== ys.length) throw new RangeError(`x and y differ in length (${xs.length}, ${ys.length})`);
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be in (0, 1), was ${confidence}`);
  const n = xs.length;
  if (n < 3) return undefined;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (!(sxx > 0)) return undefined;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  let lagged = 0;
  let prev: number | undefined;
  for (let i = 0; i < n; i++) {
    const e = ys[i]! - (intercept + slope * xs[i]!);
    sse += e * e;
    if (prev !== undefined) lagged += prev * e;
    prev = e;
  }
  const rho = sse > 0 ? Math.max(-0.99, Math.min(0.99, lagged / sse)) : 0;
  // Only positive autocorrelation inflates the uncertainty; negative would shrink it, which we never claim.
  const inflation = rho > 0 ? (1 + rho) / (1 - rho) : 1;
  const effectiveN = Math.max(3, n / inflation);
  const dof = Math.max(1, effectiveN - 2);
  const se = Math.sqrt(sse / Math.max(1, n - 2) / sxx) * Math.sqrt(inflation);
  const t = studentTQuantile(0.5 + confidence / 2, dof);
  const r2 = syy > 0 ? Math.max(0, Math.min(1, 1 - sse / syy)) : 0;
  return {
    n,
    slope,
    intercept,
    r2,
    residualAutocorrelation: rho,
    effectiveN,
    slopeStdError: se,
    confidence,
    slopeLow: slope - t * se,
    slopeHigh: slope + t * se,
  };
}
