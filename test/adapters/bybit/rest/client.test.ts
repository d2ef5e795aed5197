import { Writable } from 'node:stream';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { SimClock } from '../../../../src/domain/clock.js';
import {
  AuthError,
  BadResponseError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
  OrderNotFoundError,
  RateLimitedError,
  TimestampError,
  UnreachableError,
} from '../../../../src/errors.js';
import { credentials } from '../../../../src/adapters/secrets/secret.js';
import { signRest } from '../../../../src/adapters/bybit/sign.js';
import { encodeQuery } from '../../../../src/adapters/bybit/rest/client.js';
import type { CreateOrderRequest } from '../../../../src/adapters/bybit/rest/requests.js';
import { envelope, errorEnvelope, LocalHttpServer } from '../../../helpers/http-server.js';
import {
  API_KEY,
  API_SECRET,
  CLOCK_START,
  metricValue,
  SERVER_TIME,
  startHarness,
  type Harness,
} from './harness.js';

const CREDS = credentials(API_KEY, API_SECRET);
const ORDER: CreateOrderRequest = {
  symbol: 'BTCUSDT',
  side: 'Buy',
  orderType: 'Limit',
  qty: '0.001',
  price: '50000',
  timeInForce: 'PostOnly',
  orderLinkId: 'mm-1',
};
const ACK = { orderId: 'fd4300ae-7847-404e-b947-b46980a4d140', orderLinkId: 'mm-1' };
const ackReply = { body: envelope(ACK) };
const anyResult = z.looseObject({});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Waits for the client to arm a retry timer on the SimClock and returns its delay. */
async function nextRetryDelay(clock: SimClock): Promise<number> {
  await vi.waitFor(() => expect(clock.pending).toBe(1));
  return clock.nextDue()! - clock.now();
}

/** Settles a promise, firing every retry timer the client arms on the SimClock meanwhile. */
async function driveToSettled<T>(
  p: Promise<T>,
  clock: SimClock,
  delays: number[] = [],
): Promise<PromiseSettledResult<T>> {
  let done = false;
  const settled = p.then(
    (value): PromiseSettledResult<T> => ({ status: 'fulfilled', value }),
    (reason: unknown): PromiseSettledResult<T> => ({ status: 'rejected', reason }),
  );
  void settled.finally(() => {
    done = true;
  });
  while (!done) {
    if (clock.pending > 0) {
      delays.push(clock.nextDue()! - clock.now());
      clock.advanceTo(clock.nextDue()!);
    }
    await new Promise((r) => setImmediate(r));
  }
  return settled;
}

function rejection(r: PromiseSettledResult<unknown>): unknown {
  expect(r.status).toBe('rejected');
  return (r as PromiseRejectedResult).reason;
}

describe('signing', () => {
  it('signs a POST over the exact body sent, matching the protocol doc vector', async () => {
    h = await startHarness({ serverTime: 1658385579423, clock: new SimClock(0) });
    h.server.route('POST', '/v5/order/create', () => ackReply);
    await h.rest.createOrder(ORDER);
    const [req] = h.server.requestsTo('/v5/order/create');
    expect(req!.body).toBe(
      '{"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.001","price":"50000","timeInForce":"PostOnly","orderLinkId":"mm-1"}',
    );
    expect(req!.headers['x-bapi-timestamp']).toBe('1658385579423');
    expect(req!.headers['x-bapi-sign']).toBe(
      '3d834cdfc305f5a043045a185d8bdb7ecc75925f070ed877bf8995732ba9f623',
    );
    expect(req!.headers['x-bapi-api-key']).toBe(API_KEY);
    expect(req!.headers['x-bapi-recv-window']).toBe('5000');
    expect(req!.headers['content-type']).toBe('application/json');
  });

  it('signs a GET over the exact query string sent, matching the protocol doc vector', async () => {
    h = await startHarness({ serverTime: 1658384314791, clock: new SimClock(0), recvWindowMs: 5000 });
    h.server.route('GET', '/v5/position/list', () => ({ body: envelope({}) }));
    await h.rest.call({
      method: 'GET',
      path: '/v5/position/list',
      params: { category: 'linear', symbol: 'BTCUSDT' },
      signed: true,
      write: false,
      result: anyResult,
    });
    const [req] = h.server.requestsTo('/v5/position/list');
    expect(req!.query).toBe('category=linear&symbol=BTCUSDT');
    expect(req!.headers['x-bapi-sign']).toBe(
      '4b537d45bf6ec7fdc4f873016c4c17e00a010e269d276ed1b47ad772b0b014e2',
    );
  });

  it('sends the configured recv window and signs with it', async () => {
    h = await startHarness({ recvWindowMs: 20_000 });
    h.server.route('POST', '/v5/order/create', () => ackReply);
    await h.rest.createOrder(ORDER);
    const [req] = h.server.requestsTo('/v5/order/create');
    expect(req!.headers['x-bapi-recv-window']).toBe('20000');
    const ts = Number(req!.headers['x-bapi-timestamp']);
    expect(req!.headers['x-bapi-sign']).toBe(signRest(CREDS, ts, 20_000, req!.body));
  });

  it('signs whatever query bytes it sends, for any parameter values (property)', async () => {
    h = await startHarness();
    h.server.route('GET', '/v5/execution/list', () => ({ body: envelope({}) }));
    const server = h.server;
    const rest = h.rest;
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.stringMatching(/^[a-zA-Z]{1,8}$/),
          fc.oneof(fc.string(), fc.integer(), fc.boolean()),
        ),
        async (params) => {
          const before = server.requestsTo('/v5/execution/list').length;
          await rest.call({
            method: 'GET',
            path: '/v5/execution/list',
            params,
            signed: true,
            write: false,
            result: anyResult,
          });
          const req = server.requestsTo('/v5/execution/list')[before]!;
          expect(req.query).toBe(encodeQuery(params));
          const ts = Number(req.headers['x-bapi-timestamp']);
          expect(req.headers['x-bapi-sign']).toBe(signRest(CREDS, ts, 5000, req.query));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('leaves public endpoints unsigned', async () => {
    h = await startHarness();
    h.server.route('GET', '/v5/market/orderbook', () => ({
      body: envelope({ s: 'BTCUSDT', b: [], a: [], ts: 1, u: 1 }),
    }));
    await h.rest.getOrderbook('BTCUSDT', 1);
    const [req] = h.server.requestsTo('/v5/market/orderbook');
    expect(Object.keys(req!.headers).filter((k) => k.startsWith('x-bapi'))).toEqual([]);
    // Public calls need no clock offset, so they do not trigger a time sync.
    expect(h.server.requestsTo('/v5/market/time')).toHaveLength(0);
  });

  it('refuses a signed call without credentials before sending anything', async () => {
    h = await startHarness({ credentials: undefined });
    await expect(h.rest.createOrder(ORDER)).rejects.toBeInstanceOf(AuthError);
    expect(h.server.requests).toHaveLength(0);
  });
});

describe('server time', () => {
  it('syncs once before the first signed call and stamps requests with server time', async () => {
    h = await startHarness();
    h.server.route('POST', '/v5/order/create', () => ackReply);
    await h.rest.createOrder(ORDER);
    expect(h.rest.timeOffsetMs).toBe(SERVER_TIME - CLOCK_START);
    h.clock.advanceBy(2_500);
    await h.rest.createOrder(ORDER);
    const stamps = h.server.requestsTo('/v5/order/create').map((r) => Number(r.headers['x-bapi-timestamp']));
    expect(stamps).toEqual([SERVER_TIME, SERVER_TIME + 2_500]);
    expect(h.server.requestsTo('/v5/market/time')).toHaveLength(1);
  });

  it('makes concurrent first signed calls share one sync and all use its offset', async () => {
    h = await startHarness();
    h.server.route('POST', '/v5/order/create', () => ackReply);
    await Promise.all([
      h.rest.createOrder(ORDER),
      h.rest.createOrder(ORDER),
      h.rest.getWalletBalance().catch(() => 0),
    ]);
    expect(h.server.requestsTo('/v5/market/time')).toHaveLength(1);
    const stamps = h.server.requestsTo('/v5/order/create').map((r) => Number(r.headers['x-bapi-timestamp']));
    expect(stamps).toEqual([SERVER_TIME, SERVER_TIME]);
    expect(h.server.requestsTo('/v5/account/wallet-balance')[0]!.headers['x-bapi-timestamp']).toBe(
      String(SERVER_TIME),
    );
  });

  it('on 10002 resyncs the offset and retries once with the new timestamp', async () => {
    h = await startHarness();
    let serverTime = SERVER_TIME;
    h.server.route('GET', '/v5/market/time', () => ({
      body: envelope({ timeSecond: '0', timeNano: '0' }, { time: serverTime }),
    }));
    h.server.enqueue('POST', '/v5/order/create', {
      body: errorEnvelope(10002, 'invalid request, please check your server timestamp or recv_window param.'),
    });
    h.server.route('POST', '/v5/order/create', () => ackReply);
    const p = h.rest.createOrder(ORDER);
    await h.server.until((rs) => rs.some((r) => r.path === '/v5/order/create'));
    serverTime = SERVER_TIME + 30_000;
    await expect(p).resolves.toEqual(ACK);
    const stamps = h.server.requestsTo('/v5/order/create').map((r) => Number(r.headers['x-bapi-timestamp']));
    expect(stamps).toEqual([SERVER_TIME, SERVER_TIME + 30_000]);
    expect(h.server.requestsTo('/v5/market/time')).toHaveLength(2);
    expect(
      await metricValue(h.metrics.restRetries, { endpoint: '/v5/order/create', reason: 'timestamp' }),
    ).toBe(1);
  });

  it('gives up with TimestampError when 10002 persists after the resync', async () => {
    h = await startHarness();
    h.server.route('POST', '/v5/order/create', () => ({ body: errorEnvelope(10002, 'invalid request') }));
    const err = await h.rest.createOrder(ORDER).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimestampError);
    expect(h.server.requestsTo('/v5/order/create')).toHaveLength(2);
  });
});

describe('rate limits', () => {
  it('waits until X-Bapi-Limit-Reset-Timestamp on 10006, then succeeds', async () => {
    h = await startHarness();
    h.server.enqueue('POST', '/v5/order/create', {
      body: errorEnvelope(10006, 'Too many visits'),
      headers: {
        'X-Bapi-Limit': '10',
        'X-Bapi-Limit-Status': '0',
        'X-Bapi-Limit-Reset-Timestamp': String(SERVER_TIME + 750),
      },
    });
    h.server.route('POST', '/v5/order/create', () => ackReply);
    const p = h.rest.createOrder(ORDER);
    expect(await nextRetryDelay(h.clock)).toBe(750);
    expect(h.server.requestsTo('/v5/order/create')).toHaveLength(1);
    h.clock.advanceBy(750);
    await expect(p).resolves.toEqual(ACK);
    expect(h.server.requestsTo('/v5/order/create')).toHaveLength(2);
    expect(
      await metricValue(h.metrics.restRetries, { endpoint: '/v5/order/create', reason: 'rate_limited' }),
    ).toBe(1);
    expect(
      await metricValue(h.metrics.restRequests, { endpoint: '/v5/order/create', outcome: 'rate_limited' }),
    ).toBe(1);
  });

  it('waits the default delay on a 10006 without reset header (global limit)', async () => {
    h = await startHarness({ retryPolicy: { rateLimitDefaultMs: 1_234 } });
    h.server.enqueue('POST', '/v5/order/create', { body: errorEnvelope(10006, 'Too many visits!') });
    h.server.route('POST', '/v5/order/create', () => ackReply);
    const p = h.rest.createOrder(ORDER);
    expect(await nextRetryDelay(h.clock)).toBe(1_234);
    h.clock.advanceBy(1_234);
    await expect(p).resolves.toEqual(ACK);
  });

  it('throws RateLimitedError with retryAfterMs once the retries are spent', async () => {
    h = await startHarness({ maxRetries: 1 });
    h.server.route('POST', '/v5/order/create', () => ({
      body: errorEnvelope(10006, 'Too many visits'),
      headers: { 'X-Bapi-Limit-Reset-Timestamp': String(SERVER_TIME + 400) },
    }));
    const r = await driveToSettled(h.rest.createOrder(ORDER), h.clock);
    const err = rejection(r);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBeGreaterThanOrEqual(0);
    expect((err as RateLimitedError).disposition).toBe('retry');
    expect(h.server.requestsTo('/v5/order/create')).toHaveLength(2);
  });

  it('retries an HTTP 429 after its Retry-After', async () => {
    h = await startHarness();
    h.server.enqueue('GET', '/v5/position/list', { status: 429, headers: { 'Retry-After': '2' }, body: '' });
    h.server.route('GET', '/v5/position/list', () => ({ body: envelope({ list: [], nextPageCursor: '' }) }));
    const p = h.rest.getPositions('BTCUSDT');
    expect(await nextRetryDelay(h.clock)).toBe(2_000);
    h.clock.advanceBy(2_000);
    await expect(p).resolves.toEqual([]);
  });

  it('reports an HTTP 403 IP ban at once instead of sitting out ten minutes', async () => {
    h = await startHarness();
    h.server.route('GET', '/v5/position/list', () => ({ status: 403, body: 'access too frequent' }));
    const err = await h.rest.getPositions('BTCUSDT').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(600_000);
    expect(h.server.requestsTo('/v5/position/list')).toHaveLength(1);
    expect(h.clock.pending).toBe(0);
  });

  it('tracks the rate budget of each endpoint from the X-Bapi-Limit headers', async () => {
    h = await startHarness();
    h.server.route('POST', '/v5/order/create', () => ({
      ...ackReply,
      headers: {
        'X-Bapi-Limit': '10',
        'X-Bapi-Limit-Status': '9',
        'X-Bapi-Limit-Reset-Timestamp': String(SERVER_TIME + 12),
      },
    }));
    expect(h.rest.rateBudget('/v5/order/create')).toBeUndefined();
    await h.rest.createOrder(ORDER);
    expect(h.rest.rateBudget('/v5/order/create')).toEqual({
      limit: 10,
      remaining: 9,
      resetAt: SERVER_TIME + 12,
    });
    expect(h.rest.rateBudget('/v5/order/amend')).toBeUndefined();
    expect(
      await metricValue(h.metrics.restRateLimitRemaining, {
        exchange: 'bybit',
        endpoint: '/v5/order/create',
      }),
    ).toBe(9);
  });
});

describe('error mapping', () => {
  it('maps 10004 to AuthError and does not retry', async () => {
    h = await startHarness();
    h.server.route('POST', '/v5/order/create', () => ({ body: errorEnvelope(10004, 'error sign!') }));
    const err = await h.rest.createOrder(ORDER).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(err).toMatchObject({ retCode: 10004, retMsg: 'error sign!', disposition: 'halt' });
    expect(h.server.requestsTo('/v5/order/create')).toHaveLength(1);
    expect(h.clock.pending).toBe(0);
  });

  it('maps HTTP 401 to AuthError', async () => {
    h = await startHarness();
    h.server.route('GET', '/v5/position/list', () => ({ status: 401, body: 'Unauthorized' }));
    await expect(h.rest.getPositions('BTCUSDT')).rejects.toBeInstanceOf(AuthError);
    expect(h.server.requestsTo('/v5/position/list')).toHaveLength(1);
  });

  it('maps a business retCode to ExchangeRejectedError with retCode and retMsg', async () => {
    h = await startHarness();
    h.server.route('POST', '/v5/order/create', () => ({
      body: errorEnvelope(110007, 'ab not enough for new order'),
    }));
    const err = await h.rest.createOrder(ORDER).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeRejectedError);
    expect(err).toMatchObject({
      retCode: 110007,
      retMsg: 'ab not enough for new order',
      endpoint: '/v5/order/create',
      disposition: 'give-up',
    });
    expect(h.server.requestsTo('/v5/order/create')).toHaveLength(1);
  });

  it('maps 110001 to OrderNotFoundError', async () => {
    h = await startHarness();
    h.server.route('POST', '/v5/order/cancel', () => ({
      body: errorEnvelope(110001, 'Order does not exist'),
    }));
    const err = await h.rest.cancelOrder({ symbol: 'BTCUSDT', orderLinkId: 'mm-9' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrderNotFoundError);
    expect(err).toMatchObject({ retCode: 110001, disposition: 'reconcile' });
  });

  it('retries an HTTP 503 on a read with backoff, then succeeds', async () => {
    h = await startHarness();
    h.server.enqueue(
      'GET',
      '/v5/position/list',
      { status: 503, body: 'Service Unavailable' },
      { status: 502, body: '' },
    );
    h.server.route('GET', '/v5/position/list', () => ({ body: envelope({ list: [], nextPageCursor: '' }) }));
    const delays: number[] = [];
    const r = await driveToSettled(h.rest.getPositions('BTCUSDT'), h.clock, delays);
    expect(r).toEqual({ status: 'fulfilled', value: [] });
    expect(delays).toEqual([250, 500]);
    expect(h.server.requestsTo('/v5/position/list')).toHaveLength(3);
    expect(
      await metricValue(h.metrics.restRetries, { endpoint: '/v5/position/list', reason: 'unavailable' }),
    ).toBe(2);
  });

  it('gives up on a read with ExchangeUnavailableError when 5xx persists', async () => {
    h = await startHarness({ maxRetries: 2 });
    h.server.route('GET', '/v5/position/list', () => ({
      status: 500,
      body: errorEnvelope(10016, 'System error'),
    }));
    const err = rejection(await driveToSettled(h.rest.getPositions('BTCUSDT'), h.clock));
    expect(err).toBeInstanceOf(ExchangeUnavailableError);
    expect(err).toMatchObject({ status: 500, retCode: 10016 });
    expect(h.server.requestsTo('/v5/position/list')).toHaveLength(3);
  });

  it('reports an HTTP 503 on order create as an unknown outcome, not retried', async () => {
    h = await startHarness();
    h.server.route('POST', '/v5/order/create', () => ({ status: 503, body: 'Service Unavailable' }));
    const err = await h.rest.createOrder(ORDER).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err).toMatchObject({ sent: true, disposition: 'reconcile' });
    expect((err as UnreachableError).cause).toBeInstanceOf(ExchangeUnavailableError);
    expect(h.server.requestsTo('/v5/order/create')).toHaveLength(1);
    expect(h.clock.pending).toBe(0);
  });

  it('reports retCode 10016 on order amend as an unknown outcome, not retried', async () => {
    h = await startHarness();
    h.server.route('POST', '/v5/order/amend', () => ({ body: errorEnvelope(10016, 'System error.') }));
    const err = await h.rest
      .amendOrder({ symbol: 'BTCUSDT', orderLinkId: 'mm-1', price: '1' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MM_EXCHANGE_UNREACHABLE', sent: true });
    expect(h.server.requestsTo('/v5/order/amend')).toHaveLength(1);
  });

  it('reports a create that never gets an answer as sent with unknown outcome, not retried', async () => {
    h = await startHarness({ requestTimeoutMs: 150 });
    h.server.route('POST', '/v5/order/create', () => 'hang');
    const err = await h.rest.createOrder(ORDER).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err).toMatchObject({ sent: true, disposition: 'reconcile', endpoint: '/v5/order/create' });
    expect(h.server.requestsTo('/v5/order/create')).toHaveLength(1);
    expect(h.clock.pending).toBe(0);
    expect(
      await metricValue(h.metrics.restRequests, { endpoint: '/v5/order/create', outcome: 'unreachable' }),
    ).toBe(1);
  });

  it('reports a socket reset after a create was sent as an unknown outcome', async () => {
    h = await startHarness();
    h.server.route('POST', '/v5/order/create', () => 'destroy');
    const err = await h.rest.createOrder(ORDER).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MM_EXCHANGE_UNREACHABLE', sent: true });
    expect(h.server.requestsTo('/v5/order/create')).toHaveLength(1);
  });

  it('retries a read whose answer never came', async () => {
    h = await startHarness({ requestTimeoutMs: 150 });
    h.server.enqueue('GET', '/v5/position/list', 'hang');
    h.server.route('GET', '/v5/position/list', () => ({ body: envelope({ list: [], nextPageCursor: '' }) }));
    const r = await driveToSettled(h.rest.getPositions('BTCUSDT'), h.clock);
    expect(r.status).toBe('fulfilled');
    expect(h.server.requestsTo('/v5/position/list')).toHaveLength(2);
  });

  it('reports a refused connection as not sent, and retries even an order', async () => {
    const dead = await LocalHttpServer.start();
    const baseUrl = dead.url;
    await dead.close();
    h = await startHarness({ baseUrl, maxRetries: 2 });
    const delays: number[] = [];
    const err = rejection(await driveToSettled(h.rest.createOrder(ORDER), h.clock, delays));
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err).toMatchObject({ sent: false, disposition: 'retry' });
    expect(((err as UnreachableError).cause as { code?: string }).code).toBe('ECONNREFUSED');
    // Two retries of the time sync, then two of the order itself, each on the clock.
    expect(delays).toEqual([250, 500, 250, 500]);
    expect(
      await metricValue(h.metrics.restRetries, { endpoint: '/v5/order/create', reason: 'unreachable' }),
    ).toBe(2);
  });

  it('maps a body that is not JSON to BadResponseError', async () => {
    h = await startHarness();
    h.server.route('POST', '/v5/order/create', () => ({ body: '<html>502 Bad Gateway</html>' }));
    const err = await h.rest.createOrder(ORDER).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadResponseError);
    expect(err).toMatchObject({ disposition: 'reconcile' });
    expect(h.server.requestsTo('/v5/order/create')).toHaveLength(1);
  });

  it('maps JSON without retCode to BadResponseError', async () => {
    h = await startHarness();
    h.server.route('GET', '/v5/market/orderbook', () => ({ body: { result: {} } }));
    await expect(h.rest.getOrderbook('BTCUSDT')).rejects.toBeInstanceOf(BadResponseError);
  });

  it('maps a result that fails its schema to BadResponseError naming the field', async () => {
    h = await startHarness();
    h.server.route('POST', '/v5/order/create', () => ({
      body: envelope({ orderId: 42, orderLinkId: 'mm-1' }),
    }));
    const err = await h.rest.createOrder(ORDER).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadResponseError);
    expect((err as Error).message).toContain('orderId');
  });
});

describe('metrics, logs and shutdown', () => {
  it('counts requests by outcome and observes latency', async () => {
    h = await startHarness();
    h.server.route('POST', '/v5/order/create', () => ackReply);
    await h.rest.createOrder(ORDER);
    await h.rest.createOrder(ORDER);
    expect(await metricValue(h.metrics.restRequests, { endpoint: '/v5/order/create', outcome: 'ok' })).toBe(
      2,
    );
    expect(
      await metricValue(
        h.metrics.restLatency,
        { endpoint: '/v5/order/create' },
        'mm_rest_latency_seconds_count',
      ),
    ).toBe(2);
  });

  it('never writes the key or the secret to the log', async () => {
    const lines: string[] = [];
    const logStream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    h = await startHarness({ logStream });
    h.server.enqueue('POST', '/v5/order/create', { body: errorEnvelope(10006, 'Too many visits') });
    h.server.route('POST', '/v5/order/create', () => ({ body: errorEnvelope(10004, 'error sign!') }));
    await driveToSettled(h.rest.createOrder(ORDER), h.clock);
    expect(lines.length).toBeGreaterThan(0);
    const all = lines.join('');
    expect(all).not.toContain(API_SECRET);
    expect(all).not.toContain(API_KEY);
  });

  it('close() fails a pending retry wait as not sent', async () => {
    h = await startHarness();
    h.server.route('POST', '/v5/order/create', () => ({ body: errorEnvelope(10006, 'Too many visits') }));
    const p = h.rest.createOrder(ORDER).catch((e: unknown) => e);
    await nextRetryDelay(h.clock);
    await h.rest.close();
    const err = await p;
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err).toMatchObject({ sent: false });
    expect(h.clock.pending).toBe(0);
  });
});
