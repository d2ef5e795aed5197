import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWsAuth } from '../../../src/adapters/bybit/sign.js';
import { credentials } from '../../../src/adapters/secrets/secret.js';
import {
  authed,
  call,
  KEY,
  KEY2,
  SECRET,
  SECRET2,
  sync,
  testSim,
  WsClient,
  type TestSim,
} from '../helpers.js';

let t: TestSim;
beforeAll(async () => {
  t = await testSim();
  t.clock.advanceBy(1_000);
});
afterAll(async () => {
  await t.sim.close();
});

const order = (over: Record<string, unknown> = {}) => ({
  category: 'linear',
  symbol: 'BTCUSDT',
  side: 'Buy',
  orderType: 'Limit',
  qty: '0.001',
  timeInForce: 'GTC',
  ...over,
});

function bestPrices(): { bid: string; ask: string } {
  const top = t.sim.exchange.bookTop('BTCUSDT')!;
  return { bid: top.bid, ask: top.ask };
}

/** Private frames (those with a topic) received since `from`. */
const pushes = (c: WsClient, from: number): Record<string, unknown>[] =>
  c
    .all()
    .slice(from)
    .filter((m) => typeof m.topic === 'string');

describe('private WS auth and control frames', () => {
  it('authenticates with a numeric or string expiry and answers in the success/ret_msg/conn_id form', async () => {
    const c = await WsClient.open(t.sim.urls.wsPrivate);
    const expires = t.clock.now() + 5_000;
    c.send({
      req_id: '637267887005765',
      op: 'auth',
      args: [KEY, String(expires), signWsAuth(credentials(KEY, SECRET), expires)],
    });
    await sync(c);
    expect(c.frames[0]).toMatch(
      /^\{"req_id":"637267887005765","success":true,"ret_msg":"","op":"auth","conn_id":"[0-9a-v]{20}-[0-9a-z]+"\}$/,
    );
    c.send({ req_id: 'test', op: 'ping' });
    await sync(c);
    expect(c.frames.find((f) => f.includes('"req_id":"test"'))).toBe(
      `{"req_id":"test","op":"pong","args":["${t.clock.now()}"],"conn_id":"${String(c.all()[0]!.conn_id)}"}`,
    );
    c.send({ op: 'subscribe', args: ['order', 'wallet'] });
    expect(await c.next((m) => m.op === 'subscribe')).toEqual({
      success: true,
      ret_msg: '',
      op: 'subscribe',
      conn_id: c.all()[0]!.conn_id,
    });
    await c.close();
  });

  it('answers Params Error for an expired signature and refuses bad signatures and keys', async () => {
    const c = await WsClient.open(t.sim.urls.wsPrivate);
    const past = t.clock.now() - 1;
    c.send({ op: 'auth', args: [KEY, past, signWsAuth(credentials(KEY, SECRET), past)] });
    expect(await c.next()).toMatchObject({ success: false, ret_msg: 'Params Error', op: 'auth' });
    const exp = t.clock.now() + 5_000;
    c.send({ op: 'auth', args: [KEY, exp, signWsAuth(credentials(KEY, 'wrong'), exp)] });
    expect(await c.next()).toMatchObject({ success: false, op: 'auth' });
    c.send({ op: 'auth', args: ['NOPE', exp, signWsAuth(credentials('NOPE', SECRET), exp)] });
    expect(await c.next()).toMatchObject({ success: false, op: 'auth' });
    await c.close();
  });

  it('refuses private topics before auth and unknown or mixed topics after', async () => {
    const c = await WsClient.open(t.sim.urls.wsPrivate);
    c.send({ req_id: 's1', op: 'subscribe', args: ['order'] });
    expect(await c.next()).toMatchObject({ req_id: 's1', success: false, ret_msg: 'Request not authorized' });
    await c.close();
    const a = await authed(t.sim.urls.wsPrivate, t.clock);
    a.send({ op: 'subscribe', args: ['order', 'orderbook.50.BTCUSDT'] });
    expect(await a.next((m) => m.op === 'subscribe')).toMatchObject({
      success: false,
      ret_msg: 'error:handler not found,topic:orderbook.50.BTCUSDT',
    });
    a.send({ op: 'subscribe', args: ['order', 'order.linear'] });
    expect((await a.next((m) => m.op === 'subscribe')).success).toBe(false);
    a.send({ op: 'subscribe', args: ['order'] });
    expect((await a.next((m) => m.op === 'subscribe')).success).toBe(true);
    a.send({ op: 'subscribe', args: ['order'] });
    expect(await a.next((m) => m.op === 'subscribe')).toMatchObject({
      ret_msg: 'error:already subscribed,topic:order',
    });
    await a.close();
  });
});

describe('private event ordering', () => {
  it('pushes order New → wallet → position for a resting order, with the seq linking them', async () => {
    const c = await authed(t.sim.urls.wsPrivate, t.clock);
    c.send({ op: 'subscribe', args: ['order', 'execution', 'position', 'wallet'] });
    await c.next((m) => m.op === 'subscribe');
    const from = c.frames.length;
    const r = await call(t, 'POST', '/v5/order/create', order({ price: '50000', orderLinkId: 'rest-1' }));
    await sync(c);
    const p = pushes(c, from);
    expect(p.map((m) => m.topic)).toEqual(['order', 'wallet', 'position']);
    const o = (p[0]!.data as Record<string, unknown>[])[0]!;
    expect(o).toMatchObject({
      category: 'linear',
      orderId: r.json.result.orderId,
      orderLinkId: 'rest-1',
      orderStatus: 'New',
      avgPrice: '',
      leavesQty: '0.001',
      cumExecQty: '0.000',
      rejectReason: 'EC_NoError',
      cancelType: 'UNKNOWN',
      price: '50000.00',
    });
    const seq = Number(String(p[0]!.id).split('_')[2]);
    expect(p[0]!.id).toBe(`10000001_BTCUSDT_${seq}`);
    expect(Object.keys(p[0]!)).toEqual(['topic', 'id', 'creationTime', 'data']);
    expect(Object.keys(p[1]!)).toEqual(['id', 'topic', 'creationTime', 'data']);
    expect(String(p[1]!.id)).toMatch(/^10000001_wallet_\d+$/);
    const pos = (p[2]!.data as Record<string, unknown>[])[0]!;
    expect(pos).toMatchObject({ symbol: 'BTCUSDT', positionIdx: 0, category: 'linear', seq });

    // Cancel: Cancelled with CancelByUser and zero leaves.
    const from2 = c.frames.length;
    await call(t, 'POST', '/v5/order/cancel', {
      category: 'linear',
      symbol: 'BTCUSDT',
      orderLinkId: 'rest-1',
    });
    await sync(c);
    const q = pushes(c, from2);
    expect(q.map((m) => m.topic)).toEqual(['order', 'wallet', 'position']);
    expect((q[0]!.data as Record<string, unknown>[])[0]).toMatchObject({
      orderStatus: 'Cancelled',
      cancelType: 'CancelByUser',
      rejectReason: 'EC_PerCancelRequest',
      leavesQty: '0.000',
      leavesValue: '0',
    });
    await c.close();
  });

  it('pushes execution → order Filled → position → wallet for a taker fill, one seq for the match', async () => {
    const c = await authed(t.sim.urls.wsPrivate, t.clock);
    c.send({ op: 'subscribe', args: ['order', 'execution', 'position', 'wallet'] });
    await c.next((m) => m.op === 'subscribe');
    const from = c.frames.length;
    const { ask } = bestPrices();
    const price = (Number(ask) + 5).toFixed(2);
    await call(t, 'POST', '/v5/order/create', order({ price, qty: '0.500', timeInForce: 'IOC' }));
    await sync(c);
    const p = pushes(c, from);
    expect(p.map((m) => m.topic)).toEqual(['execution', 'order', 'position', 'wallet']);
    const execs = p[0]!.data as Record<string, unknown>[];
    expect(execs.every((e) => e.isMaker === false && e.seq === execs[0]!.seq)).toBe(true);
    expect(p[0]!.id).toBe(`10000001_BTCUSDT_${String(execs[0]!.seq)}`);
    expect((p[2]!.data as Record<string, unknown>[])[0]!.seq).toBe(execs[0]!.seq);
    const o = (p[1]!.data as Record<string, unknown>[])[0]!;
    expect(['Filled', 'Cancelled']).toContain(o.orderStatus);
    expect(Number(o.cumExecQty)).toBeCloseTo(
      execs.reduce((s, e) => s + Number(e.execQty), 0),
      9,
    );
    await c.close();
  });

  it('pushes only Cancelled with EC_PostOnlyWillTakeLiquidity for a crossing PostOnly, after a retCode 0 ack', async () => {
    const c = await authed(t.sim.urls.wsPrivate, t.clock);
    c.send({ op: 'subscribe', args: ['order', 'execution', 'position', 'wallet'] });
    await c.next((m) => m.op === 'subscribe');
    const from = c.frames.length;
    const { ask } = bestPrices();
    const r = await call(t, 'POST', '/v5/order/create', order({ price: ask, timeInForce: 'PostOnly' }));
    expect(r.json.retCode).toBe(0);
    await sync(c);
    const p = pushes(c, from);
    expect(p.map((m) => m.topic)).toEqual(['order', 'wallet', 'position']);
    expect((p[0]!.data as Record<string, unknown>[])[0]).toMatchObject({
      orderStatus: 'Cancelled',
      timeInForce: 'PostOnly',
      rejectReason: 'EC_PostOnlyWillTakeLiquidity',
      cumExecQty: '0.000',
      cancelType: 'UNKNOWN',
    });
    await c.close();
  });

  it('pushes a maker fill when the market trades through a resting order', async () => {
    const c = await authed(t.sim.urls.wsPrivate, t.clock, KEY2, SECRET2);
    c.send({
      op: 'subscribe',
      args: ['order.linear', 'execution.linear', 'execution.fast', 'position', 'wallet'],
    });
    await c.next((m) => m.op === 'subscribe');
    const { bid } = bestPrices();
    await call(t, 'POST', '/v5/order/create', order({ price: bid, orderLinkId: 'mk-1' }), {
      key: KEY2,
      secret: SECRET2,
    });
    const from = c.frames.length;
    for (
      let i = 0;
      i < 600 && t.sim.exchange.order(KEY2, { orderLinkId: 'mk-1' })!.orderStatus !== 'Filled';
      i++
    )
      t.clock.advanceBy(100);
    await sync(c);
    const p = pushes(c, from);
    const firstExec = p.findIndex((m) => m.topic === 'execution.linear');
    expect(firstExec).toBeGreaterThanOrEqual(0);
    expect(p.slice(firstExec, firstExec + 5).map((m) => m.topic)).toEqual([
      'execution.linear',
      'execution.fast',
      'order.linear',
      'position',
      'wallet',
    ]);
    const e = (p[firstExec]!.data as Record<string, unknown>[])[0]!;
    expect(e).toMatchObject({ isMaker: true, feeRate: '0.0002', orderLinkId: 'mk-1' });
    const fast = (p[firstExec + 1]!.data as Record<string, unknown>[])[0]!;
    expect(fast).toMatchObject({ isMaker: true, orderLinkId: '' });
    expect(p[firstExec + 1]!.id).toBeUndefined();
    await c.close();
  });
});

describe('disconnect-cancel-all', () => {
  it('cancels every order with CancelByDCP once the private socket is gone longer than the window', async () => {
    const c = await authed(t.sim.urls.wsPrivate, t.clock);
    expect(
      (await call(t, 'POST', '/v5/order/disconnected-cancel-all', { product: 'DERIVATIVES', timeWindow: 10 }))
        .json.retCode,
    ).toBe(0);
    c.send({ op: 'subscribe', args: ['dcp', 'order'] });
    await c.next((m) => m.op === 'subscribe');
    await call(t, 'POST', '/v5/order/create', order({ price: '40000', orderLinkId: 'dcp-1' }));
    await call(
      t,
      'POST',
      '/v5/order/create',
      order({ symbol: 'ETHUSDT', price: '2000', qty: '0.01', orderLinkId: 'dcp-2' }),
    );

    // The DCP timer is the one extra timer on the clock: wait (in event-loop turns) for it to be armed or cleared.
    const base = t.clock.pending;
    const until = async (n: number): Promise<void> => {
      while (t.clock.pending !== n) await new Promise<void>((resolve) => setImmediate(resolve));
    };
    // A reconnect within the window keeps the orders.
    await c.close();
    await until(base + 1);
    t.clock.advanceBy(9_000);
    const back = await authed(t.sim.urls.wsPrivate, t.clock);
    await until(base);
    t.clock.advanceBy(5_000);
    expect(t.sim.exchange.order(KEY, { orderLinkId: 'dcp-1' })!.orderStatus).toBe('New');
    back.send({ op: 'subscribe', args: ['dcp'] });
    await back.next((m) => m.op === 'subscribe');
    await back.close();
    await until(base + 1);
    t.clock.advanceBy(9_900);
    expect(t.sim.exchange.order(KEY, { orderLinkId: 'dcp-1' })!.orderStatus).toBe('New');
    t.clock.advanceBy(200);
    for (const link of ['dcp-1', 'dcp-2']) {
      const o = t.sim.exchange.order(KEY, { orderLinkId: link })!;
      expect([o.orderStatus, o.cancelType]).toEqual(['Cancelled', 'CancelByDCP']);
    }
    expect(t.sim.exchange.openOrders(KEY)).toHaveLength(0);
  });
});
