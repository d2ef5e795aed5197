/**
 * The replay's clock: simulated time that moves only when the replay driver fires the next timer.
 * Unlike SimClock.advanceTo, it fires one timer at a time, so that the driver can let every promise
 * the timer settled run to completion before the next one fires, as the event loop would. Timers
 * due at the same time fire in the order they were armed. A bot timer that fired late in the
 * recorded session (the live event loop was busy) fires at the recorded time. A binary heap keeps a busy session
 * (tens of thousands of timers) cheap.
 */
import type { Clock, TimerId } from '../../domain/clock.js';

interface Timer {
  readonly id: number;
  at: number;
  readonly ms: number;
  readonly fn: () => void;
  /** The replay's own (a recorded frame, an answer): never moved to a recorded firing time. */
  readonly internal: boolean;
  /** Looked up in the recording's late firings already. */
  checked: boolean;
  cancelled: boolean;
}

const before = (a: Timer, b: Timer): boolean => a.at < b.at || (a.at === b.at && a.id < b.id);

export class ReplayClock implements Clock {
  #now: number;
  #heap: Timer[] = [];
  #byId = new Map<number, Timer>();
  #nextId = 1;

  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /**
   * When the bot's timer armed for `ms` and due at `due` fired late in the recorded session, the
   * time it fired (recorder `timer` lines); the replay fires it then too.
   */
  recordedFiring: ((due: number, ms: number) => number | undefined) | undefined;

  /** The bot's timers (XState's delays, the actors' timeouts). */
  setTimeout = (fn: () => void, ms: number): TimerId => this.#arm(fn, ms, false);

  /** The replay's own timers: recorded frames and answers, due exactly when recorded. */
  schedule(fn: () => void, ms: number): TimerId {
    return this.#arm(fn, ms, true);
  }

  #arm(fn: () => void, ms: number, internal: boolean): number {
    const id = this.#nextId++;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const t: Timer = { id, at: this.#now + delay, ms, fn, internal, checked: internal, cancelled: false };
    this.#byId.set(id, t);
    this.#push(t);
    return id;
  }

  clearTimeout = (id: TimerId): void => {
    const t = this.#byId.get(id as number);
    if (t === undefined) return;
    t.cancelled = true;
    this.#byId.delete(t.id);
  };

  /** Armed timers. */
  get pending(): number {
    return this.#byId.size;
  }

  /** The due time of the next timer, or undefined. */
  nextDue(): number | undefined {
    this.#skipCancelled();
    return this.#heap[0]?.at;
  }

  /** Fires the next timer if it is due at or before `limit`; false when none is. */
  fireNext(limit = Number.POSITIVE_INFINITY): boolean {
    this.#skipCancelled();
    const t = this.#heap[0];
    if (t === undefined || t.at > limit) return false;
    this.#pop();
    if (!t.checked) {
      t.checked = true;
      const late = this.recordedFiring?.(t.at, t.ms);
      if (late !== undefined && late > t.at) {
        // Fired late live: it goes back in the queue at the time it fired then.
        t.at = late;
        this.#push(t);
        return true;
      }
    }
    this.#byId.delete(t.id);
    if (t.at > this.#now) this.#now = t.at;
    t.fn();
    return true;
  }

  /** Moves the time forward without firing anything (the caller has fired what was due). */
  advanceTo(t: number): void {
    if (t > this.#now) this.#now = t;
  }

  #skipCancelled(): void {
    while (this.#heap.length > 0 && this.#heap[0]!.cancelled) this.#pop();
  }

  #push(t: Timer): void {
    const h = this.#heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!)) m = l;
      if (r < h.length && before(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
