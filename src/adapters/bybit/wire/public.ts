/**
 * Public topics (protocol doc §5): order book (zod form; the hot path uses book-frame.ts),
 * publicTrade and tickers. Objects are loose: Bybit adds fields over time, and only the fields
 * the bot reads are checked.
 */
import { z } from 'zod';
import { decimalString, msNumber, optionalDecimalString, side } from './primitives.js';

const level = z.tuple([decimalString, decimalString]);

/** `orderbook.{depth}.{symbol}` snapshot or delta (the schema twin of parseBookFrame). */
export const orderbookFrameSchema = z.looseObject({
  topic: z.string().startsWith('orderbook.'),
  type: z.enum(['snapshot', 'delta']),
  ts: msNumber,
  cts: z.number().optional(),
  data: z.looseObject({
    s: z.string().min(1),
    b: z.array(level),
    a: z.array(level),
    u: z.number().int().nonnegative(),
    seq: z.number().optional(),
  }),
});
export type WireOrderbookFrame = z.infer<typeof orderbookFrameSchema>;

/** One trade of a `publicTrade.{symbol}` push. */
export const publicTradeItemSchema = z.looseObject({
  /** Fill time (ms). */
  T: z.number(),
  s: z.string().min(1),
  /** Taker side. */
  S: side,
  v: decimalString,
  p: decimalString,
  /** Tick direction (derivatives only). */
  L: z.string().optional(),
  i: z.string().min(1),
  BT: z.boolean().optional(),
  RPI: z.boolean().optional(),
  seq: z.number().optional(),
});
export type WirePublicTradeItem = z.infer<typeof publicTradeItemSchema>;

/** `publicTrade.{symbol}`: trades ascending by match time. */
export const publicTradeFrameSchema = z.looseObject({
  topic: z.string().startsWith('publicTrade.'),
  type: z.literal('snapshot'),
  ts: msNumber,
  data: z.array(publicTradeItemSchema),
});
export type WirePublicTrade = z.infer<typeof publicTradeFrameSchema>;

// The ticker fields the bot may read; unset values arrive as "" (futures funding, pre-listing).
const tickerDataDelta = z.looseObject({
  symbol: z.string().min(1),
  lastPrice: optionalDecimalString.optional(),
  markPrice: optionalDecimalString.optional(),
  indexPrice: optionalDecimalString.optional(),
  bid1Price: optionalDecimalString.optional(),
  bid1Size: optionalDecimalString.optional(),
  ask1Price: optionalDecimalString.optional(),
  ask1Size: optionalDecimalString.optional(),
  fundingRate: optionalDecimalString.optional(),
  nextFundingTime: z.string().optional(),
  openInterest: optionalDecimalString.optional(),
  volume24h: optionalDecimalString.optional(),
  turnover24h: optionalDecimalString.optional(),
  price24hPcnt: optionalDecimalString.optional(),
  tickDirection: z.string().optional(),
});

// A snapshot carries the whole ticker, so at least the last price is there.
const tickerDataSnapshot = tickerDataDelta.extend({ lastPrice: decimalString });

/** `tickers.{symbol}` snapshot: the full ticker. */
export const tickerSnapshotSchema = z.looseObject({
  topic: z.string().startsWith('tickers.'),
  type: z.literal('snapshot'),
  ts: msNumber,
  cs: z.number().optional(),
  data: tickerDataSnapshot,
});
export type WireTickerSnapshot = z.infer<typeof tickerSnapshotSchema>;

/** `tickers.{symbol}` delta: only the fields that changed; a missing field is unchanged. */
export const tickerDeltaSchema = z.looseObject({
  topic: z.string().startsWith('tickers.'),
  type: z.literal('delta'),
  ts: msNumber,
  cs: z.number().optional(),
  data: tickerDataDelta,
});
export type WireTickerDelta = z.infer<typeof tickerDeltaSchema>;

export const tickerFrameSchema = z.discriminatedUnion('type', [tickerSnapshotSchema, tickerDeltaSchema]);
export type WireTicker = z.infer<typeof tickerFrameSchema>;
