/**
 * EWMA volatility of the mid price, robust to irregular update intervals.
 *
 * Time basis: each update contributes the squared log return divided by the time it spans, r²/Δt,
 * an estimate of the variance rate per second whatever the interval; it enters the average with
 * weight α = 1 − 2^(−Δt / halfLife), so a sample that covers a long quiet stretch counts for as much
 * time as it covers and the half-life is a real time (vola_half_life_s), not a number of updates.
 * (The original used a fixed α per update, so its "1-minute" volatility was really per tick and
 * varied with the feed rate.) The estimate is reported in bps over a horizon, σ·√horizon·1e4,
 * 60 s by default: the original called the value `vola_1m_bps`, and its defaults (k_vola_spread
 * 0.95 within [2, 25] bps) were chosen for a one-minute figure: BTC at 60 % a year moves about
 * 8 bps a minute, which gives a spread of about 8 bps.
 *
 * The first sample only sets the reference. The average is bias-corrected (divided by the total
 * weight so far, as Adam does), so the second sample already gives an unbiased figure instead of
 * one shrunk towards zero. Samples that do not advance time, or carry no positive finite mid, are
 * ignored (a same-millisecond update is folded into the next return, which then spans both).
 */

/** The default horizon of the reported volatility, in seconds. */
export const DEFAULT_VOL_HORIZON_S = 60;

/** The state of the estimator (plain data, so it can be snapshotted and compared). */
export interface VolatilityState {
  /** Time of the reference sample, ms (NaN before the first). */
  readonly lastMs: number;
  /** Log of the reference mid. */
  readonly lastLogMid: number;
  /** Unnormalised EWMA of the variance rate (per second). */
  readonly ewma: number;
  /** Total weight accumulated: 1 − Π(1 − α). */
  readonly weight: number;
  /** Returns seen. */
  readonly samples: number;
}

/** The state before any sample. */
export const INITIAL_VOLATILITY: VolatilityState = {
  lastMs: NaN,
  lastLogMid: NaN,
  ewma: 0,
  weight: 0,
  samples: 0,
};

/** Returns the state after a mid observed at `timeMs`; ignored samples return the same state. */
export function updateVolatility(
  state: VolatilityState,
  timeMs: number,
  mid: number,
  halfLifeS: number,
): VolatilityState {
  if (!(mid > 0) || !Number.isFinite(mid) || !Number.isFinite(timeMs)) return state;
  const logMid = Math.log(mid);
  if (Number.isNaN(state.lastMs)) return { ...state, lastMs: timeMs, lastLogMid: logMid };
  const dt = (timeMs - state.lastMs) / 1000;
  if (!(dt > 0)) return state;
  const r = logMid - state.lastLogMid;
  const alpha = 1 - Math.pow(2, -dt / halfLifeS);
  return {
    lastMs: timeMs,
    lastLogMid: logMid,
    ewma: state.ewma + alpha * ((r * r) / dt - state.ewma),
    weight: state.weight + alpha * (1 - state.weight),
    samples: state.samples + 1,
  };
}

/** Returns the volatility in bps over `horizonS` seconds, or NaN before the first return. */
export function volatilityBps(state: VolatilityState, horizonS: number = DEFAULT_VOL_HORIZON_S): number {
  if (state.samples === 0 || !(state.weight > 0)) return NaN;
  return Math.sqrt((state.ewma / state.weight) * horizonS) * 1e4;
}

/** A mutable wrapper around the pure update, for the feed's hot path. */
export class EwmaVolatility {
  private s: VolatilityState = INITIAL_VOLATILITY;

  constructor(
    readonly halfLifeS: number,
    readonly horizonS: number = DEFAULT_VOL_HORIZON_S,
  ) {
    if (!(halfLifeS > 0)) throw new RangeError(`half-life must be > 0 s, was ${halfLifeS}`);
    if (!(horizonS > 0)) throw new RangeError(`horizon must be > 0 s, was ${horizonS}`);
  }

  /** Feeds a mid price observed at `timeMs`. */
  update(timeMs: number, mid: number): void {
    this.s = updateVolatility(this.s, timeMs, mid, this.halfLifeS);
  }

  /** Returns the volatility in bps over the horizon (NaN before the first return). */
  get bps(): number {
    return volatilityBps(this.s, this.horizonS);
  }

  /** Returns the current state. */
  get state(): VolatilityState {
    return this.s;
  }
}
