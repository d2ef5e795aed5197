/**
 * The risk limits as plain numbers, mapped once from the `risk` section of the configuration.
 */
import type { Config } from '../../config/schema.js';

/** The limits evaluateRisk checks. */
export interface RiskLimits {
  /** When false, halt conditions are reported as suppressed and never halt. */
  readonly enableKillSwitch: boolean;
  /** Largest absolute position, in base currency. */
  readonly maxPositionBase: number;
  /** Largest absolute position notional, in quote currency. */
  readonly maxPositionUsd: number;
  /** Beyond this share of either position limit, only reducing orders are allowed. */
  readonly reduceOnlyRatio: number;
  /** A daily loss beyond this halts (quote currency, positive). */
  readonly dailyMaxLossUsd: number;
  /** A drawdown from peak equity beyond this halts. */
  readonly maxDrawdownUsd: number;
  /** This many losing round trips in a row halt. */
  readonly maxConsecutiveLosses: number;
  /** Market data older than this halts. */
  readonly maxStaleMarketDataMs: number;
  /** A reject rate above this halts, once the window is full. */
  readonly maxRejectRate: number;
  /** Order outcomes in the reject-rate window. */
  readonly rejectRateWindow: number;
  /** Event-loop lag beyond this halts. */
  readonly maxEventLoopLagMs: number;
}

/** Maps the `risk` section of the configuration. */
export function riskLimitsFromConfig(risk: Config['risk']): RiskLimits {
  const maxPositionBase = Number(risk.max_position_base);
  if (!(maxPositionBase >= 0))
    throw new RangeError(`risk.max_position_base must be a decimal >= 0, was ${risk.max_position_base}`);
  return {
    enableKillSwitch: risk.enable_kill_switch,
    maxPositionBase,
    maxPositionUsd: risk.max_position_usd,
    reduceOnlyRatio: risk.reduce_only_ratio,
    dailyMaxLossUsd: risk.daily_max_loss_usd,
    maxDrawdownUsd: risk.max_drawdown_usd,
    maxConsecutiveLosses: risk.max_consecutive_losses,
    maxStaleMarketDataMs: risk.max_stale_market_data_ms,
    maxRejectRate: risk.max_reject_rate,
    rejectRateWindow: risk.reject_rate_window,
    maxEventLoopLagMs: risk.max_event_loop_lag_ms,
  };
}
