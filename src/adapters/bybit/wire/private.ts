/**
 * Private topics (protocol doc §6): order, execution, execution.fast, position, wallet and dcp,
 * all-in-one (`order`) or categorised (`order.linear`). Envelope
 * `{id, topic, creationTime, data:[...]}`. Item objects are loose: the fields the bot reads are
 * checked, everything else passes through untouched.
 */
import { z } from 'zod';
import { decimalString, msString, optionalDecimalString, side } from './primitives.js';

/** An order as pushed on `order` (protocol doc §3.15). */
export const orderSchema = z.looseObject({
  category: z.string().optional(),
  symbol: z.string().min(1),
  orderId: z.string().min(1),
  orderLinkId: z.string(),
  side,
  /** New, PartiallyFilled, Untriggered, Filled, Cancelled, Rejected, PartiallyFilledCanceled... */
  orderStatus: z.string().min(1),
  orderType: z.string(),
  timeInForce: z.string(),
  price: decimalString,
  qty: decimalString,
  /** "" until the first fill. */
  avgPrice: optionalDecimalString,
  leavesQty: decimalString,
  leavesValue: optionalDecimalString.optional(),
  cumExecQty: decimalString,
  cumExecValue: decimalString,
  cumExecFee: optionalDecimalString.optional(),
  cancelType: z.string(),
  rejectReason: z.string(),
  reduceOnly: z.boolean().optional(),
  positionIdx: z.number().int().optional(),
  createdTime: msString,
  updatedTime: msString,
});
export type WireOrder = z.infer<typeof orderSchema>;

/** A fill (or funding, ADL...) as pushed on `execution`. */
export const executionSchema = z.looseObject({
  category: z.string().optional(),
  symbol: z.string().min(1),
  orderId: z.string().min(1),
  orderLinkId: z.string(),
  side,
  execId: z.string().min(1),
  execType: z.string(),
  execPrice: decimalString,
  execQty: decimalString,
  execValue: optionalDecimalString.optional(),
  /** Positive when paid, negative for a maker rebate. */
  execFee: decimalString,
  feeRate: optionalDecimalString.optional(),
  execTime: msString,
  isMaker: z.boolean(),
  orderPrice: optionalDecimalString.optional(),
  orderQty: optionalDecimalString.optional(),
  leavesQty: optionalDecimalString.optional(),
  seq: z.number().optional(),
});
export type WireExecution = z.infer<typeof executionSchema>;

/** A trade on the low-latency `execution.fast` topic (fewer fields, no envelope id). */
export const fastExecutionSchema = z.looseObject({
  category: z.string().optional(),
  symbol: z.string().min(1),
  orderId: z.string().min(1),
  orderLinkId: z.string(),
  side,
  execId: z.string().min(1),
  execPrice: decimalString,
  execQty: decimalString,
  execTime: msString,
  isMaker: z.boolean(),
  seq: z.number().optional(),
});
export type WireFastExecution = z.infer<typeof fastExecutionSchema>;

/** A position as pushed on `position` (`entryPrice` here is `avgPrice` in REST). */
export const positionSchema = z.looseObject({
  category: z.string().optional(),
  symbol: z.string().min(1),
  /** "" when flat. */
  side: z.enum(['Buy', 'Sell', '']),
  size: decimalString,
  positionIdx: z.number().int(),
  entryPrice: optionalDecimalString.optional(),
  markPrice: optionalDecimalString.optional(),
  positionValue: optionalDecimalString.optional(),
  unrealisedPnl: optionalDecimalString.optional(),
  cumRealisedPnl: optionalDecimalString.optional(),
  liqPrice: z.string().optional(),
  leverage: z.string().optional(),
  updatedTime: z.string().optional(),
  seq: z.number().optional(),
});
export type WirePosition = z.infer<typeof positionSchema>;

/** One coin of a wallet push. */
export const walletCoinSchema = z.looseObject({
  coin: z.string().min(1),
  equity: optionalDecimalString,
  walletBalance: optionalDecimalString,
  unrealisedPnl: optionalDecimalString.optional(),
  cumRealisedPnl: optionalDecimalString.optional(),
  availableToWithdraw: optionalDecimalString.optional(),
  locked: optionalDecimalString.optional(),
});
export type WireWalletCoin = z.infer<typeof walletCoinSchema>;

/** An account as pushed on `wallet`. */
export const walletSchema = z.looseObject({
  accountType: z.string(),
  totalEquity: optionalDecimalString,
  totalAvailableBalance: optionalDecimalString.optional(),
  totalWalletBalance: optionalDecimalString.optional(),
  totalInitialMargin: optionalDecimalString.optional(),
  totalMaintenanceMargin: optionalDecimalString.optional(),
  coin: z.array(walletCoinSchema),
});
export type WireWallet = z.infer<typeof walletSchema>;

/** A `dcp` push; its fields are not captured anywhere we trust, so nothing is required. */
export const dcpSchema = z.looseObject({});
export type WireDcp = z.infer<typeof dcpSchema>;

const envelope = <T extends z.ZodType>(item: T) =>
  z.looseObject({
    id: z.string(),
    topic: z.string(),
    creationTime: z.number(),
    data: z.array(item),
  });

export const orderPushSchema = envelope(orderSchema);
export type WireOrderPush = z.infer<typeof orderPushSchema>;
export const executionPushSchema = envelope(executionSchema);
export type WireExecutionPush = z.infer<typeof executionPushSchema>;
export const positionPushSchema = envelope(positionSchema);
export type WirePositionPush = z.infer<typeof positionPushSchema>;
export const walletPushSchema = envelope(walletSchema);
export type WireWalletPush = z.infer<typeof walletPushSchema>;
export const dcpPushSchema = envelope(dcpSchema).extend({ id: z.string().optional() });
export type WireDcpPush = z.infer<typeof dcpPushSchema>;
export const fastExecutionPushSchema = envelope(fastExecutionSchema).extend({ id: z.string().optional() });
export type WireFastExecutionPush = z.infer<typeof fastExecutionPushSchema>;

/** A validated private push, tagged with its channel (the topic without its category). */
export type PrivateMessage =
  | { readonly kind: 'private'; readonly channel: 'order'; readonly push: WireOrderPush }
  | { readonly kind: 'private'; readonly channel: 'execution'; readonly push: WireExecutionPush }
  | { readonly kind: 'private'; readonly channel: 'execution.fast'; readonly push: WireFastExecutionPush }
  | { readonly kind: 'private'; readonly channel: 'position'; readonly push: WirePositionPush }
  | { readonly kind: 'private'; readonly channel: 'wallet'; readonly push: WireWalletPush }
  | { readonly kind: 'private'; readonly channel: 'dcp'; readonly push: WireDcpPush };

export type PrivateChannel = PrivateMessage['channel'];

/**
 * The channel of a private topic: `order`, `order.linear` → order; `execution.fast.linear` →
 * execution.fast; `dcp.future` → dcp. Undefined for topics the bot does not handle.
 */
export function privateChannelOf(topic: string): PrivateChannel | undefined {
  if (topic.startsWith('execution.fast')) return boundary(topic, 14) ? 'execution.fast' : undefined;
  const dot = topic.indexOf('.');
  const base = dot < 0 ? topic : topic.slice(0, dot);
  switch (base) {
    case 'order':
    case 'execution':
    case 'position':
    case 'wallet':
    case 'dcp':
      return base;
    default:
      return undefined;
  }
}

const boundary = (topic: string, at: number): boolean => topic.length === at || topic.charCodeAt(at) === 46;
