/**
 * The single entry point for inbound text on any Bybit socket (public, private, trade). It parses
 * once and dispatches on the topic prefix before any zod, so book frames (the bulk of the
 * traffic) only meet the hand-written validator, and in their usual form not even JSON.parse. The
 * private pushes every order change brings (order, execution, position, wallet) are checked by
 * hand first too (private-fast.ts); anything else, and whatever those checks refuse, is checked by
 * its zod schema.
 * It never throws: bad input comes back as a FrameRejection with a bounded reason.
 */
import type { z } from 'zod';
import { scanBookFrame, validateBookFrame, type WireBookFrame } from './book-frame.js';
import {
  commandReplySchema,
  fromCommandReply,
  fromTradeCommandReply,
  privatePongSchema,
  publicPongSchema,
  tradeCommandReplySchema,
  tradePongSchema,
  type ControlReply,
} from './control.js';
import { fastExecutionPush, fastOrderPush, fastPositionPush, fastWalletPush } from './private-fast.js';
import {
  dcpPushSchema,
  executionPushSchema,
  fastExecutionPushSchema,
  orderPushSchema,
  positionPushSchema,
  privateChannelOf,
  walletPushSchema,
  type PrivateMessage,
} from './private.js';
import {
  publicTradeFrameSchema,
  tickerFrameSchema,
  type WirePublicTrade,
  type WireTicker,
} from './public.js';
import { isRejection, rejection, type FrameRejection, type RejectReason } from './rejection.js';
import { tradeResponseSchema, type WireTradeResponse } from './trade.js';

/** What an inbound frame turned out to be. */
export type Inbound =
  | { readonly kind: 'book'; readonly frame: WireBookFrame }
  | { readonly kind: 'publicTrade'; readonly frame: WirePublicTrade }
  | { readonly kind: 'ticker'; readonly frame: WireTicker }
  | PrivateMessage
  | { readonly kind: 'reply'; readonly reply: ControlReply }
  | { readonly kind: 'pong'; readonly reqId: string | undefined }
  | { readonly kind: 'tradeResponse'; readonly response: WireTradeResponse }
  | FrameRejection;

/** Classifies one inbound text frame. Never throws. */
export function classifyInbound(text: string): Inbound {
  // Book frames in Bybit's own form skip JSON.parse; the scanner declines anything else, which
  // then takes the general path with the same outcome.
  const book = scanBookFrame(text);
  if (book !== undefined) return { kind: 'book', frame: book };
  return classifyDeclined(text);
}

/**
 * classifyInbound for text that scanBookFrame has already declined (the socket runs the scanner
 * first, on the hot path). Never throws.
 */
export function classifyDeclined(text: string): Inbound {
  if (text.length === 0) return rejection('empty', 'empty frame');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return rejection('not_json', 'not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return rejection('not_object', 'not a JSON object');
  }
  const frame = value as Record<string, unknown>;
  const topic = frame['topic'];
  if (typeof topic === 'string') return classifyTopic(topic, frame);
  return classifyControl(frame);
}

function classifyTopic(topic: string, frame: Record<string, unknown>): Inbound {
  if (topic.startsWith('orderbook.')) {
    const book = validateBookFrame(frame);
    return isRejection(book) ? book : { kind: 'book', frame: book };
  }
  if (topic.startsWith('publicTrade.')) {
    const r = publicTradeFrameSchema.safeParse(frame);
    return r.success
      ? { kind: 'publicTrade', frame: r.data }
      : invalid('invalid_public_trade', r.error, topic);
  }
  if (topic.startsWith('tickers.')) {
    const r = tickerFrameSchema.safeParse(frame);
    return r.success ? { kind: 'ticker', frame: r.data } : invalid('invalid_ticker', r.error, topic);
  }
  const channel = privateChannelOf(topic);
  switch (channel) {
    case 'order': {
      const push = fastOrderPush(frame);
      if (push !== undefined) return { kind: 'private', channel, push };
      const r = orderPushSchema.safeParse(frame);
      return r.success
        ? { kind: 'private', channel, push: r.data }
        : invalid('invalid_private', r.error, topic);
    }
    case 'execution': {
      const push = fastExecutionPush(frame);
      if (push !== undefined) return { kind: 'private', channel, push };
      const r = executionPushSchema.safeParse(frame);
      return r.success
        ? { kind: 'private', channel, push: r.data }
        : invalid('invalid_private', r.error, topic);
    }
    case 'execution.fast': {
      const r = fastExecutionPushSchema.safeParse(frame);
      return r.success
        ? { kind: 'private', channel, push: r.data }
        : invalid('invalid_private', r.error, topic);
    }
    case 'position': {
      const push = fastPositionPush(frame);
      if (push !== undefined) return { kind: 'private', channel, push };
      const r = positionPushSchema.safeParse(frame);
      return r.success
        ? { kind: 'private', channel, push: r.data }
        : invalid('invalid_private', r.error, topic);
    }
    case 'wallet': {
      const push = fastWalletPush(frame);
      if (push !== undefined) return { kind: 'private', channel, push };
      const r = walletPushSchema.safeParse(frame);
      return r.success
        ? { kind: 'private', channel, push: r.data }
        : invalid('invalid_private', r.error, topic);
    }
    case 'dcp': {
      const r = dcpPushSchema.safeParse(frame);
      return r.success
        ? { kind: 'private', channel, push: r.data }
        : invalid('invalid_private', r.error, topic);
    }
    case undefined:
      return rejection('unknown_topic', 'a topic the bot does not handle', topic);
  }
}

function classifyControl(frame: Record<string, unknown>): Inbound {
  const op = frame['op'];
  const tradeForm = typeof frame['retCode'] === 'number';
  if (op === 'pong') {
    if (tradeForm) {
      const r = tradePongSchema.safeParse(frame);
      return r.success ? { kind: 'pong', reqId: r.data.reqId } : invalid('invalid_pong', r.error);
    }
    const r = privatePongSchema.safeParse(frame);
    return r.success ? { kind: 'pong', reqId: r.data.req_id } : invalid('invalid_pong', r.error);
  }
  if (op === 'ping' && frame['ret_msg'] === 'pong') {
    const r = publicPongSchema.safeParse(frame);
    return r.success ? { kind: 'pong', reqId: r.data.req_id } : invalid('invalid_pong', r.error);
  }
  if (tradeForm) {
    if (typeof op === 'string' && op.startsWith('order.')) {
      const r = tradeResponseSchema.safeParse(frame);
      return r.success
        ? { kind: 'tradeResponse', response: r.data }
        : invalid('invalid_trade_response', r.error);
    }
    const r = tradeCommandReplySchema.safeParse(frame);
    return r.success
      ? { kind: 'reply', reply: fromTradeCommandReply(r.data) }
      : invalid('invalid_reply', r.error);
  }
  if ('success' in frame) {
    const r = commandReplySchema.safeParse(frame);
    return r.success ? { kind: 'reply', reply: fromCommandReply(r.data) } : invalid('invalid_reply', r.error);
  }
  return rejection('unknown_message', 'neither a topic push nor a reply');
}

function invalid(reason: RejectReason, error: z.ZodError, topic?: string): FrameRejection {
  const issue = error.issues[0];
  const detail =
    issue === undefined ? 'schema mismatch' : `${issue.path.join('.') || '(root)'}: ${issue.message}`;
  return rejection(reason, detail, topic);
}
