/**
 * The risk verdict, in the spirit of Nautilus' TradingState (docs/peers.md): 'ok' trades
 * normally, 'reduce' sends only orders that reduce the position, 'halt' trips the kill switch.
 *
 * - reduce: the absolute position beyond reduce_only_ratio of max_position_base, or its notional
 *   beyond reduce_only_ratio of max_position_usd (reason 'max_position').
 * - halt: a daily loss beyond daily_max_loss_usd ('daily_loss'), a drawdown from peak beyond
 *   max_drawdown_usd ('drawdown'), max_consecutive_losses losing round trips in a row
 *   ('consecutive_losses'), market data older than max_stale_market_data_ms
 *   ('stale_market_data'), a reject rate above max_reject_rate once the window holds
 *   reject_rate_window outcomes ('reject_rate'), event-loop lag beyond max_event_loop_lag_ms
 *   ('event_loop_lag').
 *
 * A limit is the largest allowed value: being exactly at it is fine, beyond it (by more than a
 * float rounding hair) is a breach. The one count, max_consecutive_losses, trips when reached, as
 * its configuration comment says. A value that cannot be evaluated (NaN) counts as a breach: risk
 * fails safe. Reasons are short stable strings, in a fixed order, usable as metric labels. With
 * the kill switch disabled, halt conditions are returned in `suppressed` and do not raise the level.
 */
import type { RiskLimits } from './limits.js';

/** What the bot may do. */
export type RiskLevel = 'ok' | 'reduce' | 'halt';

/** A breached limit. */
export type RiskReason =
  | 'max_position'
  | 'daily_loss'
  | 'drawdown'
  | 'consecutive_losses'
  | 'stale_market_data'
  | 'reject_rate'
  | 'event_loop_lag';

/** Every reason, in the order verdicts list them. */
export const RISK_REASONS: readonly RiskReason[] = [
  'max_position',
  'daily_loss',
  'drawdown',
  'consecutive_losses',
  'stale_market_data',
  'reject_rate',
  'event_loop_lag',
];

/** The figures evaluateRisk judges. */
export interface RiskSnapshot {
  /** Signed (or absolute) position in base currency. */
  readonly positionBase: number;
  /** Signed (or absolute) position notional in quote currency. */
  readonly positionNotional: number;
  /** PnL of the current UTC day (negative = loss). */
  readonly dailyPnl: number;
  /** Drawdown from peak equity (>= 0). */
  readonly drawdown: number;
  readonly consecutiveLosses: number;
  /** Age of the newest market data; Infinity when none ever arrived. */
  readonly marketDataAgeMs: number;
  /** Rejected share of the order outcomes in the window. */
  readonly rejectRate: number;
  /** Outcomes the window holds. */
  readonly rejectSamples: number;
  readonly eventLoopLagMs: number;
}

/** The verdict. */
export interface RiskVerdict {
  readonly level: RiskLevel;
  /** The breached limits that set the level. */
  readonly reasons: readonly RiskReason[];
  /** Halt conditions ignored because the kill switch is disabled. */
  readonly suppressed: readonly RiskReason[];
}

/** Returns whether `value` is beyond `limit` (NaN is). */
export function exceeds(value: number, limit: number): boolean {
  if (Number.isNaN(value)) return true;
  return value > limit + 1e-9 * Math.max(1, Math.abs(limit));
}

/** Returns which limits a snapshot breaches, in RISK_REASONS order. */
export function breachedLimits(limits: RiskLimits, s: RiskSnapshot): RiskReason[] {
  const out: RiskReason[] = [];
  const r = limits.reduceOnlyRatio;
  if (
    exceeds(Math.abs(s.positionBase), r * limits.maxPositionBase) ||
    exceeds(Math.abs(s.positionNotional), r * limits.maxPositionUsd)
  )
    out.push('max_position');
  if (exceeds(-s.dailyPnl, limits.dailyMaxLossUsd)) out.push('daily_loss');
  if (exceeds(s.drawdown, limits.maxDrawdownUsd)) out.push('drawdown');
  if (!(s.consecutiveLosses < limits.maxConsecutiveLosses)) out.push('consecutive_losses');
  if (exceeds(s.marketDataAgeMs, limits.maxStaleMarketDataMs)) out.push('stale_market_data');
  if (!(s.rejectSamples < limits.rejectRateWindow) && exceeds(s.rejectRate, limits.maxRejectRate))
    out.push('reject_rate');
  if (exceeds(s.eventLoopLagMs, limits.maxEventLoopLagMs)) out.push('event_loop_lag');
  return out;
}

/** Judges a snapshot against the limits. */
export function evaluateRisk(limits: RiskLimits, snapshot: RiskSnapshot): RiskVerdict {
  const breached = breachedLimits(limits, snapshot);
  const halts = breached.filter((x) => x !== 'max_position');
  if (!limits.enableKillSwitch) {
    const reasons = breached.filter((x) => x === 'max_position');
    return { level: reasons.length > 0 ? 'reduce' : 'ok', reasons, suppressed: halts };
  }
  const level: RiskLevel = halts.length > 0 ? 'halt' : breached.length > 0 ? 'reduce' : 'ok';
  return { level, reasons: breached, suppressed: [] };
}
