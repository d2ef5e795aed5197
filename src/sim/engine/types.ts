/**
 * The simulator's own order, execution and position records. Prices and quantities are integers
 * in the instrument's scaled units (src/domain/instrument.ts); money (values, fees, PnL) is an
 * integer number of 1e-8 USDT (engine/money.ts), so that every sum the tests check is exact.
 */

export type Side = 'Buy' | 'Sell';
export type OrderType = 'Limit' | 'Market';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'PostOnly';
export type OrderStatus = 'New' | 'PartiallyFilled' | 'Filled' | 'Cancelled' | 'Rejected';

/** Bybit `cancelType` values the simulator produces (docs/bybit-v5-protocol.md §6.6). */
export type CancelType = 'UNKNOWN' | 'CancelByUser' | 'CancelByReduceOnly' | 'CancelByDCP' | 'CancelByAdmin';

/** Bybit `rejectReason` values the simulator produces. */
export type RejectReason =
  | 'EC_NoError'
  | 'EC_PerCancelRequest'
  | 'EC_PostOnlyWillTakeLiquidity'
  | 'EC_NoImmediateQtyToFill'
  | 'EC_NoEnoughQtyToFill'
  | 'EC_CancelForNoFullFill'
  | 'EC_OrigClOrdIDDoesNotExist'
  | 'EC_Others';

/** One user order. Mutable while open; frozen in practice once closed. */
export interface SimOrder {
  readonly orderId: string;
  readonly orderLinkId: string;
  readonly accountIndex: number;
  readonly symbol: string;
  readonly side: Side;
  readonly orderType: OrderType;
  readonly timeInForce: TimeInForce;
  readonly reduceOnly: boolean;
  readonly closeOnTrigger: boolean;
  /** Limit price in price units; for Market orders the slippage-protection price. */
  price: number;
  qty: number;
  /** Quantity still working: qty - cumExecQty while open, 0 once closed. */
  leaves: number;
  cumExecQty: number;
  /** Money units (1e-8 USDT). */
  cumExecValue: number;
  cumExecFee: number;
  /** Gross PnL realised by this order's fills, money units. */
  closedPnl: number;
  status: OrderStatus;
  cancelType: CancelType;
  rejectReason: RejectReason;
  readonly createdTime: number;
  updatedTime: number;
  /** Last trade price when created (price units). */
  readonly lastPriceOnCreated: number;
  /** Monotonic creation sequence across the exchange: the stable sort and cursor key. */
  readonly createdSeq: number;
  /** Time the order became Filled (for the cancel-racing-fill window), or -1. */
  filledAt: number;
}

/** One fill of one user order. */
export interface SimExecution {
  readonly execId: string;
  readonly orderId: string;
  readonly orderLinkId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly orderType: OrderType;
  readonly orderPrice: number;
  readonly orderQty: number;
  readonly leavesQty: number;
  readonly price: number;
  readonly qty: number;
  /** Money units. */
  readonly value: number;
  readonly fee: number;
  readonly feeRate: number;
  readonly isMaker: boolean;
  /** Gross PnL this fill realised (0 when it only opened or added), money units. */
  readonly pnl: number;
  /** Quantity of this fill that closed an existing position. */
  readonly closedSize: number;
  readonly markPrice: number;
  readonly time: number;
  readonly seq: number;
  /** Monotonic sequence across the exchange: the stable sort and cursor key. */
  readonly execSeq: number;
}

/** A one-way-mode position of one account in one symbol. */
export interface SimPosition {
  readonly symbol: string;
  /** Signed size in qty units: > 0 long, < 0 short. */
  size: number;
  /** Entry cost of the open size, money units (always >= 0). */
  cost: number;
  /** Gross realised PnL minus fees, money units, since the account was created. */
  cumRealised: number;
  createdTime: number;
  updatedTime: number;
  /** The engine seq of the last order event or fill in this symbol, -1 before any. */
  seq: number;
}

/** A trade printed on the public tape. */
export interface PublicTrade {
  readonly id: string;
  readonly time: number;
  readonly symbol: string;
  /** The taker side. */
  readonly side: Side;
  readonly price: number;
  readonly qty: number;
  readonly seq: number;
}

/** The exchange's answer to a refused request: a Bybit retCode and retMsg. */
export class SimReject {
  constructor(
    readonly retCode: number,
    readonly retMsg: string,
  ) {}
}

export const isReject = (v: unknown): v is SimReject => v instanceof SimReject;
