/**
 * One account of the simulated venue: credentials, the USDT wallet, one position per symbol, open
 * orders (indexed by orderId and orderLinkId), a bounded history of closed orders and executions,
 * and the disconnect-cancel-all window. History is bounded so a day-long soak keeps flat memory,
 * much as Bybit itself keeps cancelled orders for a day and a 500-order recent-closed buffer.
 */
import type { SimExecution, SimOrder, SimPosition } from './types.js';

/** Closed orders /v5/order/realtime?openOnly=1 returns per account (Bybit: 500). */
export const RECENT_CLOSED_CAP = 500;
/** Orders (open and closed) kept for /v5/order/history per account. */
export const HISTORY_CAP = 20_000;
/** Executions kept for /v5/execution/list per account. */
export const EXECUTIONS_CAP = 50_000;

export class Account {
  /** Wallet balance = initial + realised gross PnL - fees, money units. */
  wallet: number;
  realisedGross = 0;
  feesPaid = 0;
  readonly positions = new Map<string, SimPosition>();
  readonly open = new Map<string, SimOrder>();
  readonly openByLinkId = new Map<string, SimOrder>();
  /** Every retained order by id, in creation order. */
  readonly orders = new Map<string, SimOrder>();
  /** The latest order that used each orderLinkId. */
  readonly byLinkId = new Map<string, SimOrder>();
  recentClosed: SimOrder[] = [];
  readonly executions: SimExecution[] = [];
  /** DCP window set by /v5/order/disconnected-cancel-all, seconds; undefined until set. */
  dcpWindowS: number | undefined;

  constructor(
    readonly index: number,
    readonly uid: number,
    readonly apiKey: string,
    readonly apiSecret: string,
    readonly initial: number,
  ) {
    this.wallet = initial;
  }

  position(symbol: string, now: number): SimPosition {
    let p = this.positions.get(symbol);
    if (p === undefined) {
      p = { symbol, size: 0, cost: 0, cumRealised: 0, createdTime: now, updatedTime: now, seq: -1 };
      this.positions.set(symbol, p);
    }
    return p;
  }

  addOrder(order: SimOrder): void {
    this.orders.set(order.orderId, order);
    if (order.orderLinkId !== '') this.byLinkId.set(order.orderLinkId, order);
    this.open.set(order.orderId, order);
    if (order.orderLinkId !== '') this.openByLinkId.set(order.orderLinkId, order);
    if (this.orders.size > HISTORY_CAP) this.#evict();
  }

  /** Moves an order from the open set to the closed history. */
  closeOrder(order: SimOrder): void {
    if (!this.open.delete(order.orderId)) return;
    if (order.orderLinkId !== '' && this.openByLinkId.get(order.orderLinkId) === order)
      this.openByLinkId.delete(order.orderLinkId);
    this.recentClosed.push(order);
    if (this.recentClosed.length > RECENT_CLOSED_CAP * 2)
      this.recentClosed = this.recentClosed.slice(-RECENT_CLOSED_CAP);
  }

  /** Recently closed orders, newest last, at most RECENT_CLOSED_CAP. */
  recent(): readonly SimOrder[] {
    const n = this.recentClosed.length;
    return n > RECENT_CLOSED_CAP ? this.recentClosed.slice(n - RECENT_CLOSED_CAP) : this.recentClosed;
  }

  addExecution(e: SimExecution): void {
    this.executions.push(e);
    if (this.executions.length > EXECUTIONS_CAP * 1.25)
      this.executions.splice(0, this.executions.length - EXECUTIONS_CAP);
  }

  /** Finds an order by id (preferred) or link id, open or retained. */
  find(orderId: string | undefined, orderLinkId: string | undefined): SimOrder | undefined {
    if (orderId !== undefined && orderId !== '') return this.orders.get(orderId);
    if (orderLinkId !== undefined && orderLinkId !== '')
      return this.openByLinkId.get(orderLinkId) ?? this.byLinkId.get(orderLinkId);
    return undefined;
  }

  /** Forgets the recent-closed buffer, as a venue restart does. */
  forgetRecentClosed(): void {
    this.recentClosed = [];
  }

  #evict(): void {
    for (const [id, o] of this.orders) {
      if (this.orders.size <= HISTORY_CAP) break;
      if (this.open.has(id)) continue;
      this.orders.delete(id);
      if (o.orderLinkId !== '' && this.byLinkId.get(o.orderLinkId) === o) this.byLinkId.delete(o.orderLinkId);
    }
  }
}
