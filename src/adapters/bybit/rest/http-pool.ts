/**
 * The HTTP layer of the REST adapter: keep-alive HTTP/1.1 connections per origin (./http1/) with
 * the config's connection_pool settings, a DNS cache for new connections, a semaphore for the
 * total limit across origins, and the pool gauges of DESIGN §8.
 *
 * It is its own client rather than undici because of tick-to-order: undici writes a request on a
 * reused keep-alive socket a turn of the event loop later (see ./http1/connection.ts), and that
 * turn plus its dispatch was about half of the 0.5 ms budget from a book frame to the order
 * request written (docs/benchmarks.md). Here a request on an idle connection is written inside
 * `request()`.
 *
 * It must know whether a request was put on the wire: an error or a deadline before its bytes
 * are handed to the socket means the exchange never saw it (safe to retry, even an order); after
 * that, the outcome is unknown. Responses are small JSON documents, collected as chunks.
 *
 * Deadlines run on real time (one setTimeout per request and the sockets' timers), not on the
 * bot's Clock: sockets progress in real time even when the bot runs on a simulated clock, and a
 * simulated deadline would fire spuriously (accelerated soak) or never (a paused test clock).
 */
import { channel } from 'node:diagnostics_channel';
import type { IncomingHttpHeaders } from 'node:http';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Config } from '../../../config/schema.js';
import { BadResponseError, UnreachableError } from '../../../errors.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { Connection, Exchange, Origin } from './http1/connection.js';
import { parseOrigin } from './http1/connection.js';
import { DnsCache } from './http1/dns-cache.js';
import { OriginPool } from './http1/origin-pool.js';
import { HttpParseError } from './http1/response-parser.js';
import { Semaphore, type SemaphoreTicket } from './semaphore.js';

/** Settings of the pool, exactly the config's connection_pool section (seconds). */
export type PoolSettings = Config['connection_pool'];

export interface HttpPoolOptions {
  readonly settings: PoolSettings;
  readonly metrics: Metrics;
  /** Value of the `exchange` label on the pool gauges. */
  readonly exchange?: string;
  /** Largest response body accepted; a bigger one is cut off and reported as a bad response. */
  readonly maxResponseBytes?: number;
  /** Extra TLS options for https origins (tests trust their own CA through this). */
  readonly tls?: TlsOptions;
  /** The wall clock, for idle times (tests move it). */
  readonly now?: () => number;
}

export interface HttpRequest {
  /** Scheme, host and port, such as `https://api.bybit.com`. */
  readonly origin: string;
  readonly method: 'GET' | 'POST';
  /** Path and query string, exactly as sent. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The caller's deadline; the smaller of it and total_timeout applies. */
  readonly timeoutMs?: number;
  /** Names the request in errors (the endpoint path without its query). */
  readonly endpoint: string;
  /**
   * Called just before the request's bytes are handed to its socket, inside `request()` when an
   * idle connection is ready. Not called for a request that never gets that far.
   */
  readonly onWrite?: () => void;
}

export interface HttpResponse {
  readonly status: number;
  /** Header names are lower-case. */
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What the pool holds right now. */
export interface PoolSnapshot {
  /** connection_pool.limit: requests in flight across all origins. */
  readonly limit: number;
  /** Open connections with a request on them. */
  readonly active: number;
  /** Open keep-alive connections with nothing on them. */
  readonly idle: number;
  /** Requests holding a slot of the total limit. */
  readonly inFlight: number;
  /** Requests waiting for a slot of the total limit. */
  readonly waiting: number;
}

/** A cap far above any v5 answer (an instruments page is about 1 MB), against runaway bodies. */
const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * Published just before a request's bytes are handed to its socket, with `{ origin, method, path }`
 * (the benchmark's tick-to-order probe listens; nothing is built when no one does).
 */
export const REQUEST_WRITE_CHANNEL = 'mm-bot:http:request-write';
const writeChannel = channel(REQUEST_WRITE_CHANNEL);

/** Raised when the deadline passes after the request was handed to a connection. */
class DeadlineError extends Error {
  readonly code = 'MM_HTTP_DEADLINE';
  constructor(ms: number) {
    super(`no complete answer within ${ms} ms`);
  }
}

/** What a request in flight needs from its pool. */
interface PoolHooks {
  readonly maxBytes: number;
  /** Gives back the slot of the total limit. */
  release(): void;
  /** Called once the connection is done with the request. */
  finished(): void;
}

function onDeadline(flight: InFlight): void {
  flight.expire();
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FORBIDDEN_IN_VALUE = /[\r\n\0]/;
const PATH = /^\/[^\s\0]*$/;

/**
 * The request's bytes: request line, Host, the caller's headers as given, Content-Length for a
 * body (or an empty POST), then the body. Throws TypeError on a header or path that would break
 * the framing (CR, LF, NUL): those come from code, never from the venue.
 */
function encodeRequest(origin: Origin, req: HttpRequest): string {
  if (!PATH.test(req.path)) throw new TypeError(`bad request path ${JSON.stringify(req.path)}`);
  let head = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${origin.hostHeader}\r\n`;
  const headers = req.headers;
  for (const name in headers) {
    const value = headers[name]!;
    if (!TOKEN.test(name) || FORBIDDEN_IN_VALUE.test(value)) {
      throw new TypeError(`bad request header ${JSON.stringify(name)}`);
    }
    head += `${name}: ${value}\r\n`;
  }
  const body = req.body;
  if (body !== undefined) return `${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  return req.method === 'POST' ? `${head}content-length: 0\r\n\r\n` : `${head}\r\n`;
}

/**
 * One request from slot to answer: the connection's view of it (Exchange) plus the deadline. A
 * class rather than closures because it is created per request (no per-request function objects).
 */
class InFlight implements Exchange {
  ticket: SemaphoreTicket | undefined;
  /** Where it was dispatched (to take it out of the queue at its deadline). */
  origin: OriginPool | undefined;
  #conn: Connection | undefined;
  #started = false;
  #holding = false;
  #settled = false;
  #finished = false;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #size = 0;
  readonly #timer: ReturnType<typeof setTimeout>;

  constructor(
    private readonly hooks: PoolHooks,
    readonly req: HttpRequest,
    readonly bytes: string,
    readonly deadlineMs: number,
    readonly readTimeoutMs: number,
    private readonly resolve: (r: HttpResponse) => void,
    private readonly reject: (e: unknown) => void,
  ) {
    this.#timer = setTimeout(onDeadline, deadlineMs, this);
  }

  get live(): boolean {
    return !this.#settled;
  }

  /** Takes the granted slot; false when the caller already gave up. */
  hold(): boolean {
    if (this.#settled) return false;
    this.#holding = true;
    return true;
  }

  expire(): void {
    const err = new DeadlineError(this.deadlineMs);
    if (this.ticket?.cancel() === true || this.origin?.cancel(this) === true) {
      // Still waiting for a slot or a connection: no connection ever saw it.
      this.#fail(err);
      this.#finish();
      return;
    }
    this.#fail(err);
    // Its connection cannot carry another request while this answer may still come.
    this.#conn?.destroy(err);
  }

  taken(conn: Connection): void {
    this.#conn = conn;
  }

  writing(): void {
    this.#started = true;
    if (writeChannel.hasSubscribers) {
      const { origin, method, path } = this.req;
      writeChannel.publish({ origin, method, path });
    }
    this.req.onWrite?.();
  }

  head(status: number, headers: IncomingHttpHeaders): void {
    this.#status = status;
    this.#headers = headers;
  }

  body(chunk: Buffer): boolean {
    this.#size += chunk.length;
    if (this.#size > this.hooks.maxBytes) {
      if (this.#settle()) {
        this.reject(
          new BadResponseError(this.req.endpoint, `response body over ${this.hooks.maxBytes} bytes`),
        );
      }
      // The connection is torn down as this returns: the slot is free now.
      this.#finish();
      return false;
    }
    this.#chunks.push(chunk);
    return true;
  }

  done(): void {
    this.#finish();
    if (!this.#settle()) return;
    const c = this.#chunks;
    const body = c.length === 1 ? c[0]!.toString('utf8') : Buffer.concat(c).toString('utf8');
    this.resolve({ status: this.#status, headers: this.#headers, body });
  }

  failed(error: Error, sent: boolean): void {
    this.#finish();
    if (!this.#settle()) return;
    const endpoint = this.req.endpoint;
    this.reject(
      error instanceof HttpParseError
        ? new BadResponseError(endpoint, `malformed HTTP: ${error.message}`, { cause: error })
        : new UnreachableError(endpoint, sent, { cause: error }),
    );
  }

  #fail(cause: unknown): void {
    if (this.#settle()) this.reject(new UnreachableError(this.req.endpoint, this.#started, { cause }));
  }

  /** Marks the caller answered; false if it already was. */
  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    clearTimeout(this.#timer);
    return true;
  }

  // The slot is held until the connection is done with the request, not until the caller gives
  // up: a request abandoned at its deadline still occupies a connection until it is torn down.
  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#holding) this.hooks.release();
    this.hooks.finished();
  }
}

/**
 * A keep-alive HTTP client pool for the REST adapter.
 */
export class HttpPool {
  readonly #slots: Semaphore;
  readonly #metrics: Metrics;
  readonly #labels: { exchange: string };
  readonly #totalMs: number;
  readonly #sockReadMs: number;
  readonly #perHost: number;
  readonly #connectMs: number;
  readonly #keepAliveMs: number;
  readonly #dns: DnsCache;
  readonly #tls: TlsOptions | undefined;
  readonly #now: () => number;
  #closed = false;
  #sampleQueued = false;
  readonly #byOrigin = new Map<string, OriginPool>();
  readonly #hooks: PoolHooks;

  constructor(options: HttpPoolOptions) {
    const s = options.settings;
    if (s.limit_per_host > s.limit) {
      throw new RangeError(`limit_per_host must be <= limit, was ${s.limit_per_host} > ${s.limit}`);
    }
    this.#keepAliveMs = Math.round(s.keepalive_timeout * 1000);
    this.#sockReadMs = Math.round(s.sock_read_timeout * 1000);
    this.#totalMs = Math.round(s.total_timeout * 1000);
    this.#connectMs = Math.round(s.connect_timeout * 1000);
    this.#perHost = s.limit_per_host;
    // ttl_dns_cache 0 means "do not cache": resolve on every new connection, as the OS does.
    this.#dns = new DnsCache(Math.round(s.ttl_dns_cache * 1000), options.now);
    this.#tls = options.tls;
    this.#now = options.now ?? Date.now;
    this.#slots = new Semaphore(s.limit);
    this.#metrics = options.metrics;
    this.#labels = { exchange: options.exchange ?? 'bybit' };
    this.#metrics.httpPoolLimit.set(this.#labels, s.limit);
    this.#metrics.httpPoolActive.set(this.#labels, 0);
    this.#metrics.httpPoolIdle.set(this.#labels, 0);
    this.#hooks = {
      maxBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      release: () => this.#slots.release(),
      finished: () => this.#sampleSoon(),
    };
  }

  /**
   * Sends one request and collects its answer, whatever the status code. Rejects with
   * UnreachableError (`sent` tells whether the request may have reached the server) or
   * BadResponseError (body over the size cap, or not HTTP/1.1); never with a raw socket error.
   */
  async request(req: HttpRequest): Promise<HttpResponse> {
    if (this.#closed) throw new UnreachableError(req.endpoint, false, { cause: new Error('pool closed') });
    let pool: OriginPool;
    let bytes: string;
    try {
      pool = this.#poolFor(req.origin);
      bytes = encodeRequest(pool.origin, req);
    } catch (cause) {
      throw new UnreachableError(req.endpoint, false, { cause });
    }
    const deadlineMs = Math.max(1, Math.min(this.#totalMs, req.timeoutMs ?? Infinity));
    const readMs = Math.min(this.#sockReadMs, deadlineMs);
    return new Promise<HttpResponse>((resolve, reject) => {
      const flight = new InFlight(this.#hooks, req, bytes, deadlineMs, readMs, resolve, reject);
      if (this.#slots.tryAcquire()) {
        this.#dispatch(pool, flight);
        return;
      }
      flight.ticket = this.#slots.acquire();
      void flight.ticket.granted.then(() => this.#dispatch(pool, flight));
    });
  }

  #dispatch(pool: OriginPool, flight: InFlight): void {
    if (!flight.hold()) {
      // Granted in the same turn the deadline fired: give the slot straight back.
      this.#slots.release();
      return;
    }
    if (this.#closed) {
      flight.failed(new Error('pool closed'), false);
      return;
    }
    flight.origin = pool;
    pool.dispatch(flight);
  }

  #poolFor(url: string): OriginPool {
    let pool = this.#byOrigin.get(url);
    if (pool === undefined) {
      const origin = parseOrigin(url);
      pool = new OriginPool(
        origin,
        this.#perHost,
        {
          connectTimeoutMs: this.#connectMs,
          keepAliveMs: this.#keepAliveMs,
          lookup: this.#dns.lookup,
          ...(this.#tls === undefined ? {} : { tls: this.#tls }),
          now: this.#now,
        },
        {
          changed: () => this.#sampleSoon(),
          connectFailed: (o) => this.#dns.forget(o.hostname),
        },
      );
      this.#byOrigin.set(url, pool);
    }
    return pool;
  }

  /** Samples the gauges after the current turn, once however many connections changed in it. */
  #sampleSoon(): void {
    if (this.#sampleQueued) return;
    this.#sampleQueued = true;
    setImmediate(() => {
      this.#sampleQueued = false;
      this.sampleStats();
    });
  }

  /** Reads the connection counts, updates the pool gauges and returns them. */
  sampleStats(): PoolSnapshot {
    let active = 0;
    let idle = 0;
    for (const pool of this.#byOrigin.values()) {
      const c = pool.counts();
      active += c.active;
      idle += c.idle;
    }
    this.#metrics.httpPoolActive.set(this.#labels, active);
    this.#metrics.httpPoolIdle.set(this.#labels, idle);
    return {
      limit: this.#slots.limit,
      active,
      idle,
      inFlight: this.#slots.held,
      waiting: this.#slots.waiting,
    };
  }

  /** Closes every connection once the requests in flight are done. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#byOrigin.values()].map((p) => p.close()));
    this.sampleStats();
  }

  /** Tears every connection down now, failing the requests in flight. */
  async destroy(): Promise<void> {
    this.#closed = true;
    const error = new Error('pool destroyed');
    await Promise.all([...this.#byOrigin.values()].map((p) => p.destroy(error)));
    this.sampleStats();
  }
}
