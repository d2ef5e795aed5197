/**
 * The simulated venue's state and its matching: one book per symbol shared by the synthetic market
 * and every account's orders, price-time priority, maker and taker fees, one-way linear positions.
 * Every operation runs to completion synchronously and then reports, per account touched, the
 * private pushes it caused in Bybit's order (docs/bybit-v5-protocol.md §6.7):
 *   fills:            execution → order → position → wallet
 *   no fill (create, amend, cancel, PostOnly refusal): order → wallet → position
 * plus the public trades it printed. One operation is one engine `seq`, shared by its executions,
 * its position updates and the book frames published after it.
 */
import type { Clock } from '../../domain/clock.js';
import type { Instrument } from '../../domain/instrument.js';
import type { Rng } from '../../domain/random.js';
import { uuid } from '../ids.js';
import { Account } from './accounts.js';
import { feeOf, toMoney, valueFactor } from './money.js';
import { OrderBook } from './order-book.js';
import { availableOf, LEVERAGE, orderIMOf, positionIMOf, unrealisedOf } from './margin.js';
import { batchOf, Op, type PrivateBatch } from './operation.js';
import { applyFill, reducible } from './position-math.js';
import type { AmendRequest, CreateRequest, OrderAck, OrderRef } from './requests.js';
import type { SymbolState } from './symbol-state.js';
import {
  SimReject,
  type CancelType,
  type PublicTrade,
  type RejectReason,
  type Side,
  type SimExecution,
  type SimOrder,
} from './types.js';

export type { PrivateBatch, PrivateItem } from './operation.js';
export type { SymbolState } from './symbol-state.js';

/** How long after a fill a cancel of that order still yields Bybit's second `Filled` push (§6.2). */
export const CANCEL_RACE_WINDOW_MS = 100;
/** Active orders per symbol and account (Bybit: 500 on perpetuals). */
export const MAX_OPEN_PER_SYMBOL = 500;
/** Market orders trade no further than this fraction from the mark (Bybit's slippage protection). */
export const MARKET_PROTECTION = 0.05;

export interface ExchangeListener {
  /** Whether anyone listens to this account's private pushes (skips building them otherwise). */
  wantsPrivate(account: Account): boolean;
  onPrivate(batch: PrivateBatch): void;
  onTrades(symbol: string, trades: readonly PublicTrade[]): void;
}

export interface ExchangeSettings {
  readonly clock: Clock;
  /** Source of order, execution and trade ids. */
  readonly rng: Rng;
  readonly instruments: readonly Instrument[];
  readonly startPrices: Readonly<Record<string, number>>;
  readonly makerFeeRate: number;
  readonly takerFeeRate: number;
  readonly initialBalanceUsdt: number;
  readonly accounts: readonly { readonly apiKey: string; readonly apiSecret: string }[];
}

const NOOP_LISTENER: ExchangeListener = {
  wantsPrivate: () => false,
  onPrivate: () => undefined,
  onTrades: () => undefined,
};

export class Exchange {
  readonly clock: Clock;
  readonly symbols = new Map<string, SymbolState>();
  readonly accounts: Account[] = [];
  readonly #byKey = new Map<string, Account>();
  readonly #rng: Rng;
  readonly makerFeeRate: number;
  readonly takerFeeRate: number;
  listener: ExchangeListener = NOOP_LISTENER;
  /** The global engine sequence. */
  seq = 0;
  #createdSeq = 0;
  #execSeq = 0;

  constructor(s: ExchangeSettings) {
    this.clock = s.clock;
    this.#rng = s.rng;
    this.makerFeeRate = s.makerFeeRate;
    this.takerFeeRate = s.takerFeeRate;
    for (const inst of s.instruments) {
      const start = s.startPrices[inst.symbol];
      if (start === undefined || !(start > 0)) throw new RangeError(`${inst.symbol}: no start price`);
      const mark = Math.round((start * 10 ** inst.priceDecimals) / inst.tickUnits) * inst.tickUnits;
      this.symbols.set(inst.symbol, {
        inst,
        book: new OrderBook(),
        factor: valueFactor(inst),
        mark,
        lastPrice: mark,
        tickDirection: 'ZeroPlusTick',
        userOrders: 0,
      });
    }
    s.accounts.forEach((c, i) => {
      const account = new Account(i, 10_000_001 + i, c.apiKey, c.apiSecret, toMoney(s.initialBalanceUsdt));
      this.accounts.push(account);
      this.#byKey.set(c.apiKey, account);
    });
  }

  accountByKey(apiKey: string): Account | undefined {
    return this.#byKey.get(apiKey);
  }

  symbol(symbol: string): SymbolState | undefined {
    return this.symbols.get(symbol);
  }

  #sym(symbol: string): SymbolState {
    const s = this.symbols.get(symbol);
    if (s === undefined) throw new RangeError(`unknown symbol ${symbol}`);
    return s;
  }

  #op(symbol: string): Op {
    this.seq++;
    return new Op(this.seq, symbol, this.clock.now());
  }

  // ---------------------------------------------------------------- user operations

  /** Places an order. The ack means accepted, not resting: the outcome goes out on the private pushes. */
  create(account: Account, req: CreateRequest): OrderAck | SimReject {
    const s = this.#sym(req.symbol);
    if (req.orderLinkId !== '' && account.openByLinkId.has(req.orderLinkId))
      return new SimReject(110072, 'OrderLinkedID is duplicate');
    let qty = req.qty;
    if (req.reduceOnly) {
      const can = reducible(account.positions.get(req.symbol), req.side);
      if (can === 0)
        return new SimReject(110017, 'current position is zero, cannot fix reduce-only order qty');
      // Bybit truncates a reduce-only quantity to the position it can reduce.
      if (qty > can) qty = can;
    }
    let open = 0;
    for (const o of account.open.values()) if (o.symbol === req.symbol) open++;
    if (open >= MAX_OPEN_PER_SYMBOL)
      return new SimReject(110020, 'Number of active orders exceeds the limit');
    const price = req.orderType === 'Market' ? this.#protectionPrice(s, req.side) : (req.price ?? s.mark);
    if (!req.reduceOnly && req.orderType === 'Limit') {
      const im = Math.round((price * qty * s.factor) / LEVERAGE);
      if (im > this.available(account)) return new SimReject(110007, 'ab not enough for new order');
    }
    const op = this.#op(req.symbol);
    const order: SimOrder = {
      orderId: uuid(this.#rng),
      orderLinkId: req.orderLinkId,
      accountIndex: account.index,
      symbol: req.symbol,
      side: req.side,
      orderType: req.orderType,
      timeInForce: req.orderType === 'Market' ? 'IOC' : req.timeInForce,
      reduceOnly: req.reduceOnly,
      closeOnTrigger: req.closeOnTrigger,
      price,
      qty,
      leaves: qty,
      cumExecQty: 0,
      cumExecValue: 0,
      cumExecFee: 0,
      closedPnl: 0,
      status: 'New',
      cancelType: 'UNKNOWN',
      rejectReason: 'EC_NoError',
      createdTime: op.now,
      updatedTime: op.now,
      lastPriceOnCreated: s.lastPrice,
      createdSeq: ++this.#createdSeq,
      filledAt: -1,
    };
    account.addOrder(order);
    op.of(account).orders.add(order);
    op.of(account).symbols.add(req.symbol);
    this.#execute(op, s, order, true);
    this.#finish(op);
    return { orderId: order.orderId, orderLinkId: order.orderLinkId };
  }

  /**
   * Amends price and/or quantity. A quantity cut keeps the queue position; a price change or a
   * quantity increase re-queues the order at the back. An amend that moves a PostOnly order
   * across the book cancels it with EC_PostOnlyWillTakeLiquidity, as a crossing PostOnly create
   * is cancelled; any other order amended across the book takes liquidity.
   */
  amend(account: Account, req: AmendRequest): OrderAck | SimReject {
    const s = this.#sym(req.symbol);
    const order = this.#findOpen(account, req);
    if (order === undefined) return new SimReject(110001, 'order not exists or too late to amend');
    const newQty = req.qty ?? order.qty;
    const newPrice = order.orderType === 'Limit' ? (req.price ?? order.price) : order.price;
    if (newQty === order.qty && newPrice === order.price) return new SimReject(10001, 'order not modified');
    if (newQty <= order.cumExecQty)
      return new SimReject(
        110064,
        'The modified contract quantity cannot be less than or equal to the filled quantity',
      );
    const op = this.#op(req.symbol);
    const side = s.book.side(order.side === 'Buy');
    op.of(account).orders.add(order);
    op.of(account).symbols.add(order.symbol);
    order.updatedTime = op.now;
    if (newPrice === order.price && newQty < order.qty) {
      const cut = order.qty - newQty;
      order.qty = newQty;
      order.leaves -= cut;
      side.reduceOrder(order, cut);
    } else {
      side.removeOrder(order, order.leaves);
      s.userOrders--;
      order.price = newPrice;
      order.qty = newQty;
      order.leaves = newQty - order.cumExecQty;
      this.#execute(op, s, order, false);
    }
    this.#finish(op);
    return { orderId: order.orderId, orderLinkId: order.orderLinkId };
  }

  /**
   * Cancels an open order. A cancel of an order that filled within CANCEL_RACE_WINDOW_MS is the
   * §6.2 race: it is refused (110001) and the order topic carries a second `Filled` push with
   * cancelType CancelByUser and rejectReason EC_OrigClOrdIDDoesNotExist.
   */
  cancel(account: Account, ref: OrderRef): OrderAck | SimReject {
    this.#sym(ref.symbol);
    const order = this.#findOpen(account, ref);
    if (order === undefined) {
      const closed = account.find(ref.orderId, ref.orderLinkId);
      const now = this.clock.now();
      if (
        closed !== undefined &&
        closed.symbol === ref.symbol &&
        closed.status === 'Filled' &&
        now - closed.filledAt <= CANCEL_RACE_WINDOW_MS
      ) {
        const op = this.#op(ref.symbol);
        const t = op.of(account);
        t.extra.push({
          ...closed,
          cancelType: 'CancelByUser',
          rejectReason: 'EC_OrigClOrdIDDoesNotExist',
          updatedTime: op.now,
        });
        this.#finish(op);
      }
      return new SimReject(110001, 'order not exists or too late to cancel');
    }
    const op = this.#op(ref.symbol);
    this.#cancelOrder(op, account, order, 'CancelByUser', 'EC_PerCancelRequest');
    this.#finish(op);
    return { orderId: order.orderId, orderLinkId: order.orderLinkId };
  }

  /** Cancels every open order of an account, in one symbol or all; returns the ids cancelled. */
  cancelAll(
    account: Account,
    symbol: string | undefined,
    cancelType: CancelType = 'CancelByUser',
  ): OrderAck[] {
    const victims = [...account.open.values()].filter((o) => symbol === undefined || o.symbol === symbol);
    if (victims.length === 0) return [];
    const bySymbol = new Map<string, SimOrder[]>();
    for (const o of victims) {
      const list = bySymbol.get(o.symbol);
      if (list === undefined) bySymbol.set(o.symbol, [o]);
      else list.push(o);
    }
    for (const [sym, orders] of bySymbol) {
      const op = this.#op(sym);
      for (const o of orders)
        this.#cancelOrder(
          op,
          account,
          o,
          cancelType,
          cancelType === 'CancelByUser' ? 'EC_PerCancelRequest' : 'EC_Others',
        );
      this.#finish(op);
    }
    return victims.map((o) => ({ orderId: o.orderId, orderLinkId: o.orderLinkId }));
  }

  // ---------------------------------------------------------------- market operations

  /**
   * A synthetic aggressive order: takes up to `qty` from the side opposite `takerSide` at prices at
   * or better than `limit` (undefined: any), filling user orders there as makers. Returns the
   * quantity taken.
   */
  takeSynthetic(symbol: string, takerSide: Side, qty: number, limit?: number): number {
    const s = this.#sym(symbol);
    const side = s.book.side(takerSide === 'Sell');
    const best = side.bestPrice();
    if (best === undefined || (limit !== undefined && side.better(limit, best))) return 0;
    const op = this.#op(symbol);
    const taken = side.consume(
      limit,
      qty,
      (price, q, maker) => {
        this.#print(op, s, takerSide, price, q);
        if (maker !== undefined) {
          s.userOrders -= maker.leaves === q ? 1 : 0;
          this.#fill(op, s, maker, price, q, true);
        }
      },
      (o, want) => this.#tradable(o, want),
    );
    this.#flushPrint(op);
    if (taken > 0) s.book.changedAt = op.now;
    this.#finish(op);
    return taken;
  }

  /** Sets the synthetic quantity at one price. */
  setSynth(symbol: string, isBid: boolean, price: number, qty: number): void {
    const s = this.#sym(symbol);
    s.book.side(isBid).setSynth(price, qty);
    s.book.changedAt = this.clock.now();
  }

  /** Sets the mark price (price units). */
  setMark(symbol: string, mark: number): void {
    this.#sym(symbol).mark = mark;
  }

  // ---------------------------------------------------------------- figures

  /** Unrealised PnL of an account over all symbols at the marks, money units. */
  unrealised(account: Account): number {
    return unrealisedOf(account, this.symbols);
  }

  /** Initial margin of positions, money units. */
  positionIM(account: Account): number {
    return positionIMOf(account, this.symbols);
  }

  /** Initial margin of open orders that can add to a position, money units. */
  orderIM(account: Account): number {
    return orderIMOf(account, this.symbols);
  }

  /** Available balance = equity - position IM - order IM, money units. */
  available(account: Account): number {
    return availableOf(account, this.symbols);
  }

  // ---------------------------------------------------------------- internals

  #protectionPrice(s: SymbolState, side: Side): number {
    const t = s.inst.tickUnits;
    const raw = side === 'Buy' ? s.mark * (1 + MARKET_PROTECTION) : s.mark * (1 - MARKET_PROTECTION);
    const ticks = side === 'Buy' ? Math.ceil(raw / t) : Math.floor(raw / t);
    return Math.max(t, ticks * t);
  }

  #findOpen(account: Account, ref: OrderRef): SimOrder | undefined {
    const o =
      ref.orderId !== undefined && ref.orderId !== ''
        ? account.open.get(ref.orderId)
        : ref.orderLinkId !== undefined && ref.orderLinkId !== ''
          ? account.openByLinkId.get(ref.orderLinkId)
          : undefined;
    return o !== undefined && o.symbol === ref.symbol ? o : undefined;
  }

  /** Matches a new or re-priced order as taker, then rests or cancels the remainder. */
  #execute(op: Op, s: SymbolState, order: SimOrder, isNew: boolean): void {
    const account = this.accounts[order.accountIndex]!;
    const isBuy = order.side === 'Buy';
    const opposite = s.book.side(!isBuy);
    const best = opposite.bestPrice();
    const crosses = best !== undefined && (isBuy ? order.price >= best : order.price <= best);
    if (order.timeInForce === 'PostOnly' && crosses) {
      this.#close(op, account, order, 'Cancelled', 'UNKNOWN', 'EC_PostOnlyWillTakeLiquidity');
      return;
    }
    if (
      order.timeInForce === 'FOK' &&
      isNew &&
      opposite.available(order.price, order.leaves) < order.leaves
    ) {
      this.#close(op, account, order, 'Cancelled', 'UNKNOWN', 'EC_NoEnoughQtyToFill');
      return;
    }
    if (crosses) {
      // A reduce-only taker trades no more than the position it reduces; the rest rests or is cancelled.
      const want = order.reduceOnly
        ? Math.min(order.leaves, reducible(account.positions.get(order.symbol), order.side))
        : order.leaves;
      opposite.consume(
        order.price,
        want,
        (price, q, maker) => {
          this.#print(op, s, order.side, price, q);
          if (maker !== undefined) {
            s.userOrders -= maker.leaves === q ? 1 : 0;
            this.#fill(op, s, maker, price, q, true);
          }
          this.#fill(op, s, order, price, q, false);
        },
        (o, want) => this.#tradable(o, want),
      );
      this.#flushPrint(op);
      s.book.changedAt = op.now;
    }
    if (order.leaves === 0) return;
    if (order.orderType === 'Market' || order.timeInForce === 'IOC' || order.timeInForce === 'FOK') {
      this.#close(
        op,
        account,
        order,
        'Cancelled',
        'UNKNOWN',
        order.cumExecQty > 0 ? 'EC_CancelForNoFullFill' : 'EC_NoImmediateQtyToFill',
      );
      return;
    }
    s.book.side(isBuy).addOrder(order);
    s.userOrders++;
    s.book.changedAt = op.now;
  }

  /** A reduce-only maker trades no more than its position allows. */
  #tradable(o: SimOrder, want: number): number {
    if (!o.reduceOnly) return want;
    const can = reducible(this.accounts[o.accountIndex]!.positions.get(o.symbol), o.side);
    return want < can ? want : can;
  }

  #fill(op: Op, s: SymbolState, order: SimOrder, price: number, qty: number, isMaker: boolean): void {
    const account = this.accounts[order.accountIndex]!;
    const value = price * qty * s.factor;
    const rate = isMaker ? this.makerFeeRate : this.takerFeeRate;
    const fee = feeOf(value, rate);
    const pos = account.position(order.symbol, op.now);
    const { pnl, closed } = applyFill(pos, order.side, qty, price, s.factor);
    pos.cumRealised += pnl - fee;
    pos.updatedTime = op.now;
    pos.seq = op.seq;
    account.realisedGross += pnl;
    account.feesPaid += fee;
    account.wallet += pnl - fee;
    order.leaves -= qty;
    order.cumExecQty += qty;
    order.cumExecValue += value;
    order.cumExecFee += fee;
    order.closedPnl += pnl;
    order.updatedTime = op.now;
    if (order.leaves === 0) {
      order.status = 'Filled';
      order.filledAt = op.now;
      account.closeOrder(order);
    } else order.status = 'PartiallyFilled';
    const exec: SimExecution = {
      execId: uuid(this.#rng),
      orderId: order.orderId,
      orderLinkId: order.orderLinkId,
      symbol: order.symbol,
      side: order.side,
      orderType: order.orderType,
      orderPrice: order.price,
      orderQty: order.qty,
      leavesQty: order.leaves,
      price,
      qty,
      value,
      fee,
      feeRate: rate,
      isMaker,
      pnl,
      closedSize: closed,
      markPrice: s.mark,
      time: op.now,
      seq: op.seq,
      execSeq: ++this.#execSeq,
    };
    account.addExecution(exec);
    const t = op.of(account);
    t.execs.push(exec);
    t.orders.add(order);
    t.symbols.add(order.symbol);
    t.filled = true;
  }

  #print(op: Op, s: SymbolState, takerSide: Side, price: number, qty: number): void {
    if (op.printPrice === price && op.printSide === takerSide) {
      op.printQty += qty;
      return;
    }
    this.#flushPrint(op);
    op.printPrice = price;
    op.printQty = qty;
    op.printSide = takerSide;
    if (price > s.lastPrice) s.tickDirection = 'PlusTick';
    else if (price < s.lastPrice) s.tickDirection = 'MinusTick';
    else if (s.tickDirection === 'PlusTick') s.tickDirection = 'ZeroPlusTick';
    else if (s.tickDirection === 'MinusTick') s.tickDirection = 'ZeroMinusTick';
    s.lastPrice = price;
  }

  #flushPrint(op: Op): void {
    if (op.printQty <= 0) return;
    op.trades.push({
      id: uuid(this.#rng),
      time: op.now,
      symbol: op.symbol,
      side: op.printSide,
      price: op.printPrice,
      qty: op.printQty,
      seq: op.seq,
    });
    op.printPrice = -1;
    op.printQty = 0;
  }

  #cancelOrder(
    op: Op,
    account: Account,
    order: SimOrder,
    cancelType: CancelType,
    reason: RejectReason,
  ): void {
    const s = this.#sym(order.symbol);
    s.book.side(order.side === 'Buy').removeOrder(order, order.leaves);
    s.userOrders--;
    s.book.changedAt = op.now;
    this.#close(op, account, order, 'Cancelled', cancelType, reason);
  }

  #close(
    op: Op,
    account: Account,
    order: SimOrder,
    status: 'Cancelled',
    cancelType: CancelType,
    reason: RejectReason,
  ): void {
    order.status = status;
    order.cancelType = cancelType;
    order.rejectReason = reason;
    order.leaves = 0;
    order.updatedTime = op.now;
    account.closeOrder(order);
    const t = op.of(account);
    t.orders.add(order);
    t.symbols.add(order.symbol);
  }

  /** Cancels or trims resting reduce-only orders that the position no longer allows. */
  #enforceReduceOnly(op: Op, account: Account, symbols: Iterable<string>): void {
    for (const sym of symbols) {
      const pos = account.positions.get(sym);
      for (const o of [...account.open.values()]) {
        if (!o.reduceOnly || o.symbol !== sym) continue;
        const can = reducible(pos, o.side);
        if (can === 0) this.#cancelOrder(op, account, o, 'CancelByReduceOnly', 'EC_NoError');
        else if (o.leaves > can) {
          const cut = o.leaves - can;
          o.qty -= cut;
          o.leaves = can;
          o.updatedTime = op.now;
          this.#sym(sym)
            .book.side(o.side === 'Buy')
            .reduceOrder(o, cut);
          op.of(account).orders.add(o);
        }
      }
    }
  }

  #finish(op: Op): void {
    for (const [account, t] of op.touched) {
      if (t.filled) this.#enforceReduceOnly(op, account, t.symbols);
      // Every order event moves the position's seq, as Bybit's pushes show (§6.7).
      for (const sym of t.symbols) account.position(sym, op.now).seq = op.seq;
    }
    if (op.trades.length > 0) this.listener.onTrades(op.symbol, op.trades);
    for (const [account, t] of op.touched)
      if (this.listener.wantsPrivate(account)) this.listener.onPrivate(batchOf(op, account, t));
  }
}
