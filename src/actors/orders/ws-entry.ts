/**
 * Order entry over the WebSocket trade API, for lower latency, with REST as its fallback: when
 * the trade socket is not authenticated, or refuses a request locally before sending anything, the
 * same items go over REST. A request that was sent and then went unanswered is NOT retried over
 * REST (it may have been executed): it is reported unknown and reconciled.
 */
import type { Clock } from '../../domain/clock.js';
import type { VenueSocket } from '../feeds/socket-actor.js';
import { WsNotReadyError } from '../../adapters/bybit/ws/errors.js';
import { batchResults } from '../../adapters/bybit/ws/trade-errors.js';
import type { TradeOp } from '../../adapters/bybit/wire/trade.js';
import type { Metrics } from '../../adapters/metrics/metrics.js';
import { inChunks, itemFailure, type EntryResult, type OrderEntry } from './order-entry.js';

/** The trade socket when it is authenticated and usable, else undefined. */
export type TradeSocketSource = () => VenueSocket | undefined;

export function wsOrderEntry(
  source: TradeSocketSource,
  fallback: OrderEntry,
  clock: Clock,
  metrics: Metrics,
): OrderEntry {
  function via<T>(
    op: TradeOp,
    items: readonly T[],
    toWire: (item: T) => Record<string, unknown>,
    viaRest: (batch: readonly T[]) => Promise<EntryResult[]>,
    onWrite: (() => void) | undefined,
  ): Promise<EntryResult[]> {
    return inChunks(items, async (batch) => {
      const socket = source();
      if (socket === undefined) return viaRest(batch);
      try {
        metrics.orderRequests.inc({ path: 'ws', op: op.slice('order.'.length, op.indexOf('-')) });
        const answer = socket.request(op, [{ category: 'linear', request: batch.map(toWire) }]);
        // request() sends the frame before it returns (or refuses, rejecting).
        onWrite?.();
        const response = await answer;
        const results = batchResults(response, clock.now());
        if (results.length !== batch.length)
          return batch.map((): EntryResult => ({
            ok: false,
            kind: 'unknown',
            code: -1,
            msg: 'batch answer misaligned',
          }));
        return results.map((r): EntryResult =>
          r.ok ? { ok: true, orderId: r.orderId } : itemFailure(r.code, r.msg, r.error),
        );
      } catch (e) {
        // Refused locally before anything was sent: REST is safe.
        if (e instanceof WsNotReadyError && e.reason !== 'closed') return viaRest(batch);
        throw e;
      }
    });
  }
  return {
    name: 'ws',
    create: (items, onWrite) =>
      via(
        'order.create-batch',
        items,
        (i) => ({
          symbol: i.symbol,
          side: i.side,
          orderType: 'Limit',
          qty: i.qty,
          price: i.price,
          timeInForce: i.timeInForce,
          orderLinkId: i.orderLinkId,
          reduceOnly: i.reduceOnly,
        }),
        (b) => fallback.create(b, onWrite),
        onWrite,
      ),
    amend: (items, onWrite) =>
      via(
        'order.amend-batch',
        items,
        (i) => ({
          symbol: i.symbol,
          orderLinkId: i.orderLinkId,
          ...(i.price === undefined ? {} : { price: i.price }),
          ...(i.qty === undefined ? {} : { qty: i.qty }),
        }),
        (b) => fallback.amend(b, onWrite),
        onWrite,
      ),
    cancel: (items, onWrite) =>
      via(
        'order.cancel-batch',
        items,
        (i) => ({ symbol: i.symbol, orderLinkId: i.orderLinkId }),
        (b) => fallback.cancel(b, onWrite),
        onWrite,
      ),
  };
}
