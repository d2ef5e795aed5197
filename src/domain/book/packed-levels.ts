/**
 * Book levels that were never cut out of the frame they arrived in: each price and size is a
 * [start, end) range of one text. A scanner that has already walked the frame records the ranges,
 * and the book reads the digits in place, so a frame is applied without creating a string or an
 * array per level (docs/limits.md: string handling is most of a book update's cost).
 */

/** Levels as ranges of `text`: four numbers per level, bids and asks each a run of levels. */
export interface PackedLevels {
  /** The text the ranges point into. */
  readonly text: string;
  /** priceStart, priceEnd, sizeStart, sizeEnd for each level (end exclusive). */
  readonly ranges: ArrayLike<number>;
  /** Index in `ranges` of the first bid level's priceStart. */
  readonly bidsAt: number;
  /** Number of bid levels. */
  readonly bids: number;
  /** Index in `ranges` of the first ask level's priceStart. */
  readonly asksAt: number;
  /** Number of ask levels. */
  readonly asks: number;
}

/**
 * Parses text[start, end) exactly as `parseScaled(text.slice(start, end), decimals)` would
 * (domain/decimal.ts), without making the slice: an integer scaled by 10^decimals, or NaN for
 * anything that is not a plain decimal or that carries a non-zero digit beyond `decimals`.
 */
export function parseScaledAt(text: string, start: number, end: number, decimals: number): number {
  if (end <= start) return NaN;
  let i = start;
  let neg = false;
  if (text.charCodeAt(i) === 45 /* - */) {
    neg = true;
    i++;
    if (i === end) return NaN;
  }
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c === -2 /* . */) break;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
    digits++;
  }
  let frac = 0;
  if (i < end) {
    i++; // skip '.'
    if (i === end && digits === 0) return NaN;
    for (; i < end; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return NaN;
      if (frac < decimals) {
        v = v * 10 + c;
        frac++;
      } else if (c !== 0) {
        return NaN;
      }
    }
  } else if (digits === 0) {
    return NaN;
  }
  for (; frac < decimals; frac++) v *= 10;
  if (!Number.isSafeInteger(v)) return NaN;
  return neg ? -v : v;
}
