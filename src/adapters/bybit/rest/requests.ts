/**
 * Request parameters of the v5 endpoints the bot calls, named exactly as Bybit names them
 * (docs/bybit-v5-protocol.md §3). Prices and quantities are decimal strings, already rounded to
 * the instrument's tick and lot: the adapter sends them as given.
 */

export type Category = 'linear' | 'inverse' | 'spot' | 'option';
export type Side = 'Buy' | 'Sell';
export type OrderType = 'Limit' | 'Market';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'PostOnly' | 'RPI';
export type SmpType = 'None' | 'CancelMaker' | 'CancelTaker' | 'CancelBoth';

/** Names an existing order: by orderId, by orderLinkId, or both (Bybit then uses orderId). */
export type OrderRef =
  | { readonly orderId: string; readonly orderLinkId?: string }
  | { readonly orderId?: undefined; readonly orderLinkId: string };

/** POST /v5/order/create (§3.1). */
export interface CreateOrderRequest {
  readonly category?: Category;
  readonly symbol: string;
  readonly side: Side;
  readonly orderType: OrderType;
  readonly qty: string;
  readonly price?: string;
  readonly timeInForce?: TimeInForce;
  readonly orderLinkId?: string;
  readonly reduceOnly?: boolean;
  readonly closeOnTrigger?: boolean;
  readonly positionIdx?: 0 | 1 | 2;
  readonly smpType?: SmpType;
}

/** POST /v5/order/amend (§3.2): omitted fields keep their value. */
export type AmendOrderRequest = {
  readonly category?: Category;
  readonly symbol: string;
  readonly qty?: string;
  readonly price?: string;
} & OrderRef;

/** POST /v5/order/cancel (§3.3). */
export type CancelOrderRequest = {
  readonly category?: Category;
  readonly symbol: string;
} & OrderRef;

/** An item of a batch request: per-order params without category (the batch carries it). */
export type BatchItem<T> = Omit<T, 'category'>;

/** GET /v5/order/realtime (§3.6). Without symbol, orderId or orderLinkId the query covers settleCoin USDT. */
export interface OpenOrdersQuery {
  readonly category?: Category;
  readonly symbol?: string;
  readonly settleCoin?: string;
  readonly orderId?: string;
  readonly orderLinkId?: string;
  /** 0 (default): open orders only; 1: also up to 500 recently closed ones. */
  readonly openOnly?: 0 | 1;
}

/** GET /v5/execution/list (§3.8). */
export interface ExecutionsQuery {
  readonly category?: Category;
  readonly symbol?: string;
  readonly orderId?: string;
  readonly orderLinkId?: string;
  /** Milliseconds; Bybit caps the window at 7 days. */
  readonly startTime?: number;
  readonly endTime?: number;
  readonly execType?: string;
}
