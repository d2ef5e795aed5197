/**
 * The unmodified `bybit-api` package against the simulator, given only base URLs and credentials
 * (docs/bybit-v5-protocol.md §8.1: its `wsUrl` applies to every socket type, so there is one
 * WebsocketClient per socket). The simulator runs on the wall clock here because bybit-api signs
 * with Date.now(); orders are placed far from the market so the run does not depend on prices.
 */
import { RestClientV5, WebsocketClient } from 'bybit-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wallClock } from '../../src/adapters/clock.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/index.js';
import { KEY, SECRET } from './helpers.js';

const quiet = { trace: () => undefined, info: () => undefined, error: () => undefined };

type Update = { topic?: string; type?: string; data?: unknown };

/** Resolves with the first update for which `pred` holds, from now on. */
function nextUpdate(ws: WebsocketClient, pred: (u: Update) => boolean): Promise<Update> {
  return new Promise((resolve) => {
    const on = (u: Update): void => {
      if (!pred(u)) return;
      ws.off('update', on);
      resolve(u);
    };
    ws.on('update', on);
  });
}

let sim: RunningSimulator;
let pub: WebsocketClient;
let priv: WebsocketClient;

beforeAll(async () => {
  sim = await startSimulator({
    clock: wallClock,
    seed: 9,
    symbols: ['BTCUSDT'],
    startPrices: { BTCUSDT: 60000 },
    pushIntervalMs: 20,
    volatility: 0.6,
    takerRatePerS: 4,
    makerFeeRate: 0.0002,
    takerFeeRate: 0.00055,
    initialBalanceUsdt: 100_000,
    rateLimitPerS: 10,
    accounts: [{ apiKey: KEY, apiSecret: SECRET }],
  });
});

afterAll(async () => {
  pub?.closeAll(true);
  priv?.closeAll(true);
  await sim.close();
});

describe('bybit-api against the simulator', () => {
  it('streams orderbook.50 and private orders, and places, amends and cancels over REST', async () => {
    pub = new WebsocketClient({ wsUrl: sim.urls.wsPublic }, quiet);
    const snapshot = nextUpdate(pub, (u) => u.topic === 'orderbook.50.BTCUSDT' && u.type === 'snapshot');
    const delta = nextUpdate(pub, (u) => u.topic === 'orderbook.50.BTCUSDT' && u.type === 'delta');
    void pub.subscribeV5('orderbook.50.BTCUSDT', 'linear');
    const snap = (await snapshot).data as { s: string; b: string[][]; a: string[][]; u: number };
    expect(snap.s).toBe('BTCUSDT');
    expect(snap.b.length).toBe(50);
    const d = (await delta).data as { u: number };
    expect(d.u).toBeGreaterThan(snap.u);

    priv = new WebsocketClient({ key: KEY, secret: SECRET, wsUrl: sim.urls.wsPrivate }, quiet);
    const subscribed = new Promise<void>((resolve) =>
      priv.on('response', (r: { op?: string; success?: boolean }) => {
        if (r.op === 'subscribe' && r.success === true) resolve();
      }),
    );
    void priv.subscribeV5('order', 'linear');
    await subscribed;

    const rest = new RestClientV5({ key: KEY, secret: SECRET, baseUrl: sim.urls.rest });
    const time = await rest.getServerTime();
    expect(time.retCode).toBe(0);
    const far = (Number(snap.b[0]![0]) * 0.5).toFixed(1);
    const farther = (Number(snap.b[0]![0]) * 0.4).toFixed(1);

    type Order = { orderLinkId: string; orderStatus: string; price: string; cancelType: string };
    const orderPush = (pred: (o: Order) => boolean) =>
      nextUpdate(priv, (u) => u.topic === 'order' && (u.data as Order[]).some(pred));

    const created = orderPush((o) => o.orderLinkId === 'tp-1' && o.orderStatus === 'New');
    const placed = await rest.submitOrder({
      category: 'linear',
      symbol: 'BTCUSDT',
      side: 'Buy',
      orderType: 'Limit',
      qty: '0.001',
      price: far,
      timeInForce: 'PostOnly',
      orderLinkId: 'tp-1',
    });
    expect(placed.retCode).toBe(0);
    expect(placed.result.orderLinkId).toBe('tp-1');
    await created;

    const amendedPush = orderPush((o) => o.orderLinkId === 'tp-1' && o.price === Number(farther).toFixed(2));
    const amended = await rest.amendOrder({
      category: 'linear',
      symbol: 'BTCUSDT',
      orderLinkId: 'tp-1',
      price: farther,
    });
    expect(amended.retCode).toBe(0);
    expect(amended.result.orderId).toBe(placed.result.orderId);
    await amendedPush;

    const open = await rest.getActiveOrders({ category: 'linear', symbol: 'BTCUSDT' });
    expect(open.result.list.map((o) => o.orderLinkId)).toEqual(['tp-1']);

    const cancelledPush = orderPush((o) => o.orderLinkId === 'tp-1' && o.orderStatus === 'Cancelled');
    const cancelled = await rest.cancelOrder({
      category: 'linear',
      symbol: 'BTCUSDT',
      orderId: placed.result.orderId,
    });
    expect(cancelled.retCode).toBe(0);
    const c = (await cancelledPush).data as Order[];
    expect(c.find((o) => o.orderLinkId === 'tp-1')!.cancelType).toBe('CancelByUser');

    const after = await rest.getActiveOrders({ category: 'linear', symbol: 'BTCUSDT' });
    expect(after.result.list).toEqual([]);
    const again = await rest.cancelOrder({
      category: 'linear',
      symbol: 'BTCUSDT',
      orderId: placed.result.orderId,
    });
    expect(again.retCode).toBe(110001);
  });
});
