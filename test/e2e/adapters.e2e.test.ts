/**
 * The project's own REST and WebSocket adapters against the simulator over real loopback sockets:
 * place, amend, fill and cancel, with the private pushes that report each, and the typed error of
 * every bad input. This is the bot's wire path with nothing above it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { wallClock } from '../../src/adapters/clock.js';
import { BybitRest } from '../../src/adapters/bybit/rest/endpoints.js';
import { BybitSocket } from '../../src/adapters/bybit/ws/socket.js';
import type { WireBookFrame } from '../../src/adapters/bybit/wire/book-frame.js';
import type { PrivateMessage } from '../../src/adapters/bybit/wire/private.js';
import { silentLogger } from '../../src/adapters/log/logger.js';
import { Metrics } from '../../src/adapters/metrics/metrics.js';
import { credentials } from '../../src/adapters/secrets/secret.js';
import { AuthError, OrderNotFoundError, RateLimitedError } from '../../src/errors.js';
import { OrderBook } from '../../src/domain/book/order-book.js';
import { DEFAULT_INSTRUMENTS, toInstrument } from '../../src/domain/instrument.js';
import type { RunningSimulator } from '../../src/sim/index.js';
import { startTestSim, testConfig } from '../helpers/bot-harness.js';

const WAIT = { timeout: 15_000, interval: 20 };
const config = testConfig();
let sim: RunningSimulator;
let rest: BybitRest;
let pub: BybitSocket;
let priv: BybitSocket;
const books: WireBookFrame[] = [];
const pushes: PrivateMessage[] = [];

const restFor = (key: string, secret: string, maxRetries = 2) =>
  new BybitRest({
    baseUrl: sim.urls.rest,
    credentials: credentials(key, secret),
    clock: wallClock,
    metrics: new Metrics(),
    logger: silentLogger(),
    pool: config.connection_pool,
    recvWindowMs: 5_000,
    requestTimeoutMs: 2_000,
    maxRetries,
  });

const socket = (kind: 'public' | 'private', url: string) =>
  new BybitSocket({
    url,
    kind,
    clock: wallClock,
    metrics: new Metrics(),
    logger: silentLogger(),
    exchange: 'bybit',
    pingIntervalMs: 5_000,
    pongTimeoutMs: 2_000,
    connectTimeoutMs: 2_000,
    requestTimeoutMs: 2_000,
    credentials: credentials(sim.accounts[0]!.apiKey, sim.accounts[0]!.apiSecret),
    handlers: { onBook: (f) => books.push(f), onPrivate: (m) => pushes.push(m) },
  });

const orderPushes = (linkId: string) =>
  pushes.flatMap((m) => (m.channel === 'order' ? m.push.data.filter((o) => o.orderLinkId === linkId) : []));
const fillsOf = (linkId: string) =>
  pushes.flatMap((m) =>
    m.channel === 'execution' ? m.push.data.filter((e) => e.orderLinkId === linkId) : [],
  );

beforeAll(async () => {
  sim = await startTestSim(config);
  const a = sim.accounts[0]!;
  rest = restFor(a.apiKey, a.apiSecret);
  pub = socket('public', sim.urls.wsPublic);
  priv = socket('private', sim.urls.wsPrivate);
  await Promise.all([pub.connect(), priv.connect()]);
  await priv.authenticate();
  await Promise.all([
    pub.subscribe(['orderbook.50.BTCUSDT']),
    priv.subscribe(['order', 'execution', 'position', 'wallet']),
  ]);
});

afterAll(async () => {
  pub.terminate();
  priv.terminate();
  await rest.close();
  await sim.close();
});

describe('the REST and WS adapters against the simulator', () => {
  it('keeps a valid order book from the public stream', async () => {
    const book = new OrderBook({ instrument: toInstrument(DEFAULT_INSTRUMENTS[0]!), depth: 50 });
    await vi.waitFor(() => expect(books.length).toBeGreaterThan(20), WAIT);
    for (const f of books) {
      const s =
        f.type === 'snapshot'
          ? book.applySnapshot(f.data.b, f.data.a, f.data.u, f.data.seq ?? 0)
          : book.applyDelta(f.data.b, f.data.a, f.data.u, f.data.seq ?? 0);
      expect(['ok', 'reset']).toContain(s);
    }
    expect(book.bestBid()).toBeLessThan(book.bestAsk());
  });

  it('places, amends and cancels a resting order, each confirmed on the private socket', async () => {
    const { bids } = await rest.getOrderbook('BTCUSDT', 5);
    const price = (Number(bids[0]![0]) * 0.99).toFixed(1);
    const ack = await rest.createOrder({
      symbol: 'BTCUSDT',
      side: 'Buy',
      orderType: 'Limit',
      qty: '0.002',
      price,
      timeInForce: 'PostOnly',
      orderLinkId: 'adapter-rest-1',
    });
    expect(ack.orderLinkId).toBe('adapter-rest-1');
    await vi.waitFor(
      () => expect(orderPushes('adapter-rest-1').map((o) => o.orderStatus)).toContain('New'),
      WAIT,
    );
    const lower = (Number(price) - 10).toFixed(1);
    await rest.amendOrder({ symbol: 'BTCUSDT', orderLinkId: 'adapter-rest-1', price: lower, qty: '0.003' });
    await vi.waitFor(
      () =>
        expect(
          orderPushes('adapter-rest-1').some(
            (o) => o.price === Number(lower).toFixed(2) && o.qty === '0.003',
          ),
        ).toBe(true),
      WAIT,
    );
    const open = await rest.getOpenOrders({ symbol: 'BTCUSDT' });
    expect(open.find((o) => o.orderLinkId === 'adapter-rest-1')?.orderStatus).toBe('New');
    await rest.cancelOrder({ symbol: 'BTCUSDT', orderLinkId: 'adapter-rest-1' });
    await vi.waitFor(
      () => expect(orderPushes('adapter-rest-1').map((o) => o.orderStatus)).toContain('Cancelled'),
      WAIT,
    );
    expect(
      (await rest.getOpenOrders({ symbol: 'BTCUSDT' })).some((o) => o.orderLinkId === 'adapter-rest-1'),
    ).toBe(false);
  });

  it('fills an order that crosses, with the execution and the position reported', async () => {
    const { asks } = await rest.getOrderbook('BTCUSDT', 5);
    const through = (Number(asks[0]![0]) * 1.001).toFixed(1);
    await rest.createOrder({
      symbol: 'BTCUSDT',
      side: 'Buy',
      orderType: 'Limit',
      qty: '0.001',
      price: through,
      timeInForce: 'IOC',
      orderLinkId: 'adapter-fill-1',
    });
    await vi.waitFor(() => expect(fillsOf('adapter-fill-1').length).toBeGreaterThan(0), WAIT);
    const fill = fillsOf('adapter-fill-1')[0]!;
    expect(fill.isMaker).toBe(false);
    expect(Number(fill.execPrice)).toBeLessThanOrEqual(Number(through));
    const executions = await rest.getExecutions({ symbol: 'BTCUSDT' });
    expect(executions.some((e) => e.execId === fill.execId)).toBe(true);
    const [position] = await rest.getPositions('BTCUSDT');
    expect(position?.side).toBe('Buy');
    expect(position?.size).toBe('0.001');
    // Flatten again so later tests start flat.
    await rest.createOrder({
      symbol: 'BTCUSDT',
      side: 'Sell',
      orderType: 'Market',
      qty: '0.001',
      orderLinkId: 'adapter-flat-1',
      reduceOnly: true,
    });
    await vi.waitFor(async () => expect((await rest.getPositions('BTCUSDT'))[0]?.size).toBe('0.000'), WAIT);
  });

  it('gives every bad input its typed error', async () => {
    const a = sim.accounts[0]!;
    const badSecret = restFor(a.apiKey, 'not-the-secret');
    await expect(badSecret.getOpenOrders({ symbol: 'BTCUSDT' })).rejects.toMatchObject({
      code: 'MM_EXCHANGE_AUTH',
      retCode: 10004,
    });
    await expect(badSecret.getOpenOrders({ symbol: 'BTCUSDT' })).rejects.toBeInstanceOf(AuthError);
    await badSecret.close();
    const badKey = restFor('no-such-key', a.apiSecret);
    await expect(badKey.getWalletBalance()).rejects.toMatchObject({ retCode: 10003 });
    await badKey.close();
    await expect(rest.cancelOrder({ symbol: 'BTCUSDT', orderLinkId: 'never-placed' })).rejects.toBeInstanceOf(
      OrderNotFoundError,
    );
    await expect(
      rest.amendOrder({ symbol: 'BTCUSDT', orderLinkId: 'never-placed', price: '1.0' }),
    ).rejects.toMatchObject({ retCode: 110001 });
    const noRetry = restFor(a.apiKey, a.apiSecret, 0);
    sim.faults.rateLimitBurst(1);
    await expect(noRetry.getOpenOrders({ symbol: 'BTCUSDT' })).rejects.toBeInstanceOf(RateLimitedError);
    await noRetry.close();
    await expect(priv.subscribe(['orderbook.50.NOPEUSDT'])).rejects.toMatchObject({
      code: 'MM_WS_SUBSCRIBE_FAILED',
    });
    await expect(pub.subscribe(['orderbook.50.btcusdt'])).rejects.toMatchObject({
      code: 'MM_WS_SUBSCRIBE_FAILED',
      refusedTopic: 'orderbook.50.btcusdt',
    });
  });

  it('recovers from a clock that jumps: 10002 resynchronises the server time and the request succeeds', async () => {
    const a = sim.accounts[0]!;
    let skewMs = 0;
    const clock = {
      now: () => Date.now() - skewMs,
      setTimeout: wallClock.setTimeout,
      clearTimeout: wallClock.clearTimeout,
    };
    const metrics = new Metrics();
    const client = new BybitRest({
      baseUrl: sim.urls.rest,
      credentials: credentials(a.apiKey, a.apiSecret),
      clock,
      metrics,
      logger: silentLogger(),
      pool: config.connection_pool,
      recvWindowMs: 5_000,
      requestTimeoutMs: 2_000,
      maxRetries: 2,
    });
    await client.getWalletBalance();
    const before = client.timeOffsetMs;
    skewMs = 30_000; // the host clock jumps back after the first sync
    await expect(client.getWalletBalance()).resolves.toMatchObject({ accountType: 'UNIFIED' });
    expect(client.timeOffsetMs - before).toBeGreaterThan(25_000);
    const retried = await metrics.registry.getSingleMetric('mm_rest_retries_total')!.get();
    expect(retried.values.some((v) => v.labels['reason'] === 'timestamp' && v.value > 0)).toBe(true);
    await client.close();
  });
});
