/**
 * Shared set-up of the REST adapter tests: a local v5 server answering /v5/market/time, a
 * SimClock, a fresh Metrics registry and a BybitRest client pointed at the server.
 */
import type { Writable } from 'node:stream';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { SimClock } from '../../../../src/domain/clock.js';
import { createLogger, silentLogger } from '../../../../src/adapters/log/logger.js';
import { Metrics } from '../../../../src/adapters/metrics/metrics.js';
import { credentials } from '../../../../src/adapters/secrets/secret.js';
import type { RestClientDeps } from '../../../../src/adapters/bybit/rest/client.js';
import { BybitRest } from '../../../../src/adapters/bybit/rest/endpoints.js';
import type { PoolSettings } from '../../../../src/adapters/bybit/rest/http-pool.js';
import { envelope, LocalHttpServer } from '../../../helpers/http-server.js';

/** config/config.yaml's connection_pool defaults. */
export const POOL: PoolSettings = {
  limit: 100,
  limit_per_host: 30,
  keepalive_timeout: 30,
  ttl_dns_cache: 300,
  connect_timeout: 10,
  sock_read_timeout: 30,
  total_timeout: 60,
};

export const API_KEY = 'TESTKEY';
export const API_SECRET = 'simulator-test-secret';
/** The server's time as /v5/market/time reports it; the SimClock starts at CLOCK_START. */
export const SERVER_TIME = 1_700_000_000_000;
export const CLOCK_START = 1_000;

export interface Harness {
  readonly server: LocalHttpServer;
  readonly clock: SimClock;
  readonly metrics: Metrics;
  readonly rest: BybitRest;
  close(): Promise<void>;
}

export interface HarnessOptions extends Partial<Omit<RestClientDeps, 'logger'>> {
  /** Server time reported by /v5/market/time. */
  readonly serverTime?: number;
  /** Where log lines go (JSON); silent when absent. */
  readonly logStream?: Writable;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const server = await LocalHttpServer.start();
  const serverTime = opts.serverTime ?? SERVER_TIME;
  server.route('GET', '/v5/market/time', () => ({
    body: envelope(
      { timeSecond: String(Math.floor(serverTime / 1000)), timeNano: `${serverTime}000000` },
      { time: serverTime },
    ),
  }));
  const clock = opts.clock instanceof SimClock ? opts.clock : new SimClock(CLOCK_START);
  const metrics = opts.metrics ?? new Metrics();
  const logger =
    opts.logStream === undefined ? silentLogger() : createLogger({ level: 'debug', stream: opts.logStream });
  const rest = new BybitRest({
    baseUrl: server.url,
    credentials: credentials(API_KEY, API_SECRET),
    pool: POOL,
    recvWindowMs: 5000,
    requestTimeoutMs: 5000,
    maxRetries: 3,
    ...opts,
    clock,
    metrics,
    logger,
  });
  return {
    server,
    clock,
    metrics,
    rest,
    close: async () => {
      await rest.close();
      await server.close();
    },
  };
}

/** The value of one labelled series (0 when it does not exist yet). */
export async function metricValue(
  metric: Counter<string> | Gauge<string> | Histogram<string>,
  labels: Readonly<Record<string, string>>,
  name?: string,
): Promise<number> {
  const data = await metric.get();
  const match = data.values.find(
    (v) =>
      (name === undefined || (v as { metricName?: string }).metricName === name) &&
      Object.entries(labels).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want),
  );
  return match?.value ?? 0;
}
