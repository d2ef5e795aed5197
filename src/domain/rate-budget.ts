/**
 * Our own request budget: a token bucket refilled continuously at `perSecond`, with a burst of
 * `burst` tokens. The quoter pauses when it is spent instead of letting the venue answer 10006.
 * Time is an argument, so the bucket is pure and replayable.
 */
export class RateBudget {
  #tokens: number;
  #at: number;

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    now: number,
  ) {
    this.#tokens = burst;
    this.#at = now;
  }

  #refill(now: number): void {
    if (now > this.#at) {
      this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.perSecond);
      this.#at = now;
    }
  }

  /** Tokens available now. */
  available(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /** Takes `n` tokens if there are that many; returns whether it did. */
  tryTake(now: number, n = 1): boolean {
    this.#refill(now);
    if (this.#tokens + 1e-9 < n) return false;
    this.#tokens -= n;
    return true;
  }

  /** Takes tokens unconditionally (requests that must go out, such as cancels), going negative if need be. */
  take(now: number, n = 1): void {
    this.#refill(now);
    this.#tokens -= n;
  }

  /** Milliseconds until `n` tokens are available. */
  waitMs(now: number, n = 1): number {
    this.#refill(now);
    return this.#tokens >= n ? 0 : Math.ceil(((n - this.#tokens) / this.perSecond) * 1000);
  }
}
