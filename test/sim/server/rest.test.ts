import { createHmac } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, KEY, SECRET, testSim, type TestSim } from '../helpers.js';

let t: TestSim;
beforeAll(async () => {
  t = await testSim();
  // Let the market build its book and print a few trades.
  t.clock.advanceBy(2_000);
});
afterAll(async () => {
  await t.sim.close();
});

const create = (over: Record<string, unknown> = {}) => ({
  category: 'linear',
  symbol: 'BTCUSDT',
  side: 'Buy',
  orderType: 'Limit',
  qty: '0.001',
  price: '50000',
  timeInForce: 'GTC',
  ...over,
});

describe('public REST', () => {
  it('serves server time, instruments, the order book and tickers', async () => {
    const time = await call(t, 'GET', '/v5/market/time', {}, { unsigned: true });
    expect(time.json.retCode).toBe(0);
    expect(time.json.result).toEqual({
      timeSecond: String(Math.floor(t.clock.now() / 1000)),
      timeNano: `${t.clock.now()}000000`,
    });
    expect(time.json.time).toBe(t.clock.now());

    const info = await call(
      t,
      'GET',
      '/v5/market/instruments-info',
      { category: 'linear' },
      { unsigned: true },
    );
    const list = info.json.result.list as Record<string, unknown>[];
    expect(list.map((i) => i.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(list[0]!.priceFilter).toMatchObject({ tickSize: '0.10' });
    expect(list[0]!.lotSizeFilter).toMatchObject({ qtyStep: '0.001', minOrderQty: '0.001' });

    const ob = await call(
      t,
      'GET',
      '/v5/market/orderbook',
      { category: 'linear', symbol: 'BTCUSDT', limit: 5 },
      { unsigned: true },
    );
    const r = ob.json.result as { s: string; b: string[][]; a: string[][]; ts: number };
    expect(r.s).toBe('BTCUSDT');
    expect(r.b).toHaveLength(5);
    expect(r.a).toHaveLength(5);
    expect(Number(r.b[0]![0])).toBeLessThan(Number(r.a[0]![0]));
    for (const [p, q] of [...r.b, ...r.a]) {
      expect(p).toMatch(/^\d+\.\d{2}$/);
      expect(q).toMatch(/^\d+\.\d{3}$/);
    }

    const tk = await call(
      t,
      'GET',
      '/v5/market/tickers',
      { category: 'linear', symbol: 'ETHUSDT' },
      { unsigned: true },
    );
    const ticker = (tk.json.result.list as Record<string, string>[])[0]!;
    expect(ticker.symbol).toBe('ETHUSDT');
    expect(Number(ticker.bid1Price)).toBeLessThan(Number(ticker.ask1Price));
    expect(ticker.markPrice).toMatch(/^\d+\.\d{2}$/);
  });

  it('answers a wrong path or method with 404', async () => {
    const r = await call(t, 'GET', '/v5/nope', {}, { unsigned: true });
    expect(r.status).toBe(404);
    const wrongMethod = await call(t, 'GET', '/v5/order/create', {});
    expect(wrongMethod.status).toBe(404);
  });
});

describe('private REST authentication', () => {
  it('refuses a bad signature with 10004 and a business-error envelope', async () => {
    const r = await call(t, 'POST', '/v5/order/create', create(), { signSecret: 'wrong' });
    expect(r.status).toBe(200);
    expect(r.json.retCode).toBe(10004);
    expect(r.json.retMsg).toContain('origin_string');
    expect(r.json.result).toEqual({});
    expect(r.json.retExtInfo).toEqual({});
    expect(r.json.time).toBe(t.clock.now());
    expect(r.headers['x-bapi-limit']).toBe('10');
  });

  it('refuses timestamps outside the recv window with 10002 in Bybit’s words', async () => {
    const now = t.clock.now();
    const stale = await call(
      t,
      'GET',
      '/v5/order/realtime',
      { category: 'linear', symbol: 'BTCUSDT' },
      { ts: now - 5001 },
    );
    expect(stale.json.retCode).toBe(10002);
    expect(stale.json.retMsg).toBe(
      `invalid request, please check your server timestamp or recv_window param. req_timestamp[${now - 5001}],server_timestamp[${now}],recv_window[5000]`,
    );
    const edge = await call(
      t,
      'GET',
      '/v5/order/realtime',
      { category: 'linear', symbol: 'BTCUSDT' },
      { ts: now - 5000 },
    );
    expect(edge.json.retCode).toBe(0);
    const future = await call(
      t,
      'GET',
      '/v5/order/realtime',
      { category: 'linear', symbol: 'BTCUSDT' },
      { ts: now + 1000 },
    );
    expect(future.json.retCode).toBe(10002);
    const nearFuture = await call(
      t,
      'GET',
      '/v5/order/realtime',
      { category: 'linear', symbol: 'BTCUSDT' },
      { ts: now + 999 },
    );
    expect(nearFuture.json.retCode).toBe(0);
  });

  it('refuses an unknown key with 10003', async () => {
    const r = await call(
      t,
      'GET',
      '/v5/position/list',
      { category: 'linear', symbol: 'BTCUSDT' },
      { key: 'NOPE' },
    );
    expect([r.json.retCode, r.json.retMsg]).toEqual([10003, 'API key is invalid.']);
  });

  it('verifies over the raw bytes: unsorted encoded queries and pybit-style bodies with spaces', async () => {
    const q = await call(
      t,
      'GET',
      '/v5/order/realtime',
      {},
      { rawQuery: 'symbol=BTCUSDT&category=linear&orderLinkId=a%2Db' },
    );
    expect(q.json.retCode).toBe(0);
    const body =
      '{"category": "linear", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Limit", "qty": "0.001", "price": "50000"}';
    const p = await call(t, 'POST', '/v5/order/create', {}, { rawBody: body });
    expect(p.json.retCode).toBe(0);
    expect(p.json.result.orderId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers malformed JSON and missing parameters with 10001 without crashing', async () => {
    const bad = await call(t, 'POST', '/v5/order/create', {}, { rawBody: '{"category":' });
    expect(bad.json.retCode).toBe(10001);
    const missing = await call(t, 'POST', '/v5/order/create', { category: 'linear', symbol: 'BTCUSDT' });
    expect(missing.json.retCode).toBe(10001);
    const noRef = await call(t, 'POST', '/v5/order/cancel', { category: 'linear', symbol: 'BTCUSDT' });
    expect([noRef.json.retCode, noRef.json.retMsg]).toEqual([
      10001,
      'params error: OrderId or orderLinkId is required',
    ]);
    const badLink = await call(t, 'POST', '/v5/order/create', create({ orderLinkId: 'x'.repeat(37) }));
    expect(badLink.json.retCode).toBe(10001);
    const badChars = await call(t, 'POST', '/v5/order/create', create({ orderLinkId: 'a b' }));
    expect(badChars.json.retCode).toBe(10001);
    const alive = await call(t, 'GET', '/v5/market/time', {}, { unsigned: true });
    expect(alive.json.retCode).toBe(0);
  });
});

describe('private REST orders', () => {
  it('answers a cancel of an unknown order with 110001', async () => {
    const r = await call(t, 'POST', '/v5/order/cancel', {
      category: 'linear',
      symbol: 'BTCUSDT',
      orderId: 'nope',
    });
    expect([r.json.retCode, r.json.result]).toEqual([110001, {}]);
  });

  it('rate-limits per account and endpoint over a rolling second, with the three headers', async () => {
    t.clock.advanceBy(1_000);
    const codes: number[] = [];
    const statuses: string[] = [];
    for (let i = 0; i < 11; i++) {
      const r = await call(t, 'POST', '/v5/order/amend', {
        category: 'linear',
        symbol: 'BTCUSDT',
        orderId: 'x',
        qty: '0.002',
      });
      codes.push(r.json.retCode);
      statuses.push(String(r.headers['x-bapi-limit-status']));
      expect(r.headers['x-bapi-limit']).toBe('10');
      expect(r.headers['x-bapi-limit-reset-timestamp']).toMatch(/^\d+$/);
    }
    expect(codes.slice(0, 10).every((c) => c === 110001)).toBe(true);
    expect(codes[10]).toBe(10006);
    expect(statuses.slice(0, 10)).toEqual(['9', '8', '7', '6', '5', '4', '3', '2', '1', '0']);
    const last = await call(t, 'POST', '/v5/order/amend', {
      category: 'linear',
      symbol: 'BTCUSDT',
      orderId: 'x',
      qty: '0.002',
    });
    expect(last.json.retMsg).toBe('Too many visits');
    expect(Number(last.headers['x-bapi-limit-reset-timestamp'])).toBe(t.clock.now() + 1000);
    // Other endpoints keep their own budget.
    const other = await call(t, 'POST', '/v5/order/cancel', {
      category: 'linear',
      symbol: 'BTCUSDT',
      orderId: 'x',
    });
    expect(other.json.retCode).toBe(110001);
    t.clock.advanceBy(1_000);
    const again = await call(t, 'POST', '/v5/order/amend', {
      category: 'linear',
      symbol: 'BTCUSDT',
      orderId: 'x',
      qty: '0.002',
    });
    expect(again.json.retCode).toBe(110001);
  });

  it('aligns batch results with retExtInfo and keeps retCode 0 on partial failure', async () => {
    const r = await call(t, 'POST', '/v5/order/create-batch', {
      category: 'linear',
      request: [
        create({ orderLinkId: 'b-1' }),
        create({ orderLinkId: 'b-2', side: 'Up' }),
        create({ orderLinkId: 'b-3', symbol: 'ETHUSDT', price: '2000', qty: '0.01' }),
      ],
    });
    expect(r.json.retCode).toBe(0);
    const list = r.json.result.list as Record<string, string>[];
    const ext = (r.json.retExtInfo as { list: { code: number; msg: string }[] }).list;
    expect(list).toHaveLength(3);
    expect(ext).toHaveLength(3);
    expect(list.map((i) => i.orderLinkId)).toEqual(['b-1', 'b-2', 'b-3']);
    expect(ext.map((e) => e.code)).toEqual([0, 10001, 0]);
    expect(list[1]).toMatchObject({ orderId: '', createAt: '', symbol: 'BTCUSDT', category: 'linear' });
    expect(list[0]!.orderId).toMatch(/^[0-9a-f-]{36}$/);
    expect(list[2]!.createAt).toBe(String(t.clock.now()));

    const cancel = await call(t, 'POST', '/v5/order/cancel-batch', {
      category: 'linear',
      request: [
        { symbol: 'BTCUSDT', orderLinkId: 'b-1' },
        { symbol: 'BTCUSDT', orderId: 'missing' },
      ],
    });
    expect(cancel.json.retCode).toBe(0);
    expect((cancel.json.retExtInfo as { list: { code: number }[] }).list.map((e) => e.code)).toEqual([
      0, 110001,
    ]);
    const tooMany = await call(t, 'POST', '/v5/order/create-batch', {
      category: 'linear',
      request: Array.from({ length: 21 }, () => create()),
    });
    expect(tooMany.json.retCode).toBe(10001);
  });

  it('lists open and recent closed orders, by id, with cursor pagination', async () => {
    t.clock.advanceBy(1_000);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await call(
        t,
        'POST',
        '/v5/order/create',
        create({ symbol: 'ETHUSDT', price: '2000', qty: '0.01', orderLinkId: `pg-${i}` }),
      );
      ids.push(r.json.result.orderId as string);
    }
    const page1 = await call(t, 'GET', '/v5/order/realtime', {
      category: 'linear',
      symbol: 'ETHUSDT',
      limit: 2,
    });
    const l1 = page1.json.result.list as Record<string, string>[];
    expect(l1.map((o) => o.orderLinkId)).toEqual(['pg-4', 'pg-3']);
    const cursor = page1.json.result.nextPageCursor as string;
    expect(cursor).not.toBe('');
    const page2 = await call(t, 'GET', '/v5/order/realtime', {
      category: 'linear',
      symbol: 'ETHUSDT',
      limit: 2,
      cursor,
    });
    expect((page2.json.result.list as Record<string, string>[]).map((o) => o.orderLinkId)).toEqual([
      'pg-2',
      'pg-1',
    ]);

    await call(t, 'POST', '/v5/order/cancel', { category: 'linear', symbol: 'ETHUSDT', orderLinkId: 'pg-0' });
    const closed = await call(t, 'GET', '/v5/order/realtime', {
      category: 'linear',
      symbol: 'ETHUSDT',
      openOnly: 1,
    });
    const c0 = (closed.json.result.list as Record<string, string>[]).find((o) => o.orderLinkId === 'pg-0')!;
    expect([c0.orderStatus, c0.cancelType, c0.leavesQty]).toEqual(['Cancelled', 'CancelByUser', '0.00']);
    const byLink = await call(t, 'GET', '/v5/order/realtime', { category: 'linear', orderLinkId: 'pg-0' });
    expect((byLink.json.result.list as Record<string, string>[])[0]!.orderId).toBe(ids[0]);
    const open = await call(t, 'GET', '/v5/order/realtime', {
      category: 'linear',
      settleCoin: 'USDT',
      limit: 50,
    });
    expect((open.json.result.list as Record<string, string>[]).some((o) => o.orderLinkId === 'pg-0')).toBe(
      false,
    );
    const hist = await call(t, 'GET', '/v5/order/history', {
      category: 'linear',
      symbol: 'ETHUSDT',
      orderStatus: 'Cancelled',
    });
    expect((hist.json.result.list as Record<string, string>[]).map((o) => o.orderLinkId)).toContain('pg-0');
  });

  it('fills a crossing order and reports executions, the position and the wallet', async () => {
    const ob = await call(t, 'GET', '/v5/market/orderbook', {
      category: 'linear',
      symbol: 'BTCUSDT',
      limit: 1,
    });
    const ask = (ob.json.result as { a: string[][] }).a[0]![0]!;
    const r = await call(
      t,
      'POST',
      '/v5/order/create',
      create({ price: ask, qty: '0.002', timeInForce: 'IOC', orderLinkId: 'take-1' }),
    );
    expect(r.json.retCode).toBe(0);
    const ex = await call(t, 'GET', '/v5/execution/list', {
      category: 'linear',
      symbol: 'BTCUSDT',
      orderLinkId: 'take-1',
    });
    const fills = ex.json.result.list as Record<string, unknown>[];
    expect(fills.length).toBeGreaterThan(0);
    expect(fills[0]).toMatchObject({
      isMaker: false,
      feeRate: '0.00055',
      execType: 'Trade',
      orderLinkId: 'take-1',
    });
    const pos = await call(t, 'GET', '/v5/position/list', { category: 'linear', symbol: 'BTCUSDT' });
    const row = (pos.json.result.list as Record<string, string>[])[0]!;
    const filled = fills.reduce((s, f) => s + Number(f.execQty), 0);
    expect(row.side).toBe('Buy');
    expect(Number(row.size)).toBeCloseTo(filled, 9);
    const flat = await call(t, 'GET', '/v5/position/list', { category: 'linear', symbol: 'ETHUSDT' });
    expect((flat.json.result.list as Record<string, string>[])[0]).toMatchObject({ size: '0.00', side: '' });
    const nonZero = await call(t, 'GET', '/v5/position/list', { category: 'linear', settleCoin: 'USDT' });
    expect((nonZero.json.result.list as Record<string, string>[]).map((p) => p.symbol)).toEqual(['BTCUSDT']);
    const w = await call(t, 'GET', '/v5/account/wallet-balance', { accountType: 'UNIFIED' });
    const acct = (w.json.result.list as { coin: Record<string, string>[]; accountType: string }[])[0]!;
    expect(acct.accountType).toBe('UNIFIED');
    const fees = fills.reduce((s, f) => s + Number(f.execFee), 0);
    expect(Number(acct.coin[0]!.walletBalance)).toBeCloseTo(100_000 - fees, 6);
    const noType = await call(t, 'GET', '/v5/account/wallet-balance', {});
    expect(noType.json.retCode).toBe(10001);
  });

  it('validates the DCP window', async () => {
    t.clock.advanceBy(1_000);
    const ok = await call(t, 'POST', '/v5/order/disconnected-cancel-all', {
      product: 'DERIVATIVES',
      timeWindow: 10,
    });
    expect(ok.json.retCode).toBe(0);
    const bad = await call(t, 'POST', '/v5/order/disconnected-cancel-all', {
      product: 'DERIVATIVES',
      timeWindow: 2,
    });
    expect(bad.json.retCode).toBe(10001);
  });
});

describe('REST faults', () => {
  it('serves injected 502/503, 10006 bursts and order rejections, then recovers', async () => {
    t.clock.advanceBy(1_000);
    t.sim.faults.rest5xx(2);
    const a = await call(t, 'GET', '/v5/market/time', {}, { unsigned: true });
    const b = await call(t, 'GET', '/v5/market/time', {}, { unsigned: true });
    expect([a.status, b.status]).toEqual([502, 503]);
    expect((await call(t, 'GET', '/v5/market/time', {}, { unsigned: true })).status).toBe(200);

    t.sim.faults.rateLimitBurst(1);
    const limited = await call(t, 'GET', '/v5/position/list', { category: 'linear', symbol: 'BTCUSDT' });
    expect(limited.json.retCode).toBe(10006);
    expect(limited.headers['x-bapi-limit-status']).toBe('0');
    expect(
      (await call(t, 'GET', '/v5/position/list', { category: 'linear', symbol: 'BTCUSDT' })).json.retCode,
    ).toBe(0);

    t.sim.faults.rejectOrders(1);
    const rejected = await call(t, 'POST', '/v5/order/create', create());
    expect([rejected.json.retCode, rejected.json.retMsg]).toEqual([110007, 'ab not enough for new order']);
    expect((await call(t, 'POST', '/v5/order/create', create())).json.retCode).toBe(0);
  });

  it('delays a request on the clock with rest_slow', async () => {
    const armed = t.clock.pending;
    t.sim.faults.restSlow(1, 3_000);
    let done = false;
    const pending = call(t, 'GET', '/v5/market/time', {}, { unsigned: true }).then((r) => {
      done = true;
      return r;
    });
    // Wait (by event-loop turns, not time) until the server has armed the delay on the clock.
    while (t.clock.pending === armed) await new Promise<void>((resolve) => setImmediate(resolve));
    t.clock.advanceBy(2_999);
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    t.clock.advanceBy(1);
    const r = await pending;
    expect(r.status).toBe(200);
  });
});

describe('signature vectors', () => {
  it('accepts a request signed exactly like the protocol doc’s vector', async () => {
    const ts = t.clock.now();
    const query = 'category=linear&symbol=BTCUSDT';
    const sign = createHmac('sha256', SECRET).update(`${ts}${KEY}5000${query}`).digest('hex');
    const res = await request(`${t.sim.urls.rest}/v5/position/list?${query}`, {
      headers: {
        'x-bapi-api-key': KEY,
        'x-bapi-timestamp': String(ts),
        'x-bapi-recv-window': '5000',
        'x-bapi-sign': sign,
      },
    });
    const json = (await res.body.json()) as { retCode: number };
    expect(json.retCode).toBe(0);
  });
});
