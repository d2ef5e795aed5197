/**
 * Typed errors of the WebSocket transport. They reuse the MM_WS_* codes of src/errors.ts; payload
 * facts (topics, ret_msg, req id) are fields, never parsed out of the message.
 */
import { BotError, type Disposition } from '../../../errors.js';
import type { WsType } from '../../metrics/metrics.js';

/** The venue refused our auth frame, or never answered it. */
export class WsAuthError extends BotError {
  constructor(
    readonly wsType: WsType,
    /** ret_msg / retMsg of the refusal; undefined when no answer came. */
    readonly retMsg: string | undefined,
    /** retCode of a trade-socket refusal. */
    readonly retCode: number | undefined,
    disposition: Disposition,
  ) {
    super(
      'MM_WS_AUTH_FAILED',
      retMsg === undefined
        ? `${wsType} socket: no answer to auth`
        : `${wsType} socket: auth refused (${retCode === undefined ? '' : `retCode ${retCode}, `}${retMsg})`,
      disposition,
    );
  }
}

/** The venue refused a subscribe or unsubscribe frame (one bad topic fails the whole frame). */
export class WsSubscribeError extends BotError {
  constructor(
    readonly op: 'subscribe' | 'unsubscribe',
    /** Every topic of the refused frame. */
    readonly topics: readonly string[],
    /** The topic the venue named, when it named one. */
    readonly refusedTopic: string | undefined,
    readonly retMsg: string,
  ) {
    super(
      'MM_WS_SUBSCRIBE_FAILED',
      `${op} refused${refusedTopic === undefined ? '' : ` for ${refusedTopic}`}: ${retMsg}`,
      'retry',
    );
  }
}

/** A request got no answer in time. For order operations the outcome is unknown: reconcile. */
export class WsRequestTimeoutError extends BotError {
  constructor(
    readonly op: string,
    readonly reqId: string,
    readonly timeoutMs: number,
    disposition: Disposition,
  ) {
    super('MM_WS_REQUEST_TIMEOUT', `${op} (req ${reqId}): no answer within ${timeoutMs} ms`, disposition);
  }
}

/** No inbound message at all within the pong timeout of a ping. */
export class WsHeartbeatTimeoutError extends BotError {
  constructor(
    readonly wsType: WsType,
    readonly pongTimeoutMs: number,
  ) {
    super(
      'MM_WS_HEARTBEAT_TIMEOUT',
      `${wsType} socket: nothing received within ${pongTimeoutMs} ms of a ping`,
      'retry',
    );
  }
}

/** Why a request could not be sent or answered on this socket. */
export type NotReadyReason = 'not_open' | 'not_authenticated' | 'closed';

/**
 * A request refused locally (socket not open, or not authenticated yet: nothing was sent), or
 * left unanswered because the socket closed (then the outcome of an order request is unknown).
 */
export class WsNotReadyError extends BotError {
  constructor(
    readonly wsType: WsType,
    readonly op: string,
    readonly reason: NotReadyReason,
    disposition: Disposition,
  ) {
    super('MM_WS_NOT_CONNECTED', `${wsType} socket: ${op} ${NOT_READY_TEXT[reason]}`, disposition);
  }
}

const NOT_READY_TEXT: Record<NotReadyReason, string> = {
  not_open: 'refused, the socket is not open (nothing sent)',
  not_authenticated: 'refused before authentication (nothing sent)',
  closed: 'unanswered, the socket closed',
};
