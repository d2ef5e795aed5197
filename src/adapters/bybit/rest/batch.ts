/**
 * Merges a v5 batch answer (docs/bybit-v5-protocol.md §3.5): `result.list[i]` and
 * `retExtInfo.list[i]` are index-aligned with the request, and a batch with failed items still
 * answers retCode 0. Each item becomes a success or a typed error, in request order.
 */
import { BadResponseError, type BotError } from '../../../errors.js';
import { errorForRetCode } from './ret-codes.js';
import { wireBatchExtSchema, type wireBatchResultSchema } from './schemas.js';
import type { z } from 'zod';

export type BatchItemResult =
  | { readonly ok: true; readonly orderId: string; readonly orderLinkId: string }
  | {
      readonly ok: false;
      readonly code: number;
      readonly msg: string;
      /** The typed error of `code` (OrderNotFoundError, RateLimitedError, ExchangeRejectedError...). */
      readonly error: BotError;
      /** Taken from the answer, or from the request item when the answer left them empty. */
      readonly orderId: string;
      readonly orderLinkId: string;
    };

/** The ids a request item named, used when a failed item comes back without them. */
export interface BatchRequestIds {
  readonly orderId?: string | undefined;
  readonly orderLinkId?: string | undefined;
}

/**
 * Aligns a batch answer with its request; throws BadResponseError when the lists do not line up
 * (we would otherwise attribute an outcome to the wrong order).
 */
export function mergeBatch(
  endpoint: string,
  requested: readonly BatchRequestIds[],
  result: z.infer<typeof wireBatchResultSchema>,
  retExtInfo: unknown,
  rateLimitRetryMs: number,
): BatchItemResult[] {
  const ext = wireBatchExtSchema.safeParse(retExtInfo);
  if (!ext.success) throw new BadResponseError(endpoint, 'retExtInfo.list missing from a batch answer');
  const items = result.list;
  const codes = ext.data.list;
  if (items.length !== requested.length || codes.length !== requested.length) {
    throw new BadResponseError(
      endpoint,
      `batch of ${requested.length} answered with ${items.length} results and ${codes.length} codes`,
    );
  }
  return requested.map((req, i): BatchItemResult => {
    const item = items[i]!;
    const { code, msg } = codes[i]!;
    const orderId = item.orderId !== undefined && item.orderId !== '' ? item.orderId : (req.orderId ?? '');
    const orderLinkId =
      item.orderLinkId !== undefined && item.orderLinkId !== '' ? item.orderLinkId : (req.orderLinkId ?? '');
    if (code === 0) return { ok: true, orderId, orderLinkId };
    return {
      ok: false,
      code,
      msg,
      error: errorForRetCode(code, msg, endpoint, rateLimitRetryMs),
      orderId,
      orderLinkId,
    };
  });
}
