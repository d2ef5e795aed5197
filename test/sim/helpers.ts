/**
 * Test helpers for the wire server: a simulator on a SimClock, a signed REST caller over real
 * loopback sockets (undici), and a WebSocket client that queues frames so tests await them.
 */
import { request } from 'undici';
import { WebSocket } from 'ws';
import { signRest, signWsAuth } from '../../src/adapters/bybit/sign.js';
import { credentials } from '../../src/adapters/secrets/secret.js';
import { SimClock } from '../../src/domain/clock.js';
import { startSimulator, type RunningSimulator, type SimOptions } from '../../src/sim/index.js';

export const KEY = 'TESTKEY';
export const SECRET = 'simulator-test-secret';
export const KEY2 = 'OTHERKEY';
export const SECRET2 = 'other-secret';
export const T0 = 1_790_000_000_000;

export interface TestSim {
  readonly sim: RunningSimulator;
  readonly clock: SimClock;
}

/** A simulator on a SimClock at T0 with two known accounts. */
export async function testSim(over: Partial<SimOptions> = {}): Promise<TestSim> {
  const clock = new SimClock(T0);
  const sim = await startSimulator({
    clock,
    seed: 42,
    symbols: ['BTCUSDT', 'ETHUSDT'],
    startPrices: { BTCUSDT: 60000, ETHUSDT: 3000 },
    pushIntervalMs: 20,
    volatility: 0.6,
    takerRatePerS: 4,
    makerFeeRate: 0.0002,
    takerFeeRate: 0.00055,
    initialBalanceUsdt: 100_000,
    rateLimitPerS: 10,
    accounts: [
      { apiKey: KEY, apiSecret: SECRET },
      { apiKey: KEY2, apiSecret: SECRET2 },
    ],
    ...over,
  });
  return { sim, clock };
}

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly json: {
    retCode: number;
    retMsg: string;
    result: Record<string, unknown>;
    retExtInfo: Record<string, unknown>;
    time: number;
  };
}

export interface CallOptions {
  key?: string;
  secret?: string;
  /** Timestamp to sign with (default: the clock's now). */
  ts?: number;
  recv?: number;
  /** Sign with this secret instead (to provoke 10004). */
  signSecret?: string;
  /** Send this exact body text (POST) instead of JSON.stringify(params). */
  rawBody?: string;
  /** Send this exact query string (GET). */
  rawQuery?: string;
  unsigned?: boolean;
}

/** One REST call: GET params become the query in insertion order, POST params a compact JSON body. */
export async function call(
  t: TestSim,
  method: 'GET' | 'POST',
  path: string,
  params: Record<string, unknown> = {},
  o: CallOptions = {},
): Promise<Reply> {
  const key = o.key ?? KEY;
  const secret = o.signSecret ?? o.secret ?? SECRET;
  const ts = o.ts ?? t.clock.now();
  const recv = o.recv ?? 5000;
  const query =
    o.rawQuery ??
    Object.entries(params)
      .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
      .join('&');
  const body = method === 'POST' ? (o.rawBody ?? JSON.stringify(params)) : undefined;
  const payload = method === 'GET' ? query : body!;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (o.unsigned !== true) {
    headers['x-bapi-api-key'] = key;
    headers['x-bapi-timestamp'] = String(ts);
    headers['x-bapi-recv-window'] = String(recv);
    headers['x-bapi-sign'] = signRest(credentials(key, secret), ts, recv, payload);
  }
  const url = `${t.sim.urls.rest}${path}${method === 'GET' && query !== '' ? `?${query}` : ''}`;
  const res = await request(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.body.text();
  let json: Reply['json'];
  try {
    json = JSON.parse(text) as Reply['json'];
  } catch {
    json = { retCode: NaN, retMsg: text, result: {}, retExtInfo: {}, time: 0 };
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

/** A WebSocket client that queues every text frame so tests can await the next matching one. */
export class WsClient {
  readonly frames: string[] = [];
  readonly #waiters: {
    pred: (m: Record<string, unknown>) => boolean;
    resolve: (m: Record<string, unknown>) => void;
  }[] = [];
  #cursor = 0;
  readonly #watchers: { pred: (m: Record<string, unknown>) => boolean; resolve: () => void }[] = [];
  closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => {
      const text = d.toString('utf8');
      this.frames.push(text);
      this.#drain();
      if (this.#watchers.length > 0) {
        const m = JSON.parse(text) as Record<string, unknown>;
        for (let i = this.#watchers.length - 1; i >= 0; i--) {
          if (this.#watchers[i]!.pred(m)) this.#watchers.splice(i, 1)[0]!.resolve();
        }
      }
    });
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  }

  static async open(url: string): Promise<WsClient> {
    const ws = new WebSocket(url);
    const c = new WsClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return c;
  }

  send(v: unknown): void {
    this.ws.send(typeof v === 'string' ? v : JSON.stringify(v));
  }

  #drain(): void {
    for (let i = 0; i < this.#waiters.length;) {
      const w = this.#waiters[i]!;
      const hit = this.#find(w.pred);
      if (hit !== undefined) {
        this.#waiters.splice(i, 1);
        w.resolve(hit);
      } else i++;
    }
  }

  #find(pred: (m: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
    while (this.#cursor < this.frames.length) {
      const m = JSON.parse(this.frames[this.#cursor++]!) as Record<string, unknown>;
      if (pred(m)) return m;
    }
    return undefined;
  }

  /** The next frame (after the previous match) satisfying `pred`; frames before it are skipped. */
  next(pred: (m: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> {
    const hit = this.#find(pred);
    if (hit !== undefined) return Promise.resolve(hit);
    return new Promise((resolve) => {
      this.#waiters.push({ pred, resolve });
    });
  }

  /** Resolves once a frame satisfying `pred` has arrived (any time), without moving the cursor. */
  seen(pred: (m: Record<string, unknown>) => boolean): Promise<void> {
    if (this.all().some(pred)) return Promise.resolve();
    return new Promise((resolve) => this.#watchers.push({ pred, resolve }));
  }

  /** Every frame received so far, parsed. */
  all(): Record<string, unknown>[] {
    return this.frames.map((f) => JSON.parse(f) as Record<string, unknown>);
  }

  async close(): Promise<void> {
    this.ws.close();
    await this.closed;
  }
}

/** An authenticated private or trade socket (auth reply awaited). */
export async function authed(url: string, clock: SimClock, key = KEY, secret = SECRET): Promise<WsClient> {
  const c = await WsClient.open(url);
  const expires = clock.now() + 10_000;
  const args = [key, expires, signWsAuth(credentials(key, secret), expires)];
  c.send(url.endsWith('/v5/trade') ? { reqId: 'a1', op: 'auth', args } : { req_id: 'a1', op: 'auth', args });
  await c.next((m) => m.op === 'auth');
  return c;
}

let syncs = 0;

/** Round-trips a ping, so every frame the server sent before it has arrived (cursor untouched). */
export async function sync(c: WsClient, trade = false): Promise<void> {
  const id = `sync-${++syncs}`;
  c.send(trade ? { reqId: id, op: 'ping' } : { req_id: id, op: 'ping' });
  await c.seen((m) => m.req_id === id || m.reqId === id);
}
