/**
 * What the order manager reads from the venue, whether it came from the private WebSocket or from a
 * REST query: the structural subset of Bybit's order and execution objects (strings as on the
 * wire), and its conversion to the order machine's integer units.
 */
import type { Instrument } from '../../domain/instrument.js';
import { parsePrice, parseQty } from '../../domain/instrument.js';
import type { VenueOrderReport, VenueOrderStatus } from '../../machines/order.js';

export interface VenueOrder {
  readonly symbol: string;
  readonly orderId: string;
  readonly orderLinkId: string;
  readonly side: 'Buy' | 'Sell';
  readonly orderStatus: string;
  readonly price: string;
  readonly qty: string;
  readonly cumExecQty: string;
  readonly rejectReason?: string | undefined;
  readonly cancelType?: string | undefined;
  readonly reduceOnly?: boolean | undefined;
}

export interface VenueFill {
  readonly symbol: string;
  readonly orderId: string;
  readonly orderLinkId: string;
  readonly side: 'Buy' | 'Sell';
  readonly execId: string;
  readonly execType: string;
  readonly execPrice: string;
  readonly execQty: string;
  readonly execFee: string;
  readonly execTime: string;
  readonly isMaker: boolean;
}

const OPEN = new Set(['New', 'PartiallyFilled', 'Untriggered']);

/** Whether the venue reports the order as still working. */
export const isOpenStatus = (status: string): boolean => OPEN.has(status);

/** Maps Bybit's status to the order machine's; undefined for statuses linear orders never take. */
export function machineStatus(status: string): VenueOrderStatus | undefined {
  switch (status) {
    case 'New':
    case 'Untriggered':
      return 'New';
    case 'PartiallyFilled':
      return 'PartiallyFilled';
    case 'Filled':
      return 'Filled';
    case 'Cancelled':
    case 'PartiallyFilledCanceled':
    case 'Deactivated':
      return 'Cancelled';
    case 'Rejected':
      return 'Rejected';
    default:
      return undefined;
  }
}

/** Converts a venue order to the report the order machine takes; undefined when it cannot be read. */
export function toReport(inst: Instrument, o: VenueOrder): VenueOrderReport | undefined {
  const status = machineStatus(o.orderStatus);
  const price = parsePrice(inst, o.price);
  const qty = parseQty(inst, o.qty);
  const cumQty = parseQty(inst, o.cumExecQty);
  if (status === undefined || Number.isNaN(price) || Number.isNaN(qty) || Number.isNaN(cumQty))
    return undefined;
  return {
    status,
    orderId: o.orderId,
    price,
    qty,
    cumQty,
    rejectReason: o.rejectReason ?? '',
    cancelType: o.cancelType ?? '',
  };
}
