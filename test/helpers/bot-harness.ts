/**
 * Runs the whole bot in-process against a simulator on real loopback sockets, on the wall clock:
 * the same Runtime and actor system `npm run bot` builds, with test-friendly configuration
 * (faster timers, no metrics port). Logs are kept in memory and printed when a test fails.
 */
import { Writable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { waitFor as xwaitFor } from 'xstate';
import { DEFAULTS_PATH, mergeConfig, validateConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { wallClock } from '../../src/adapters/clock.js';
import { createLogger } from '../../src/adapters/log/logger.js';
import { Metrics } from '../../src/adapters/metrics/metrics.js';
import { credentials } from '../../src/adapters/secrets/secret.js';
import { Runtime } from '../../src/actors/runtime.js';
import { buildSystem, type RootActor } from '../../src/actors/system.js';
import {
  simOptionsFromConfig,
  startSimulator,
  type RunningSimulator,
  type SimOptions,
} from '../../src/sim/index.js';

export type Overrides = Record<string, unknown>;

/** Configuration for tests: the defaults, faster timers, no metrics port, then the overrides. */
export function testConfig(overrides: Overrides = {}): Config {
  const defaults = parse(readFileSync(DEFAULTS_PATH, 'utf8')) as unknown;
  const fast: Overrides = {
    monitoring: { enable_prometheus: false, metrics_port: 0, status_line: false },
    log: { level: 'debug' },
    exchange: { reconcile_interval_s: 2, request_timeout_ms: 2_000, max_retries: 2 },
    websocket: {
      base_reconnect_delay_ms: 100,
      max_reconnect_delay_ms: 1_000,
      connect_timeout_ms: 2_000,
      request_timeout_ms: 2_000,
      ping_interval_ms: 2_000,
      pong_timeout_ms: 1_000,
    },
    book: { stale_after_ms: 1_000 },
    strategy: { requote_interval_ms: 50 },
    supervisor: { restart_backoff_ms: 100 },
    shutdown: { cancel_timeout_ms: 5_000, close_timeout_ms: 1_000, flush_timeout_ms: 1_000 },
  };
  return validateConfig(mergeConfig(mergeConfig(defaults, fast), overrides), 'test');
}

/** Collects log lines in memory. */
export class LogSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.lines.push(
      ...chunk
        .toString()
        .split('\n')
        .filter((l) => l !== ''),
    );
    cb();
  }
  records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  tail(n = 60): string {
    return this.lines.slice(-n).join('\n');
  }
}

/** Starts a simulator for tests (faster market, several seconds of fills). */
export function startTestSim(config: Config, extra: Partial<SimOptions> = {}): Promise<RunningSimulator> {
  return startSimulator({ ...simOptionsFromConfig(config.sim, wallClock), ...extra });
}

export interface BotUnderTest {
  readonly config: Config;
  readonly rt: Runtime;
  readonly root: RootActor;
  readonly metrics: Metrics;
  readonly logs: LogSink;
  readonly apiKey: string;
  /** Our open orders on the venue (by the simulator's own book of orders). */
  venueOrders(): { side: string; orderLinkId: string; price: string }[];
  /** Requests shutdown as a signal would and waits for the root to finish. */
  shutdown(): Promise<{ exitCode: number; verified: boolean; reason: string }>;
  /** The web endpoint's URL once it is up (monitoring.enable_prometheus with metrics_port 0 in tests). */
  webUrl(): string | undefined;
  /** Releases what outlives the root (order and book machines, the HTTP pool), as the CLI does at exit. */
  dispose(): Promise<void>;
}

/** Starts the bot in-process against `sim` with the first simulator account. */
export function startBot(sim: RunningSimulator, overrides: Overrides = {}): BotUnderTest {
  const config = testConfig(overrides);
  const logs = new LogSink();
  const logger = createLogger({ level: config.log.level, stream: logs });
  const metrics = new Metrics();
  const account = sim.accounts[0]!;
  const rt = new Runtime({
    config,
    clock: wallClock,
    logger,
    metrics,
    endpoints: sim.urls,
    credentials: credentials(account.apiKey, account.apiSecret),
    eventLoopLagMs: () => 0,
  });
  let webUrl: string | undefined;
  const root = buildSystem(rt, {
    web: config.monitoring.enable_prometheus,
    onWeb: (server) => (webUrl = server.url),
  });
  root.start();
  const prefix = `${config.instance.prefix}-`;
  let disposed = false;
  const dispose = async (): Promise<void> => {
    if (disposed) return;
    disposed = true;
    if (rt.isStarted) {
      rt.started.market.stop();
      rt.started.orders.stop();
    }
    await rt.rest.close();
  };
  return {
    config,
    rt,
    root,
    metrics,
    logs,
    apiKey: account.apiKey,
    venueOrders: () =>
      sim.exchange
        .openOrders(account.apiKey)
        .map((o) => ({ side: String(o.side), orderLinkId: String(o.orderLinkId), price: String(o.price) }))
        .filter((o) => o.orderLinkId.startsWith(prefix)),
    shutdown: async () => {
      root.send({ type: 'shutdown.request', reason: 'signal' });
      const s = await xwaitFor(root, (snap) => snap.status !== 'active', { timeout: 30_000 });
      const out = s.output;
      await dispose();
      return {
        exitCode: out?.exitCode ?? -1,
        verified: out?.verified ?? false,
        reason: out?.reason ?? 'none',
      };
    },
    dispose,
    webUrl: () => webUrl,
  };
}

/** Reads one series of a metric (0 when absent). */
export async function metricValue(
  metrics: Metrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const m = metrics.registry.getSingleMetric(name);
  if (m === undefined) return 0;
  const { values } = await m.get();
  let sum = 0;
  for (const v of values) {
    if (Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x)) sum += v.value;
  }
  return sum;
}
