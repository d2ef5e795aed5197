/** Validated order requests, as the wire layer hands them to the exchange (prices and sizes in units). */
import type { Side, OrderType, TimeInForce } from './types.js';

export interface CreateRequest {
  readonly symbol: string;
  readonly side: Side;
  readonly orderType: OrderType;
  readonly qty: number;
  /** Limit price in units; undefined for Market orders. */
  readonly price: number | undefined;
  readonly timeInForce: TimeInForce;
  readonly orderLinkId: string;
  readonly reduceOnly: boolean;
  readonly closeOnTrigger: boolean;
}

export interface OrderRef {
  readonly symbol: string;
  readonly orderId: string | undefined;
  readonly orderLinkId: string | undefined;
}

export interface AmendRequest extends OrderRef {
  readonly qty: number | undefined;
  readonly price: number | undefined;
}

/** The ack of create, amend and cancel: both ids. */
export interface OrderAck {
  readonly orderId: string;
  readonly orderLinkId: string;
}
