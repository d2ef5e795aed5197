/**
 * Time as the actor system sees it. Production uses the wall clock (adapters/clock.ts); tests,
 * replay and the accelerated soak use SimClock. The shape matches XState's `clock` option plus
 * `now()`, so one object drives both the machines' timers and everything that reads the time.
 */
export type TimerId = unknown;

export interface Clock {
  /** Milliseconds since the epoch (wall) or since the simulation started. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId): void;
}

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * A simulated clock whose timers cascade: a timer armed while others fire starts from its parent's
 * due time, so a chain of `after` delays completes within one `advanceTo` (XState's own
 * SimulatedClock does not cascade; see docs/xstate-v5.md §2.2). Timers due at the same time fire in
 * the order they were armed.
 */
export class SimClock implements Clock {
  #now: number;
  #queue: Timer[] = [];
  #nextId = 1;

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout = (fn: () => void, ms: number): TimerId => {
    const id = this.#nextId++;
    const timer = { id, at: this.#now + Math.max(0, ms), fn };
    // Keep the queue sorted by (at, id); inserting from the back is cheap for mostly-increasing deadlines.
    let i = this.#queue.length;
    while (i > 0) {
      const prev = this.#queue[i - 1]!;
      if (prev.at < timer.at || (prev.at === timer.at && prev.id < timer.id)) break;
      i--;
    }
    this.#queue.splice(i, 0, timer);
    return id;
  };

  clearTimeout = (id: TimerId): void => {
    const i = this.#queue.findIndex((t) => t.id === id);
    if (i >= 0) this.#queue.splice(i, 1);
  };

  /** The due time of the next timer, or undefined when none is armed. */
  nextDue(): number | undefined {
    return this.#queue[0]?.at;
  }

  /** Number of timers armed. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Fires every timer due up to `t`, in order, then sets the time to `t`. */
  advanceTo(t: number): void {
    for (;;) {
      const next = this.#queue[0];
      if (next === undefined || next.at > t) break;
      this.#queue.shift();
      if (next.at > this.#now) this.#now = next.at;
      next.fn();
    }
    if (t > this.#now) this.#now = t;
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.#now + ms);
  }
}
