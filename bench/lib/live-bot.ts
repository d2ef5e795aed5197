/**
 * The whole bot in this thread against a simulator on loopback (in this thread too, or in a worker
 * thread: ./sim-host.ts), on the wall clock: the Runtime and actor system `npm run bot` builds, with the
 * real venue (BybitRest over its HTTP pool, BybitSocket), seen through a probe. The probe is the socket's
 * raw-frame hook (the one the recorder uses) and the HTTP pool's diagnostics channel, so the bot runs
 * unchanged and pays nothing for it outside the benchmark:
 * - a frame arrives: the socket's onRaw('in') for each message, called as the message leaves `ws`
 *   (for a book frame, right after the scanner's pass over it, about a microsecond), before the
 *   book, the market data or anything after them;
 * - a request is written: the pool's REQUEST_WRITE_CHANNEL, published just before the request's
 *   bytes are handed to the socket (after signing and the whole client), or the trade socket's
 *   onRaw('out') (called after ws.send).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { parse } from 'yaml';
import { waitFor as xwaitFor } from 'xstate';
import { DEFAULTS_PATH, mergeConfig, validateConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { wallClock } from '../../src/adapters/clock.js';
import { BybitRest } from '../../src/adapters/bybit/rest/endpoints.js';
import { REQUEST_WRITE_CHANNEL } from '../../src/adapters/bybit/rest/http-pool.js';
import { createLogger } from '../../src/adapters/log/logger.js';
import { Metrics } from '../../src/adapters/metrics/metrics.js';
import { credentials } from '../../src/adapters/secrets/secret.js';
import { openBybitSocket, type SocketFactory } from '../../src/actors/feeds/socket-actor.js';
import { Runtime, type Venue } from '../../src/actors/runtime.js';
import { buildSystem, type RootActor } from '../../src/actors/system.js';
import { simInProcess, simInWorker, type SimHost } from './sim-host.js';

/** What the probe hears, with performance.now() times (ms). */
export interface ProbeListener {
  /** A book frame (snapshot or delta) arrived on a public socket. */
  bookFrame?(at: number, snapshot: boolean): void;
  /** Any other frame arrived on a private or trade socket. */
  privateFrame?(at: number): void;
  /** An order create or amend request (single or batch) was written. */
  orderWrite?(at: number, path: string): void;
}

const ORDER_WRITE = /^\/v5\/order\/(create|amend)(-batch)?$/;
const TRADE_WRITE = /"op":"order\.(create|amend)/;
const BOOK_IN = '{"topic":"orderbook.';

/** Configuration: the defaults, the bench's settings (no metrics port, quiet), then `overrides`. */
export function benchConfig(overrides: Record<string, unknown> = {}): Config {
  const defaults = parse(readFileSync(DEFAULTS_PATH, 'utf8')) as unknown;
  const bench = {
    monitoring: { enable_prometheus: false, metrics_port: 0, status_line: false },
    log: { level: 'info' },
    recorder: { enabled: false },
    journal: { enabled: false },
  };
  return validateConfig(mergeConfig(mergeConfig(defaults, bench), overrides), 'bench');
}

/** Discards log lines but counts them (the bot still formats every line, as it would for a file). */
class NullSink extends Writable {
  lines = 0;
  override _write(_chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.lines++;
    cb();
  }
}

/** A running bot with its simulator. */
export interface LiveBot {
  readonly config: Config;
  readonly sim: SimHost;
  readonly rt: Runtime;
  readonly root: RootActor;
  /** Our open orders on the venue. */
  openOrders(): number;
  /** Whether the quoter of the first symbol is quoting. */
  quoting(): boolean;
  /** Shuts the bot down as a signal would, then closes the simulator. */
  close(): Promise<void>;
}

/**
 * Starts a simulator from `config.sim` and the bot against it, observed by `probe`. The simulator
 * runs in this thread unless `simThread` is 'worker' (see ./sim-host.ts and tick-to-order.ts).
 */
export async function startLiveBot(
  config: Config,
  probe: ProbeListener,
  simThread: 'worker' | 'main' = 'main',
): Promise<LiveBot> {
  const prefix = `${config.instance.prefix}-`;
  const sim = await (simThread === 'worker' ? simInWorker : simInProcess)(config.sim, prefix);
  const logger = createLogger({ level: config.log.level, stream: new NullSink() });
  const metrics = new Metrics();
  const account = sim.accounts[0]!;
  const written = (message: unknown): void => {
    const path = (message as { path: string }).path;
    if (ORDER_WRITE.test(path)) probe.orderWrite?.(performance.now(), path);
  };
  subscribe(REQUEST_WRITE_CHANNEL, written);
  const openSocket: SocketFactory = (deps) => {
    const inner = deps.handlers.onRaw;
    const isPublic = deps.kind === 'public';
    const onRaw = (dir: 'in' | 'out', text: string, at: number): void => {
      const now = performance.now();
      if (dir === 'in') {
        if (isPublic) {
          if (text.startsWith(BOOK_IN)) probe.bookFrame?.(now, text.includes('"type":"snapshot"'));
        } else probe.privateFrame?.(now);
      } else if (deps.kind === 'trade' && TRADE_WRITE.test(text)) probe.orderWrite?.(now, 'ws');
      inner?.(dir, text, at);
    };
    return openBybitSocket({ ...deps, handlers: { ...deps.handlers, onRaw } });
  };
  const rt = new Runtime({
    config,
    clock: wallClock,
    logger,
    metrics,
    endpoints: sim.urls,
    credentials: credentials(account.apiKey, account.apiSecret),
    eventLoopLagMs: () => 0,
    venue: (r): Venue => {
      const { config: c } = r.d;
      return {
        rest: new BybitRest({
          baseUrl: sim.urls.rest,
          credentials: r.d.credentials,
          clock: wallClock,
          metrics,
          logger: logger.child({ component: 'rest' }),
          pool: c.connection_pool,
          recvWindowMs: c.exchange.recv_window_ms,
          requestTimeoutMs: c.exchange.request_timeout_ms,
          maxRetries: c.exchange.max_retries,
        }),
        openSocket,
      };
    },
  });
  const root = buildSystem(rt, { web: false });
  root.start();
  const symbol = config.symbols[0]!;
  let closed = false;
  return {
    config,
    sim,
    rt,
    root,
    openOrders: () => sim.openOrders(),
    quoting: () => rt.isStarted && rt.started.quoting.state(symbol) === 'quoting',
    close: async () => {
      if (closed) return;
      closed = true;
      unsubscribe(REQUEST_WRITE_CHANNEL, written);
      root.send({ type: 'shutdown.request', reason: 'signal' });
      await xwaitFor(root, (s) => s.status !== 'active', { timeout: 40_000 }).catch(() => undefined);
      if (rt.isStarted) {
        rt.started.market.stop();
        rt.started.orders.stop();
      }
      await rt.rest.close();
      await sim.close();
    },
  };
}

/** Resolves once `cond` holds, checking every `everyMs` (for slow conditions only). */
export async function until(
  cond: () => boolean,
  timeoutMs: number,
  what: string,
  everyMs = 20,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
