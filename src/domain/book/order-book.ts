/**
 * A fast L2 order book for one symbol and depth, fed directly with the wire strings of Bybit's
 * `orderbook.{depth}.{symbol}` topic and applying the rules of docs/bybit-v5-protocol.md §5.1:
 * a snapshot replaces the book; in a delta, size "0" deletes a level, an unknown price inserts and
 * a known price replaces (absolute size); `u` must grow by exactly one per delta; `u = 1` is a
 * service restart and is applied as a snapshot; the book never holds more than `depth` levels a
 * side.
 *
 * Prices are integers of the instrument's price unit (10^-priceDecimals) and sizes integers of its
 * quantity unit, parsed by the hand-written decimal parser (docs/limits.md: string conversion is
 * the dominant cost). Internally each side is a tick ladder (./ladder.ts). Nothing is allocated
 * per level.
 *
 * Any frame that is not 'ok' or 'reset' marks the book invalid until the next snapshot: a consumer
 * must not quote from it, and the book machine resubscribes. A malformed frame may have been
 * partly applied before the bad level was found; that is harmless because the book is invalid
 * from then on. Empty sides read as NaN (bestBid, bestAsk, their sizes, mid, microprice, spread),
 * so every accessor stays a plain number and a missing side can never look like a price.
 */
import { parseScaled, parseScaledAt, scaleDigits } from '../decimal.js';
import type { Instrument } from '../instrument.js';
import { Ladder } from './ladder.js';
import type { PackedLevels } from './packed-levels.js';

/** The outcome of applying one frame. */
export type BookStatus = 'ok' | 'gap' | 'crossed' | 'malformed' | 'reset';

/** A wire level: [price, size] as decimal strings. */
export type WireLevel = readonly [string, string];

/** What the book needs to know about its instrument. */
export type BookInstrument = Pick<Instrument, 'symbol' | 'priceDecimals' | 'qtyDecimals' | 'tickUnits'>;

/** Options of an order book. */
export interface OrderBookOptions {
  readonly instrument: BookInstrument;
  /** The subscribed depth (1, 50, 200 or 1000): levels kept per side. */
  readonly depth: number;
}

/** A level in instrument units. */
export interface BookLevel {
  /** Price in price units. */
  readonly price: number;
  /** Size in quantity units. */
  readonly size: number;
}

/** The best levels of both sides, for the status page and the recorder. */
export interface BookLevels {
  readonly bids: readonly BookLevel[];
  readonly asks: readonly BookLevel[];
}

/** An L2 book for one symbol and depth. */
export class OrderBook {
  /** The symbol this book belongs to. */
  readonly symbol: string;
  /** Levels kept per side. */
  readonly depth: number;
  private readonly priceDecimals: number;
  private readonly qtyDecimals: number;
  private readonly tick: number;
  private readonly bids = new Ladder(true);
  private readonly asks = new Ladder(false);
  private valid = false;
  private hasSnapshot = false;
  private u = NaN;
  private seq = NaN;
  private updates = 0;

  constructor(options: OrderBookOptions) {
    const { instrument, depth } = options;
    if (!(Number.isInteger(depth) && depth > 0))
      throw new RangeError(`depth must be a positive integer, was ${depth}`);
    if (!(instrument.tickUnits > 0)) throw new RangeError(`tick must be > 0, was ${instrument.tickUnits}`);
    this.symbol = instrument.symbol;
    this.depth = depth;
    this.priceDecimals = instrument.priceDecimals;
    this.qtyDecimals = instrument.qtyDecimals;
    this.tick = instrument.tickUnits;
  }

  /**
   * Replaces the book with a snapshot. Returns 'ok', or 'malformed' / 'crossed' (the book is then
   * invalid until the next snapshot). A snapshot never reports a gap: it starts a new sequence.
   */
  applySnapshot(
    bids: readonly WireLevel[],
    asks: readonly WireLevel[],
    u: number,
    seq: number,
  ): 'ok' | 'crossed' | 'malformed' {
    this.bids.clear();
    this.asks.clear();
    if (!Number.isSafeInteger(u)) return this.fail('malformed');
    if (!this.applySide(this.bids, bids) || !this.applySide(this.asks, asks)) return this.fail('malformed');
    this.hasSnapshot = true;
    return this.finish(u, seq, 'ok');
  }

  /**
   * Applies a delta. Returns 'ok'; 'reset' when `u` is 1 (a service restart: the levels replace the
   * book as a snapshot would); 'gap' when there was no snapshot yet, the book is invalid, or `u` is
   * not the last `u` + 1 (nothing is applied); 'malformed' or 'crossed' otherwise.
   */
  applyDelta(bids: readonly WireLevel[], asks: readonly WireLevel[], u: number, seq: number): BookStatus {
    if (u === 1) {
      const s = this.applySnapshot(bids, asks, u, seq);
      return s === 'ok' ? 'reset' : s;
    }
    if (!this.valid || u !== this.u + 1) return this.fail('gap');
    if (!this.applySide(this.bids, bids) || !this.applySide(this.asks, asks)) return this.fail('malformed');
    return this.finish(u, seq, 'ok');
  }

  /**
   * applySnapshot for levels still inside their frame's text (./packed-levels.ts): the same rules
   * and outcomes, without a string per level.
   */
  applySnapshotPacked(levels: PackedLevels, u: number, seq: number): 'ok' | 'crossed' | 'malformed' {
    this.bids.clear();
    this.asks.clear();
    if (!Number.isSafeInteger(u)) return this.fail('malformed');
    if (!this.applyPacked(levels)) return this.fail('malformed');
    this.hasSnapshot = true;
    return this.finish(u, seq, 'ok');
  }

  /** applyDelta for levels still inside their frame's text: the same rules and outcomes. */
  applyDeltaPacked(levels: PackedLevels, u: number, seq: number): BookStatus {
    if (u === 1) {
      const s = this.applySnapshotPacked(levels, u, seq);
      return s === 'ok' ? 'reset' : s;
    }
    if (!this.valid || u !== this.u + 1) return this.fail('gap');
    if (!this.applyPacked(levels)) return this.fail('malformed');
    return this.finish(u, seq, 'ok');
  }

  /** Marks the book invalid (for instance when its feed went stale) until the next snapshot. */
  invalidate(): void {
    this.valid = false;
  }

  /** Returns whether the book is usable: a snapshot arrived and nothing went wrong since. */
  get isValid(): boolean {
    return this.valid;
  }

  /** Returns whether a well-formed snapshot (or u = 1 reset) has ever been applied. */
  get isInitialised(): boolean {
    return this.hasSnapshot;
  }

  /** Returns the `u` of the last applied frame (NaN before the first). */
  get lastU(): number {
    return this.u;
  }

  /** Returns the `seq` of the last applied frame (NaN before the first). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Returns how many frames (snapshots and deltas) have been applied. */
  get updateCount(): number {
    return this.updates;
  }

  /** Returns the number of bid levels. */
  get bidCount(): number {
    return this.bids.count;
  }

  /** Returns the number of ask levels. */
  get askCount(): number {
    return this.asks.count;
  }

  /** Returns the best bid in price units, NaN when there is none. */
  bestBid(): number {
    return this.bids.bestTick() * this.tick;
  }

  /** Returns the best ask in price units, NaN when there is none. */
  bestAsk(): number {
    return this.asks.bestTick() * this.tick;
  }

  /** Returns the size at the best bid in quantity units, NaN when there is none. */
  bestBidSize(): number {
    return this.bids.bestSize();
  }

  /** Returns the size at the best ask in quantity units, NaN when there is none. */
  bestAskSize(): number {
    return this.asks.bestSize();
  }

  /** Returns (best bid + best ask) / 2 in price units (may be a half unit), NaN if a side is empty. */
  mid(): number {
    return ((this.bids.bestTick() + this.asks.bestTick()) * this.tick) / 2;
  }

  /**
   * Returns the size-weighted microprice (ask·bidSize + bid·askSize) / (bidSize + askSize) in price
   * units, NaN if a side is empty: it leans towards the side with less size, where the next trade
   * is likelier to move the price.
   */
  microprice(): number {
    const b = this.bids.bestTick() * this.tick;
    const a = this.asks.bestTick() * this.tick;
    const bs = this.bids.bestSize();
    const as = this.asks.bestSize();
    const m = (a * bs + b * as) / (bs + as);
    // Float rounding can land a hair outside the touch; NaN (an empty side) passes through.
    return m < b ? b : m > a ? a : m;
  }

  /** Returns best ask − best bid in price units, NaN if a side is empty. */
  spread(): number {
    return (this.asks.bestTick() - this.bids.bestTick()) * this.tick;
  }

  /** Returns the summed size of the best `levels` levels of each side, in quantity units. */
  depthSizes(levels: number): { readonly bid: number; readonly ask: number } {
    return { bid: this.bids.depthSize(levels), ask: this.asks.depthSize(levels) };
  }

  /**
   * Copies up to `max` levels of one side, best first, into caller-owned arrays (prices in price
   * units, sizes in quantity units) and returns the count. Allocates nothing. Typed arrays cap
   * `max` at their length; plain arrays grow.
   */
  copyLevels(
    side: 'bid' | 'ask',
    max: number,
    prices: Float64Array | number[],
    sizes: Float64Array | number[],
  ): number {
    if (prices instanceof Float64Array) max = Math.min(max, prices.length);
    if (sizes instanceof Float64Array) max = Math.min(max, sizes.length);
    const k = (side === 'bid' ? this.bids : this.asks).copyLevels(max, prices, sizes);
    for (let i = 0; i < k; i++) prices[i] = (prices[i] as number) * this.tick;
    return k;
  }

  /** Returns the best `n` levels of each side as objects (allocates: not for the hot path). */
  levels(n: number): BookLevels {
    const read = (side: 'bid' | 'ask'): BookLevel[] => {
      const p: number[] = [];
      const s: number[] = [];
      const k = this.copyLevels(side, n, p, s);
      const out: BookLevel[] = [];
      for (let i = 0; i < k; i++) out.push({ price: p[i] as number, size: s[i] as number });
      return out;
    };
    return { bids: read('bid'), asks: read('ask') };
  }

  private applySide(side: Ladder, levels: readonly WireLevel[]): boolean {
    const pd = this.priceDecimals;
    const qd = this.qtyDecimals;
    const tick = this.tick;
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i];
      if (level === undefined || level === null) return false;
      const ps = level[0];
      const ss = level[1];
      // The type says strings; a hand-validated frame could still carry anything, and parseScaled
      // would throw on a non-string.
      if (typeof ps !== 'string' || typeof ss !== 'string') return false;
      const price = parseScaled(ps, pd);
      const size = parseScaled(ss, qd);
      if (!(price > 0) || !(size >= 0)) return false;
      const t = price / tick;
      if (!Number.isInteger(t)) return false;
      if (!side.set(t, size)) return false;
    }
    return true;
  }

  /** Bids, then asks, as applySide does for each (the same checks, in the same order). */
  private applyPacked(levels: PackedLevels): boolean {
    const { text, ranges, digits } = levels;
    if (digits !== undefined) {
      return (
        this.applyDigits(this.bids, text, ranges, digits, levels.bidsAt, levels.bids) &&
        this.applyDigits(this.asks, text, ranges, digits, levels.asksAt, levels.asks)
      );
    }
    return (
      this.applyRanges(this.bids, text, ranges, levels.bidsAt, levels.bids) &&
      this.applyRanges(this.asks, text, ranges, levels.asksAt, levels.asks)
    );
  }

  /** applyRanges with the digits already read (PackedLevels.digits); the text only where they are NaN. */
  private applyDigits(
    side: Ladder,
    text: string,
    r: ArrayLike<number>,
    dg: ArrayLike<number>,
    at: number,
    count: number,
  ): boolean {
    const pd = this.priceDecimals;
    const qd = this.qtyDecimals;
    const tick = this.tick;
    for (let k = at, end = at + 4 * count; k < end; k += 4) {
      const pm = dg[k] as number;
      const sm = dg[k + 2] as number;
      const price =
        pm === pm
          ? scaleDigits(pm, dg[k + 1] as number, pd)
          : parseScaledAt(text, r[k] as number, r[k + 1] as number, pd);
      const size =
        sm === sm
          ? scaleDigits(sm, dg[k + 3] as number, qd)
          : parseScaledAt(text, r[k + 2] as number, r[k + 3] as number, qd);
      if (!(price > 0) || !(size >= 0)) return false;
      const t = price / tick;
      if (!Number.isInteger(t)) return false;
      if (!side.set(t, size)) return false;
    }
    return true;
  }

  private applyRanges(side: Ladder, text: string, r: ArrayLike<number>, at: number, count: number): boolean {
    const pd = this.priceDecimals;
    const qd = this.qtyDecimals;
    const tick = this.tick;
    for (let k = at, end = at + 4 * count; k < end; k += 4) {
      const price = parseScaledAt(text, r[k] as number, r[k + 1] as number, pd);
      const size = parseScaledAt(text, r[k + 2] as number, r[k + 3] as number, qd);
      if (!(price > 0) || !(size >= 0)) return false;
      const t = price / tick;
      if (!Number.isInteger(t)) return false;
      if (!side.set(t, size)) return false;
    }
    return true;
  }

  private finish(u: number, seq: number, ok: 'ok'): 'ok' | 'crossed' {
    this.bids.trim(this.depth);
    this.asks.trim(this.depth);
    this.u = u;
    this.seq = seq;
    this.updates++;
    if (this.bids.bestTick() >= this.asks.bestTick()) return this.fail('crossed');
    this.valid = true;
    return ok;
  }

  private fail<S extends BookStatus>(status: S): S {
    this.valid = false;
    return status;
  }
}
