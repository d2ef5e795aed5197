/**
 * Fault injection, by hand (tests call the methods) or on a schedule from the configuration
 * (sim.faults, FaultEntry of src/config/schema.ts). The injector holds the pending faults; the
 * servers consult it on every request and frame, and bind the hooks that act at once (dropping
 * sockets, resetting book streams). Durations run on the injected clock.
 */
import type { FaultEntry } from '../../config/schema.js';
import type { Clock, TimerId } from '../../domain/clock.js';
import { SimReject } from '../engine/types.js';

export type SocketKind = 'public' | 'private' | 'trade';

/** What the servers do when a fault takes effect immediately. */
export interface FaultHooks {
  dropSockets(kinds: readonly SocketKind[]): void;
  skipU(symbol: string | undefined): void;
  resetU(symbol: string | undefined): void;
  /** A venue restart: sockets dropped, recent-closed buffer forgotten. */
  restarted(): void;
}

/** Defaults for schedule entries that leave a field out. */
const DEFAULT_DURATION_MS = 5_000;
const DEFAULT_DELAY_MS = 1_000;
const DEFAULT_RESTART_MS = 2_000;

export class FaultInjector {
  readonly #clock: Clock;
  #hooks: FaultHooks | undefined;
  #rest5xx = 0;
  #rest5xxServed = 0;
  #restSlow: number[] = [];
  #rateLimited = 0;
  #rejects: SimReject[] = [];
  #stalledUntil = -Infinity;
  #silentUntil = -Infinity;
  #downUntil = -Infinity;
  #timers: { id: TimerId }[] = [];
  /** How many faults of each kind took effect (for tests and the soak report). */
  readonly counts = new Map<string, number>();
  /** Control frames (pongs, acks) a stalled public endpoint swallowed. */
  swallowed = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Connects the servers' immediate actions. */
  bind(hooks: FaultHooks): void {
    this.#hooks = hooks;
  }

  #count(kind: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  // ------------------------------------------------------------ programmatic faults

  /** Drops every open socket of the given kinds (clients see an abrupt close, code 1006). */
  dropSockets(kind: SocketKind | 'all'): void {
    this.#count(`drop_${kind}`);
    this.#hooks?.dropSockets(kind === 'all' ? ['public', 'private', 'trade'] : [kind]);
  }

  /** Public sockets send nothing at all, pongs included, for `ms`. */
  stallPublic(ms: number): void {
    this.#count('stall_public');
    this.#stalledUntil = Math.max(this.#stalledUntil, this.#clock.now() + ms);
  }

  /** Public sockets send no market data for `ms` but keep answering pings. */
  silencePublic(ms: number): void {
    this.#count('silent_public');
    this.#silentUntil = Math.max(this.#silentUntil, this.#clock.now() + ms);
  }

  /** The next delta of each book stream of `symbol` (all symbols when omitted) skips one `u`. */
  skipU(symbol?: string): void {
    this.#count('skip_u');
    this.#hooks?.skipU(symbol);
  }

  /** Restarts the book streams of `symbol` (all when omitted) at u=1 with a fresh snapshot. */
  resetU(symbol?: string): void {
    this.#count('reset_u');
    this.#hooks?.resetU(symbol);
  }

  /** The next `count` REST requests get HTTP 502 or 503. */
  rest5xx(count = 1): void {
    this.#count('rest_5xx');
    this.#rest5xx += count;
  }

  /** The next `count` REST requests are delayed by `delayMs`. */
  restSlow(count = 1, delayMs = DEFAULT_DELAY_MS): void {
    this.#count('rest_slow');
    for (let i = 0; i < count; i++) this.#restSlow.push(delayMs);
  }

  /** The next `count` private REST requests get retCode 10006. */
  rateLimitBurst(count = 1): void {
    this.#count('rate_limit_burst');
    this.#rateLimited += count;
  }

  /** The next `count` order creations are refused, by default like an account short of margin. */
  rejectOrders(count = 1, retCode = 110007, retMsg = 'ab not enough for new order'): void {
    this.#count('reject_orders');
    for (let i = 0; i < count; i++) this.#rejects.push(new SimReject(retCode, retMsg));
  }

  /**
   * A venue restart: every socket is dropped, new connections (WS and REST) are refused with
   * HTTP 503 for `downMs`; orders, positions and balances persist, the recent-closed buffer of
   * /v5/order/realtime does not (as on Bybit).
   */
  restart(downMs = DEFAULT_RESTART_MS): void {
    this.#count('restart');
    this.#downUntil = Math.max(this.#downUntil, this.#clock.now() + downMs);
    this.#hooks?.restarted();
    this.#hooks?.dropSockets(['public', 'private', 'trade']);
  }

  // ------------------------------------------------------------ what the servers ask

  /** HTTP status to fail this REST request with, if a 5xx fault is pending. */
  takeRest5xx(): 502 | 503 | undefined {
    if (this.#rest5xx <= 0) return undefined;
    this.#rest5xx--;
    return this.#rest5xxServed++ % 2 === 0 ? 502 : 503;
  }

  /** Slow-REST delays not yet taken by a request (a test knows a slow request is in flight at 0). */
  get pendingRestDelays(): number {
    return this.#restSlow.length;
  }

  /** Delay to add to this REST request, 0 when none is pending. */
  takeRestDelay(): number {
    return this.#restSlow.shift() ?? 0;
  }

  /** Whether this private REST request is refused with 10006. */
  takeRateLimited(): boolean {
    if (this.#rateLimited <= 0) return false;
    this.#rateLimited--;
    return true;
  }

  /** The refusal for this order creation, if one is pending. */
  takeOrderReject(): SimReject | undefined {
    return this.#rejects.shift();
  }

  publicStalled(): boolean {
    return this.#clock.now() < this.#stalledUntil;
  }

  publicSilenced(): boolean {
    return this.#clock.now() < this.#silentUntil || this.publicStalled();
  }

  /** Whether the venue is down after a restart. */
  isDown(): boolean {
    return this.#clock.now() < this.#downUntil;
  }

  // ------------------------------------------------------------ schedule

  /** Applies one schedule entry now. */
  apply(entry: FaultEntry, symbols: readonly string[]): void {
    const duration = entry.duration_ms ?? DEFAULT_DURATION_MS;
    const count = entry.count ?? 1;
    switch (entry.kind) {
      case 'drop_public':
        return this.dropSockets('public');
      case 'drop_private':
        return this.dropSockets('private');
      case 'drop_trade':
        return this.dropSockets('trade');
      case 'stall_public':
        return this.stallPublic(duration);
      case 'silent_public':
        return this.silencePublic(duration);
      case 'skip_u':
        return this.skipU(symbols[0]);
      case 'reset_u':
        return this.resetU(symbols[0]);
      case 'rest_5xx':
        return this.rest5xx(count);
      case 'rest_slow':
        return this.restSlow(count, entry.delay_ms ?? DEFAULT_DELAY_MS);
      case 'rate_limit_burst':
        return this.rateLimitBurst(count);
      case 'reject_orders':
        return this.rejectOrders(count);
      case 'restart':
        return this.restart(entry.duration_ms ?? DEFAULT_RESTART_MS);
    }
  }

  /** Runs each entry every `every_s` seconds, first at `first_at_s` (default `every_s`). */
  schedule(entries: readonly FaultEntry[], symbols: readonly string[]): void {
    for (const entry of entries) {
      const slot = { id: undefined as TimerId };
      this.#timers.push(slot);
      const fire = (): void => {
        this.apply(entry, symbols);
        slot.id = this.#clock.setTimeout(fire, entry.every_s * 1000);
      };
      slot.id = this.#clock.setTimeout(fire, (entry.first_at_s ?? entry.every_s) * 1000);
    }
  }

  /** Stops the schedule. */
  stop(): void {
    for (const t of this.#timers) this.#clock.clearTimeout(t.id);
    this.#timers = [];
  }
}
