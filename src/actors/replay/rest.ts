/**
 * The REST API of a replay: the same endpoints as production (BybitRest: pagination, batches,
 * typed results), with `call` answered from the recording instead of over HTTP.
 *
 * Matching rule (docs/replay.md): a call is matched with a recorded call of the same method and
 * path that started within MATCH_WINDOW_MS of it — the one with the same parameters if there is
 * one, else the oldest — and gets that call's answer at the recorded time (never before it is
 * asked). When the bot no longer does what the recorded bot did:
 * - same endpoint, other parameters: a read gets the recorded answer; a write (create, amend,
 *   cancel) gets a synthesized acceptance; the decisions log notes a `params` divergence;
 * - nothing recorded near that time: a write gets a synthesized acceptance, a read a recorded-style
 *   refusal (retCode 10016, "service unavailable"); the log notes an `unrecorded` divergence;
 * - a recorded call the bot never made is noted as `not_made` once it is out of the window.
 * The recorded answer goes through the same interpretation as the client's (status, envelope,
 * retCode, the endpoint's schema), so the bot sees the same typed results and errors it saw live.
 */
import type { ReplayClock } from './clock.js';
import {
  AuthError,
  BadResponseError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
  RateLimitedError,
  UnreachableError,
  type BotError,
} from '../../errors.js';
import {
  encodeQuery,
  type RestAttempt,
  type RestCall,
  type RestClientDeps,
  type RestResult,
} from '../../adapters/bybit/rest/client.js';
import { BybitRest } from '../../adapters/bybit/rest/endpoints.js';
import { errorForRetCode } from '../../adapters/bybit/rest/ret-codes.js';
import type { DecisionLog } from './decisions.js';
import type { RecordedCall, RecordingSource } from './source.js';
import type { VenueEcho } from './venue-echo.js';

/** How far apart in time a call and its recorded counterpart may start. */
export const MATCH_WINDOW_MS = 2_000;
/** Latency of a synthesized answer. */
const SYNTHESIZED_LATENCY_MS = 1;

export interface ReplayRestDeps {
  readonly clock: ReplayClock;
  readonly source: RecordingSource;
  readonly decisions: DecisionLog;
  /** Pushes the order updates of accepted writes the recording has no answer for. */
  readonly echo?: VenueEcho;
}

interface Envelope {
  readonly retCode: number;
  readonly retMsg: string;
  readonly result?: unknown;
  readonly retExtInfo?: unknown;
  readonly time?: number;
}

type Match =
  | { kind: 'recorded' | 'params'; call: RecordedCall }
  | { kind: 'unrecorded'; nearest: RecordedCall | undefined };

export class ReplayRest extends BybitRest {
  readonly #r: ReplayRestDeps;
  #synthesized = 0;
  /**
   * Recorded answers parsed once: a read answered from the nearest recorded one may reuse an
   * answer many times. The schema still parses `result` afresh for each call, into new objects.
   */
  readonly #envelopes = new WeakMap<RestAttempt, Envelope | null>();
  /** The latest recorded call of each endpoint answered or passed over. */
  readonly #last = new Map<string, RecordedCall>();

  constructor(deps: RestClientDeps, replay: ReplayRestDeps) {
    super(deps);
    this.#r = replay;
  }

  override call<T>(spec: RestCall<T>): Promise<RestResult<T>> {
    const { clock, decisions } = this.#r;
    const t = clock.now();
    const req = spec.method === 'GET' ? encodeQuery(spec.params) : JSON.stringify(spec.params ?? {});
    const key = `${spec.method} ${spec.path}`;
    const match = this.#match(key, req, t);
    const write = spec.method === 'POST';
    const params = (spec.params ?? {}) as Record<string, unknown>;
    if (write) this.#r.echo?.sent(spec.path, params);
    // Nothing is on a wire here: the request counts as written at once, as live over a fresh socket.
    spec.onWrite?.();
    let attempt: RestAttempt | undefined;
    let at: number;
    let answer: string;
    if (match.kind === 'recorded' || (match.kind === 'params' && !write)) {
      attempt = match.call.attempts[match.call.attempts.length - 1];
      at = Math.max(t, match.call.end);
      answer = match.kind === 'recorded' ? 'recorded' : 'recorded (other parameters)';
    } else if (match.kind === 'unrecorded' && !write && match.nearest !== undefined) {
      // A read is a snapshot of the venue: the nearest recorded one is the best estimate of it.
      const last = match.nearest.attempts[match.nearest.attempts.length - 1];
      const took = last === undefined ? SYNTHESIZED_LATENCY_MS : last.receivedAt - last.sentAt;
      at = t + Math.max(SYNTHESIZED_LATENCY_MS, took);
      attempt = last;
      answer = 'recorded (nearest in time)';
    } else {
      at = t + SYNTHESIZED_LATENCY_MS;
      const envelope = write ? this.#ack(spec) : { retCode: 10016, retMsg: 'replay: no recorded answer' };
      attempt = { sentAt: t, receivedAt: at, status: 200, body: JSON.stringify(envelope) };
      if (write) this.#r.echo?.accepted(spec.path, params, ackedIds(envelope), at);
      answer = write ? 'synthesized ack' : 'synthesized refusal';
    }
    decisions.request('rest', { method: spec.method, path: spec.path, params: spec.params ?? {} }, answer);
    if (match.kind === 'params')
      decisions.divergence('params', {
        method: spec.method,
        path: spec.path,
        recorded: match.call.req,
        replayed: req,
      });
    else if (match.kind === 'unrecorded')
      decisions.divergence('unrecorded', { method: spec.method, path: spec.path, replayed: req });
    const took = attempt === undefined ? 0 : attempt.receivedAt - attempt.sentAt;
    return new Promise<RestResult<T>>((resolve, reject) => {
      clock.schedule(() => {
        try {
          resolve(this.#interpret(spec, attempt, Math.max(t, at - took), at));
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      }, at - t);
    });
  }

  #envelope(a: RestAttempt, body: string): Envelope | undefined {
    let env = this.#envelopes.get(a);
    if (env === undefined) {
      env = envelopeOf(body) ?? null;
      this.#envelopes.set(a, env);
    }
    return env ?? undefined;
  }

  #match(key: string, req: string, t: number): Match {
    const list = this.#r.source.calls.get(key);
    if (list === undefined) return { kind: 'unrecorded', nearest: this.#last.get(key) };
    while (list.length > 0 && list[0]!.start < t - MATCH_WINDOW_MS) this.#notMade(list.shift()!);
    for (let i = 0; i < list.length && list[i]!.start <= t + MATCH_WINDOW_MS; i++) {
      if (list[i]!.req !== req) continue;
      return { kind: 'recorded', call: this.#used(list.splice(i, 1)[0]!) };
    }
    if (list.length > 0 && list[0]!.start <= t + MATCH_WINDOW_MS)
      return { kind: 'params', call: this.#used(list.shift()!) };
    return { kind: 'unrecorded', nearest: this.#last.get(key) ?? list[0] };
  }

  #used(c: RecordedCall): RecordedCall {
    this.#last.set(c.key, c);
    return c;
  }

  #notMade(c: RecordedCall): void {
    this.#used(c);
    this.#r.decisions.divergence('not_made', {
      method: c.method,
      path: c.path,
      recorded: c.req,
      recordedAt: c.start - this.#r.source.header.clock,
    });
  }

  /** Reports the recorded calls no replayed call matched (at the end of the replay). */
  finish(): void {
    for (const list of this.#r.source.calls.values()) while (list.length > 0) this.#notMade(list.shift()!);
  }

  #id(): string {
    return `replay-${++this.#synthesized}`;
  }

  #ok(result: unknown, retExtInfo: unknown = {}): Envelope {
    return { retCode: 0, retMsg: 'OK', result, retExtInfo, time: Math.round(this.serverNow()) };
  }

  /** The answer a venue would give to an accepted write. */
  #ack<T>(spec: RestCall<T>): Envelope {
    const p = (spec.params ?? {}) as Record<string, unknown>;
    if (spec.path.endsWith('-batch')) {
      const items = Array.isArray(p['request']) ? (p['request'] as Record<string, unknown>[]) : [];
      return this.#ok(
        {
          list: items.map((i) => ({
            orderId: typeof i['orderId'] === 'string' ? i['orderId'] : this.#id(),
            orderLinkId: typeof i['orderLinkId'] === 'string' ? i['orderLinkId'] : '',
            symbol: typeof i['symbol'] === 'string' ? i['symbol'] : '',
          })),
        },
        { list: items.map(() => ({ code: 0, msg: 'OK' })) },
      );
    }
    if (spec.path === '/v5/order/cancel-all') return this.#ok({ list: [], success: '1' });
    if (
      spec.path === '/v5/order/create' ||
      spec.path === '/v5/order/amend' ||
      spec.path === '/v5/order/cancel'
    )
      return this.#ok({
        orderId: typeof p['orderId'] === 'string' ? p['orderId'] : this.#id(),
        orderLinkId: typeof p['orderLinkId'] === 'string' ? p['orderLinkId'] : '',
      });
    return this.#ok({});
  }

  // Helpers of #interpret and #ack are methods and module functions, not closures made per call:
  // under tsx each named closure created costs about 1 µs (esbuild's keepNames).

  /** The wait a rate limit asks for: until the recorded reset time, else `fallback`. */
  #retryAfter(a: RestAttempt, fallback: number): number {
    const reset = Number(a.headers?.['x-bapi-limit-reset-timestamp']);
    return Number.isFinite(reset) && reset > 0 ? Math.max(0, Math.ceil(reset - this.serverNow())) : fallback;
  }

  /** What the client makes of an answer (client.ts `#interpret`, after its retries are spent). */
  #interpret<T>(
    spec: RestCall<T>,
    a: RestAttempt | undefined,
    sentAt: number,
    receivedAt: number,
  ): RestResult<T> {
    const endpoint = spec.path;
    if (a === undefined)
      throw new UnreachableError(endpoint, false, { cause: new Error('the recorded call sent nothing') });
    if (a.error !== undefined)
      throw new UnreachableError(endpoint, a.error.sent, { cause: new Error(a.error.message) });
    const status = a.status ?? 0;
    const body = a.body ?? '';
    const env = this.#envelope(a, body);
    if (status === 401)
      throw new AuthError(env?.retCode ?? status, env?.retMsg ?? `HTTP 401 ${snippet(body)}`, endpoint);
    if (status === 403 || status === 429) {
      const header = Number(a.headers?.['retry-after']);
      const fallback = status === 403 ? 600_000 : Number.isFinite(header) ? header * 1000 : 1_000;
      throw new RateLimitedError(this.#retryAfter(a, fallback), endpoint);
    }
    if (status >= 500) throw unavailable(spec, new ExchangeUnavailableError(status, env?.retCode, endpoint));
    if (env === undefined) {
      if (status < 200 || status >= 300)
        throw new ExchangeRejectedError(status, `HTTP ${status} ${snippet(body)}`, endpoint);
      throw new BadResponseError(endpoint, `not a v5 envelope: ${snippet(body)}`);
    }
    if (env.retCode !== 0) {
      const e = errorForRetCode(env.retCode, env.retMsg, endpoint, this.#retryAfter(a, 1_000), status);
      throw e instanceof ExchangeUnavailableError ? unavailable(spec, e) : e;
    }
    if (status < 200 || status >= 300)
      throw new ExchangeRejectedError(status, `HTTP ${status} ${env.retMsg}`, endpoint);
    const parsed = spec.result.safeParse(env.result);
    if (!parsed.success)
      throw new BadResponseError(endpoint, `result failed its schema`, { cause: parsed.error });
    return { result: parsed.data, retExtInfo: env.retExtInfo, time: env.time, sentAt, receivedAt };
  }
}

/** A failed write's outcome is unknown (it may have reached the venue); a failed read's is not. */
function unavailable<T>(spec: RestCall<T>, e: BotError): BotError {
  return spec.write ? new UnreachableError(spec.path, true, { cause: e }) : e;
}

/** The order ids a synthesized acceptance gave, by orderLinkId. */
function ackedIds(env: Envelope): Map<string, string> {
  const ids = new Map<string, string>();
  const r = env.result as { list?: unknown; orderId?: unknown; orderLinkId?: unknown } | undefined;
  const list = Array.isArray(r?.list) ? (r.list as unknown[]) : [r];
  for (const i of list) {
    const o = i as { orderId?: unknown; orderLinkId?: unknown } | undefined;
    if (typeof o?.orderId === 'string' && typeof o.orderLinkId === 'string')
      ids.set(o.orderLinkId, o.orderId);
  }
  return ids;
}

function envelopeOf(body: string): Envelope | undefined {
  try {
    const v = JSON.parse(body) as Partial<Envelope> | null;
    if (typeof v !== 'object' || v === null) return undefined;
    if (!Number.isInteger(v.retCode) || typeof v.retMsg !== 'string') return undefined;
    if (v.time !== undefined && typeof v.time !== 'number') return undefined;
    return v as Envelope;
  } catch {
    return undefined;
  }
}

function snippet(body: string): string {
  return JSON.stringify(body.length > 120 ? `${body.slice(0, 120)}...` : body);
}
