/**
 * A socket of a replay: plays one recorded connection session back on the replay's clock. The k-th
 * socket the bot opens for a kind plays the k-th recorded session of that kind: its open (or failed
 * connect), its inbound frames at their recorded times, its heartbeat timeout and its close. Inbound
 * text goes through the same classifier as BybitSocket's, so handlers get the same frames, and
 * malformed ones are dropped and counted the same way. Replies are matched to the bot's commands
 * by order (auth, then subscribes in turn); trade requests are matched to the recorded requests of
 * the same operation by order, and answered by the response to the recorded request's id (a
 * request nothing recorded answers gets a synthesized acceptance, noted as a divergence).
 */
import type { TimerId } from '../../domain/clock.js';
import type { ReplayClock } from './clock.js';
import type { BotError } from '../../errors.js';
import { InvariantError, UnreachableError } from '../../errors.js';
import type { BybitSocketDeps } from '../../adapters/bybit/ws/socket.js';
import {
  WsAuthError,
  WsHeartbeatTimeoutError,
  WsNotReadyError,
  WsRequestTimeoutError,
  WsSubscribeError,
} from '../../adapters/bybit/ws/errors.js';
import { retCodeError, tradeResponseError } from '../../adapters/bybit/ws/trade-errors.js';
import { classifyInbound } from '../../adapters/bybit/wire/classify.js';
import { refusedTopic, type ControlReply } from '../../adapters/bybit/wire/control.js';
import type { TradeOp, WireTradeResponse } from '../../adapters/bybit/wire/trade.js';
import type { WireOrder } from '../../adapters/bybit/wire/private.js';
import type { VenueEcho } from './venue-echo.js';
import type { VenueSocket } from '../feeds/socket-actor.js';
import type { DecisionLog } from './decisions.js';
import type { SessionEvent, SocketSession } from './source.js';
import type { MessageTally } from '../../adapters/metrics/metrics.js';

interface Waiter<T> {
  readonly resolve: (v: T) => void;
  readonly reject: (e: BotError) => void;
  readonly timer: TimerId;
}

type State = 'idle' | 'connecting' | 'open' | 'closed';

export interface ReplaySocketDeps {
  readonly clock: ReplayClock;
  readonly decisions: DecisionLog;
  /** The recorded session this socket plays, or undefined when the recording has no more. */
  readonly session: SocketSession | undefined;
  /** A new order id for a synthesized acceptance (one sequence per replay). */
  readonly synthesizedId: () => string;
  /** Sees the recorded order pushes first: what it returns of them is delivered (venue-echo.ts). */
  readonly onOrders?: (orders: readonly WireOrder[]) => WireOrder[];
  /** Pushes the order updates of accepted writes the recording has no answer for. */
  readonly echo?: VenueEcho;
}

export class ReplaySocket implements VenueSocket {
  readonly kind: BybitSocketDeps['kind'];
  readonly #d: BybitSocketDeps;
  readonly #r: ReplaySocketDeps;
  readonly #clock: ReplayClock;
  #state: State = 'idle';
  #next = 0;
  /** The timer of the next recorded event, boxed (a TimerId may be any value). */
  #timer: { readonly id: TimerId } | undefined;
  #connect: { resolve: () => void; reject: (e: BotError) => void } | undefined;
  #auth: Waiter<void> | undefined;
  #authReply: ControlReply | undefined;
  readonly #topicWaiters: (Waiter<void> & { op: string; topics: readonly string[] })[] = [];
  readonly #topicReplies: ControlReply[] = [];
  /** Recorded trade requests (reqId by op) not yet matched, and requests waiting for their answer. */
  readonly #recordedRequests = new Map<string, string[]>();
  #scanned = 0;
  readonly #trades = new Map<string, Waiter<WireTradeResponse> & { op: string }>();
  #closeReported = false;
  /** The socket's message counter, its labels resolved once (they are hashed on every inc). */
  readonly #messages: MessageTally;
  #ownClose = false;

  constructor(deps: BybitSocketDeps, replay: ReplaySocketDeps) {
    this.#d = deps;
    this.#r = replay;
    this.kind = deps.kind;
    this.#clock = replay.clock;
    this.#messages = deps.metrics.messageTally('bybit', deps.kind);
  }

  connect(): Promise<void> {
    if (this.#state !== 'idle')
      return Promise.reject(new InvariantError('BybitSocket.connect() is called once per instance'));
    this.#state = 'connecting';
    return new Promise<void>((resolve, reject) => {
      this.#connect = { resolve, reject };
      const session = this.#r.session;
      if (session === undefined) {
        this.#r.decisions.divergence('unrecorded_session', { socket: this.kind });
        this.#after(0, () => this.#closed(1006, 'no recorded session', 'the recording has no such session'));
        return;
      }
      session.onAppend = () => this.#schedule();
      this.#schedule();
    });
  }

  authenticate(): Promise<void> {
    if (this.kind === 'public')
      return Promise.reject(new InvariantError('a public socket does not authenticate'));
    if (this.#state !== 'open')
      return Promise.reject(new WsNotReadyError(this.kind, 'auth', 'not_open', 'retry'));
    const reply = this.#authReply;
    if (reply !== undefined) {
      this.#authReply = undefined;
      return reply.success ? Promise.resolve() : Promise.reject(authError(this.kind, reply));
    }
    return new Promise<void>((resolve, reject) => {
      const timer = this.#after(this.#d.requestTimeoutMs, () => {
        if (this.#auth?.timer !== timer) return;
        this.#auth = undefined;
        reject(new WsAuthError(this.kind, undefined, undefined, 'retry'));
      });
      this.#auth = { resolve, reject, timer };
    });
  }

  subscribe(topics: readonly string[]): Promise<void> {
    return this.#topics('subscribe', topics);
  }

  unsubscribe(topics: readonly string[]): Promise<void> {
    return this.#topics('unsubscribe', topics);
  }

  #topics(op: 'subscribe' | 'unsubscribe', topics: readonly string[]): Promise<void> {
    if (this.kind === 'trade')
      return Promise.reject(new InvariantError(`a trade socket has no topics to ${op}`));
    if (this.#state !== 'open')
      return Promise.reject(new WsNotReadyError(this.kind, op, 'not_open', 'retry'));
    if (topics.length === 0) return Promise.resolve();
    const i = this.#topicReplies.findIndex((r) => r.op === op || r.op === undefined);
    if (i >= 0) {
      const [reply] = this.#topicReplies.splice(i, 1);
      return reply!.success ? Promise.resolve() : Promise.reject(subscribeError(op, topics, reply!));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        op,
        topics,
        resolve,
        reject,
        timer: this.#after(this.#d.requestTimeoutMs, () => {
          const at = this.#topicWaiters.indexOf(waiter);
          if (at < 0) return;
          this.#topicWaiters.splice(at, 1);
          reject(new WsRequestTimeoutError(op, 'replay', this.#d.requestTimeoutMs, 'retry'));
        }),
      };
      this.#topicWaiters.push(waiter);
    });
  }

  request(op: TradeOp, args: readonly unknown[]): Promise<WireTradeResponse> {
    if (this.kind !== 'trade')
      return Promise.reject(new InvariantError(`${op} sent on a ${this.kind} socket`));
    if (this.#state !== 'open')
      return Promise.reject(new WsNotReadyError(this.kind, op, 'not_open', 'retry'));
    this.#scanRequests();
    this.#r.echo?.sentWs(op, args);
    const reqId = this.#recordedRequests.get(op)?.shift();
    this.#r.decisions.request('ws', { op, args }, reqId === undefined ? 'synthesized ack' : 'recorded');
    if (reqId === undefined) {
      this.#r.decisions.divergence('unrecorded', { op });
      const ack = syntheticTradeAck(op, args, this.#r.synthesizedId);
      const ids = new Map((ack.data?.list ?? []).map((o) => [o.orderLinkId, o.orderId]));
      this.#r.echo?.acceptedWs(op, args, ids, this.#clock.now() + 1);
      return new Promise<WireTradeResponse>((resolve) => this.#after(1, () => resolve(ack)));
    }
    return new Promise<WireTradeResponse>((resolve, reject) => {
      const timer = this.#after(this.#d.requestTimeoutMs, () => {
        if (!this.#trades.delete(reqId)) return;
        reject(new WsRequestTimeoutError(op, reqId, this.#d.requestTimeoutMs, 'reconcile'));
      });
      this.#trades.set(reqId, { op, resolve, reject, timer });
    });
  }

  /** A frame the venue would have pushed that the recording lacks (venue-echo.ts). */
  inject(raw: string): void {
    if (this.#state === 'open') this.#inbound(raw);
  }

  close(code = 1000, reason = ''): Promise<void> {
    if (this.#state !== 'closed') this.#after(0, () => this.#closed(code, reason));
    return Promise.resolve();
  }

  terminate(): void {
    if (this.#state !== 'closed') this.#after(0, () => this.#closed(1006, ''));
  }

  #after(ms: number, fn: () => void): TimerId {
    return this.#clock.schedule(fn, ms);
  }

  /** Arms the timer of the next recorded event of the session, if any is buffered. */
  #schedule(): void {
    const session = this.#r.session;
    if (session === undefined || this.#state === 'closed' || this.#timer !== undefined) return;
    const ev = session.events[this.#next];
    if (ev === undefined) return;
    this.#timer = {
      id: this.#after(ev.t - this.#clock.now(), () => {
        this.#timer = undefined;
        if (this.#state === 'closed') return;
        this.#next++;
        this.#play(ev);
        this.#schedule();
      }),
    };
  }

  #play(ev: SessionEvent): void {
    if (ev.kind === 'frame') {
      if (ev.dir === 'in' && this.#state === 'open') this.#inbound(ev.raw);
      return;
    }
    switch (ev.ev) {
      case 'open': {
        if (this.#state !== 'connecting') return;
        this.#state = 'open';
        const c = this.#connect;
        this.#connect = undefined;
        c?.resolve();
        return;
      }
      case 'connect_failed':
        this.#closed(1006, '', ev.reason);
        return;
      case 'heartbeat_timeout': {
        const error = new WsHeartbeatTimeoutError(this.kind, this.#d.pongTimeoutMs);
        this.#safely(() => this.#d.handlers.onHeartbeatTimeout?.(error));
        return;
      }
      case 'closing':
        // The recorded bot closed this session itself: the replayed one closes when it asks to.
        this.#ownClose = true;
        return;
      case 'close':
        if (!this.#ownClose) this.#closed(ev.code, ev.reason);
        return;
      default:
        return;
    }
  }

  #inbound(text: string): void {
    this.#messages.count++;
    const h = this.#d.handlers;
    try {
      const inbound = classifyInbound(text);
      switch (inbound.kind) {
        case 'book':
          h.onBook?.(inbound.frame);
          break;
        case 'publicTrade':
          h.onPublicTrade?.(inbound.frame);
          break;
        case 'ticker':
          h.onTicker?.(inbound.frame);
          break;
        case 'private':
          {
            const onOrders = this.#r.onOrders;
            if (inbound.channel !== 'order' || onOrders === undefined) {
              h.onPrivate?.(inbound);
              break;
            }
            const data = onOrders(inbound.push.data);
            if (data.length === inbound.push.data.length) h.onPrivate?.(inbound);
            else if (data.length > 0) h.onPrivate?.({ ...inbound, push: { ...inbound.push, data } });
            break;
          }
          break;
        case 'reply':
          this.#reply(inbound.reply);
          break;
        case 'tradeResponse':
          this.#tradeResponse(inbound.response);
          break;
        case 'pong':
          break;
        case 'rejected':
          this.#d.metrics.wsFramesRejected.inc({
            exchange: 'bybit',
            ws_type: this.kind,
            reason: inbound.reason,
          });
          h.onRejected?.(inbound);
          break;
      }
    } catch (err) {
      this.#d.logger.error({ err }, 'inbound handler threw; frame dropped');
    }
  }

  #reply(reply: ControlReply): void {
    if (reply.op === 'auth') {
      const auth = this.#auth;
      if (auth === undefined) {
        this.#authReply = reply;
        return;
      }
      this.#auth = undefined;
      this.#clock.clearTimeout(auth.timer);
      if (reply.success) auth.resolve();
      else auth.reject(authError(this.kind, reply));
      return;
    }
    if (reply.op !== undefined && reply.op !== 'subscribe' && reply.op !== 'unsubscribe') return;
    const i = this.#topicWaiters.findIndex((w) => reply.op === undefined || w.op === reply.op);
    if (i < 0) {
      this.#topicReplies.push(reply);
      return;
    }
    const [w] = this.#topicWaiters.splice(i, 1);
    this.#clock.clearTimeout(w!.timer);
    if (reply.success) w!.resolve();
    else w!.reject(subscribeError(w!.op as 'subscribe' | 'unsubscribe', w!.topics, reply));
  }

  #tradeResponse(response: WireTradeResponse): void {
    const w = response.reqId === undefined ? undefined : this.#trades.get(response.reqId);
    if (w === undefined || response.reqId === undefined) return;
    this.#trades.delete(response.reqId);
    this.#clock.clearTimeout(w.timer);
    const error = tradeResponseError(response, this.#clock.now());
    if (error === undefined) w.resolve(response);
    else w.reject(error);
  }

  /** Indexes the recorded outbound trade requests read so far: reqId by op, in order. */
  #scanRequests(): void {
    const events = this.#r.session?.events ?? [];
    for (; this.#scanned < events.length; this.#scanned++) {
      const ev = events[this.#scanned]!;
      if (ev.kind !== 'frame' || ev.dir !== 'out') continue;
      try {
        const f = JSON.parse(ev.raw) as { op?: unknown; reqId?: unknown; header?: unknown };
        if (typeof f.op !== 'string' || !f.op.startsWith('order.') || typeof f.reqId !== 'string') continue;
        const list = this.#recordedRequests.get(f.op);
        if (list === undefined) this.#recordedRequests.set(f.op, [f.reqId]);
        else list.push(f.reqId);
      } catch {
        // An unreadable outbound frame cannot be matched; the request it was times out.
      }
    }
  }

  #closed(code: number, reason: string, failure?: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer.id);
    this.#timer = undefined;
    const c = this.#connect;
    this.#connect = undefined;
    c?.reject(
      new UnreachableError(this.#d.url, false, {
        cause: new Error(failure ?? `closed (${code}) before the connection opened`),
      }),
    );
    const auth = this.#auth;
    this.#auth = undefined;
    if (auth !== undefined) {
      this.#clock.clearTimeout(auth.timer);
      auth.reject(new WsNotReadyError(this.kind, 'auth', 'closed', 'retry'));
    }
    for (const w of this.#topicWaiters.splice(0)) {
      this.#clock.clearTimeout(w.timer);
      w.reject(new WsNotReadyError(this.kind, w.op, 'closed', 'retry'));
    }
    for (const [, w] of this.#trades) {
      this.#clock.clearTimeout(w.timer);
      w.reject(new WsNotReadyError(this.kind, w.op, 'closed', 'reconcile'));
    }
    this.#trades.clear();
    if (!this.#closeReported) {
      this.#closeReported = true;
      this.#safely(() => this.#d.handlers.onClose?.(code, reason));
    }
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#d.logger.error({ err }, 'handler threw');
    }
  }
}

function authError(kind: BybitSocketDeps['kind'], reply: ControlReply): WsAuthError {
  return new WsAuthError(
    kind,
    reply.message,
    reply.retCode,
    reply.message === 'Params Error' ? 'retry' : 'halt',
  );
}

function subscribeError(
  op: 'subscribe' | 'unsubscribe',
  topics: readonly string[],
  reply: ControlReply,
): BotError {
  return reply.retCode === undefined
    ? new WsSubscribeError(op, topics, refusedTopic(reply.message), reply.message)
    : retCodeError(reply.retCode, reply.message, op, 0);
}

/** The answer a venue gives a trade request it accepts entirely. */
function syntheticTradeAck(op: TradeOp, args: readonly unknown[], id: () => string): WireTradeResponse {
  const request = ((args[0] as { request?: unknown } | undefined)?.request ?? []) as Record<
    string,
    unknown
  >[];
  return {
    retCode: 0,
    retMsg: 'OK',
    op,
    data: {
      list: request.map((r) => ({
        orderId: typeof r['orderId'] === 'string' ? r['orderId'] : id(),
        orderLinkId: typeof r['orderLinkId'] === 'string' ? r['orderLinkId'] : '',
      })),
    },
    retExtInfo: { list: request.map(() => ({ code: 0, msg: 'OK' })) },
  };
}
