/**
 * The HTTP/1.1 client's connections against real servers on loopback: a raw TCP server that
 * answers with exactly the bytes a test gives (framings and misbehaviour node:http would not
 * produce), and an https server with a self-signed localhost certificate.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpPool, type HttpRequest } from '../../../../../src/adapters/bybit/rest/http-pool.js';
import { STALE_AFTER_MS } from '../../../../../src/adapters/bybit/rest/http1/connection.js';
import { DnsCache } from '../../../../../src/adapters/bybit/rest/http1/dns-cache.js';
import { Metrics } from '../../../../../src/adapters/metrics/metrics.js';
import { BadResponseError, UnreachableError } from '../../../../../src/errors.js';
import { POOL } from '../harness.js';

/** What the raw server answers to the n-th request on a connection (from 0), given its socket. */
type Answer = (socket: Socket, n: number, request: string) => void;

/** A TCP server that reads requests (head and Content-Length body) and answers as told. */
class RawServer {
  readonly sockets: Socket[] = [];
  readonly requests: string[] = [];
  #server: Server;
  constructor(answer: Answer) {
    this.#server = createServer((socket) => {
      this.sockets.push(socket);
      let pending = '';
      let n = 0;
      socket.on('error', () => undefined);
      socket.on('data', (chunk) => {
        pending += chunk.toString('latin1');
        for (;;) {
          const end = pending.indexOf('\r\n\r\n');
          if (end < 0) return;
          const length = /\r\ncontent-length: (\d+)/i.exec(pending.slice(0, end));
          const total = end + 4 + (length === null ? 0 : Number(length[1]));
          if (pending.length < total) return;
          const request = pending.slice(0, total);
          pending = pending.slice(total);
          this.requests.push(request);
          answer(socket, n++, request);
        }
      });
    });
  }
  async listen(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.#server.close(r));
  }
}

const ok = (body: string, extra = ''): string =>
  `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

let raw: RawServer | undefined;
let pool: HttpPool | undefined;
let https: HttpsServer | undefined;
afterEach(async () => {
  await pool?.destroy();
  await raw?.close();
  if (https !== undefined) await new Promise((r) => https!.close(r));
  pool = raw = https = undefined;
});

const get = (origin: string, path = '/x'): HttpRequest => ({
  origin,
  method: 'GET',
  path,
  headers: {},
  endpoint: path,
});

async function rawSetup(
  answer: Answer,
  now?: () => number,
  settings = POOL,
): Promise<{ url: string; server: RawServer; pool: HttpPool }> {
  raw = new RawServer(answer);
  const url = await raw.listen();
  pool = new HttpPool({ settings, metrics: new Metrics(), ...(now === undefined ? {} : { now }) });
  return { url, server: raw, pool };
}

describe('HTTP/1.1 connections', () => {
  it('writes the request line, Host, the given headers and Content-Length exactly', async () => {
    const { url, server, pool } = await rawSetup((s) => s.write(ok('{}')));
    await pool.request({
      ...get(url, '/v5/order/create'),
      method: 'POST',
      headers: { 'X-BAPI-API-KEY': 'k' },
      body: '{"a":"é"}',
    });
    await pool.request({ ...get(url, '/v5/order/cancel-all'), method: 'POST' });
    const host = new URL(url).host;
    expect(server.requests).toEqual([
      `POST /v5/order/create HTTP/1.1\r\nhost: ${host}\r\nX-BAPI-API-KEY: k\r\ncontent-length: 10\r\n\r\n{"a":"Ã©"}`,
      `POST /v5/order/cancel-all HTTP/1.1\r\nhost: ${host}\r\ncontent-length: 0\r\n\r\n`,
    ]);
  });

  it('reads chunked answers sent in pieces, and close-delimited ones, reconnecting after the latter', async () => {
    const { url, server, pool } = await rawSetup((s, n) => {
      if (n === 0) {
        s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n');
        setImmediate(() => s.write('2\r\nde\r\n0\r\n\r\n'));
      } else {
        s.end('HTTP/1.1 200 OK\r\n\r\nuntil close');
      }
    });
    await expect(pool.request(get(url))).resolves.toMatchObject({ status: 200, body: 'abcde' });
    await expect(pool.request(get(url))).resolves.toMatchObject({ body: 'until close' });
    await expect(pool.request(get(url))).resolves.toMatchObject({ body: 'abcde' });
    expect(server.sockets).toHaveLength(2);
  });

  it('does not reuse a connection answered with Connection: close', async () => {
    const { url, server, pool } = await rawSetup((s) => s.write(ok('bye', 'Connection: close\r\n')));
    await pool.request(get(url));
    await pool.request(get(url));
    expect(server.sockets).toHaveLength(2);
  });

  it('replaces an idle connection the server closed, without failing a request', async () => {
    const { url, server, pool } = await rawSetup((s) => s.end(ok('once')));
    await pool.request(get(url));
    await vi.waitFor(() => expect(pool.sampleStats().idle).toBe(0));
    await expect(pool.request(get(url))).resolves.toMatchObject({ body: 'once' });
    expect(server.sockets).toHaveLength(2);
  });

  it('checks a long-idle connection for a close before writing, and writes on a fresh one if it was closed', async () => {
    let now = 1_000_000;
    const { url, server, pool } = await rawSetup(
      (s) => s.write(ok('fine')),
      () => now,
    );
    await pool.request(get(url));
    now += STALE_AFTER_MS + 1;
    // The server drops the idle connection just as the request is asked for: its FIN is in the
    // client's socket, not yet read. Written at once, the request would be lost on a dead socket.
    server.sockets[0]!.destroy();
    const onWrite = vi.fn();
    await expect(pool.request({ ...get(url), onWrite })).resolves.toMatchObject({ body: 'fine' });
    expect(onWrite).toHaveBeenCalledTimes(1);
    expect(server.sockets).toHaveLength(2);
    expect(server.requests).toHaveLength(2);
  });

  it('writes at once on a connection idle for less than the stale time', async () => {
    let now = 1_000_000;
    const { url, pool } = await rawSetup(
      (s) => s.write(ok('x')),
      () => now,
    );
    await pool.request(get(url));
    now += STALE_AFTER_MS - 1;
    const onWrite = vi.fn();
    const answer = pool.request({ ...get(url), onWrite });
    expect(onWrite).toHaveBeenCalledTimes(1);
    await answer;
  });

  it('tears down a connection that receives bytes while idle, and answers the next request on a new one', async () => {
    const { url, server, pool } = await rawSetup((s, n) => {
      s.write(ok(`r${n}`));
      if (n === 0) setTimeout(() => s.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nforge'), 5);
    });
    await pool.request(get(url));
    await vi.waitFor(() =>
      expect(server.sockets[0]!.destroyed || server.sockets[0]!.readableEnded).toBe(true),
    );
    await expect(pool.request(get(url))).resolves.toMatchObject({ body: 'r0' });
    expect(server.sockets).toHaveLength(2);
  });

  it('fails a malformed answer as a bad response and drops its connection', async () => {
    const { url, server, pool } = await rawSetup((s, n) =>
      s.write(
        n === 0 && server.sockets.length === 1
          ? 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx'
          : ok('good'),
      ),
    );
    const err = await pool.request(get(url)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadResponseError);
    expect((err as Error).message).toMatch(/malformed HTTP: conflicting content-length/);
    await expect(pool.request(get(url))).resolves.toMatchObject({ body: 'good' });
    expect(server.sockets).toHaveLength(2);
  });

  it('fails an answer cut short by the server as sent, outcome unknown', async () => {
    const { url, pool } = await rawSetup((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf'));
    const err = await pool.request({ ...get(url), method: 'POST', body: '{}' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err).toMatchObject({ sent: true, disposition: 'reconcile' });
    expect(((err as Error).cause as { code: string }).code).toBe('MM_HTTP_CLOSED');
  });

  it('refuses a header or path that would break the framing, or an origin not http(s), as not sent, without connecting', async () => {
    const { url, server, pool } = await rawSetup((s) => s.write(ok('x')));
    for (const bad of [
      { ...get(url), headers: { 'X-A': 'a\r\nX-B: b' } },
      { ...get(url), headers: { 'Bad Name': 'v' } },
      { ...get(url, '/x y') },
      { ...get('ftp://127.0.0.1:1') },
    ]) {
      const err = await pool.request(bad).catch((e: unknown) => e);
      expect(err).toMatchObject({ sent: false });
      expect((err as Error).cause).toBeInstanceOf(TypeError);
    }
    expect(server.sockets).toHaveLength(0);
  });

  it('closes once the answer in flight is in, and fails a request in flight as sent when destroyed', async () => {
    let answerFirst!: () => void;
    const { url, server, pool } = await rawSetup((s, n) => {
      if (n === 0) answerFirst = () => s.write(ok('late'));
    });
    const first = pool.request(get(url));
    await vi.waitFor(() => expect(server.requests).toHaveLength(1));
    let closed = false;
    const closing = pool.close().then(() => (closed = true));
    await expect(pool.request(get(url))).rejects.toMatchObject({ sent: false });
    expect(closed).toBe(false);
    answerFirst();
    await expect(first).resolves.toMatchObject({ body: 'late' });
    await closing;
    expect(pool.sampleStats()).toMatchObject({ active: 0, idle: 0, inFlight: 0 });

    const other = new HttpPool({ settings: POOL, metrics: new Metrics() });
    const hanging = other.request({ ...get(url), method: 'POST', body: '{}' });
    await vi.waitFor(() => expect(server.requests).toHaveLength(2));
    await other.destroy();
    await expect(hanging).rejects.toMatchObject({ code: 'MM_EXCHANGE_UNREACHABLE', sent: true });
  });

  it('fails at the connect timeout as not sent (a TLS handshake that never completes)', async () => {
    const { url, pool } = await rawSetup(() => undefined, undefined, { ...POOL, connect_timeout: 0.1 });
    const err = await pool.request(get(url.replace('http:', 'https:'))).catch((e: unknown) => e);
    expect(err).toMatchObject({ sent: false });
    expect(((err as Error).cause as { code: string }).code).toBe('MM_HTTP_CONNECT_TIMEOUT');
  });

  it('speaks TLS to an https origin, trusting only the CA it is given', async () => {
    const cert = readFileSync('test/fixtures/tls/localhost.crt');
    const key = readFileSync('test/fixtures/tls/localhost.key');
    https = createHttpsServer({ cert, key }, (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url, host: req.headers.host }));
    });
    await new Promise<void>((r) => https!.listen(0, '127.0.0.1', r));
    const port = (https.address() as AddressInfo).port;
    const origin = `https://localhost:${port}`;

    const untrusting = new HttpPool({ settings: POOL, metrics: new Metrics() });
    const err = await untrusting.request(get(origin)).catch((e: unknown) => e);
    await untrusting.destroy();
    expect(err).toMatchObject({ sent: false });
    expect(((err as Error).cause as { code: string }).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);

    pool = new HttpPool({ settings: POOL, metrics: new Metrics(), tls: { ca: cert } });
    for (let i = 0; i < 2; i++) {
      const res = await pool.request(get(origin, `/v5/market/time?i=${i}`));
      expect(JSON.parse(res.body)).toEqual({ path: `/v5/market/time?i=${i}`, host: `localhost:${port}` });
    }
    expect(pool.sampleStats()).toMatchObject({ idle: 1 });
  });
});

describe('DnsCache', () => {
  type Lookup = ConstructorParameters<typeof DnsCache>[2];
  const resolver = () => {
    const calls: string[] = [];
    const resolve = ((
      host: string,
      _o: unknown,
      cb: (e: null, a: { address: string; family: number }[]) => void,
    ) => {
      calls.push(host);
      cb(null, [
        { address: '10.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ]);
    }) as unknown as Lookup;
    return { calls, resolve };
  };
  const ask = (cache: DnsCache, options: object) =>
    new Promise<unknown[]>((r) => cache.lookup('api.example', options, (...a: unknown[]) => r(a)));

  it('answers from the cache within the TTL, for one address or all, by family', async () => {
    let now = 0;
    const { calls, resolve } = resolver();
    const cache = new DnsCache(1_000, () => now, resolve);
    expect(await ask(cache, {})).toEqual([null, '10.0.0.1', 4]);
    expect(await ask(cache, { family: 6 })).toEqual([null, '::1', 6]);
    expect(await ask(cache, { all: true })).toEqual([
      null,
      [
        { address: '10.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ],
    ]);
    expect(calls).toHaveLength(1);
    now = 1_001;
    await ask(cache, {});
    expect(calls).toHaveLength(2);
    cache.forget('api.example');
    await ask(cache, {});
    expect(calls).toHaveLength(3);
  });

  it('caches nothing with a TTL of 0', async () => {
    const { calls, resolve } = resolver();
    const cache = new DnsCache(0, () => 0, resolve);
    await ask(cache, {});
    await ask(cache, {});
    expect(calls).toHaveLength(2);
  });
});
