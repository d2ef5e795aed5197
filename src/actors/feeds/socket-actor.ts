/**
 * The `socket` actor of a connection machine: one BybitSocket for the lifetime of one session.
 * It reports transport facts as `ws.*` events, runs the machine's commands (authenticate,
 * subscribe, close), and hands data frames straight to their consumers: they never pass through
 * the machine. Every promise is settled into an event, so nothing here can throw into XState, and
 * the cleanup terminates the socket whatever state the session ends in.
 */
import { fromCallback } from 'xstate';
import type { Clock } from '../../domain/clock.js';
import type { SocketCommand, SocketEvent, SocketInput } from '../../machines/connection.js';
import {
  BybitSocket,
  type BybitSocketDeps,
  type BybitSocketHandlers,
} from '../../adapters/bybit/ws/socket.js';
import type { TradeOp, WireTradeResponse } from '../../adapters/bybit/wire/trade.js';
import type { Logger } from '../../adapters/log/logger.js';
import type { Metrics, WsType } from '../../adapters/metrics/metrics.js';
import type { SocketTap } from '../../adapters/recorder/recorder.js';
import type { Credentials } from '../../adapters/secrets/secret.js';

/**
 * One connection session as the actors use it: BybitSocket in production, a socket that plays a
 * recorded session back in replay (actors/replay). Same contract as BybitSocket.
 */
export interface VenueSocket {
  readonly kind: WsType;
  connect(): Promise<void>;
  authenticate(): Promise<void>;
  subscribe(topics: readonly string[]): Promise<void>;
  unsubscribe(topics: readonly string[]): Promise<void>;
  request(op: TradeOp, args: readonly unknown[]): Promise<WireTradeResponse>;
  close(code?: number, reason?: string): Promise<void>;
  terminate(): void;
}

/** Builds the socket of one session. */
export type SocketFactory = (deps: BybitSocketDeps) => VenueSocket;

/** The production factory: a real WebSocket to the venue. */
export const openBybitSocket: SocketFactory = (deps) => new BybitSocket(deps);

export interface SocketActorDeps {
  readonly kind: WsType;
  /**
   * `ws.activity` (data arrived) is sent at most this often, 0 for never: it only feeds the
   * connection machine's data watchdog, which sockets without one (dataSilenceMs 0) do not run.
   * Each one is a machine transition that re-arms the watchdog's timer.
   */
  readonly activityEveryMs: number;
  readonly url: string;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly credentials?: Credentials | undefined;
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly recvWindowMs: number;
  readonly timeOffsetMs: () => number;
  /** The topics to subscribe, read at each subscribe (so a resubscribe has the current list). */
  readonly topics: () => readonly string[];
  /** Data handlers; onClose, onHeartbeatTimeout and onError are the actor's own. */
  readonly handlers: Omit<BybitSocketHandlers, 'onClose' | 'onHeartbeatTimeout' | 'onError'>;
  /** The socket of the current session once it is usable (live), undefined otherwise. */
  readonly onSocket?: (socket: VenueSocket | undefined) => void;
  /** Builds each session's socket (default: a BybitSocket). */
  readonly open?: SocketFactory;
  /** The recorder's tap for a new session, when recording. */
  readonly tap?: () => SocketTap | undefined;
}

/** Builds the callback logic the connection machine invokes as `socket`. */
export function socketLogic(deps: SocketActorDeps) {
  return fromCallback<SocketCommand, SocketInput>(({ sendBack, receive }) => {
    const send = (e: SocketEvent) => sendBack(e);
    let lastActivity = Number.NEGATIVE_INFINITY;
    const every = deps.activityEveryMs;
    const activity = (): void => {
      if (every <= 0) return;
      const now = deps.clock.now();
      if (now - lastActivity >= every) {
        lastActivity = now;
        send({ type: 'ws.activity' });
      }
    };
    const h = deps.handlers;
    const tap = deps.tap?.();
    const onRaw =
      tap === undefined
        ? h.onRaw
        : h.onRaw === undefined
          ? (dir: 'in' | 'out', text: string, at: number) => tap.frame(dir, text, at)
          : (dir: 'in' | 'out', text: string, at: number) => {
              tap.frame(dir, text, at);
              h.onRaw?.(dir, text, at);
            };
    const socket = (deps.open ?? openBybitSocket)({
      url: deps.url,
      kind: deps.kind,
      clock: deps.clock,
      metrics: deps.metrics,
      logger: deps.logger,
      exchange: 'bybit',
      pingIntervalMs: deps.pingIntervalMs,
      pongTimeoutMs: deps.pongTimeoutMs,
      connectTimeoutMs: deps.connectTimeoutMs,
      requestTimeoutMs: deps.requestTimeoutMs,
      recvWindowMs: deps.recvWindowMs,
      timeOffsetMs: deps.timeOffsetMs,
      ...(deps.credentials === undefined ? {} : { credentials: deps.credentials }),
      handlers: {
        onBook: (f) => {
          activity();
          h.onBook?.(f);
        },
        onPublicTrade: (f) => {
          activity();
          h.onPublicTrade?.(f);
        },
        onTicker: (f) => {
          activity();
          h.onTicker?.(f);
        },
        onPrivate: (m) => {
          activity();
          h.onPrivate?.(m);
        },
        ...(h.onRejected === undefined ? {} : { onRejected: h.onRejected }),
        ...(onRaw === undefined ? {} : { onRaw }),
        onHeartbeatTimeout: () => {
          tap?.event('heartbeat_timeout', deps.clock.now());
          send({ type: 'ws.heartbeatTimeout' });
        },
        onError: (error) => deps.logger.warn({ err: error, kind: deps.kind }, 'socket error'),
        onClose: (code, reason) => {
          tap?.event('close', deps.clock.now(), { code, reason });
          deps.onSocket?.(undefined);
          send({ type: 'ws.closed', code, reason });
        },
      },
    });
    socket.connect().then(
      () => {
        tap?.event('open', deps.clock.now());
        send({ type: 'ws.opened' });
      },
      (error: unknown) => {
        tap?.event('connect_failed', deps.clock.now(), { error: (error as Error).message ?? String(error) });
        send({ type: 'ws.failed', error });
      },
    );
    receive((command) => {
      switch (command.type) {
        case 'socket.authenticate':
          socket.authenticate().then(
            () => {
              if (deps.kind === 'trade') deps.onSocket?.(socket);
              send({ type: 'ws.authenticated' });
            },
            (error: unknown) => send({ type: 'ws.authFailed', error }),
          );
          return;
        case 'socket.subscribe':
          socket.subscribe(deps.topics()).then(
            () => {
              deps.onSocket?.(socket);
              send({ type: 'ws.subscribed' });
            },
            (error: unknown) => send({ type: 'ws.subscribeFailed', error }),
          );
          return;
        case 'socket.close':
          // Our own close, not the venue's: a replay closes when the replayed bot asks, not on cue.
          tap?.event('closing', deps.clock.now());
          deps.onSocket?.(undefined);
          socket.close().catch(() => socket.terminate());
          return;
      }
    });
    return () => {
      tap?.event('closing', deps.clock.now());
      deps.onSocket?.(undefined);
      socket.terminate();
    };
  });
}
