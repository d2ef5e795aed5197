/**
 * A rolling window over the last N order outcomes (accepted or rejected by the venue), as a ring
 * buffer of bytes: constant memory, O(1) per outcome. Count one outcome per create or amend
 * request the venue answered; requests that never got an answer (timeouts) are not outcomes.
 */

/** The reject rate over the last `capacity` outcomes. */
export class RejectWindow {
  readonly capacity: number;
  private readonly ring: Uint8Array;
  private next = 0;
  private filled = 0;
  private rejects = 0;

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1))
      throw new RangeError(`reject window must hold >= 1 outcome, was ${capacity}`);
    this.capacity = capacity;
    this.ring = new Uint8Array(capacity);
  }

  /** Records one outcome. */
  record(rejected: boolean): void {
    const v = rejected ? 1 : 0;
    if (this.filled === this.capacity) this.rejects -= this.ring[this.next] as number;
    else this.filled++;
    this.ring[this.next] = v;
    this.rejects += v;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Returns how many outcomes the window holds (at most its capacity). */
  get samples(): number {
    return this.filled;
  }

  /** Returns the rejected share of the outcomes held (0 when empty). */
  get rate(): number {
    return this.filled === 0 ? 0 : this.rejects / this.filled;
  }

  /** Forgets every outcome (after a manual reset of the kill switch). */
  clear(): void {
    this.ring.fill(0);
    this.next = 0;
    this.filled = 0;
    this.rejects = 0;
  }
}
