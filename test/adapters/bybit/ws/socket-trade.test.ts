import { afterEach, describe, expect, it } from 'vitest';
import { credentials } from '../../../../src/adapters/secrets/secret.js';
import { batchResults } from '../../../../src/adapters/bybit/ws/trade-errors.js';
import { BybitTestServer, type TradeRequest } from '../../../helpers/ws-server.js';
import { API_KEY, API_SECRET, makeSocket, START, TIMINGS, type Harness } from './harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(
  options: { creds?: ReturnType<typeof credentials>; auth?: boolean } = {},
): Promise<{ server: BybitTestServer; h: Harness }> {
  let clockNow = (): number => START;
  const server = await BybitTestServer.start({
    kind: 'trade',
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    now: () => clockNow(),
  });
  cleanups.push(() => server.stop());
  const h = makeSocket(server.url, 'trade', {
    recvWindowMs: 8_000,
    ...(options.creds ? { creds: options.creds } : {}),
  });
  clockNow = () => h.clock.now();
  cleanups.push(() => h.socket.terminate());
  await h.socket.connect();
  if (options.auth !== false) await h.socket.authenticate();
  return { server, h };
}

const order = (orderLinkId: string) => ({
  category: 'linear',
  symbol: 'BTCUSDT',
  side: 'Buy',
  orderType: 'Limit',
  qty: '0.001',
  price: '50000',
  timeInForce: 'PostOnly',
  orderLinkId,
});

/** Answers order ops with `answer` (computed from the request). */
function respond(
  server: BybitTestServer,
  answer: (req: TradeRequest) => Record<string, unknown> | undefined,
): void {
  server.orderResponder = answer;
}

describe('BybitSocket (trade): auth in the retCode form', () => {
  it('authenticates on {"retCode":0,"op":"auth"} with reqId as the id key', async () => {
    const { server, h } = await setup();
    expect(h.socket.isAuthenticated).toBe(true);
    const auth = await server.waitForOp('auth');
    expect(typeof auth.json?.['reqId']).toBe('string');
    expect(auth.json?.['req_id']).toBeUndefined();
  });

  it('rejects a refused auth with its retCode and retMsg', async () => {
    const { h } = await setup({ creds: credentials(API_KEY, 'wrong'), auth: false });
    await expect(h.socket.authenticate()).rejects.toMatchObject({
      code: 'MM_WS_AUTH_FAILED',
      retCode: 10004,
      retMsg: 'Invalid sign',
      disposition: 'halt',
    });
  });

  it('refuses order requests before auth without sending them', async () => {
    const { server, h } = await setup({ auth: false });
    await expect(h.socket.request('order.create', [order('mm-1')])).rejects.toMatchObject({
      code: 'MM_WS_NOT_CONNECTED',
      reason: 'not_authenticated',
      disposition: 'retry',
    });
    h.clock.advanceBy(TIMINGS.pingIntervalMs);
    await server.waitForOp('ping');
    expect(server.ops()).toEqual(['ping']);
  });

  it('has no topics to subscribe', async () => {
    const { h } = await setup();
    await expect(h.socket.subscribe(['order'])).rejects.toMatchObject({ code: 'MM_INVARIANT_BROKEN' });
  });
});

describe('BybitSocket (trade): requests', () => {
  it('sends {reqId, header, op, args} with the timestamp and recv window', async () => {
    const { server, h } = await setup();
    const response = await h.socket.request('order.create', [order('mm-1')]);
    expect(response).toMatchObject({
      retCode: 0,
      op: 'order.create',
      data: { orderId: 'order-1', orderLinkId: 'mm-1' },
    });
    const sent = await server.waitForOp('order.create');
    expect(sent.json).toMatchObject({
      header: { 'X-BAPI-TIMESTAMP': String(START), 'X-BAPI-RECV-WINDOW': '8000' },
      op: 'order.create',
      args: [order('mm-1')],
    });
    expect(response.reqId).toBe(sent.json?.['reqId']);
  });

  it('correlates responses by reqId when they come back out of order', async () => {
    const { server, h } = await setup();
    const held: TradeRequest[] = [];
    respond(server, (req) => {
      held.push(req);
      return undefined;
    });
    const first = h.socket.request('order.create', [order('mm-1')]);
    const second = h.socket.request('order.cancel', [
      { category: 'linear', symbol: 'BTCUSDT', orderLinkId: 'mm-0' },
    ]);
    await server.waitForOp('order.cancel');
    const [a, b] = held;
    expect(a?.reqId).not.toBe(b?.reqId);
    server.last.sendJson(server.tradeResponse(b!, 0, 'OK', { orderId: 'cancelled-0', orderLinkId: 'mm-0' }));
    server.last.sendJson(server.tradeResponse(a!, 0, 'OK', { orderId: 'created-1', orderLinkId: 'mm-1' }));
    expect((await second).data?.orderId).toBe('cancelled-0');
    expect((await first).data?.orderId).toBe('created-1');
  });

  it.each<[number, string, Record<string, unknown>]>([
    [
      110001,
      'Order does not exist',
      { code: 'MM_ORDER_NOT_FOUND', retCode: 110001, disposition: 'reconcile' },
    ],
    [
      170131,
      'Insufficient balance.',
      { code: 'MM_EXCHANGE_REJECTED', retCode: 170131, retMsg: 'Insufficient balance.' },
    ],
    [10001, 'params error', { code: 'MM_EXCHANGE_REJECTED', disposition: 'give-up' }],
    [10002, 'invalid request, please check your server timestamp', { code: 'MM_EXCHANGE_TIMESTAMP' }],
    [10016, 'internal error', { code: 'MM_EXCHANGE_UNREACHABLE', sent: true, disposition: 'reconcile' }],
  ])('maps retCode %i to a typed error', async (retCode, retMsg, expected) => {
    const { server, h } = await setup();
    respond(server, (req) => server.tradeResponse(req, retCode, retMsg));
    await expect(h.socket.request('order.amend', [order('mm-1')])).rejects.toMatchObject(expected);
    expect(h.socket.isOpen).toBe(true);
  });

  it('maps 10006 to RateLimitedError waiting until the reset timestamp', async () => {
    const { server, h } = await setup();
    respond(server, (req) =>
      server.tradeResponse(
        req,
        10006,
        'Too many visits',
        {},
        { 'X-Bapi-Limit-Reset-Timestamp': String(START + 750) },
      ),
    );
    await expect(h.socket.request('order.create', [order('mm-1')])).rejects.toMatchObject({
      code: 'MM_EXCHANGE_RATE_LIMITED',
      retryAfterMs: 750,
      disposition: 'retry',
    });
  });

  it('rejects with disposition reconcile when no answer comes in time', async () => {
    const { server, h } = await setup();
    respond(server, () => undefined);
    const pending = h.socket.request('order.create', [order('mm-1')]);
    await server.waitForOp('order.create');
    h.clock.advanceBy(TIMINGS.requestTimeoutMs);
    await expect(pending).rejects.toMatchObject({
      code: 'MM_WS_REQUEST_TIMEOUT',
      op: 'order.create',
      disposition: 'reconcile',
    });
  });

  it('rejects requests in flight with disposition reconcile when the socket closes', async () => {
    const { server, h } = await setup();
    respond(server, () => undefined);
    const pending = h.socket.request('order.cancel', [
      { category: 'linear', symbol: 'BTCUSDT', orderLinkId: 'mm-1' },
    ]);
    await server.waitForOp('order.cancel');
    server.last.terminate();
    await expect(pending).rejects.toMatchObject({
      code: 'MM_WS_NOT_CONNECTED',
      reason: 'closed',
      disposition: 'reconcile',
    });
  });

  it('resolves a batch with retCode 0 and exposes each item outcome', async () => {
    const { server, h } = await setup();
    respond(server, (req) =>
      server.tradeResponse(
        req,
        0,
        'OK',
        {
          list: [
            { category: 'linear', symbol: 'BTCUSDT', orderId: '', orderLinkId: 'mm-1', createAt: '' },
            {
              category: 'linear',
              symbol: 'BTCUSDT',
              orderId: 'o-2',
              orderLinkId: 'mm-2',
              createAt: String(START),
            },
          ],
        },
        {},
        {
          list: [
            { code: 10001, msg: 'position idx not match position mode' },
            { code: 0, msg: 'OK' },
          ],
        },
      ),
    );
    const response = await h.socket.request('order.create-batch', [
      { category: 'linear', request: [order('mm-1'), order('mm-2')] },
    ]);
    const items = batchResults(response, h.clock.now());
    expect(items[0]).toMatchObject({
      ok: false,
      orderLinkId: 'mm-1',
      code: 10001,
      error: { code: 'MM_EXCHANGE_REJECTED' },
    });
    expect(items[1]).toEqual({ ok: true, orderId: 'o-2', orderLinkId: 'mm-2' });
  });

  it('prefixes every request id with the construction time, so ids differ across reconnects', async () => {
    const { server, h } = await setup();
    await h.socket.request('order.create', [order('mm-1')]);
    await h.socket.request('order.create', [order('mm-2')]);
    const ids = server.received.map((f) => String(f.json?.['reqId']));
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id.startsWith(`${START.toString(36)}-`)).toBe(true);
  });
});
