/**
 * The Bybit v5 REST transport: signing, server-time offset, the envelope, retCode and HTTP status
 * mapping to typed errors, retries and the rate budget. Endpoint methods live in endpoints.ts.
 *
 * Retry rules (docs/bybit-v5-protocol.md §2.4-2.6, docs/original-mm-bot.md §6):
 * - a rate-limit refusal (10006, HTTP 403/429) means the request was not executed, so even an order
 *   is retried after the venue's reset time, when that wait is short enough;
 * - 10002 resyncs the clock offset and retries once;
 * - an unavailable venue (HTTP 5xx, 10000, 10016) or a lost answer is retried with backoff for
 *   reads; for an order-writing request it means the outcome is unknown: UnreachableError with
 *   sent=true, never retried, never assumed;
 * - a request that never left (connection refused, DNS failure) is retried, orders included;
 * - auth failures, business refusals and unreadable answers are never retried.
 * Every wait runs on the injected Clock, so tests drive retries with a SimClock.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { Clock, TimerId } from '../../../domain/clock.js';
import {
  AuthError,
  BadResponseError,
  BotError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
  InvariantError,
  RateLimitedError,
  TimestampError,
  UnreachableError,
} from '../../../errors.js';
import type { Logger } from '../../log/logger.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { Credentials } from '../../secrets/secret.js';
import { signRest } from '../sign.js';
import { HttpPool, type HttpResponse, type PoolSettings, type PoolSnapshot } from './http-pool.js';
import { errorForRetCode } from './ret-codes.js';
import { wireServerTimeSchema, type WireEnvelope } from './schemas.js';

/** Tuning of the waits between attempts; every field has a default. */
export interface RetryPolicy {
  /** Wait after a 10006 or 429 that carries no reset time (Bybit omits it for global limits). */
  readonly rateLimitDefaultMs: number;
  /** Wait after an HTTP 403 without a reset time: Bybit's IP ban lasts at least 10 minutes. */
  readonly ipBanDefaultMs: number;
  /** Longest wait the client sits out itself; a longer one is thrown to the caller at once. */
  readonly maxWaitMs: number;
  /** First backoff after a 5xx or a lost answer on a read; doubles per retry. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  rateLimitDefaultMs: 1_000,
  ipBanDefaultMs: 600_000,
  maxWaitMs: 10_000,
  backoffBaseMs: 250,
  backoffMaxMs: 5_000,
};

export interface RestClientDeps {
  /** Scheme, host and optional path prefix, such as `https://api-testnet.bybit.com`. */
  readonly baseUrl: string;
  /** Needed by private endpoints only. */
  readonly credentials?: Credentials;
  readonly clock: Clock;
  readonly metrics: Metrics;
  /** A child logger; the client adds no secrets to it. */
  readonly logger: Logger;
  readonly pool: PoolSettings;
  /** X-BAPI-RECV-WINDOW (exchange.recv_window_ms). */
  readonly recvWindowMs: number;
  /** Deadline of one attempt (exchange.request_timeout_ms), capped by pool.total_timeout. */
  readonly requestTimeoutMs: number;
  /** Retries after the first attempt (exchange.max_retries); 10002 gets one more of its own. */
  readonly maxRetries: number;
  /** Value of the `exchange` metric label. */
  readonly exchange?: string;
  readonly retryPolicy?: Partial<RetryPolicy>;
  /** Sees every call and every attempt's answer, for the recorder; never sees a header we send. */
  readonly observer?: RestObserver;
}

/** A REST call as the observer sees it: what was asked, never how it was signed. */
export interface RestCallRecord {
  /** Numbers the calls of this client, from 1. */
  readonly id: number;
  readonly method: 'GET' | 'POST';
  /** The endpoint path, without the base URL's prefix or the query. */
  readonly path: string;
  /** The query string (GET) or the JSON body (POST), exactly as sent. */
  readonly req: string;
  /** Clock time the call started. */
  readonly start: number;
}

/** One attempt of a call: its answer, or why there was none. */
export interface RestAttempt {
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly status?: number;
  readonly body?: string;
  /** The rate-limit headers of the answer (x-bapi-limit*, retry-after), nothing else. */
  readonly headers?: Readonly<Record<string, string>>;
  /** No answer: whether the request may have reached the venue, and why it failed. */
  readonly error?: { readonly sent: boolean; readonly message: string };
}

/**
 * Observes REST traffic (the recorder). Both methods are called synchronously on the request
 * path and must be cheap; an observer that throws is ignored.
 */
export interface RestObserver {
  request(call: RestCallRecord): void;
  /** The call is over: `outcome` is 'ok' or the code of the error it threw. */
  response(call: RestCallRecord, attempts: readonly RestAttempt[], outcome: string, at: number): void;
}

/** One call of an endpoint. */
export interface RestCall<T> {
  readonly method: 'GET' | 'POST';
  /** The endpoint path, such as `/v5/order/create`; also the metric label. */
  readonly path: string;
  /** GET: the query, in this key order; POST: the JSON body. Undefined values are left out. */
  readonly params?: Readonly<Record<string, unknown>>;
  readonly signed: boolean;
  /**
   * Whether the request creates, amends or cancels orders: a lost answer or an unavailable venue
   * then leaves the outcome unknown, and the call is not retried.
   */
  readonly write: boolean;
  /** The schema of `result`. */
  readonly result: z.ZodType<T>;
  /** Called as each attempt's request starts being written (HttpRequest.onWrite). */
  readonly onWrite?: () => void;
}

export interface RestResult<T> {
  readonly result: T;
  readonly retExtInfo: unknown;
  /** The envelope's server time (ms), when present. */
  readonly time: number | undefined;
  /** Clock time at which the answered attempt was sent and its answer came back. */
  readonly sentAt: number;
  readonly receivedAt: number;
}

/** The rate budget of one endpoint, from X-Bapi-Limit* headers. */
export interface RateBudgetInfo {
  readonly limit: number;
  readonly remaining: number;
  /** Server time (ms) at which the window resets. */
  readonly resetAt: number;
}

type Outcome =
  | 'ok'
  | 'rate_limited'
  | 'timestamp'
  | 'auth'
  | 'not_found'
  | 'rejected'
  | 'unavailable'
  | 'unreachable'
  | 'bad_response';

type RetryReason = 'rate_limited' | 'timestamp' | 'unavailable' | 'unreachable';

interface PendingWait {
  readonly timer: TimerId;
  readonly reject: (e: unknown) => void;
  readonly endpoint: string;
}

/** Reads an integer header (names are lower-case in the pool's answer). */
function headerInt(headers: IncomingHttpHeaders, name: string): number | undefined {
  const raw = headers[name];
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

/**
 * Encodes a query the way bybit-api does: keys in the given order, undefined left out, values
 * URI-encoded. The same string is appended after `?` and signed.
 */
export function encodeQuery(params: Readonly<Record<string, unknown>> | undefined): string {
  if (params === undefined) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    const text =
      typeof v === 'string'
        ? v
        : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint'
          ? String(v)
          : JSON.stringify(v);
    parts.push(`${k}=${encodeURIComponent(text)}`);
  }
  return parts.join('&');
}

/**
 * A Bybit v5 REST client over a keep-alive HTTP pool (./http-pool.ts).
 */
export class RestClient {
  protected readonly log: Logger;
  readonly #deps: RestClientDeps;
  readonly #policy: RetryPolicy;
  readonly #http: HttpPool;
  readonly #origin: string;
  readonly #prefix: string;
  readonly #exchange: string;
  readonly #budgets = new Map<string, RateBudgetInfo>();
  readonly #waits = new Set<PendingWait>();
  #offsetMs = 0;
  #calls = 0;
  #syncAttempted = false;
  #syncing: Promise<number> | undefined;
  #closed = false;

  constructor(deps: RestClientDeps) {
    this.#deps = deps;
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...deps.retryPolicy };
    this.log = deps.logger;
    const url = new URL(deps.baseUrl);
    this.#origin = url.origin;
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#exchange = deps.exchange ?? 'bybit';
    this.#http = new HttpPool({ settings: deps.pool, metrics: deps.metrics, exchange: this.#exchange });
  }

  /** Milliseconds to add to the clock to get the server's time. */
  get timeOffsetMs(): number {
    return this.#offsetMs;
  }

  /** The server's time as this client estimates it. */
  serverNow(): number {
    return this.#deps.clock.now() + this.#offsetMs;
  }

  /**
   * Measures the offset between the clock and the server from GET /v5/market/time: the envelope
   * time against the midpoint of the round trip. Runs at the first signed call and after every
   * 10002; returns the new offset.
   */
  syncTime(): Promise<number> {
    this.#syncAttempted = true;
    this.#syncing ??= this.#syncOnce().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  async #syncOnce(): Promise<number> {
    const r = await this.call({
      method: 'GET',
      path: '/v5/market/time',
      signed: false,
      write: false,
      result: wireServerTimeSchema,
    });
    const serverMs = r.time ?? Number(r.result.timeSecond) * 1000;
    const offset = Math.round(serverMs - (r.sentAt + r.receivedAt) / 2);
    if (offset !== this.#offsetMs) this.log.info({ offsetMs: offset }, 'server time offset measured');
    this.#offsetMs = offset;
    return offset;
  }

  /** The last rate budget Bybit reported for an endpoint path, if any. */
  rateBudget(path: string): RateBudgetInfo | undefined {
    return this.#budgets.get(path);
  }

  /** Refreshes the HTTP pool gauges (call before a metrics scrape) and returns the counts. */
  sampleStats(): PoolSnapshot {
    return this.#http.sampleStats();
  }

  /** Cancels pending retry waits and closes the pool once requests in flight are done. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#waits) {
      this.#deps.clock.clearTimeout(w.timer);
      w.reject(new UnreachableError(w.endpoint, false, { cause: new Error('client closed') }));
    }
    this.#waits.clear();
    await this.#http.close();
  }

  /**
   * Sends one endpoint call with the retry rules of this module and returns its validated result;
   * rejects with a BotError subclass only.
   */
  async call<T>(spec: RestCall<T>): Promise<RestResult<T>> {
    const query = spec.method === 'GET' ? encodeQuery(spec.params) : '';
    const body = spec.method === 'POST' ? JSON.stringify(spec.params ?? {}) : undefined;
    const observer = this.#deps.observer;
    if (observer === undefined) return this.#call(spec, query, body, undefined);
    const record: RestCallRecord = {
      id: ++this.#calls,
      method: spec.method,
      path: spec.path,
      req: spec.method === 'GET' ? query : (body ?? ''),
      start: this.#deps.clock.now(),
    };
    const attempts: RestAttempt[] = [];
    observe(() => observer.request(record));
    try {
      const r = await this.#call(spec, query, body, attempts);
      observe(() => observer.response(record, attempts, 'ok', this.#deps.clock.now()));
      return r;
    } catch (e) {
      const code = e instanceof BotError ? e.code : 'error';
      observe(() => observer.response(record, attempts, code, this.#deps.clock.now()));
      throw e;
    }
  }

  async #call<T>(
    spec: RestCall<T>,
    query: string,
    body: string | undefined,
    attempts: RestAttempt[] | undefined,
  ): Promise<RestResult<T>> {
    const endpoint = spec.path;
    const path = `${this.#prefix}${spec.path}${query === '' ? '' : `?${query}`}`;
    const payload = spec.method === 'GET' ? query : (body ?? '');
    let retries = 0;
    let resynced = false;

    if (spec.signed && this.#deps.credentials === undefined) {
      throw new AuthError(10003, 'no API credentials configured; the request was not sent', endpoint);
    }
    if (spec.signed) {
      // Awaited only when there is a sync to wait for: an await costs a turn of the microtask
      // queue, behind everything the caller did after starting this call (tick-to-order).
      const sync = this.#syncToAwait();
      if (sync !== undefined) await sync;
    }

    for (;;) {
      if (this.#closed) throw new UnreachableError(endpoint, false, { cause: new Error('client closed') });
      const headers = this.#headers(spec.signed, payload, endpoint);
      const sentAt = this.#deps.clock.now();
      const started = performance.now();
      let res: HttpResponse;
      try {
        res = await this.#http.request({
          origin: this.#origin,
          method: spec.method,
          path,
          headers,
          ...(body === undefined ? {} : { body }),
          timeoutMs: this.#deps.requestTimeoutMs,
          endpoint,
          ...(spec.onWrite === undefined ? {} : { onWrite: spec.onWrite }),
        });
      } catch (e) {
        const err = e instanceof BotError ? e : new UnreachableError(endpoint, false, { cause: e });
        attempts?.push({
          sentAt,
          receivedAt: this.#deps.clock.now(),
          error: { sent: err instanceof UnreachableError && err.sent, message: err.message },
        });
        this.#count(endpoint, err instanceof UnreachableError ? 'unreachable' : 'bad_response');
        // A request that never left is safe to resend; one that left is only for reads.
        if (
          err instanceof UnreachableError &&
          (!err.sent || !spec.write) &&
          retries < this.#deps.maxRetries
        ) {
          retries++;
          await this.#retryWait(endpoint, 'unreachable', this.#backoff(retries), err);
          continue;
        }
        this.log.warn({ endpoint, err, attempt: retries + 1 }, 'rest request failed');
        throw err;
      }
      const receivedAt = this.#deps.clock.now();
      attempts?.push({
        sentAt,
        receivedAt,
        status: res.status,
        body: res.body,
        headers: limitHeaders(res.headers),
      });
      this.#deps.metrics.restLatency.observe(
        { exchange: this.#exchange, endpoint },
        (performance.now() - started) / 1000,
      );
      this.#readBudget(endpoint, res.headers);

      const verdict = this.#interpret(endpoint, res);
      if (verdict.ok) {
        const parsed = spec.result.safeParse(verdict.env.result);
        if (!parsed.success) {
          this.#count(endpoint, 'bad_response');
          const detail = parsed.error.issues
            .slice(0, 3)
            .map((i) => `${i.path.join('.') || 'result'}: ${i.message}`)
            .join('; ');
          throw new BadResponseError(endpoint, `result failed its schema: ${detail}`, {
            cause: parsed.error,
          });
        }
        this.#count(endpoint, 'ok');
        return {
          result: parsed.data,
          retExtInfo: verdict.env.retExtInfo,
          time: verdict.env.time,
          sentAt,
          receivedAt,
        };
      }

      const err = verdict.error;
      this.#count(endpoint, verdict.outcome);
      if (err instanceof RateLimitedError) {
        if (retries < this.#deps.maxRetries && err.retryAfterMs <= this.#policy.maxWaitMs) {
          retries++;
          await this.#retryWait(endpoint, 'rate_limited', err.retryAfterMs, err);
          continue;
        }
      } else if (err instanceof TimestampError) {
        if (!resynced) {
          resynced = true;
          this.#deps.metrics.restRetries.inc({ exchange: this.#exchange, endpoint, reason: 'timestamp' });
          this.log.warn({ endpoint, retMsg: err.retMsg }, 'timestamp refused, resyncing server time');
          try {
            await this.syncTime();
          } catch (syncErr) {
            this.log.warn({ endpoint, err: syncErr }, 'server time resync failed');
            throw err;
          }
          continue;
        }
      } else if (err instanceof ExchangeUnavailableError) {
        if (spec.write) {
          // The venue may or may not have acted on the order: only a query can tell.
          const unknown = new UnreachableError(endpoint, true, { cause: err });
          this.log.warn({ endpoint, status: err.status, retCode: err.retCode }, 'order outcome unknown');
          throw unknown;
        }
        if (retries < this.#deps.maxRetries) {
          retries++;
          await this.#retryWait(endpoint, 'unavailable', this.#backoff(retries), err);
          continue;
        }
      } else if (err instanceof AuthError) {
        this.log.error({ endpoint, retCode: err.retCode, retMsg: err.retMsg }, 'authentication refused');
      }
      if (!(err instanceof ExchangeRejectedError)) {
        this.log.warn({ endpoint, code: err.code, attempt: retries + 1 }, 'rest request failed');
      }
      throw err;
    }
  }

  /**
   * What a signed call waits for: the sync in progress, or the first one, which it starts; nothing
   * once a sync is done. A failed sync is logged and the call goes on with the offset it has (a
   * 10002 will resync).
   */
  #syncToAwait(): Promise<void> | undefined {
    const pending = this.#syncAttempted ? this.#syncing : this.syncTime();
    if (pending === undefined) return undefined;
    return pending.then(
      () => undefined,
      (e: unknown) => {
        this.log.warn({ err: e }, 'server time sync failed; keeping the previous offset');
      },
    );
  }

  #headers(signed: boolean, payload: string, endpoint: string): Record<string, string> {
    if (!signed) return { 'Content-Type': 'application/json' };
    const creds = this.#deps.credentials;
    if (creds === undefined) throw new InvariantError(`${endpoint}: signed request without credentials`);
    const timestamp = Math.round(this.serverNow());
    const recvWindow = this.#deps.recvWindowMs;
    return {
      'X-BAPI-API-KEY': creds.apiKey.reveal(),
      'X-BAPI-TIMESTAMP': String(timestamp),
      'X-BAPI-SIGN': signRest(creds, timestamp, recvWindow, payload),
      'X-BAPI-RECV-WINDOW': String(recvWindow),
      'Content-Type': 'application/json',
    };
  }

  /** Maps an HTTP answer to its envelope or its typed error. */
  #interpret(
    endpoint: string,
    res: HttpResponse,
  ): { ok: true; env: WireEnvelope } | { ok: false; error: BotError; outcome: Outcome } {
    const env = parseEnvelope(res.body);
    const status = res.status;
    if (status === 401) {
      const code = env.ok ? env.env.retCode : status;
      const msg = env.ok ? env.env.retMsg : `HTTP 401 ${snippet(res.body)}`;
      return { ok: false, error: new AuthError(code, msg, endpoint), outcome: 'auth' };
    }
    if (status === 403 || status === 429) {
      const fallback =
        status === 403
          ? this.#policy.ipBanDefaultMs
          : (this.#retryAfterHeader(res.headers) ?? this.#policy.rateLimitDefaultMs);
      return {
        ok: false,
        error: new RateLimitedError(this.#retryAfter(res.headers, fallback), endpoint),
        outcome: 'rate_limited',
      };
    }
    if (status >= 500) {
      return {
        ok: false,
        error: new ExchangeUnavailableError(status, env.ok ? env.env.retCode : undefined, endpoint),
        outcome: 'unavailable',
      };
    }
    if (!env.ok) {
      if (status < 200 || status >= 300) {
        return {
          ok: false,
          error: new ExchangeRejectedError(status, `HTTP ${status} ${snippet(res.body)}`, endpoint),
          outcome: 'rejected',
        };
      }
      return { ok: false, error: new BadResponseError(endpoint, env.detail), outcome: 'bad_response' };
    }
    const { retCode, retMsg } = env.env;
    if (retCode === 0 && status >= 200 && status < 300) return { ok: true, env: env.env };
    if (retCode === 0) {
      return {
        ok: false,
        error: new ExchangeRejectedError(status, `HTTP ${status} ${retMsg}`, endpoint),
        outcome: 'rejected',
      };
    }
    const error = errorForRetCode(
      retCode,
      retMsg,
      endpoint,
      this.#retryAfter(res.headers, this.#policy.rateLimitDefaultMs),
      status,
    );
    return { ok: false, error, outcome: outcomeOf(error) };
  }

  /** Milliseconds until X-Bapi-Limit-Reset-Timestamp (server time), or the fallback without one. */
  #retryAfter(headers: IncomingHttpHeaders, fallbackMs: number): number {
    const resetAt = headerInt(headers, 'x-bapi-limit-reset-timestamp');
    if (resetAt === undefined) return fallbackMs;
    return Math.max(0, Math.ceil(resetAt - this.serverNow()));
  }

  /** A standard Retry-After given in seconds (429 answers of a front proxy). */
  #retryAfterHeader(headers: IncomingHttpHeaders): number | undefined {
    const s = headerInt(headers, 'retry-after');
    return s === undefined ? undefined : s * 1000;
  }

  #readBudget(endpoint: string, headers: IncomingHttpHeaders): void {
    const remaining = headerInt(headers, 'x-bapi-limit-status');
    if (remaining === undefined) return;
    const limit = headerInt(headers, 'x-bapi-limit') ?? remaining;
    const resetAt = headerInt(headers, 'x-bapi-limit-reset-timestamp') ?? this.serverNow();
    this.#budgets.set(endpoint, { limit, remaining, resetAt });
    this.#deps.metrics.restRateLimitRemaining.set({ exchange: this.#exchange, endpoint }, remaining);
  }

  #count(endpoint: string, outcome: Outcome): void {
    this.#deps.metrics.restRequests.inc({ exchange: this.#exchange, endpoint, outcome });
  }

  #backoff(retry: number): number {
    return Math.min(this.#policy.backoffMaxMs, this.#policy.backoffBaseMs * 2 ** (retry - 1));
  }

  #retryWait(endpoint: string, reason: RetryReason, ms: number, err: BotError): Promise<void> {
    this.#deps.metrics.restRetries.inc({ exchange: this.#exchange, endpoint, reason });
    this.log.warn({ endpoint, reason, waitMs: ms, code: err.code }, 'rest retry');
    return new Promise<void>((resolve, reject) => {
      const wait: PendingWait = {
        endpoint,
        reject,
        timer: this.#deps.clock.setTimeout(() => {
          this.#waits.delete(wait);
          resolve();
        }, ms),
      };
      this.#waits.add(wait);
    });
  }
}

/** Runs an observer callback; an observer must never break a request. */
function observe(fn: () => void): void {
  try {
    fn();
  } catch {
    // The recorder counts its own failures; the request goes on.
  }
}

/** The headers of an answer that change what the client does: its rate-limit budget. */
function limitHeaders(headers: IncomingHttpHeaders): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || !(k.startsWith('x-bapi-limit') || k === 'retry-after')) continue;
    (out ??= {})[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

type ParsedEnvelope = { ok: true; env: WireEnvelope } | { ok: false; detail: string };

function parseEnvelope(body: string): ParsedEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, detail: `not JSON: ${snippet(body)}` };
  }
  // Hand-written rather than envelopeSchema.safeParse: this runs on every answer (order entry).
  if (
    typeof json !== 'object' ||
    json === null ||
    !Number.isInteger((json as { retCode?: unknown }).retCode) ||
    typeof (json as { retMsg?: unknown }).retMsg !== 'string'
  ) {
    return { ok: false, detail: `not a v5 envelope (retCode/retMsg missing): ${snippet(body)}` };
  }
  const env = json as WireEnvelope;
  if (env.time !== undefined && typeof env.time !== 'number') {
    return { ok: false, detail: `envelope time is not a number: ${snippet(body)}` };
  }
  return { ok: true, env };
}

/** The start of a body for an error message (bodies never carry secrets). */
function snippet(body: string): string {
  const s = body.length > 120 ? `${body.slice(0, 120)}...` : body;
  return JSON.stringify(s);
}

function outcomeOf(error: BotError): Outcome {
  switch (error.code) {
    case 'MM_EXCHANGE_RATE_LIMITED':
      return 'rate_limited';
    case 'MM_EXCHANGE_TIMESTAMP':
      return 'timestamp';
    case 'MM_EXCHANGE_AUTH':
      return 'auth';
    case 'MM_ORDER_NOT_FOUND':
      return 'not_found';
    case 'MM_EXCHANGE_UNAVAILABLE':
      return 'unavailable';
    default:
      return 'rejected';
  }
}
