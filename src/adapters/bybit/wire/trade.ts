/**
 * Trade-socket (`/v5/trade`) order responses (protocol doc §7):
 * `{reqId, retCode, retMsg, op, data, retExtInfo, header, connId}`. Single ops answer
 * `data: {orderId, orderLinkId}`; batch ops answer `data.list[i]` aligned with `retExtInfo.list[i]`
 * exactly like REST (§3.5). Errors carry `data: {}`.
 */
import { z } from 'zod';
import { echoedId } from './primitives.js';

/** The order operations the trade socket accepts. */
export const TRADE_OPS = [
  'order.create',
  'order.amend',
  'order.cancel',
  'order.create-batch',
  'order.amend-batch',
  'order.cancel-batch',
] as const;
export type TradeOp = (typeof TRADE_OPS)[number];

/** One item of a batch answer; a failed item has `orderId: ""` (and `createAt: ""`). */
export const batchItemSchema = z.looseObject({
  category: z.string().optional(),
  symbol: z.string().optional(),
  orderId: z.string(),
  orderLinkId: z.string(),
  createAt: z.string().optional(),
});
export type WireBatchItem = z.infer<typeof batchItemSchema>;

/** The per-item outcome of a batch, index-aligned with `data.list`. */
export const batchStatusSchema = z.looseObject({ code: z.number().int(), msg: z.string() });
export type WireBatchStatus = z.infer<typeof batchStatusSchema>;

export const tradeResponseSchema = z.looseObject({
  reqId: echoedId.optional(),
  retCode: z.number().int(),
  retMsg: z.string(),
  op: z.string().startsWith('order.'),
  data: z
    .looseObject({
      orderId: z.string().optional(),
      orderLinkId: z.string().optional(),
      list: z.array(batchItemSchema).optional(),
    })
    .nullish(),
  retExtInfo: z.looseObject({ list: z.array(batchStatusSchema).optional() }).nullish(),
  /** Rate-limit headers (X-Bapi-Limit, X-Bapi-Limit-Status, X-Bapi-Limit-Reset-Timestamp...). */
  header: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  connId: z.string().optional(),
});
export type WireTradeResponse = z.infer<typeof tradeResponseSchema>;
