/**
 * Disconnect-cancel-all (docs/bybit-v5-protocol.md §4.2): once an account has set a window with
 * POST /v5/order/disconnected-cancel-all and subscribed to `dcp` on a private socket, losing its
 * last authenticated private socket starts a timer of that window; a new authenticated private
 * socket stops it, and if it runs out every open order of the account is cancelled with
 * cancelType CancelByDCP. The timer runs on the injected clock.
 */
import type { Clock, TimerId } from '../../domain/clock.js';
import type { Account } from '../engine/accounts.js';
import type { Exchange } from '../engine/exchange.js';

export class DcpWatch {
  readonly #armed = new Set<Account>();
  readonly #live = new Map<Account, number>();
  readonly #timers = new Map<Account, TimerId>();
  /** Accounts whose orders DCP cancelled, with the count (for tests and logs). */
  readonly fired: { account: number; orders: number; at: number }[] = [];

  constructor(
    private readonly exchange: Exchange,
    private readonly clock: Clock,
  ) {}

  /** An authenticated private socket subscribed to `dcp`. */
  subscribed(account: Account): void {
    this.#armed.add(account);
  }

  /** A private socket of the account authenticated. */
  connected(account: Account): void {
    this.#live.set(account, (this.#live.get(account) ?? 0) + 1);
    const t = this.#timers.get(account);
    if (t !== undefined) {
      this.clock.clearTimeout(t);
      this.#timers.delete(account);
    }
  }

  /** An authenticated private socket of the account closed. */
  disconnected(account: Account): void {
    const n = Math.max(0, (this.#live.get(account) ?? 0) - 1);
    this.#live.set(account, n);
    if (n > 0 || !this.#armed.has(account) || account.dcpWindowS === undefined) return;
    if (this.#timers.has(account)) return;
    const window = account.dcpWindowS;
    this.#timers.set(
      account,
      this.clock.setTimeout(() => {
        this.#timers.delete(account);
        this.#armed.delete(account);
        const list = this.exchange.cancelAll(account, undefined, 'CancelByDCP');
        this.fired.push({ account: account.index, orders: list.length, at: this.clock.now() });
      }, window * 1000),
    );
  }

  stop(): void {
    for (const t of this.#timers.values()) this.clock.clearTimeout(t);
    this.#timers.clear();
  }
}
