/**
 * One Bybit v5 WebSocket connection, from connect to close, over the `ws` package. Reconnecting is
 * not done here: the connection state machine above decides when to build a new BybitSocket.
 *
 * What it guarantees:
 * - every `ws` event has a listener, so an 'error' never becomes an uncaught exception
 *   (bybit-api#192), and `onClose` is reported exactly once per connect();
 * - all timers (connect, heartbeat, requests, close) run on the injected Clock;
 * - a private or trade socket sends nothing but ping and auth until it is authenticated;
 * - inbound frames go through the book scanner, then classifyDeclined (the two halves of
 *   classifyInbound); a malformed frame, invalid UTF-8 included, is counted in
 *   mm_ws_frames_rejected_total and dropped, and a handler that throws is logged, never rethrown
 *   into `ws`.
 *
 * The heartbeat treats any inbound message as proof of life (a busy socket whose pong is queued
 * behind data is alive), and the pong timeout is the configured one, not bybit-api's 1 s that
 * causes reconnect storms (docs/peers.md).
 */
import { isAscii, isUtf8 } from 'node:buffer';
import WebSocket from 'ws';
import type { Counter } from 'prom-client';
import { InvariantError, UnreachableError, type BotError, type Disposition } from '../../../errors.js';
import type { Clock, TimerId } from '../../../domain/clock.js';
import type { Logger } from '../../log/logger.js';
import type { MessageTally, Metrics, WsType } from '../../metrics/metrics.js';
import type { Credentials } from '../../secrets/secret.js';
import { signWsAuth } from '../sign.js';
import { scanBookFrame, type WireBookFrame } from '../wire/book-frame.js';
import { classifyDeclined } from '../wire/classify.js';
import { refusedTopic, type ControlReply } from '../wire/control.js';
import type { PrivateMessage } from '../wire/private.js';
import type { WirePublicTrade, WireTicker } from '../wire/public.js';
import { REJECT_REASONS, rejection, type FrameRejection, type RejectReason } from '../wire/rejection.js';
import type { TradeOp, WireTradeResponse } from '../wire/trade.js';
import {
  WsAuthError,
  WsHeartbeatTimeoutError,
  WsNotReadyError,
  WsRequestTimeoutError,
  WsSubscribeError,
} from './errors.js';
import { ClockTimer } from './clock-timer.js';
import { authFrame, pingFrame, redactedAuthFrame, topicsFrame, tradeRequestFrame } from './frames.js';
import { retCodeError, tradeResponseError } from './trade-errors.js';

/** Callbacks for what arrives on the socket. All optional; a throwing callback is logged and ignored. */
export interface BybitSocketHandlers {
  readonly onBook?: (frame: WireBookFrame) => void;
  readonly onPublicTrade?: (frame: WirePublicTrade) => void;
  readonly onTicker?: (frame: WireTicker) => void;
  readonly onPrivate?: (message: PrivateMessage) => void;
  /** A malformed frame was dropped (already counted); book owners resync on a rejected book topic. */
  readonly onRejected?: (rejection: FrameRejection) => void;
  /** Nothing arrived within the pong timeout of a ping; the socket is being terminated. */
  readonly onHeartbeatTimeout?: (error: WsHeartbeatTimeoutError) => void;
  /** A transport error on an open socket; onClose follows. */
  readonly onError?: (error: BotError) => void;
  /** The connection is gone (reported exactly once per connect()). */
  readonly onClose?: (code: number, reason: string) => void;
  /** Every frame in and out as text, for recorders; auth frames come redacted. */
  readonly onRaw?: (direction: 'in' | 'out', text: string, at: number) => void;
}

export interface BybitSocketDeps {
  readonly url: string;
  readonly kind: WsType;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly exchange: 'bybit';
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Required to authenticate (private and trade sockets). */
  readonly credentials?: Credentials;
  readonly handlers: BybitSocketHandlers;
  /** How far ahead of server time the auth `expires` is set; default 10 000 ms (pybit's 1 s fails on skew). */
  readonly authExpiryMs?: number;
  /** X-BAPI-RECV-WINDOW of trade requests; default 5 000 ms. */
  readonly recvWindowMs?: number;
  /** Server time minus local time in ms (the REST client's time sync); default 0. */
  readonly timeOffsetMs?: () => number;
  /** How long close() waits for the closing handshake before terminating; default 2 000 ms. */
  readonly closeTimeoutMs?: number;
  /** Prefix of request ids; default: the clock at construction in base 36, so ids stay unique across reconnects. */
  readonly reqIdPrefix?: string;
  /** Referer header of trade requests (a broker id); omitted by default. */
  readonly referer?: string;
  /** Largest inbound frame accepted, in bytes; default 8 MiB. */
  readonly maxPayloadBytes?: number;
}

type State = 'idle' | 'connecting' | 'open' | 'closing' | 'closed';

interface Pending {
  readonly op: string;
  readonly reqId: string;
  /** Topics of a subscribe/unsubscribe; undefined for trade requests. */
  readonly topics: readonly string[] | undefined;
  readonly resolve: (value: WireTradeResponse | undefined) => void;
  readonly reject: (error: BotError) => void;
  readonly timer: TimerId;
}

interface PendingAuth {
  readonly reqId: string;
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: BotError) => void;
  readonly timer: TimerId;
}

const EXCERPT_CHARS = 160;

/** One connection to a Bybit v5 public, private or trade WebSocket. */
export class BybitSocket {
  readonly kind: WsType;
  readonly #d: BybitSocketDeps;
  readonly #h: BybitSocketHandlers;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #messages: MessageTally;
  readonly #rejected: Record<RejectReason, Counter.Internal>;
  readonly #idPrefix: string;

  #state: State = 'idle';
  #ws: WebSocket | undefined;
  #authenticated = false;
  #seq = 0;
  #pending = new Map<string, Pending>();
  #auth: PendingAuth | undefined;
  #connect: { resolve: () => void; reject: (e: BotError) => void } | undefined;
  #lastError: Error | undefined;
  #closeReported = false;
  #closed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;

  readonly #connectTimer: ClockTimer;
  readonly #pingTimer: ClockTimer;
  readonly #watchdogTimer: ClockTimer;
  readonly #closeTimer: ClockTimer;
  /** Set by every inbound message; the watchdog checks it pongTimeoutMs after a ping. */
  #heard = false;

  constructor(deps: BybitSocketDeps) {
    this.#d = deps;
    this.kind = deps.kind;
    this.#h = deps.handlers;
    this.#clock = deps.clock;
    this.#log = deps.logger.child({ component: 'bybit-ws', ws_type: deps.kind });
    this.#connectTimer = new ClockTimer(deps.clock);
    this.#pingTimer = new ClockTimer(deps.clock);
    this.#watchdogTimer = new ClockTimer(deps.clock);
    this.#closeTimer = new ClockTimer(deps.clock);
    this.#idPrefix = deps.reqIdPrefix ?? `${Math.max(0, Math.trunc(deps.clock.now())).toString(36)}-`;
    // The per-frame path never builds a label object: messages go to a plain tally, rejects to
    // children bound here.
    const labels = { exchange: deps.exchange, ws_type: deps.kind };
    this.#messages = deps.metrics.messageTally(deps.exchange, deps.kind);
    const rejected = {} as Record<RejectReason, Counter.Internal>;
    for (const reason of REJECT_REASONS)
      rejected[reason] = deps.metrics.wsFramesRejected.labels({ ...labels, reason });
    this.#rejected = rejected;
  }

  /** Whether the socket is open (connected and not closing). */
  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /** Whether auth succeeded on this connection. */
  get isAuthenticated(): boolean {
    return this.#authenticated;
  }

  /**
   * Opens the connection. Resolves when open; rejects with UnreachableError (sent=false) when the
   * handshake fails or does not finish within connectTimeoutMs. Callable once per instance.
   */
  connect(): Promise<void> {
    if (this.#state !== 'idle') {
      return Promise.reject(new InvariantError('BybitSocket.connect() is called once per instance'));
    }
    this.#state = 'connecting';
    return new Promise<void>((resolve, reject) => {
      this.#connect = { resolve, reject };
      let ws: WebSocket;
      try {
        ws = new WebSocket(this.#d.url, {
          perMessageDeflate: false,
          // #onWsMessage checks UTF-8 itself, at no cost for the ASCII frames Bybit sends.
          skipUTF8Validation: true,
          maxPayload: this.#d.maxPayloadBytes ?? 8 * 1024 * 1024,
        });
      } catch (err) {
        // An invalid URL throws synchronously; report it like any failed connection, asynchronously.
        this.#lastError = err instanceof Error ? err : new Error(String(err));
        queueMicrotask(() => this.#onWsClose(1006, Buffer.alloc(0)));
        return;
      }
      this.#ws = ws;
      ws.on('open', this.#onWsOpen);
      ws.on('message', this.#onWsMessage);
      ws.on('error', this.#onWsError);
      ws.on('close', this.#onWsClose);
      this.#connectTimer.start(this.#onConnectTimeout, this.#d.connectTimeoutMs);
    });
  }

  /**
   * Authenticates a private or trade socket. Resolves on success; rejects with WsAuthError
   * (MM_WS_AUTH_FAILED) carrying ret_msg on refusal, or on no answer within requestTimeoutMs.
   */
  authenticate(): Promise<void> {
    if (this.kind === 'public')
      return Promise.reject(new InvariantError('a public socket does not authenticate'));
    const creds = this.#d.credentials;
    if (creds === undefined)
      return Promise.reject(new InvariantError(`${this.kind} socket has no credentials`));
    if (this.#state !== 'open')
      return Promise.reject(new WsNotReadyError(this.kind, 'auth', 'not_open', 'retry'));
    if (this.#authenticated) return Promise.resolve();
    if (this.#auth !== undefined) return this.#auth.promise;

    const reqId = this.#nextId();
    const expires = Math.trunc(this.#serverNow() + (this.#d.authExpiryMs ?? 10_000));
    const frame = authFrame(this.kind, reqId, creds.apiKey.reveal(), expires, signWsAuth(creds, expires));
    let resolve!: () => void;
    let reject!: (e: BotError) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const timer = this.#clock.setTimeout(() => {
      if (this.#auth?.reqId !== reqId) return;
      this.#auth = undefined;
      reject(new WsAuthError(this.kind, undefined, undefined, 'retry'));
    }, this.#d.requestTimeoutMs);
    this.#auth = { reqId, promise, resolve, reject, timer };
    this.#send(frame, redactedAuthFrame(this.kind, reqId, expires));
    return promise;
  }

  /**
   * Subscribes to topics with one frame, acknowledged by its req_id. Resolves on success; rejects
   * with WsSubscribeError naming the refused topic, WsRequestTimeoutError, or WsNotReadyError
   * (nothing sent) before auth on a private socket. Frames for the topics may arrive before the
   * ack; they are delivered as they come.
   */
  subscribe(topics: readonly string[]): Promise<void> {
    return this.#topics('subscribe', topics);
  }

  /** Unsubscribes from topics; same contract as subscribe. */
  unsubscribe(topics: readonly string[]): Promise<void> {
    return this.#topics('unsubscribe', topics);
  }

  /**
   * Sends an order operation on the trade socket and resolves with the venue's response when its
   * retCode is 0 (batch items may still fail individually: see batchResults). A non-zero retCode
   * rejects with the typed error REST would raise (10006 RateLimitedError, 110001
   * OrderNotFoundError, others ExchangeRejectedError...). No answer within requestTimeoutMs, or the
   * socket closing first, rejects with disposition 'reconcile': the order's outcome is unknown.
   */
  request(op: TradeOp, args: readonly unknown[]): Promise<WireTradeResponse> {
    if (this.kind !== 'trade')
      return Promise.reject(new InvariantError(`${op} sent on a ${this.kind} socket`));
    const refusal = this.#readiness(op);
    if (refusal !== undefined) return Promise.reject(refusal);
    const reqId = this.#nextId();
    const frame = tradeRequestFrame(
      reqId,
      op,
      args,
      Math.trunc(this.#serverNow()),
      this.#d.recvWindowMs ?? 5_000,
      this.#d.referer,
    );
    return new Promise<WireTradeResponse>((resolve, reject) => {
      this.#track(op, reqId, undefined, (r) => resolve(r!), reject, 'reconcile');
      this.#send(frame, frame);
    });
  }

  /**
   * Closes gracefully: sends a close frame and resolves once the socket is closed, terminating it
   * if the closing handshake takes longer than closeTimeoutMs.
   */
  close(code = 1000, reason = ''): Promise<void> {
    switch (this.#state) {
      case 'idle':
        this.#state = 'closed';
        return Promise.resolve();
      case 'closed':
        return Promise.resolve();
      case 'connecting':
        this.#ws?.terminate();
        break;
      case 'open':
        this.#state = 'closing';
        this.#stopHeartbeat();
        try {
          this.#ws?.close(code, reason);
        } catch (err) {
          this.#log.warn({ err, code }, 'close frame refused; terminating');
          this.#ws?.terminate();
        }
        this.#closeTimer.start(() => {
          this.#log.warn(
            { closeTimeoutMs: this.#closeTimeoutMs },
            'closing handshake timed out; terminating',
          );
          this.#ws?.terminate();
        }, this.#closeTimeoutMs);
        break;
      case 'closing':
        break;
    }
    return this.#whenClosed();
  }

  /** Drops the connection at once (no closing handshake); onClose follows. */
  terminate(): void {
    switch (this.#state) {
      case 'idle':
        this.#state = 'closed';
        return;
      case 'closed':
        return;
      case 'open':
        this.#state = 'closing';
        this.#stopHeartbeat();
        break;
      case 'connecting':
      case 'closing':
        break;
    }
    this.#ws?.terminate();
  }

  get #closeTimeoutMs(): number {
    return this.#d.closeTimeoutMs ?? 2_000;
  }

  #serverNow(): number {
    return this.#clock.now() + (this.#d.timeOffsetMs?.() ?? 0);
  }

  #nextId(): string {
    this.#seq += 1;
    return `${this.#idPrefix}${this.#seq}`;
  }

  /** Why a command cannot be sent now, or undefined when it can. */
  #readiness(op: string): WsNotReadyError | undefined {
    if (this.#state !== 'open') return new WsNotReadyError(this.kind, op, 'not_open', 'retry');
    if (this.kind !== 'public' && !this.#authenticated) {
      return new WsNotReadyError(this.kind, op, 'not_authenticated', 'retry');
    }
    return undefined;
  }

  #topics(op: 'subscribe' | 'unsubscribe', topics: readonly string[]): Promise<void> {
    if (this.kind === 'trade')
      return Promise.reject(new InvariantError(`a trade socket has no topics to ${op}`));
    const refusal = this.#readiness(op);
    if (refusal !== undefined) return Promise.reject(refusal);
    if (topics.length === 0) return Promise.resolve();
    const reqId = this.#nextId();
    const frame = topicsFrame(op, reqId, topics);
    return new Promise<void>((resolve, reject) => {
      this.#track(op, reqId, [...topics], () => resolve(), reject, 'retry');
      this.#send(frame, frame);
    });
  }

  #track(
    op: string,
    reqId: string,
    topics: readonly string[] | undefined,
    resolve: (value: WireTradeResponse | undefined) => void,
    reject: (error: BotError) => void,
    timeoutDisposition: Disposition,
  ): void {
    const timer = this.#clock.setTimeout(() => {
      if (this.#pending.delete(reqId)) {
        this.#log.warn({ op, reqId }, 'request timed out');
        reject(new WsRequestTimeoutError(op, reqId, this.#d.requestTimeoutMs, timeoutDisposition));
      }
    }, this.#d.requestTimeoutMs);
    this.#pending.set(reqId, { op, reqId, topics, resolve, reject, timer });
  }

  /** Sends a frame; `recorded` is what onRaw sees (the auth frame redacted). */
  #send(text: string, recorded: string): void {
    this.#ws?.send(text);
    if (this.#h.onRaw !== undefined)
      this.#safely('onRaw', () => this.#h.onRaw?.('out', recorded, this.#clock.now()));
  }

  // ---- ws events ------------------------------------------------------------------------------

  readonly #onWsOpen = (): void => {
    this.#connectTimer.stop();
    if (this.#state !== 'connecting') return;
    this.#state = 'open';
    this.#log.info({ url: this.#d.url }, 'socket open');
    this.#pingTimer.start(this.#onPingDue, this.#d.pingIntervalMs);
    const c = this.#connect;
    this.#connect = undefined;
    c?.resolve();
  };

  readonly #onWsMessage = (data: WebSocket.RawData, isBinary: boolean): void => {
    this.#heard = true;
    this.#messages.count++;
    try {
      if (isBinary) {
        this.#drop(rejection('binary', 'binary frame'), '');
        return;
      }
      const buf = Buffer.isBuffer(data)
        ? data
        : Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.from(data);
      // Bybit's frames are ASCII, whose bytes are their own Latin-1 text: that decoding is a copy.
      // The book scanner accepts nothing but printable ASCII, so a frame it reads needs no other
      // check (ws's own UTF-8 check is off: skipUTF8Validation).
      const latin1 = buf.toString('latin1');
      const book = scanBookFrame(latin1);
      if (book !== undefined) {
        if (this.#h.onRaw !== undefined)
          this.#safely('onRaw', () => this.#h.onRaw?.('in', latin1, this.#clock.now()));
        this.#h.onBook?.(book);
        return;
      }
      // ws would fail the connection on invalid UTF-8; here the frame is counted and dropped like
      // any malformed frame (a lost book delta then shows as a sequence gap, and the book resyncs).
      const text = isAscii(buf) ? latin1 : isUtf8(buf) ? buf.toString('utf8') : undefined;
      if (text === undefined) {
        this.#drop(rejection('not_utf8', 'text frame is not valid UTF-8'), '');
        return;
      }
      if (this.#h.onRaw !== undefined)
        this.#safely('onRaw', () => this.#h.onRaw?.('in', text, this.#clock.now()));
      // Non-ASCII text is no book frame the scanner could read either.
      const inbound = classifyDeclined(text);
      switch (inbound.kind) {
        case 'book':
          this.#h.onBook?.(inbound.frame);
          break;
        case 'publicTrade':
          this.#h.onPublicTrade?.(inbound.frame);
          break;
        case 'ticker':
          this.#h.onTicker?.(inbound.frame);
          break;
        case 'private':
          this.#h.onPrivate?.(inbound);
          break;
        case 'reply':
          this.#onReply(inbound.reply);
          break;
        case 'tradeResponse':
          this.#onTradeResponse(inbound.response);
          break;
        case 'pong':
          break;
        case 'rejected':
          this.#drop(inbound, text);
          break;
      }
    } catch (err) {
      // Only a handler can throw here; the frame is lost to that handler, the socket carries on.
      this.#log.error({ err }, 'inbound handler threw; frame dropped');
    }
  };

  readonly #onWsError = (err: Error): void => {
    this.#lastError = err;
    if (this.#state === 'connecting') {
      this.#log.debug({ err }, 'connect failed');
      return; // the close event that follows rejects connect()
    }
    this.#log.warn({ err }, 'socket error');
    if (this.#h.onError !== undefined) {
      const error = new UnreachableError(this.#d.url, true, { cause: err });
      this.#safely('onError', () => this.#h.onError?.(error));
    }
  };

  readonly #onWsClose = (code: number, reasonBuffer: Buffer): void => {
    if (this.#state === 'closed' && this.#closeReported) return;
    const reason = reasonBuffer.toString();
    this.#state = 'closed';
    this.#authenticated = false;
    this.#stopHeartbeat();
    this.#connectTimer.stop();
    this.#closeTimer.stop();
    const c = this.#connect;
    this.#connect = undefined;
    c?.reject(
      new UnreachableError(this.#d.url, false, {
        cause: this.#lastError ?? new Error(`closed (${code}) before the connection opened`),
      }),
    );
    this.#failPending();
    this.#log.info({ code, reason }, 'socket closed');
    if (!this.#closeReported) {
      this.#closeReported = true;
      this.#safely('onClose', () => this.#h.onClose?.(code, reason));
    }
    this.#resolveClosed?.();
  };

  readonly #onConnectTimeout = (): void => {
    if (this.#state !== 'connecting') return;
    const c = this.#connect;
    this.#connect = undefined;
    c?.reject(
      new UnreachableError(this.#d.url, false, {
        cause: new Error(`not open within ${this.#d.connectTimeoutMs} ms`),
      }),
    );
    this.#ws?.terminate();
  };

  // ---- heartbeat ------------------------------------------------------------------------------

  readonly #onPingDue = (): void => {
    if (this.#state !== 'open') return;
    const frame = pingFrame(this.#nextId());
    this.#send(frame, frame);
    if (!this.#watchdogTimer.armed) {
      this.#heard = false;
      this.#watchdogTimer.start(this.#onWatchdog, this.#d.pongTimeoutMs);
    }
    this.#pingTimer.start(this.#onPingDue, this.#d.pingIntervalMs);
  };

  readonly #onWatchdog = (): void => {
    if (this.#heard || this.#state !== 'open') return;
    const error = new WsHeartbeatTimeoutError(this.kind, this.#d.pongTimeoutMs);
    this.#log.warn({ pongTimeoutMs: this.#d.pongTimeoutMs }, 'heartbeat timeout; terminating');
    this.#safely('onHeartbeatTimeout', () => this.#h.onHeartbeatTimeout?.(error));
    this.terminate();
  };

  #stopHeartbeat(): void {
    this.#pingTimer.stop();
    this.#watchdogTimer.stop();
  }

  // ---- replies --------------------------------------------------------------------------------

  #onReply(reply: ControlReply): void {
    if (reply.op === 'auth') {
      this.#onAuthReply(reply);
      return;
    }
    const pending = this.#match(reply.reqId, reply.op, reply.success);
    if (pending === undefined) {
      if (reply.success) this.#log.debug({ op: reply.op, reqId: reply.reqId }, 'ack for no pending request');
      else
        this.#log.warn({ op: reply.op, reqId: reply.reqId, retMsg: reply.message }, 'venue refused a frame');
      return;
    }
    if (reply.success) {
      pending.resolve(undefined);
      return;
    }
    if (pending.topics !== undefined) {
      const op = pending.op === 'unsubscribe' ? 'unsubscribe' : 'subscribe';
      pending.reject(new WsSubscribeError(op, pending.topics, refusedTopic(reply.message), reply.message));
    } else {
      pending.reject(retCodeError(reply.retCode ?? -1, reply.message, pending.op, 0));
    }
  }

  #onAuthReply(reply: ControlReply): void {
    const auth = this.#auth;
    if (auth === undefined) {
      this.#log.warn({ success: reply.success }, 'auth reply with no auth pending');
      return;
    }
    this.#auth = undefined;
    this.#clock.clearTimeout(auth.timer);
    if (reply.success) {
      this.#authenticated = true;
      this.#log.info('authenticated');
      auth.resolve();
      return;
    }
    this.#log.warn({ retMsg: reply.message, retCode: reply.retCode }, 'auth refused');
    auth.reject(new WsAuthError(this.kind, reply.message, reply.retCode, authDisposition(reply)));
  }

  #onTradeResponse(response: WireTradeResponse): void {
    const pending = this.#match(response.reqId, response.op, response.retCode === 0);
    if (pending === undefined) {
      this.#log.warn(
        { op: response.op, reqId: response.reqId, retCode: response.retCode },
        'unsolicited trade response',
      );
      return;
    }
    const error = tradeResponseError(response, this.#serverNow());
    if (error === undefined) pending.resolve(response);
    else pending.reject(error);
  }

  /**
   * Finds and removes the request a reply answers: by id, or, when the venue did not echo one, the
   * only request in flight for that op (the only one at all for an anonymous refusal). Replies we
   * cannot attribute for certain are left alone; the request times out instead.
   */
  #match(reqId: string | undefined, op: string | undefined, success: boolean): Pending | undefined {
    let found: Pending | undefined;
    if (reqId !== undefined) {
      found = this.#pending.get(reqId);
    } else if (op !== undefined || !success) {
      for (const p of this.#pending.values()) {
        if (op !== undefined && p.op !== op) continue;
        if (found !== undefined) return undefined;
        found = p;
      }
    }
    if (found === undefined) return undefined;
    this.#pending.delete(found.reqId);
    this.#clock.clearTimeout(found.timer);
    return found;
  }

  #failPending(): void {
    for (const p of this.#pending.values()) {
      this.#clock.clearTimeout(p.timer);
      p.reject(
        new WsNotReadyError(this.kind, p.op, 'closed', p.topics === undefined ? 'reconcile' : 'retry'),
      );
    }
    this.#pending.clear();
    const auth = this.#auth;
    if (auth !== undefined) {
      this.#auth = undefined;
      this.#clock.clearTimeout(auth.timer);
      auth.reject(new WsNotReadyError(this.kind, 'auth', 'closed', 'retry'));
    }
  }

  #whenClosed(): Promise<void> {
    if (this.#state === 'closed') return Promise.resolve();
    this.#closed ??= new Promise<void>((resolve) => {
      this.#resolveClosed = resolve;
    });
    return this.#closed;
  }

  // ---- rejects and handler safety -------------------------------------------------------------

  #drop(r: FrameRejection, text: string): void {
    this.#rejected[r.reason].inc();
    this.#log.debug(
      { reason: r.reason, detail: r.detail, topic: r.topic, excerpt: text.slice(0, EXCERPT_CHARS) },
      'frame rejected',
    );
    this.#h.onRejected?.(r);
  }

  #safely(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error({ err, handler: name }, 'handler threw');
    }
  }
}

/** Key refusals stop the bot (as REST's AuthError does); expiry and timing problems are retried. */
function authDisposition(reply: ControlReply): Disposition {
  if (reply.retCode !== undefined) {
    return reply.retCode === 10003 ||
      reply.retCode === 10004 ||
      reply.retCode === 10005 ||
      reply.retCode === 10007
      ? 'halt'
      : 'retry';
  }
  // "Params Error" is an expired or skewed `expires` (protocol doc §4.6): a new attempt can pass.
  return reply.message === 'Params Error' ? 'retry' : 'halt';
}
