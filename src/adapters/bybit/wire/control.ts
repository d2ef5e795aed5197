/**
 * Control frames (protocol doc §4): acknowledgements, refusals and pongs. Public and private
 * sockets answer in the `success / ret_msg / conn_id / req_id` form, the trade socket in the
 * `retCode / retMsg / connId / reqId` form; both are normalised into one ControlReply.
 */
import { z } from 'zod';
import { echoedId } from './primitives.js';

/**
 * A subscribe, unsubscribe or auth reply, or a refusal (invalid op, undecodable frame), in the
 * public/private form. Spot acks put "subscribe" in ret_msg; option acks have no ret_msg or op.
 */
export const commandReplySchema = z.looseObject({
  success: z.boolean(),
  ret_msg: z.string().optional(),
  op: z.string().optional(),
  req_id: echoedId.optional(),
  conn_id: z.string().optional(),
});
export type WireCommandReply = z.infer<typeof commandReplySchema>;

/** The trade socket's reply to auth (or to an op it does not know). */
export const tradeCommandReplySchema = z.looseObject({
  retCode: z.number().int(),
  retMsg: z.string(),
  op: z.string(),
  reqId: echoedId.optional(),
  connId: z.string().optional(),
});
export type WireTradeCommandReply = z.infer<typeof tradeCommandReplySchema>;

const pongArgs = z.array(z.union([z.string(), z.number()]));

/** Public spot/linear/inverse pong: the ping echoed with ret_msg "pong". */
export const publicPongSchema = z.looseObject({
  success: z.literal(true),
  ret_msg: z.literal('pong'),
  op: z.literal('ping'),
  req_id: echoedId.optional(),
  conn_id: z.string().optional(),
});
export type WirePublicPong = z.infer<typeof publicPongSchema>;

/** Private (and public option/spread) pong: `{op:"pong", args:[server ms]}`. */
export const privatePongSchema = z.looseObject({
  op: z.literal('pong'),
  args: pongArgs,
  req_id: echoedId.optional(),
  conn_id: z.string().optional(),
});
export type WirePrivatePong = z.infer<typeof privatePongSchema>;

/** Trade socket pong: `{retCode:0, retMsg:"OK", op:"pong", data:[server ms], connId}`. */
export const tradePongSchema = z.looseObject({
  retCode: z.number().int(),
  retMsg: z.string(),
  op: z.literal('pong'),
  data: pongArgs.optional(),
  reqId: echoedId.optional(),
  connId: z.string().optional(),
});
export type WireTradePong = z.infer<typeof tradePongSchema>;

/** Any reply to a command, in one shape whatever the socket. */
export interface ControlReply {
  /** subscribe, unsubscribe, auth, or undefined when the venue did not say (refusals). */
  readonly op: string | undefined;
  readonly reqId: string | undefined;
  readonly success: boolean;
  /** ret_msg or retMsg: "" on success, the reason on failure. */
  readonly message: string;
  /** The trade form's retCode; undefined for the public/private form. */
  readonly retCode: number | undefined;
  readonly connId: string | undefined;
}

/** Normalises a public/private reply. */
export function fromCommandReply(w: WireCommandReply): ControlReply {
  return {
    op: w.op === '' ? undefined : w.op,
    reqId: w.req_id === '' ? undefined : w.req_id,
    success: w.success,
    message: w.ret_msg ?? '',
    retCode: undefined,
    connId: w.conn_id,
  };
}

/** Normalises a trade-socket reply. */
export function fromTradeCommandReply(w: WireTradeCommandReply): ControlReply {
  return {
    op: w.op === '' ? undefined : w.op,
    reqId: w.reqId === '' ? undefined : w.reqId,
    success: w.retCode === 0,
    message: w.retMsg,
    retCode: w.retCode,
    connId: w.connId,
  };
}

/**
 * The topic a subscribe refusal names (`error:handler not found,topic:orderbook.50.NOPEUSDT`),
 * or undefined when the message names none (`args size >10`).
 */
export function refusedTopic(message: string): string | undefined {
  const at = message.lastIndexOf('topic:');
  if (at < 0) return undefined;
  const topic = message.slice(at + 'topic:'.length).trim();
  return topic === '' ? undefined : topic;
}
