/**
 * The quote math: from the top of the book, the volatility and the inventory to the ladder of
 * prices and sizes we want resting on each side, in exact instrument units.
 *
 * - Spread (bid to ask, in bps of fair): the fixed minimum, or k · volatility clamped to
 *   [min, max]. An unknown volatility (NaN) quotes the maximum: we do not know the risk yet.
 * - Inventory skew moves the centre of both quotes AWAY from the side that would add to the
 *   position: long lowers bid and ask (the ask becomes likelier to fill, the bid less), short raises
 *   them. The original added the shift with the wrong sign and so leaned into its inventory
 *   (docs/original-mm-bot.md §2.2). The shift is skew_coeff bps at full inventory, where the
 *   inventory ratio is the larger of position/max_position_base and notional/max_position_usd.
 *   The side that adds to inventory also shrinks by size_skew_coeff at full inventory.
 * - Level i sits at spread/2 + i · level_spacing_coeff · spread from the (skewed) centre, with size
 *   order_size · level_size_multiplier^i rounded DOWN to the lot, and is dropped below min qty or
 *   min notional. Prices round AWAY from crossing (bids down to the tick, asks up), never reach the
 *   opposite best (post-only), are strictly monotonic across levels, and our best bid stays below
 *   our best ask. The adding side never offers more than the room left to max_position_base.
 * - In reduce-only mode (risk 'reducing') only the side that reduces the position is quoted, and
 *   its levels together never exceed the position.
 */
import type { Instrument } from '../instrument.js';
import { parseScaled, pow10 } from '../decimal.js';
import { fairPrice, type BookTop } from './fair-price.js';
import type { QuoteParams } from './params.js';

/** The market input: the top of the book and the current volatility (bps, NaN if unknown). */
export interface MarketInput extends BookTop {
  readonly volBps: number;
}

/** Our inventory and the risk mode. */
export interface InventoryInput {
  /** Signed position in quantity units (long > 0). */
  readonly positionUnits: number;
  /** 'reducing' quotes only the side that reduces the position. */
  readonly mode: 'normal' | 'reducing';
}

/** One desired level. */
export interface QuoteLevel {
  /** Ladder index (0 = nearest the fair price); stable across sides, so levels can be paired. */
  readonly level: number;
  /** Price in price units, on the tick grid. */
  readonly price: number;
  /** Size in quantity units, on the lot grid. */
  readonly qty: number;
}

/** Why nothing was quoted. */
export type QuoteSkip = 'no_market' | 'no_size';

/** The desired ladder per side and the inputs that produced it (for logs and metrics). */
export interface Quotes {
  /** Bids, best (highest) first. */
  readonly bids: readonly QuoteLevel[];
  /** Asks, best (lowest) first. */
  readonly asks: readonly QuoteLevel[];
  /** Fair price in price units (NaN when the book had no usable top). */
  readonly fair: number;
  /** The spread before rounding, in bps of fair. */
  readonly spreadBps: number;
  /** The signed shift of the quote centre in bps of fair (negative = down, as when long). */
  readonly skewBps: number;
  /** The volatility used, in bps. */
  readonly volBps: number;
  /** The inventory ratio in [-1, 1] used for the skew. */
  readonly inventoryRatio: number;
  /** True in reduce-only mode: the caller sends the orders with reduceOnly. */
  readonly reduceOnly: boolean;
  /** Set when no level could be quoted at all, with the reason. */
  readonly skipped: QuoteSkip | null;
}

/** What computeQuotes needs to know about the instrument. */
export type QuoteInstrument = Pick<
  Instrument,
  | 'tickUnits'
  | 'lotUnits'
  | 'minQtyUnits'
  | 'maxQtyUnits'
  | 'minNotional'
  | 'priceDecimals'
  | 'qtyDecimals'
  | 'minPrice'
  | 'maxPrice'
>;

const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

/** Returns the spread in bps: fixed, or k · vol clamped to [min, max] (max when vol is unknown). */
export function spreadBpsFor(params: QuoteParams, volBps: number): number {
  if (!params.enableDynamicSpread) return params.minSpreadBps;
  if (!Number.isFinite(volBps) || volBps < 0) return params.maxSpreadBps;
  return clamp(params.kVolaSpread * volBps, params.minSpreadBps, params.maxSpreadBps);
}

/**
 * Returns the inventory ratio in [-1, 1]: the larger in magnitude of position / max position and
 * notional / max notional, signed like the position. A zero limit with a non-zero position is full.
 */
export function inventoryRatio(
  params: Pick<QuoteParams, 'maxPositionUnits' | 'maxPositionUsd'>,
  positionUnits: number,
  fair: number,
  instrument: Pick<Instrument, 'priceDecimals' | 'qtyDecimals'>,
): number {
  if (positionUnits === 0 || !Number.isFinite(positionUnits)) return 0;
  const sign = positionUnits > 0 ? 1 : -1;
  const abs = Math.abs(positionUnits);
  const byBase = params.maxPositionUnits > 0 ? abs / params.maxPositionUnits : 1;
  const notional = (fair * abs) / pow10(instrument.priceDecimals + instrument.qtyDecimals);
  const byUsd =
    params.maxPositionUsd > 0 ? (Number.isFinite(notional) ? notional / params.maxPositionUsd : 0) : 1;
  return sign * Math.min(1, Math.max(byBase, byUsd));
}

const EMPTY: readonly QuoteLevel[] = [];

/** No quotes at all: the ladder that pulls every order of a symbol. */
export const NO_QUOTES: Quotes = {
  bids: EMPTY,
  asks: EMPTY,
  fair: NaN,
  spreadBps: NaN,
  skewBps: 0,
  volBps: NaN,
  inventoryRatio: 0,
  reduceOnly: false,
  skipped: 'no_market',
};

/** Computes the desired ladder per side. */
export function computeQuotes(
  params: QuoteParams,
  market: MarketInput,
  inventory: InventoryInput,
  instrument: QuoteInstrument,
): Quotes {
  const fair = fairPrice(params.fairPrice, market);
  const spreadBps = spreadBpsFor(params, market.volBps);
  const reduceOnly = inventory.mode === 'reducing';
  const pos = inventory.positionUnits;
  if (Number.isNaN(fair)) {
    return {
      bids: EMPTY,
      asks: EMPTY,
      fair,
      spreadBps,
      skewBps: 0,
      volBps: market.volBps,
      inventoryRatio: 0,
      reduceOnly,
      skipped: 'no_market',
    };
  }
  const ratio = inventoryRatio(params, pos, fair, instrument);
  // `0 - x` rather than `-x`: a flat book reports +0, not -0.
  const skewBps = params.enableInventorySkew ? 0 - params.skewCoeff * ratio : 0;
  const tick = instrument.tickUnits;
  const lot = instrument.lotUnits;
  const minPrice = parseScaled(instrument.minPrice, instrument.priceDecimals);
  const maxPrice = parseScaled(instrument.maxPrice, instrument.priceDecimals);
  const lowest = minPrice > 0 ? minPrice : tick;
  const highest = maxPrice > 0 ? maxPrice : Number.MAX_SAFE_INTEGER;
  const notionalScale = pow10(instrument.priceDecimals + instrument.qtyDecimals);
  const maxQty = Math.floor(instrument.maxQtyUnits / lot) * lot;
  const minQty = Math.max(lot, Math.ceil(instrument.minQtyUnits / lot - 1e-9) * lot);

  // Room left on each side, in quantity units: buying adds to a long, selling to a short.
  let bidRoom: number;
  let askRoom: number;
  if (reduceOnly) {
    bidRoom = pos < 0 ? -pos : 0;
    askRoom = pos > 0 ? pos : 0;
  } else {
    bidRoom = Math.max(0, params.maxPositionUnits - pos);
    askRoom = Math.max(0, params.maxPositionUnits + pos);
  }
  const shrink = params.enableInventorySkew ? 1 - params.sizeSkewCoeff * Math.abs(ratio) : 1;
  const bidFactor = pos > 0 ? shrink : 1;
  const askFactor = pos < 0 ? shrink : 1;

  const levels = Math.max(0, Math.min(params.levelsPerSide, params.maxActivePerSide));
  const bids: QuoteLevel[] = [];
  const asks: QuoteLevel[] = [];
  let prevBid = Infinity;
  let prevAsk = -Infinity;
  for (let i = 0; i < levels; i++) {
    const offBps = spreadBps / 2 + i * params.levelSpacingCoeff * spreadBps;
    let bid = Math.floor((fair * (1 + (skewBps - offBps) / 1e4)) / tick) * tick;
    let ask = Math.ceil((fair * (1 + (skewBps + offBps) / 1e4)) / tick) * tick;
    // Post-only: never at or through the opposite best.
    if (bid > market.bestAsk - tick) bid = market.bestAsk - tick;
    if (ask < market.bestBid + tick) ask = market.bestBid + tick;
    // Strictly monotonic levels, and our own best bid below our own best ask.
    if (bid > prevBid - tick) bid = prevBid - tick;
    if (ask < prevAsk + tick) ask = prevAsk + tick;
    if (i === 0 && ask <= bid) ask = bid + tick;
    prevBid = bid;
    prevAsk = ask;

    const base = params.orderSizeUnits * Math.pow(params.levelSizeMultiplier, i);
    if (bidRoom > 0 && bid >= lowest && bid <= highest) {
      const q = sizeFor(base, bidFactor, bidRoom, lot, minQty, maxQty);
      if (q >= instrument.minQtyUnits && (bid * q) / notionalScale >= instrument.minNotional) {
        bids.push({ level: i, price: bid, qty: q });
        bidRoom -= q;
      }
    }
    if (askRoom > 0 && ask >= lowest && ask <= highest) {
      const q = sizeFor(base, askFactor, askRoom, lot, minQty, maxQty);
      if (q >= instrument.minQtyUnits && (ask * q) / notionalScale >= instrument.minNotional) {
        asks.push({ level: i, price: ask, qty: q });
        askRoom -= q;
      }
    }
  }
  return {
    bids,
    asks,
    fair,
    spreadBps,
    skewBps,
    volBps: market.volBps,
    inventoryRatio: ratio,
    reduceOnly,
    skipped: bids.length === 0 && asks.length === 0 ? 'no_size' : null,
  };
}

/** `x` rounded down to the lot, with a hair of float slack so 3 · 0.1 stays 3 lots. */
// A module function, not a closure in sizeFor: under tsx (how the bot runs) every closure created
// gets its name set with Object.defineProperty, which cost more than the rest of computeQuotes.
function inLots(x: number, lot: number): number {
  return Math.floor(x / lot + 1e-9) * lot;
}

/**
 * Rounds a size down to the lot, capped by room.
 * A size the skew shrank but did not zero keeps the venue's minimum when the unshrunk size met it:
 * with a one-lot order_size, rounding down would otherwise drop the adding side entirely at any
 * position, and the bot would quote one side only until a fill on the other.
 */
function sizeFor(
  base: number,
  factor: number,
  room: number,
  lot: number,
  minQty: number,
  maxQty: number,
): number {
  const shrunk = inLots(base * factor, lot);
  const q = factor > 0 && shrunk < minQty && inLots(base, lot) >= minQty ? minQty : shrunk;
  const cap = Math.floor(room / lot) * lot;
  return Math.min(q, cap, maxQty);
}
