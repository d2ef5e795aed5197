import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWsAuth } from '../../../src/adapters/bybit/sign.js';
import { credentials } from '../../../src/adapters/secrets/secret.js';
import { authed, KEY, SECRET, sync, testSim, WsClient, type TestSim } from '../helpers.js';

let t: TestSim;
let c: WsClient;
beforeAll(async () => {
  t = await testSim();
  t.clock.advanceBy(1_000);
  c = await authed(t.sim.urls.wsTrade, t.clock);
});
afterAll(async () => {
  await c.close();
  await t.sim.close();
});

const header = () => ({
  'X-BAPI-TIMESTAMP': String(t.clock.now()),
  'X-BAPI-RECV-WINDOW': '5000',
  Referer: 'bot-001',
});
const limit = (over: Record<string, unknown> = {}) => ({
  category: 'linear',
  symbol: 'ETHUSDT',
  side: 'Buy',
  orderType: 'Limit',
  qty: '0.20',
  price: '2800',
  timeInForce: 'PostOnly',
  ...over,
});

describe('trade WS', () => {
  it('answers auth in the retCode/retMsg/connId form', async () => {
    expect(c.frames[0]).toMatch(
      /^\{"reqId":"a1","retCode":0,"retMsg":"OK","op":"auth","connId":"[0-9a-v]{20}-[0-9a-z]+"\}$/,
    );
    const again = await WsClient.open(t.sim.urls.wsTrade);
    const exp = t.clock.now() + 5_000;
    again.send({ op: 'auth', args: [KEY, exp, signWsAuth(credentials(KEY, 'bad'), exp)] });
    expect(await again.next()).toMatchObject({ retCode: 10004, op: 'auth' });
    again.send({ reqId: 'x', op: 'order.create', header: header(), args: [limit()] });
    expect(await again.next()).toMatchObject({ reqId: 'x', op: 'order.create' });
    expect((again.all()[1]!.retCode as number) !== 0).toBe(true);
    await again.close();
  });

  it('creates, amends and cancels with the full response envelope', async () => {
    c.send({
      reqId: 'test-005',
      header: header(),
      op: 'order.create',
      args: [limit({ orderLinkId: 'wt-1' })],
    });
    const r = await c.next((m) => m.reqId === 'test-005');
    expect(Object.keys(r)).toEqual([
      'reqId',
      'retCode',
      'retMsg',
      'op',
      'data',
      'retExtInfo',
      'header',
      'connId',
    ]);
    expect(r).toMatchObject({ retCode: 0, retMsg: 'OK', op: 'order.create', retExtInfo: {} });
    const data = r.data as { orderId: string; orderLinkId: string };
    expect(data.orderId).toMatch(/^[0-9a-f-]{36}$/);
    expect(data.orderLinkId).toBe('wt-1');
    expect(r.header).toMatchObject({ 'X-Bapi-Limit': '10', 'X-Bapi-Limit-Status': '9' });
    expect(Object.keys(r.header as object)).toEqual([
      'X-Bapi-Limit',
      'X-Bapi-Limit-Status',
      'X-Bapi-Limit-Reset-Timestamp',
      'Traceid',
      'Timenow',
    ]);
    c.send({
      reqId: 'am-1',
      header: header(),
      op: 'order.amend',
      args: [{ category: 'linear', symbol: 'ETHUSDT', orderLinkId: 'wt-1', price: '2700' }],
    });
    expect(await c.next((m) => m.reqId === 'am-1')).toMatchObject({
      retCode: 0,
      data: { orderId: data.orderId, orderLinkId: 'wt-1' },
    });
    expect(t.sim.exchange.order(KEY, { orderLinkId: 'wt-1' })!.price).toBe('2700.00');
    c.send({
      reqId: 'cx-1',
      header: header(),
      op: 'order.cancel',
      args: [{ category: 'linear', symbol: 'ETHUSDT', orderId: data.orderId }],
    });
    expect(await c.next((m) => m.reqId === 'cx-1')).toMatchObject({ retCode: 0 });
    c.send({
      reqId: 'cx-2',
      header: header(),
      op: 'order.cancel',
      args: [{ category: 'linear', symbol: 'ETHUSDT', orderId: data.orderId }],
    });
    expect(await c.next((m) => m.reqId === 'cx-2')).toMatchObject({ retCode: 110001, data: {} });
  });

  it('refuses a repeated reqId with 20006 and leaves reqId out when none was sent', async () => {
    c.send({ reqId: 'dup-1', header: header(), op: 'order.create', args: [limit()] });
    await c.next((m) => m.reqId === 'dup-1');
    const before = t.sim.exchange.openOrders(KEY).length;
    c.send({ reqId: 'dup-1', header: header(), op: 'order.create', args: [limit()] });
    expect(await c.next((m) => m.reqId === 'dup-1')).toMatchObject({ retCode: 20006 });
    expect(t.sim.exchange.openOrders(KEY)).toHaveLength(before);
    c.send({ header: header(), op: 'order.create', args: [limit()] });
    const noId = await c.next((m) => m.op === 'order.create');
    expect('reqId' in noId).toBe(false);
    expect(noId.retCode).toBe(0);
  });

  it('answers batches index-aligned and keeps retCode 0 on partial failure', async () => {
    c.send({
      reqId: 'b-1',
      header: header(),
      op: 'order.create-batch',
      args: [
        {
          category: 'linear',
          request: [limit({ symbol: 'ETHUSDT' }), limit({ positionIdx: 1 }), limit({ qty: '0.001' })],
        },
      ],
    });
    const r = await c.next((m) => m.reqId === 'b-1');
    expect(r.retCode).toBe(0);
    const list = (r.data as { list: Record<string, string>[] }).list;
    const ext = (r.retExtInfo as { list: { code: number; msg: string }[] }).list;
    expect(list).toHaveLength(3);
    expect(ext.map((e) => e.code)).toEqual([0, 10001, 10001]);
    expect(ext[1]!.msg).toBe('position idx not match position mode');
    expect(list[1]).toMatchObject({ orderId: '', createAt: '' });
  });

  it('checks the request timestamp and answers pings and unknown ops', async () => {
    c.send({
      reqId: 'old',
      header: { 'X-BAPI-TIMESTAMP': t.clock.now() - 6_000 },
      op: 'order.create',
      args: [limit()],
    });
    const stale = await c.next((m) => m.reqId === 'old');
    expect(stale.retCode).toBe(10002);
    c.send({ op: 'ping' });
    const pong = await c.next((m) => m.op === 'pong');
    expect(pong).toEqual({
      retCode: 0,
      retMsg: 'OK',
      op: 'pong',
      data: [String(t.clock.now())],
      connId: c.all()[0]!.connId,
    });
    c.send({ reqId: 'u1', header: header(), op: 'order.teleport', args: [{}] });
    expect(await c.next((m) => m.reqId === 'u1')).toMatchObject({ retCode: 10404 });
    c.send('{broken');
    await sync(c, true);
    expect(c.ws.readyState).toBe(1);
  });

  it('shares the per-account budget with REST and rate-limits with 10006', async () => {
    t.clock.advanceBy(1_000);
    const codes: number[] = [];
    for (let i = 0; i < 11; i++) {
      c.send({
        reqId: `rl-${i}`,
        header: header(),
        op: 'order.cancel',
        args: [{ category: 'linear', symbol: 'ETHUSDT', orderId: 'x' }],
      });
      codes.push((await c.next((m) => m.reqId === `rl-${i}`)).retCode as number);
    }
    expect(codes.slice(0, 10).every((x) => x === 110001)).toBe(true);
    expect(codes[10]).toBe(10006);
  });

  it('drops trade sockets on drop_trade', async () => {
    const d = await authed(t.sim.urls.wsTrade, t.clock, KEY, SECRET);
    t.sim.faults.dropSockets('trade');
    expect(await d.closed).toBe(1006);
    c = await authed(t.sim.urls.wsTrade, t.clock);
  });
});
