/** A single re-armable timer on an injected Clock (the Clock's ids are opaque, so armed-ness is tracked here). */
import type { Clock, TimerId } from '../../../domain/clock.js';

export class ClockTimer {
  readonly #clock: Clock;
  #id: TimerId = null;
  #armed = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Whether the timer is set and has not fired. */
  get armed(): boolean {
    return this.#armed;
  }

  /** Sets the timer, replacing any earlier one. */
  start(fn: () => void, ms: number): void {
    this.stop();
    this.#armed = true;
    this.#id = this.#clock.setTimeout(() => {
      this.#armed = false;
      fn();
    }, ms);
  }

  /** Cancels the timer if it is set. */
  stop(): void {
    if (!this.#armed) return;
    this.#armed = false;
    this.#clock.clearTimeout(this.#id);
  }
}
