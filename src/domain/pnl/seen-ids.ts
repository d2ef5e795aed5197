/**
 * Bounded memory of the execIds already counted, so a replayed or repeated fill is never counted
 * twice (Bybit re-sends executions after a reconnect, and the REST catch-up overlaps the stream).
 *
 * Ids are kept in two generations: the current one and the previous one. A generation is retired
 * when the UTC day of the fills moves on or when it reaches `cap` ids, so at most two days and at
 * most 2 · cap ids are remembered. Forgetting must never turn a duplicate into a new fill, so the
 * set also keeps a horizon: the latest fill time of every retired generation (or the as-of time of
 * a position loaded from the exchange). A fill at or before the horizon that is not remembered
 * cannot be proved new and is reported as expired instead of being counted; a replay is always of
 * the original fill's time, so it falls there. Fills after the horizon are checked exactly.
 */

const DAY_MS = 86_400_000;

/** The verdict on an execId. */
export type SeenVerdict = 'new' | 'duplicate' | 'expired';

/** Two generations of seen execIds with a time horizon. */
export class SeenIds {
  private current = new Set<string>();
  private previous = new Set<string>();
  private currentDay = NaN;
  private currentMax = -Infinity;
  private previousMax = -Infinity;
  private horizonMs: number;

  /**
   * @param cap ids per generation before it is retired early.
   * @param horizonMs fills at or before this time are treated as already counted.
   */
  constructor(
    readonly cap: number = 50_000,
    horizonMs = -Infinity,
  ) {
    if (!(cap >= 1)) throw new RangeError(`cap must be >= 1, was ${cap}`);
    this.horizonMs = horizonMs;
  }

  /** Returns the time at or before which unknown ids are refused. */
  get horizon(): number {
    return this.horizonMs;
  }

  /** Moves the horizon forward (never back): fills up to `timeMs` are taken as already counted. */
  raiseHorizon(timeMs: number): void {
    if (timeMs > this.horizonMs) this.horizonMs = timeMs;
  }

  /** Returns how many ids are remembered. */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  /** Checks an id and, when it is new, remembers it. */
  admit(execId: string, timeMs: number): SeenVerdict {
    if (this.current.has(execId) || this.previous.has(execId)) return 'duplicate';
    if (timeMs <= this.horizonMs) return 'expired';
    const day = Math.floor(timeMs / DAY_MS);
    if (Number.isNaN(this.currentDay)) this.currentDay = day;
    else if (day > this.currentDay || this.current.size >= this.cap) {
      this.rotate();
      this.currentDay = Math.max(this.currentDay, day);
    }
    this.current.add(execId);
    if (timeMs > this.currentMax) this.currentMax = timeMs;
    return 'new';
  }

  private rotate(): void {
    this.horizonMs = Math.max(this.horizonMs, this.previousMax);
    this.previous = this.current;
    this.previousMax = this.currentMax;
    this.current = new Set<string>();
    this.currentMax = -Infinity;
  }
}
