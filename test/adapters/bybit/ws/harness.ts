/**
 * Builds a BybitSocket on a SimClock with a fresh Metrics registry and records everything its
 * handlers see, so tests can await events instead of sleeping.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { SimClock } from '../../../../src/domain/clock.js';
import { createLogger } from '../../../../src/adapters/log/logger.js';
import { Metrics, type WsType } from '../../../../src/adapters/metrics/metrics.js';
import { credentials, type Credentials } from '../../../../src/adapters/secrets/secret.js';
import type { BotError } from '../../../../src/errors.js';
import { BybitSocket, type BybitSocketDeps } from '../../../../src/adapters/bybit/ws/socket.js';
import type { WireBookFrame } from '../../../../src/adapters/bybit/wire/book-frame.js';
import type { PrivateMessage } from '../../../../src/adapters/bybit/wire/private.js';
import type { WirePublicTrade, WireTicker } from '../../../../src/adapters/bybit/wire/public.js';
import type { FrameRejection } from '../../../../src/adapters/bybit/wire/rejection.js';

export const API_KEY = 'TESTKEY';
export const API_SECRET = 'simulator-test-secret';
export const START = 1_700_000_000_000;

export const TIMINGS = {
  pingIntervalMs: 20_000,
  pongTimeoutMs: 5_000,
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 5_000,
} as const;

export type SocketEvent =
  | { readonly type: 'book'; readonly frame: WireBookFrame }
  | { readonly type: 'publicTrade'; readonly frame: WirePublicTrade }
  | { readonly type: 'ticker'; readonly frame: WireTicker }
  | { readonly type: 'private'; readonly message: PrivateMessage }
  | { readonly type: 'rejected'; readonly rejection: FrameRejection }
  | { readonly type: 'heartbeatTimeout'; readonly error: BotError }
  | { readonly type: 'error'; readonly error: BotError }
  | { readonly type: 'close'; readonly code: number; readonly reason: string }
  | { readonly type: 'raw'; readonly direction: 'in' | 'out'; readonly text: string; readonly at: number };

/** An append-only event log that can be awaited. */
export class EventLog<T> {
  readonly all: T[] = [];
  #waiters: { pred: (e: T) => boolean; n: number; resolve: (e: T) => void }[] = [];

  push(e: T): void {
    this.all.push(e);
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.pred(e)) return true;
      w.n -= 1;
      if (w.n > 0) return true;
      w.resolve(e);
      return false;
    });
  }

  /** Resolves with the nth event (past or future) matching `pred`. */
  waitFor(pred: (e: T) => boolean, nth = 1): Promise<T> {
    const past = this.all.filter(pred);
    const hit = past[nth - 1];
    if (hit !== undefined) return Promise.resolve(hit);
    return new Promise((resolve) => this.#waiters.push({ pred, n: nth - past.length, resolve }));
  }

  count(pred: (e: T) => boolean): number {
    return this.all.filter(pred).length;
  }
}

export interface Harness {
  readonly socket: BybitSocket;
  readonly clock: SimClock;
  readonly metrics: Metrics;
  readonly events: EventLog<SocketEvent>;
  /** Every log line written, parsed (level debug and up). */
  readonly logLines: Record<string, unknown>[];
  /** Handler behaviour the test can change (e.g. make onBook throw). */
  readonly hooks: { onBook?: (frame: WireBookFrame) => void };
}

export function makeSocket(
  url: string,
  kind: WsType,
  overrides: Partial<Omit<BybitSocketDeps, 'handlers' | 'clock' | 'metrics' | 'logger'>> & {
    creds?: Credentials | null;
  } = {},
): Harness {
  const clock = new SimClock(START);
  const metrics = new Metrics();
  const events = new EventLog<SocketEvent>();
  const logLines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n'))
        if (line !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger: pino.Logger = createLogger({ level: 'debug', stream });
  const hooks: Harness['hooks'] = {};
  const { creds, ...rest } = overrides;
  const socket = new BybitSocket({
    url,
    kind,
    clock,
    metrics,
    logger,
    exchange: 'bybit',
    ...TIMINGS,
    ...(creds === null ? {} : { credentials: creds ?? credentials(API_KEY, API_SECRET) }),
    ...rest,
    handlers: {
      onBook: (frame) => {
        events.push({ type: 'book', frame });
        hooks.onBook?.(frame);
      },
      onPublicTrade: (frame) => events.push({ type: 'publicTrade', frame }),
      onTicker: (frame) => events.push({ type: 'ticker', frame }),
      onPrivate: (message) => events.push({ type: 'private', message }),
      onRejected: (rejection) => events.push({ type: 'rejected', rejection }),
      onHeartbeatTimeout: (error) => events.push({ type: 'heartbeatTimeout', error }),
      onError: (error) => events.push({ type: 'error', error }),
      onClose: (code, reason) => events.push({ type: 'close', code, reason }),
      onRaw: (direction, text, at) => events.push({ type: 'raw', direction, text, at }),
    },
  });
  return { socket, clock, metrics, events, logLines, hooks };
}

/** The value of mm_ws_frames_rejected_total for one reason. */
export async function rejectedCount(metrics: Metrics, reason: string): Promise<number> {
  const m = await metrics.wsFramesRejected.get();
  return m.values.find((v) => v.labels['reason'] === reason)?.value ?? 0;
}

/** The value of mm_ws_messages_total. */
export async function messageCount(metrics: Metrics): Promise<number> {
  const m = await metrics.wsMessages.get();
  return m.values.reduce((sum, v) => sum + v.value, 0);
}

export const isClose = (e: SocketEvent): boolean => e.type === 'close';
export const isInbound =
  (pred: (json: Record<string, unknown>) => boolean) =>
  (e: SocketEvent): boolean => {
    if (e.type !== 'raw' || e.direction !== 'in') return false;
    try {
      return pred(JSON.parse(e.text) as Record<string, unknown>);
    } catch {
      return false;
    }
  };
