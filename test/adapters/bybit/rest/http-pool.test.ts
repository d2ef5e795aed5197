import { afterEach, describe, expect, it, vi } from 'vitest';
import { Metrics } from '../../../../src/adapters/metrics/metrics.js';
import {
  HttpPool,
  type HttpRequest,
  type PoolSettings,
} from '../../../../src/adapters/bybit/rest/http-pool.js';
import { BadResponseError, UnreachableError } from '../../../../src/errors.js';
import { LocalHttpServer, type Reply } from '../../../helpers/http-server.js';
import { metricValue, POOL } from './harness.js';

let server: LocalHttpServer | undefined;
let pool: HttpPool | undefined;
afterEach(async () => {
  await pool?.destroy();
  await server?.close();
  pool = undefined;
  server = undefined;
});

const get = (origin: string, path = '/x', timeoutMs?: number): HttpRequest => ({
  origin,
  method: 'GET',
  path,
  headers: {},
  endpoint: path,
  ...(timeoutMs === undefined ? {} : { timeoutMs }),
});

/** A reply the test releases when it wants. */
function gate(): { responder: () => Promise<Reply>; release: () => void } {
  let release!: () => void;
  const opened = new Promise<void>((r) => {
    release = r;
  });
  return { responder: async () => opened.then(() => ({ body: 'done' })), release };
}

async function setup(settings: Partial<PoolSettings> = {}) {
  server = await LocalHttpServer.start();
  const metrics = new Metrics();
  pool = new HttpPool({ settings: { ...POOL, ...settings }, metrics });
  return { server, pool, metrics };
}

describe('HttpPool', () => {
  it('reports the limit, active connections during a request and idle ones after', async () => {
    const { server, pool, metrics } = await setup();
    const g = gate();
    server.route('GET', '/x', g.responder);
    expect(await metricValue(metrics.httpPoolLimit, { exchange: 'bybit' })).toBe(100);

    const inFlight = pool.request(get(server.url));
    await server.until((rs) => rs.length === 1);
    expect(pool.sampleStats()).toMatchObject({ limit: 100, active: 1, idle: 0, inFlight: 1, waiting: 0 });
    expect(await metricValue(metrics.httpPoolActive, { exchange: 'bybit' })).toBe(1);

    g.release();
    await expect(inFlight).resolves.toMatchObject({ status: 200, body: 'done' });
    // The pool samples the gauges a turn after the answer.
    await vi.waitFor(async () =>
      expect(await metricValue(metrics.httpPoolIdle, { exchange: 'bybit' })).toBe(1),
    );
    expect(await metricValue(metrics.httpPoolActive, { exchange: 'bybit' })).toBe(0);
    expect(pool.sampleStats()).toMatchObject({ active: 0, idle: 1, inFlight: 0 });
  });

  it('keeps connections alive between requests', async () => {
    const { server, pool } = await setup();
    server.route('GET', '/x', () => ({ body: 'ok' }));
    for (let i = 0; i < 6; i++) await pool.request(get(server.url));
    expect(server.requests).toHaveLength(6);
    expect(new Set(server.requests.map((r) => r.remotePort)).size).toBe(1);
  });

  it('opens at most limit_per_host connections to one host', async () => {
    const { server, pool } = await setup({ limit: 10, limit_per_host: 2 });
    const g = gate();
    server.route('GET', '/x', g.responder);
    const all = [0, 1, 2, 3].map(() => pool.request(get(server.url)));
    await server.until((rs) => rs.length === 2);
    const s = pool.sampleStats();
    expect(s.active).toBe(2);
    expect(s.inFlight).toBe(4);
    g.release();
    await Promise.all(all);
    expect(new Set(server.requests.map((r) => r.remotePort)).size).toBe(2);
  });

  it('holds requests beyond the total limit until a slot frees up', async () => {
    const { server, pool } = await setup({ limit: 1, limit_per_host: 1 });
    const g = gate();
    server.route('GET', '/x', g.responder);
    server.route('GET', '/y', () => ({ body: 'y' }));
    const first = pool.request(get(server.url, '/x'));
    await server.until((rs) => rs.length === 1);
    const second = pool.request(get(server.url, '/y'));
    expect(pool.sampleStats()).toMatchObject({ inFlight: 1, waiting: 1 });
    expect(server.requestsTo('/y')).toHaveLength(0);
    g.release();
    await expect(second).resolves.toMatchObject({ body: 'y' });
    await first;
    expect(pool.sampleStats()).toMatchObject({ inFlight: 0, waiting: 0 });
  });

  it('fails a request still waiting for a slot at its deadline as not sent', async () => {
    const { server, pool } = await setup({ limit: 1, limit_per_host: 1 });
    const g = gate();
    server.route('GET', '/x', g.responder);
    const first = pool.request(get(server.url, '/x'));
    await server.until((rs) => rs.length === 1);
    const err = await pool.request(get(server.url, '/y', 50)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err).toMatchObject({ sent: false, endpoint: '/y' });
    expect(pool.sampleStats().waiting).toBe(0);
    g.release();
    await first;
    expect(server.requestsTo('/y')).toHaveLength(0);
  });

  it('tells onWrite as each request is written, on a fresh socket and on a reused idle one, before its answer', async () => {
    const { server, pool } = await setup();
    server.route('GET', '/x', () => ({ body: 'ok' }));
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = pool.request({ ...get(server.url), onWrite: () => seen.push(`write ${i}`) });
      seen.push(`asked ${i}`);
      await answer;
      seen.push(`answered ${i}`);
    }
    // The first request waits for its connection; the later ones reuse it idle and are written
    // inside request(), before it returns.
    expect(seen).toEqual([
      'asked 0',
      'write 0',
      'answered 0',
      ...[1, 2].flatMap((i) => [`write ${i}`, `asked ${i}`, `answered ${i}`]),
    ]);
    expect(new Set(server.requests.map((r) => r.remotePort)).size).toBe(1);
  });

  it('never calls onWrite for a request that was not sent', async () => {
    const { server, pool } = await setup();
    const url = server.url;
    await server.close();
    const onWrite = vi.fn();
    await expect(pool.request({ ...get(url), onWrite })).rejects.toMatchObject({ sent: false });
    expect(onWrite).not.toHaveBeenCalled();
  });

  it('reports a refused connection as not sent, with the socket error as cause', async () => {
    const { server, pool } = await setup();
    const url = server.url;
    await server.close();
    const err = await pool.request(get(url)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err).toMatchObject({ sent: false });
    expect(((err as UnreachableError).cause as { code?: string }).code).toBe('ECONNREFUSED');
    expect(pool.sampleStats().inFlight).toBe(0);
  });

  it('reports a request without an answer by its deadline as sent', async () => {
    const { server, pool } = await setup();
    server.route('POST', '/x', () => 'hang');
    const err = await pool
      .request({ ...get(server.url), method: 'POST', body: '{}', timeoutMs: 100 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err).toMatchObject({ sent: true, disposition: 'reconcile' });
    expect(server.requests).toHaveLength(1);
  });

  it('applies sock_read_timeout when it is shorter than the caller deadline', async () => {
    const { server, pool } = await setup({ sock_read_timeout: 0.1 });
    server.route('GET', '/x', () => 'hang');
    const err = await pool.request(get(server.url, '/x', 60_000)).catch((e: unknown) => e);
    expect(err).toMatchObject({ sent: true });
    expect(((err as UnreachableError).cause as { code?: string }).code).toBe('MM_HTTP_READ_TIMEOUT');
  });

  it('reports a reset socket after sending as sent', async () => {
    const { server, pool } = await setup();
    server.route('GET', '/x', () => 'destroy');
    const err = await pool.request(get(server.url)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MM_EXCHANGE_UNREACHABLE', sent: true });
  });

  it('cuts off an oversized body as a bad response', async () => {
    server = await LocalHttpServer.start();
    pool = new HttpPool({ settings: POOL, metrics: new Metrics(), maxResponseBytes: 1024 });
    server.route('GET', '/x', () => ({ body: 'x'.repeat(64 * 1024) }));
    await expect(pool.request(get(server.url))).rejects.toBeInstanceOf(BadResponseError);
    expect(pool.sampleStats().inFlight).toBe(0);
  });

  it('sends the exact body and headers given', async () => {
    const { server, pool } = await setup();
    server.route('POST', '/x', () => ({ status: 201, headers: { 'X-Bapi-Limit': '10' }, body: '{"a":1}' }));
    const res = await pool.request({
      ...get(server.url),
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Test': 'yes' },
      body: '{"b": 2}',
    });
    expect(res).toMatchObject({ status: 201, body: '{"a":1}' });
    expect(res.headers['x-bapi-limit']).toBe('10');
    expect(server.requests[0]).toMatchObject({ body: '{"b": 2}' });
    expect(server.requests[0]!.headers['x-test']).toBe('yes');
  });

  it('resolves a host name through the DNS cache and keeps its Host header', async () => {
    const { server, pool } = await setup();
    server.route('GET', '/x', () => ({ body: 'ok' }));
    const origin = `http://localhost:${server.port}`;
    await expect(pool.request(get(origin))).resolves.toMatchObject({ body: 'ok' });
    await expect(pool.request(get(origin))).resolves.toMatchObject({ body: 'ok' });
    expect(server.requests.map((r) => r.headers.host)).toEqual([
      `localhost:${server.port}`,
      `localhost:${server.port}`,
    ]);
  });

  it('works with the DNS cache disabled (ttl_dns_cache 0)', async () => {
    const { server, pool } = await setup({ ttl_dns_cache: 0 });
    server.route('GET', '/x', () => ({ body: 'ok' }));
    await expect(pool.request(get(server.url))).resolves.toMatchObject({ body: 'ok' });
  });

  it('refuses limit_per_host above limit', () => {
    expect(
      () => new HttpPool({ settings: { ...POOL, limit: 5, limit_per_host: 6 }, metrics: new Metrics() }),
    ).toThrow(RangeError);
  });

  it('refuses requests after close, as not sent', async () => {
    const { server, pool } = await setup();
    await pool.close();
    await expect(pool.request(get(server.url))).rejects.toMatchObject({ sent: false });
    expect(server.requests).toHaveLength(0);
  });
});
