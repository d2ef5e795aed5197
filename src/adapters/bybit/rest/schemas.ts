/**
 * zod schemas of the v5 REST answers the bot reads (docs/bybit-v5-protocol.md §2.3, §3). Objects
 * are loose: the fields we use are checked, the rest pass through untouched, so a field Bybit adds
 * tomorrow breaks nothing. Decimals stay strings here, exactly as sent; callers convert them with
 * the instrument's precision (domain/instrument.ts) where they need numbers.
 */
import { z } from 'zod';

/** A decimal as Bybit prints it: "109378.80", "0.001", "-1.5". */
export const decimalSchema = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal string such as "0.10"');
/** A millisecond timestamp printed as a string ("1672211918471"). */
export const msStringSchema = z.string().regex(/^\d+$/, 'a millisecond timestamp string');

/** The envelope of every answer; `result` is checked per endpoint. */
export const envelopeSchema = z.looseObject({
  retCode: z.number().int(),
  retMsg: z.string(),
  result: z.unknown(),
  retExtInfo: z.unknown().optional(),
  time: z.number().optional(),
});
export type WireEnvelope = z.infer<typeof envelopeSchema>;

export const sideSchema = z.enum(['Buy', 'Sell']);

/** The acknowledgement of create, amend and cancel (§3.1-3.3): accepted, not yet resting. */
export const wireOrderAckSchema = z.looseObject({
  orderId: z.string(),
  orderLinkId: z.string(),
});
export type WireOrderAck = z.infer<typeof wireOrderAckSchema>;

/** POST /v5/order/cancel-all (§3.4); `success` is "1" or "0". */
export const wireCancelAllSchema = z.looseObject({
  list: z.array(wireOrderAckSchema),
  success: z.string().optional(),
});
export type WireCancelAll = z.infer<typeof wireCancelAllSchema>;

/** One item of a batch result; a failed item has orderId "" (§3.5). */
export const wireBatchItemSchema = z.looseObject({
  orderId: z.string().optional(),
  orderLinkId: z.string().optional(),
  symbol: z.string().optional(),
  createAt: z.string().optional(),
});
export const wireBatchResultSchema = z.looseObject({ list: z.array(wireBatchItemSchema) });
/** `retExtInfo` of a batch answer, index-aligned with `result.list`. */
export const wireBatchExtSchema = z.looseObject({
  list: z.array(z.looseObject({ code: z.number().int(), msg: z.string() })),
});

/** The Order object (§3.15), as GET /v5/order/realtime lists it. */
export const wireOrderSchema = z.looseObject({
  orderId: z.string(),
  orderLinkId: z.string(),
  symbol: z.string(),
  side: sideSchema,
  orderType: z.string(),
  price: decimalSchema,
  qty: decimalSchema,
  orderStatus: z.string(),
  timeInForce: z.string(),
  leavesQty: decimalSchema,
  cumExecQty: decimalSchema,
  cumExecValue: decimalSchema,
  /** "" or "0" before the first fill. */
  avgPrice: z.string(),
  reduceOnly: z.boolean(),
  positionIdx: z.number().int().optional(),
  cancelType: z.string().optional(),
  rejectReason: z.string().optional(),
  createdTime: msStringSchema,
  updatedTime: msStringSchema,
});
export type WireOrder = z.infer<typeof wireOrderSchema>;

/** Order statuses of §6.6; the schema keeps orderStatus a plain string so a new one never breaks a page. */
export const ORDER_STATUSES = [
  'New',
  'PartiallyFilled',
  'Untriggered',
  'Rejected',
  'PartiallyFilledCanceled',
  'Filled',
  'Cancelled',
  'Triggered',
  'Deactivated',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

const pageOf = <T extends z.ZodType>(item: T) =>
  z.looseObject({
    category: z.string().optional(),
    list: z.array(item),
    nextPageCursor: z.string().optional(),
  });

export const wireOrderPageSchema = pageOf(wireOrderSchema);

/** One execution of GET /v5/execution/list (§3.8). */
export const wireExecutionSchema = z.looseObject({
  execId: z.string(),
  orderId: z.string(),
  orderLinkId: z.string(),
  symbol: z.string(),
  side: sideSchema,
  execPrice: decimalSchema,
  execQty: decimalSchema,
  execValue: decimalSchema,
  execFee: decimalSchema,
  feeRate: z.string(),
  execType: z.string(),
  execTime: msStringSchema,
  isMaker: z.boolean(),
  orderPrice: z.string(),
  orderQty: z.string(),
  leavesQty: z.string(),
  orderType: z.string().optional(),
  closedSize: z.string().optional(),
  feeCurrency: z.string().optional(),
  seq: z.number().optional(),
});
export type WireExecution = z.infer<typeof wireExecutionSchema>;
export const wireExecutionPageSchema = pageOf(wireExecutionSchema);

/** One row of GET /v5/position/list (§3.9); `side` is "" and `size` "0" when flat. */
export const wirePositionSchema = z.looseObject({
  symbol: z.string(),
  positionIdx: z.number().int(),
  side: z.enum(['Buy', 'Sell', '']),
  size: decimalSchema,
  avgPrice: z.string(),
  positionValue: z.string(),
  markPrice: z.string(),
  liqPrice: z.string().optional(),
  leverage: z.string().optional(),
  unrealisedPnl: z.string(),
  curRealisedPnl: z.string().optional(),
  cumRealisedPnl: z.string(),
  positionStatus: z.string().optional(),
  createdTime: z.string().optional(),
  updatedTime: z.string(),
  seq: z.number().optional(),
});
export type WirePosition = z.infer<typeof wirePositionSchema>;
export const wirePositionPageSchema = pageOf(wirePositionSchema);

/** One coin of a unified account (§3.10). */
export const wireCoinSchema = z.looseObject({
  coin: z.string(),
  equity: z.string(),
  walletBalance: z.string(),
  unrealisedPnl: z.string(),
  cumRealisedPnl: z.string(),
  usdValue: z.string().optional(),
  locked: z.string().optional(),
  totalOrderIM: z.string().optional(),
  totalPositionIM: z.string().optional(),
  totalPositionMM: z.string().optional(),
  availableToWithdraw: z.string().optional(),
});
export type WireCoin = z.infer<typeof wireCoinSchema>;

/** The unified account of GET /v5/account/wallet-balance (§3.10); totals are in USD. */
export const wireWalletSchema = z.looseObject({
  accountType: z.string(),
  totalEquity: z.string(),
  totalWalletBalance: z.string(),
  totalMarginBalance: z.string(),
  totalAvailableBalance: z.string(),
  totalInitialMargin: z.string(),
  totalMaintenanceMargin: z.string(),
  totalPerpUPL: z.string().optional(),
  accountIMRate: z.string().optional(),
  accountMMRate: z.string().optional(),
  coin: z.array(wireCoinSchema),
});
export type WireWallet = z.infer<typeof wireWalletSchema>;
export const wireWalletListSchema = z.looseObject({ list: z.array(wireWalletSchema) });

/** A linear instrument of GET /v5/market/instruments-info (§3.11). */
export const wireInstrumentSchema = z.looseObject({
  symbol: z.string(),
  status: z.string(),
  baseCoin: z.string(),
  quoteCoin: z.string(),
  priceScale: z.string().optional(),
  priceFilter: z.looseObject({ minPrice: decimalSchema, maxPrice: decimalSchema, tickSize: decimalSchema }),
  lotSizeFilter: z.looseObject({
    minOrderQty: decimalSchema,
    maxOrderQty: decimalSchema,
    qtyStep: decimalSchema,
    minNotionalValue: decimalSchema.optional(),
  }),
});
export type WireInstrument = z.infer<typeof wireInstrumentSchema>;
export const wireInstrumentPageSchema = pageOf(wireInstrumentSchema);

const levelSchema = z.tuple([decimalSchema, decimalSchema]);

/** GET /v5/market/orderbook (§3.12): bids descending, asks ascending. */
export const wireOrderbookSchema = z.looseObject({
  s: z.string(),
  b: z.array(levelSchema),
  a: z.array(levelSchema),
  ts: z.number(),
  u: z.number(),
  seq: z.number().optional(),
  cts: z.number().optional(),
});
export type WireOrderbook = z.infer<typeof wireOrderbookSchema>;

/** GET /v5/market/time (§3.13). */
export const wireServerTimeSchema = z.looseObject({
  timeSecond: z.string().regex(/^\d+$/),
  timeNano: z.string().regex(/^\d+$/),
});
export type WireServerTime = z.infer<typeof wireServerTimeSchema>;

/** Any object: endpoints whose result we do not read (disconnected-cancel-all). */
export const anyObjectSchema = z.looseObject({});
