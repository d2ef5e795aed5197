/**
 * The latent mid price of one symbol: a geometric random walk whose volatility switches between a
 * calm and a volatile regime (a two-state Markov chain in continuous time), with occasional jumps.
 * The walk moves in discrete price events (a Poisson process, PRICE_EVENTS_PER_S) whose size is
 * scaled to give the configured annualised volatility: a real touch sits still for a while and then
 * moves, it does not zig-zag a few ticks every millisecond. The path's statistics do not depend on
 * how often the generator steps. Pure: all randomness comes from the Rng passed in.
 */
import type { Rng } from '../../domain/random.js';

export type Regime = 'calm' | 'volatile';

export interface RegimeParams {
  /** Multiplier of the annualised volatility. */
  readonly volMultiplier: number;
  /** Quoted spread of the synthetic book, in ticks. */
  readonly spreadTicks: number;
  /** Multiplier of the synthetic taker rate. */
  readonly takerMultiplier: number;
  /** Jumps per second. */
  readonly jumpRatePerS: number;
  /** Rate of switching to the other regime, per second. */
  readonly switchRatePerS: number;
}

export const REGIMES: Readonly<Record<Regime, RegimeParams>> = {
  calm: {
    volMultiplier: 1,
    spreadTicks: 1,
    takerMultiplier: 1,
    jumpRatePerS: 1 / 1800,
    switchRatePerS: 1 / 900,
  },
  volatile: {
    volMultiplier: 3,
    spreadTicks: 2,
    takerMultiplier: 2.5,
    jumpRatePerS: 1 / 300,
    switchRatePerS: 1 / 120,
  },
};

/** Standard deviation of a jump, as a fraction of the price. */
export const JUMP_SIGMA = 0.0015;
/** Price-change events per second. */
export const PRICE_EVENTS_PER_S = 20;
const MS_PER_YEAR = 365 * 86_400_000;

export interface PriceState {
  /** Mid in price units (a float). */
  mid: number;
  regime: Regime;
}

/** Advances the state by `dtMs` under annualised volatility `vol`; never lets the mid fall below `floor`. */
export function advancePrice(state: PriceState, dtMs: number, vol: number, rng: Rng, floor: number): void {
  if (dtMs <= 0) return;
  const r = REGIMES[state.regime];
  const dtS = dtMs / 1000;
  if (rng.next() < 1 - Math.exp(-r.switchRatePerS * dtS))
    state.regime = state.regime === 'calm' ? 'volatile' : 'calm';
  const events = poisson(PRICE_EVENTS_PER_S * dtS, rng);
  let logStep = 0;
  if (events > 0) {
    const sigma = vol * r.volMultiplier * Math.sqrt((events * 1000) / (PRICE_EVENTS_PER_S * MS_PER_YEAR));
    logStep = sigma * rng.normal() - 0.5 * sigma * sigma;
  }
  if (rng.next() < 1 - Math.exp(-r.jumpRatePerS * dtS)) logStep += JUMP_SIGMA * rng.normal();
  if (logStep === 0) return;
  const next = state.mid * Math.exp(logStep);
  state.mid = next > floor ? next : floor;
}

/** A Poisson draw (Knuth's method for small means, a rounded normal for large ones). */
export function poisson(mean: number, rng: Rng): number {
  if (!(mean > 0)) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}
