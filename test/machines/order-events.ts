/**
 * Events for the order machine tests: every request outcome, venue report and fill the manager
 * or the venue can produce for one order (price 100, qty 10), plus the timers and query outcomes
 * as the explicit events XState would raise.
 */
import type { EventObject } from 'xstate';
import { POST_ONLY_REJECT_REASON, type OrderInput, type VenueOrderStatus } from '../../src/machines/order.js';
import { after } from './support.js';

/** The order every test starts from. */
export const orderInput: OrderInput = {
  orderLinkId: 'mm-1',
  symbol: 'BTCUSDT',
  side: 'Buy',
  price: 100,
  qty: 10,
  ackTimeoutMs: 5_000,
  cancelTimeoutMs: 5_000,
  settleMs: 2_000,
  maxReconcileAttempts: 3,
  reconcileBackoffMs: 500,
};

/** A venue order update. */
export function venueOrder(
  status: VenueOrderStatus,
  cumQty: number,
  extra: { price?: number; qty?: number; rejectReason?: string } = {},
): EventObject {
  return {
    type: 'venue.order',
    status,
    orderId: 'o-1',
    price: extra.price ?? 100,
    qty: extra.qty ?? 10,
    cumQty,
    rejectReason: extra.rejectReason ?? '',
    cancelType: '',
  } as EventObject;
}

/** A fill. */
export function fill(execId: string, qty: number): EventObject {
  return { type: 'venue.fill', execId, qty, price: 100, fee: 0.01, isMaker: true } as EventObject;
}

/** A queryOrder result. */
export function queried(status: VenueOrderStatus | null, cumQty = 0, rejectReason = ''): EventObject {
  return {
    type: 'xstate.done.actor.queryOrder',
    actorId: 'queryOrder',
    output:
      status === null
        ? { found: false }
        : { found: true, status, orderId: 'o-1', price: 100, qty: 10, cumQty, rejectReason },
  } as EventObject;
}

/** The unknown-outcome events. */
export const unknowns: EventObject[] = [
  { type: 'create.unknown' },
  { type: 'amend.unknown' },
  { type: 'cancel.unknown' },
];

/** Every event an order can meet. */
export const orderEvents: EventObject[] = [
  { type: 'create.accepted', orderId: 'o-1' } as EventObject,
  { type: 'create.rejected', code: 10001, reason: 'params error' } as EventObject,
  ...unknowns,
  { type: 'amend.sent', price: 101, qty: 12 } as EventObject,
  { type: 'amend.sent', price: 101, qty: 4 } as EventObject,
  { type: 'amend.accepted' },
  { type: 'amend.rejected', code: 110010, reason: 'too late' } as EventObject,
  { type: 'cancel.sent' },
  { type: 'cancel.rejected', code: 110001 } as EventObject,
  { type: 'cancel.rejected', code: 10006 } as EventObject,
  venueOrder('New', 0),
  venueOrder('New', 0, { price: 101, qty: 12 }),
  venueOrder('PartiallyFilled', 4),
  venueOrder('PartiallyFilled', 4, { price: 101, qty: 12 }),
  venueOrder('Filled', 10),
  venueOrder('Cancelled', 0),
  venueOrder('Cancelled', 0, { rejectReason: POST_ONLY_REJECT_REASON }),
  venueOrder('Rejected', 0, { rejectReason: 'EC_NoImmediateQtyToFill' }),
  fill('e1', 4),
  fill('e2', 4),
  fill('e3', 4),
  fill('e4', 10),
  after('ackTimeout', 'order.pendingNew'),
  after('ackTimeout', 'order.pendingAmend'),
  after('cancelTimeout', 'order.pendingCancel'),
  after('reconcileBackoff', 'order.reconciling.waiting'),
  after('settle', 'order.cancelled'),
  after('settle', 'order.filled'),
  after('settle', 'order.rejected'),
  queried(null),
  queried('New'),
  queried('PartiallyFilled', 4),
  queried('Filled', 10),
  queried('Cancelled'),
  queried('Cancelled', 0, POST_ONLY_REJECT_REASON),
  queried('Rejected'),
  {
    type: 'xstate.error.actor.queryOrder',
    actorId: 'queryOrder',
    error: new Error('timeout'),
  } as EventObject,
];
