/**
 * Per-account rate limits over a rolling second, one budget per endpoint group (Bybit: 10/s for
 * each order endpoint on linear, 50/s for queries; docs/bybit-v5-protocol.md §2.5). A batch spends
 * one unit per order and, when only part of it fits, the first k orders go through. The same budget
 * serves REST and the WS trade socket.
 */
import type { Clock } from '../../domain/clock.js';

export interface LimitStatus {
  readonly limit: number;
  /** Units left in the window after this request. */
  readonly remaining: number;
  /** When the window frees up again (ms); `now` when the limit was not exceeded. */
  readonly resetAt: number;
  /** Units granted out of those asked for. */
  readonly granted: number;
}

export class RateLimiter {
  readonly #clock: Clock;
  readonly #windows = new Map<string, number[]>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Spends up to `units` of an account's budget for a group whose limit is `limit` per second. */
  take(accountIndex: number, group: string, limit: number, units = 1): LimitStatus {
    const now = this.#clock.now();
    const key = `${accountIndex}:${group}`;
    let w = this.#windows.get(key);
    if (w === undefined) {
      w = [];
      this.#windows.set(key, w);
    }
    let drop = 0;
    while (drop < w.length && w[drop]! <= now - 1000) drop++;
    if (drop > 0) w.splice(0, drop);
    const free = Math.max(0, limit - w.length);
    const granted = Math.min(units, free);
    for (let i = 0; i < granted; i++) w.push(now);
    const exceeded = granted < units;
    return {
      limit,
      remaining: Math.max(0, limit - w.length),
      resetAt: exceeded && w.length > 0 ? w[0]! + 1000 : now,
      granted,
    };
  }

  /** The status of a budget without spending from it. */
  peek(accountIndex: number, group: string, limit: number): LimitStatus {
    const now = this.#clock.now();
    const w = this.#windows.get(`${accountIndex}:${group}`) ?? [];
    const used = w.filter((t) => t > now - 1000).length;
    return { limit, remaining: Math.max(0, limit - used), resetAt: now, granted: 0 };
  }
}
