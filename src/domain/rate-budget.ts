/**
 * Our own request budget: at most `perSecond` order requests (batch items count one each, as on
 * Bybit) in any rolling second, the window Bybit itself counts in. The quoter pauses when it is
 * spent instead of letting the venue answer 10006. Time is an argument, so the budget is pure and
 * replayable.
 */
export class RateBudget {
  readonly #times: number[] = [];
  readonly #counts: number[] = [];
  #used = 0;

  constructor(
    readonly perSecond: number,
    readonly windowMs = 1_000,
  ) {}

  #expire(now: number): void {
    while (this.#times.length > 0 && this.#times[0]! <= now - this.windowMs) {
      this.#times.shift();
      this.#used -= this.#counts.shift()!;
    }
  }

  /** Requests that can go out now. */
  available(now: number): number {
    this.#expire(now);
    return Math.max(0, this.perSecond - this.#used);
  }

  /** Takes `n` if that many are available; returns whether it did. */
  tryTake(now: number, n = 1): boolean {
    if (this.available(now) < n) return false;
    this.take(now, n);
    return true;
  }

  /** Takes unconditionally (requests that must go out, such as cancels), overdrawing if need be. */
  take(now: number, n = 1): void {
    this.#expire(now);
    this.#times.push(now);
    this.#counts.push(n);
    this.#used += n;
  }

  /** Milliseconds until `n` requests are available (0 if they are now). */
  waitMs(now: number, n = 1): number {
    this.#expire(now);
    let free = this.perSecond - this.#used;
    if (free >= n) return 0;
    for (let i = 0; i < this.#times.length; i++) {
      free += this.#counts[i]!;
      if (free >= n) return this.#times[i]! + this.windowMs - now;
    }
    return this.windowMs;
  }
}
