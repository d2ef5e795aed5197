/**
 * The parameters of the quote math and the order planner, as plain values in instrument units.
 * They mirror the `strategy`, `limits` and `risk` sections of config/config.yaml; the two helpers
 * at the bottom do the mapping (and the decimal-string parsing) once, so the hot path never parses.
 */
import type { Config } from '../../config/schema.js';
import { parseScaled } from '../decimal.js';
import type { Instrument } from '../instrument.js';

/** Parameters of computeQuotes. */
export interface QuoteParams {
  /** Fair price: the mid, or the size-weighted microprice. */
  readonly fairPrice: 'mid' | 'microprice';
  /** Spread from volatility (clamped to [min, max]) instead of the fixed minimum. */
  readonly enableDynamicSpread: boolean;
  /** Shift prices and shrink sizes against the inventory. */
  readonly enableInventorySkew: boolean;
  /** Quoted spread (bid to ask) when dynamic spread is off, and its floor, in bps of fair. */
  readonly minSpreadBps: number;
  /** Ceiling of the dynamic spread, in bps. */
  readonly maxSpreadBps: number;
  /** Dynamic spread = kVolaSpread · volatility (bps). */
  readonly kVolaSpread: number;
  /** Price shift in bps at full inventory (position = max position). */
  readonly skewCoeff: number;
  /** Fraction by which the side that adds to inventory shrinks at full inventory. */
  readonly sizeSkewCoeff: number;
  /** Levels quoted per side (capped by maxActivePerSide). */
  readonly levelsPerSide: number;
  /** Distance between levels as a fraction of the spread. */
  readonly levelSpacingCoeff: number;
  /** Size of the first level, in quantity units. */
  readonly orderSizeUnits: number;
  /** Each further level's size is the previous one times this. */
  readonly levelSizeMultiplier: number;
  /** Hard cap on live orders per side. */
  readonly maxActivePerSide: number;
  /** Largest absolute position, in quantity units (inventory ratio and the adding-side cap). */
  readonly maxPositionUnits: number;
  /** Largest absolute position notional, in quote currency. */
  readonly maxPositionUsd: number;
}

/** Parameters of planOrders. */
export interface PlanParams {
  /** A live order within this many bps of its target price is left alone (if its size matches). */
  readonly refreshToleranceBps: number;
  /** Hard cap on live-or-pending orders per side. */
  readonly maxActivePerSide: number;
  /** Largest batch request (Bybit linear: 20). */
  readonly batchSize: number;
}

/** Bybit's batch limit for linear orders (docs/bybit-v5-protocol.md §3.5). */
export const BYBIT_LINEAR_BATCH_LIMIT = 20;

/** Builds the quote parameters of one instrument from the configuration. */
export function quoteParamsFromConfig(
  config: Pick<Config, 'strategy' | 'risk' | 'limits'>,
  instrument: Pick<Instrument, 'qtyDecimals' | 'symbol'>,
): QuoteParams {
  const s = config.strategy;
  const orderSizeUnits = parseScaled(s.order_size, instrument.qtyDecimals);
  const maxPositionUnits = parseScaled(config.risk.max_position_base, instrument.qtyDecimals);
  if (!(orderSizeUnits > 0))
    throw new RangeError(
      `${instrument.symbol}: strategy.order_size must be a positive multiple of 10^-${instrument.qtyDecimals}, was ${s.order_size}`,
    );
  if (!(maxPositionUnits >= 0))
    throw new RangeError(
      `${instrument.symbol}: risk.max_position_base must be a multiple of 10^-${instrument.qtyDecimals}, was ${config.risk.max_position_base}`,
    );
  return {
    fairPrice: s.fair_price,
    enableDynamicSpread: s.enable_dynamic_spread,
    enableInventorySkew: s.enable_inventory_skew,
    minSpreadBps: s.min_spread_bps,
    maxSpreadBps: s.max_spread_bps,
    kVolaSpread: s.k_vola_spread,
    skewCoeff: s.skew_coeff,
    sizeSkewCoeff: s.size_skew_coeff,
    levelsPerSide: s.levels_per_side,
    levelSpacingCoeff: s.level_spacing_coeff,
    orderSizeUnits,
    levelSizeMultiplier: s.level_size_multiplier,
    maxActivePerSide: config.limits.max_active_per_side,
    maxPositionUnits,
    maxPositionUsd: config.risk.max_position_usd,
  };
}

/** Builds the planner parameters from the configuration. */
export function planParamsFromConfig(config: Pick<Config, 'strategy' | 'limits'>): PlanParams {
  return {
    refreshToleranceBps: config.strategy.refresh_tolerance_bps,
    maxActivePerSide: config.limits.max_active_per_side,
    batchSize: BYBIT_LINEAR_BATCH_LIMIT,
  };
}
