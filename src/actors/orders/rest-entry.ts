/** Order entry over REST batch endpoints. */
import type { BybitRest } from '../../adapters/bybit/rest/endpoints.js';
import type { BatchItemResult } from '../../adapters/bybit/rest/batch.js';
import type { Metrics } from '../../adapters/metrics/metrics.js';
import { inChunks, itemFailure, type EntryResult, type OrderEntry } from './order-entry.js';

const toEntry = (r: BatchItemResult): EntryResult =>
  r.ok ? { ok: true, orderId: r.orderId } : itemFailure(r.code, r.msg, r.error);

export function restOrderEntry(rest: BybitRest, metrics: Metrics): OrderEntry {
  const count = (op: string) => metrics.orderRequests.inc({ path: 'rest', op });
  return {
    name: 'rest',
    create: (items, onWrite) =>
      inChunks(items, async (batch) => {
        count('create');
        return (
          await rest.createOrderBatch(
            batch.map((i) => ({
              symbol: i.symbol,
              side: i.side,
              orderType: 'Limit' as const,
              qty: i.qty,
              price: i.price,
              timeInForce: i.timeInForce,
              orderLinkId: i.orderLinkId,
              reduceOnly: i.reduceOnly,
            })),
            undefined,
            onWrite,
          )
        ).map(toEntry);
      }),
    amend: (items, onWrite) =>
      inChunks(items, async (batch) => {
        count('amend');
        return (
          await rest.amendOrderBatch(
            batch.map((i) => ({
              symbol: i.symbol,
              orderLinkId: i.orderLinkId,
              ...(i.price === undefined ? {} : { price: i.price }),
              ...(i.qty === undefined ? {} : { qty: i.qty }),
            })),
            undefined,
            onWrite,
          )
        ).map(toEntry);
      }),
    cancel: (items, onWrite) =>
      inChunks(items, async (batch) => {
        count('cancel');
        return (
          await rest.cancelOrderBatch(
            batch.map((i) => ({ symbol: i.symbol, orderLinkId: i.orderLinkId })),
            undefined,
            onWrite,
          )
        ).map(toEntry);
      }),
  };
}
