/**
 * Sizes of the synthetic book: depth grows away from the touch, with lognormal noise, and a few
 * gaps beyond the first levels. Sizes are whole lots and never zero for a present level.
 */
import type { Rng } from '../../domain/random.js';

/** Ticks per side the synthetic book spans: enough for orderbook.1000 with gaps. */
export const WINDOW_TICKS = 1250;
/** Notional of an average level at the touch, USDT. */
export const TOUCH_LEVEL_NOTIONAL = 15_000;
/** Growth of the mean level size per tick away from the touch. */
const DEPTH_GROWTH = 0.04;
/** Levels nearer than this are always present. */
const DENSE_LEVELS = 5;
const PRESENCE_BEYOND = 0.8;
const NOISE_SIGMA = 0.6;

export interface DepthModel {
  /** Mean size at the touch in qty units. */
  readonly touchQty: number;
  readonly lot: number;
}

/** Builds the depth model for a price (USDT) and the instrument's units. */
export function depthModel(startPrice: number, qtyScale: number, lot: number): DepthModel {
  const raw = (TOUCH_LEVEL_NOTIONAL / startPrice) * qtyScale;
  return { touchQty: Math.max(lot, Math.round(raw / lot) * lot), lot };
}

/** The size of a level `d` ticks from the touch, or 0 when this draw leaves a gap. */
export function drawLevel(m: DepthModel, d: number, rng: Rng): number {
  if (d >= DENSE_LEVELS && rng.next() >= PRESENCE_BEYOND) return 0;
  const mean = m.touchQty * (1 + DEPTH_GROWTH * d);
  const noise = Math.exp(NOISE_SIGMA * rng.normal() - 0.5 * NOISE_SIGMA * NOISE_SIGMA);
  const lots = Math.max(1, Math.round((mean * noise) / m.lot));
  return lots * m.lot;
}

/** The size of one synthetic aggressive trade, in qty units (heavy-tailed, mean about a third of the touch). */
export function drawTakerQty(m: DepthModel, rng: Rng): number {
  const sigma = 1;
  const mean = m.touchQty * 0.3;
  const v = mean * Math.exp(sigma * rng.normal() - 0.5 * sigma * sigma);
  return Math.max(1, Math.round(v / m.lot)) * m.lot;
}
