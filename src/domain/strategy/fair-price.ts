/**
 * Fair price from the top of the book. The microprice weighs each side's price by the other side's
 * size, so it leans towards the thinner side, where the next trade is likelier to move the price.
 */

/** The top of the book in instrument units. */
export interface BookTop {
  /** Best bid, in price units (NaN when there is none). */
  readonly bestBid: number;
  /** Best ask, in price units (NaN when there is none). */
  readonly bestAsk: number;
  /** Size at the best bid, in quantity units. */
  readonly bestBidSize: number;
  /** Size at the best ask, in quantity units. */
  readonly bestAskSize: number;
}

/** Reads the top of an order book (anything with the OrderBook accessors). */
export function topOf(book: {
  bestBid(): number;
  bestAsk(): number;
  bestBidSize(): number;
  bestAskSize(): number;
}): BookTop {
  return {
    bestBid: book.bestBid(),
    bestAsk: book.bestAsk(),
    bestBidSize: book.bestBidSize(),
    bestAskSize: book.bestAskSize(),
  };
}

/** Which fair price to quote around. */
export type FairPriceKind = 'mid' | 'microprice';

/** Returns (bid + ask) / 2 in price units. */
export function midPrice(top: BookTop): number {
  return (top.bestBid + top.bestAsk) / 2;
}

/**
 * Returns (ask·bidSize + bid·askSize) / (bidSize + askSize) in price units, falling back to the
 * mid when both sizes are zero or unknown.
 */
export function microprice(top: BookTop): number {
  const { bestBid: b, bestAsk: a, bestBidSize: bs, bestAskSize: as } = top;
  const w = bs + as;
  if (!(w > 0) || !(bs >= 0) || !(as >= 0)) return (b + a) / 2;
  const m = (a * bs + b * as) / w;
  // Float rounding can land a hair outside the touch; the fair price never is.
  return m < b ? b : m > a ? a : m;
}

/**
 * Returns the fair price in price units, or NaN when the book has no usable two-sided top (a side
 * missing, or crossed/locked).
 */
export function fairPrice(kind: FairPriceKind, top: BookTop): number {
  if (!(top.bestBid > 0 && top.bestAsk > top.bestBid)) return NaN;
  return kind === 'mid' ? midPrice(top) : microprice(top);
}
