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
  /**
   * Optional, from a scanner that read the digits while it walked the text: for each range, at its
   * index in `ranges`, the mantissa (every digit of the text as one integer) and, at the next
   * index, the count of digits after the dot. A NaN mantissa means the text is not a plain
   * decimal of at most 15 digits, and the book reads the text itself. Saves reading every price
   * and size a second time.
   */
  readonly digits?: ArrayLike<number>;
}
