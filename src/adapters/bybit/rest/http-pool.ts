/**
 * The HTTP layer of the REST adapter: one undici Agent (a keep-alive Pool per origin) with the
 * config's connection_pool settings, DNS answers cached by undici's dns interceptor, a semaphore
 * for the total limit across origins, and the pool gauges of DESIGN §8.
 *
 * It dispatches with undici's low-level `dispatch` rather than `request` because it must know
 * whether a request was put on the wire: `onRequestStart` fires just before undici writes it.
 * An error or a deadline before that point means the exchange never saw the request (safe to
 * retry, even an order); after it, the outcome is unknown. Responses are small JSON documents, so
 * the body is collected as chunks instead of going through a stream (cheaper than `request`).
 *
 * Deadlines run on real time (undici's timers and one setTimeout per request), not on the bot's
 * Clock: sockets progress in real time even when the bot runs on a simulated clock, and a
 * simulated deadline would fire spuriously (accelerated soak) or never (a paused test clock).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { Agent, interceptors, type Dispatcher } from 'undici';
import type { Config } from '../../../config/schema.js';
import { BadResponseError, UnreachableError } from '../../../errors.js';
import type { Metrics } from '../../metrics/metrics.js';
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
   * Called as undici starts writing the request to its socket; the bytes follow in the same turn
   * of the event loop. Not called for a request that never gets that far.
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

/** Raised inside the dispatch when the deadline passes after the request was handed to undici. */
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
  /** Called once undici is done with the request. */
  finished(): void;
}

function onDeadline(flight: InFlight): void {
  flight.expire();
}

/**
 * One request from slot to answer: the undici dispatch handler plus the deadline. A class rather
 * than closures because it is created per request (no per-request function objects).
 */
class InFlight implements Dispatcher.DispatchHandler {
  ticket: SemaphoreTicket | undefined;
  #started = false;
  #holding = false;
  #settled = false;
  #finished = false;
  #controller: Dispatcher.DispatchController | undefined;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #size = 0;
  readonly #timer: ReturnType<typeof setTimeout>;

  constructor(
    private readonly hooks: PoolHooks,
    readonly req: HttpRequest,
    readonly deadlineMs: number,
    private readonly resolve: (r: HttpResponse) => void,
    private readonly reject: (e: unknown) => void,
  ) {
    this.#timer = setTimeout(onDeadline, deadlineMs, this);
  }

  /** Takes the granted slot; false when the caller already gave up. */
  hold(): boolean {
    if (this.#settled) return false;
    this.#holding = true;
    return true;
  }

  expire(): void {
    const err = new DeadlineError(this.deadlineMs);
    if (this.ticket?.cancel() === true) {
      // Still queued for a slot: undici never saw it.
      this.#finished = true;
    }
    this.#fail(err);
    // A request still queued inside undici is aborted when it would start, before it is written.
    this.#controller?.abort(err);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#settled) {
      controller.abort(new DeadlineError(this.deadlineMs));
      return;
    }
    this.#started = true;
    this.req.onWrite?.();
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.#status = statusCode;
    this.#headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#size += chunk.length;
    if (this.#size > this.hooks.maxBytes) {
      this.#settle();
      this.reject(new BadResponseError(this.req.endpoint, `response body over ${this.hooks.maxBytes} bytes`));
      controller.abort(new Error('response too large'));
      return;
    }
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.#finish();
    if (!this.#settle()) return;
    const c = this.#chunks;
    const body = c.length === 1 ? c[0]!.toString('utf8') : Buffer.concat(c).toString('utf8');
    this.resolve({ status: this.#status, headers: this.#headers, body });
  }

  onResponseError(_c: Dispatcher.DispatchController | undefined, error: Error): void {
    this.#finish();
    this.#fail(error);
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

  // The slot is held until undici is done with the request, not until the caller gives up:
  // a request abandoned at its deadline still occupies a connection until it is torn down.
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
  readonly #agent: Agent;
  readonly #dispatcher: Dispatcher;
  readonly #slots: Semaphore;
  readonly #metrics: Metrics;
  readonly #labels: { exchange: string };
  readonly #totalMs: number;
  readonly #sockReadMs: number;
  readonly #maxBytes: number;
  #closed = false;
  #sampleQueued = false;
  readonly #byOrigin = new Map<string, Dispatcher>();
  readonly #hooks: PoolHooks;

  constructor(options: HttpPoolOptions) {
    const s = options.settings;
    if (s.limit_per_host > s.limit) {
      throw new RangeError(`limit_per_host must be <= limit, was ${s.limit_per_host} > ${s.limit}`);
    }
    const keepAliveMs = Math.round(s.keepalive_timeout * 1000);
    this.#sockReadMs = Math.round(s.sock_read_timeout * 1000);
    this.#totalMs = Math.round(s.total_timeout * 1000);
    this.#maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.#agent = new Agent({
      connections: s.limit_per_host,
      keepAliveTimeout: keepAliveMs,
      // The configured keep-alive is a ceiling: a server hint may shorten it, never lengthen it.
      keepAliveMaxTimeout: keepAliveMs,
      headersTimeout: this.#sockReadMs,
      bodyTimeout: this.#sockReadMs,
      connect: { timeout: Math.round(s.connect_timeout * 1000) },
    });
    const dnsTtlMs = Math.round(s.ttl_dns_cache * 1000);
    // ttl_dns_cache 0 means "do not cache": resolve on every new connection, as the OS does.
    this.#dispatcher =
      dnsTtlMs > 0 ? this.#agent.compose(interceptors.dns({ maxTTL: dnsTtlMs })) : this.#agent;
    this.#slots = new Semaphore(s.limit);
    this.#metrics = options.metrics;
    this.#labels = { exchange: options.exchange ?? 'bybit' };
    this.#metrics.httpPoolLimit.set(this.#labels, s.limit);
    this.#metrics.httpPoolActive.set(this.#labels, 0);
    this.#metrics.httpPoolIdle.set(this.#labels, 0);
    this.#hooks = {
      maxBytes: this.#maxBytes,
      release: () => this.#slots.release(),
      finished: () => this.#sampleSoon(),
    };
  }

  /**
   * Sends one request and collects its answer, whatever the status code. Rejects with
   * UnreachableError (`sent` tells whether the request may have reached the server) or
   * BadResponseError (body over the size cap); never with a raw undici error.
   */
  async request(req: HttpRequest): Promise<HttpResponse> {
    if (this.#closed) throw new UnreachableError(req.endpoint, false, { cause: new Error('pool closed') });
    const deadlineMs = Math.max(1, Math.min(this.#totalMs, req.timeoutMs ?? Infinity));
    return new Promise<HttpResponse>((resolve, reject) => {
      const flight = new InFlight(this.#hooks, req, deadlineMs, resolve, reject);
      if (this.#slots.tryAcquire()) {
        this.#dispatch(flight);
        return;
      }
      flight.ticket = this.#slots.acquire();
      void flight.ticket.granted.then(() => this.#dispatch(flight));
    });
  }

  #dispatch(flight: InFlight): void {
    if (!flight.hold()) {
      // Granted in the same turn the deadline fired: give the slot straight back.
      this.#slots.release();
      return;
    }
    const req = flight.req;
    const perSocketMs = Math.min(this.#sockReadMs, flight.deadlineMs);
    try {
      this.#dispatcherFor(req.origin).dispatch(
        {
          origin: req.origin,
          method: req.method,
          path: req.path,
          headers: req.headers,
          body: req.body ?? null,
          headersTimeout: perSocketMs,
          bodyTimeout: perSocketMs,
          // Never replay a request on another socket behind our back: for an order that would
          // turn an unknown outcome into a possible duplicate.
          idempotent: false,
        },
        flight,
      );
    } catch (error) {
      flight.onResponseError(undefined, error as Error);
    }
  }

  /** An IP-literal origin (the simulator, tests) skips the DNS interceptor, which costs per request. */
  #dispatcherFor(origin: string): Dispatcher {
    let d = this.#byOrigin.get(origin);
    if (d === undefined) {
      const host = new URL(origin).hostname.replace(/^\[(.*)\]$/, '$1');
      d = isIP(host) === 0 ? this.#dispatcher : this.#agent;
      this.#byOrigin.set(origin, d);
    }
    return d;
  }

  /**
   * Samples once undici has put the socket back: with pipelining 1 it frees a socket one full
   * event-loop turn after the response (client-h1 `setImmediate(resume)`), so a sample taken in the
   * completion callback would still count it as active.
   */
  #sampleSoon(): void {
    if (this.#sampleQueued) return;
    this.#sampleQueued = true;
    setImmediate(() =>
      setImmediate(() => {
        this.#sampleQueued = false;
        this.sampleStats();
      }),
    );
  }

  /** Reads the agent's connection counts, updates the pool gauges and returns them. */
  sampleStats(): PoolSnapshot {
    let active = 0;
    let idle = 0;
    for (const s of Object.values(this.#agent.stats)) {
      if ('free' in s) {
        active += s.connected - s.free;
        idle += s.free;
      } else if (s.connected) {
        if (s.running > 0) active++;
        else idle++;
      }
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
    await this.#agent.close();
    this.sampleStats();
  }

  /** Tears every connection down now, failing the requests in flight. */
  async destroy(): Promise<void> {
    this.#closed = true;
    await this.#agent.destroy();
    this.sampleStats();
  }
}
