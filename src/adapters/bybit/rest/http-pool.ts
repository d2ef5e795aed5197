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
import { Agent, interceptors, type Dispatcher } from 'undici';
import type { Config } from '../../../config/schema.js';
import { BadResponseError, UnreachableError } from '../../../errors.js';
import type { Metrics } from '../../metrics/metrics.js';
import { Semaphore } from './semaphore.js';

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
  }

  /**
   * Sends one request and collects its answer, whatever the status code. Rejects with
   * UnreachableError (`sent` tells whether the request may have reached the server) or
   * BadResponseError (body over the size cap); never with a raw undici error.
   */
  async request(req: HttpRequest): Promise<HttpResponse> {
    if (this.#closed) throw new UnreachableError(req.endpoint, false, { cause: new Error('pool closed') });
    const deadlineMs = Math.max(1, Math.min(this.#totalMs, req.timeoutMs ?? Infinity));
    const perSocketMs = Math.min(this.#sockReadMs, deadlineMs);

    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      let started = false;
      let holding = false;
      let finished = false;
      let controller: Dispatcher.DispatchController | undefined;
      let status = 0;
      let headers: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      let size = 0;

      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      // The slot is held until undici is done with the request, not until the caller gives up:
      // a request abandoned at its deadline still occupies a connection until it is torn down.
      const finish = (): void => {
        if (finished) return;
        finished = true;
        if (holding) this.#slots.release();
        this.#sampleSoon();
      };
      const fail = (cause: unknown): void => {
        settle(() => reject(new UnreachableError(req.endpoint, started, { cause })));
      };

      const ticket = this.#slots.acquire();
      // Declared after the closures that clear it; none of them can run before this line.
      const timer = setTimeout(() => {
        const err = new DeadlineError(deadlineMs);
        if (ticket.cancel()) {
          // Still queued for a slot: undici never saw it.
          finished = true;
          fail(err);
          return;
        }
        fail(err);
        // Undici aborts a queued request at the moment it would start, before writing it.
        controller?.abort(err);
      }, deadlineMs);

      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: (ctrl) => {
          controller = ctrl;
          if (settled) {
            ctrl.abort(new DeadlineError(deadlineMs));
            return;
          }
          started = true;
          this.sampleStats();
        },
        onResponseStart: (_ctrl, statusCode, responseHeaders) => {
          status = statusCode;
          headers = responseHeaders;
        },
        onResponseData: (ctrl, chunk) => {
          size += chunk.length;
          if (size > this.#maxBytes) {
            settle(() =>
              reject(new BadResponseError(req.endpoint, `response body over ${this.#maxBytes} bytes`)),
            );
            ctrl.abort(new Error('response too large'));
            return;
          }
          chunks.push(chunk);
        },
        onResponseEnd: () => {
          finish();
          const body =
            chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
          settle(() => resolve({ status, headers, body }));
        },
        onResponseError: (_ctrl, error) => {
          finish();
          fail(error);
        },
      };

      void ticket.granted.then(() => {
        if (settled) {
          // Granted in the same turn the deadline fired: give the slot straight back.
          this.#slots.release();
          return;
        }
        holding = true;
        try {
          this.#dispatcher.dispatch(
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
            handler,
          );
        } catch (error) {
          finish();
          fail(error);
        }
      });
    });
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
