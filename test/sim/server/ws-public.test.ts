import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sync, testSim, WsClient, type TestSim } from '../helpers.js';

let t: TestSim;
beforeAll(async () => {
  t = await testSim();
});
afterAll(async () => {
  await t.sim.close();
});

/** A local book built only from the stream, as a client would. */
class LocalBook {
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();
  u = -1;

  apply(m: Record<string, unknown>): void {
    const data = m.data as { b: string[][]; a: string[][]; u: number };
    if (m.type === 'snapshot') {
      this.bids.clear();
      this.asks.clear();
    } else if (data.u !== this.u + 1) throw new Error(`gap: ${this.u} → ${data.u}`);
    this.u = data.u;
    for (const [side, levels] of [
      [this.bids, data.b],
      [this.asks, data.a],
    ] as const) {
      for (const [p, q] of levels) {
        if (q === '0') side.delete(p!);
        else side.set(p!, q!);
      }
    }
  }

  top(side: 'b' | 'a', n: number): string[][] {
    const m = side === 'b' ? this.bids : this.asks;
    return [...m.entries()]
      .sort((x, y) => (side === 'b' ? Number(y[0]) - Number(x[0]) : Number(x[0]) - Number(y[0])))
      .slice(0, n);
  }
}

function engineTop(symbol: string, isBid: boolean, n: number): string[][] {
  const s = t.sim.exchange.engine.symbol(symbol)!;
  const px: number[] = [];
  const sz: number[] = [];
  s.book.side(isBid).top(n, px, sz);
  const f = (v: number, d: number): string => (v / 10 ** d).toFixed(d);
  return px.map((p, i) => [f(p, s.inst.priceDecimals), f(sz[i]!, s.inst.qtyDecimals)]);
}

describe('public WS control frames', () => {
  it('answers ping with the compact linear pong, req_id echoed or empty', async () => {
    const c = await WsClient.open(t.sim.urls.wsPublic);
    c.send({ req_id: '100001', op: 'ping' });
    c.send({ op: 'ping' });
    await sync(c);
    const frames = c.frames.slice(0, 2);
    expect(frames[0]).toMatch(
      /^\{"success":true,"ret_msg":"pong","conn_id":"[0-9a-f-]{36}","req_id":"100001","op":"ping"\}$/,
    );
    expect(frames[1]).toMatch(/"ret_msg":"pong","conn_id":"[0-9a-f-]{36}","req_id":"","op":"ping"\}$/);
    await c.close();
  });

  it('refuses unknown topics, depth 500 and lowercase symbols, failing the whole frame', async () => {
    const c = await WsClient.open(t.sim.urls.wsPublic);
    for (const bad of [
      'orderbook.50.NOPEUSDT',
      'orderbook.500.BTCUSDT',
      'orderbook.50.btcusdt',
      'order',
      'kline.1.BTCUSDT',
    ]) {
      c.send({ req_id: 'e1', op: 'subscribe', args: ['tickers.BTCUSDT', bad] });
      const r = await c.next((m) => m.op === 'subscribe');
      expect(r).toMatchObject({
        success: false,
        ret_msg: `error:handler not found,topic:${bad}`,
        req_id: 'e1',
      });
    }
    t.clock.advanceBy(400);
    await sync(c);
    // The good topic of each refused frame never delivers.
    expect(c.all().some((m) => m.topic === 'tickers.BTCUSDT')).toBe(false);
    await c.close();
  });

  it('acks a subscription, refuses a duplicate and keeps the first one delivering', async () => {
    const c = await WsClient.open(t.sim.urls.wsPublic);
    c.send({ req_id: 'ok', op: 'subscribe', args: ['orderbook.1.ETHUSDT'] });
    const ack = await c.next((m) => m.op === 'subscribe');
    expect(Object.keys(ack)).toEqual(['success', 'ret_msg', 'conn_id', 'req_id', 'op']);
    expect(ack).toMatchObject({ success: true, ret_msg: '', req_id: 'ok' });
    const first = await c.next((m) => m.topic === 'orderbook.1.ETHUSDT');
    expect(first.type).toBe('snapshot');
    c.send({ req_id: 'e6', op: 'subscribe', args: ['orderbook.1.ETHUSDT'] });
    const dup = await c.next((m) => m.op === 'subscribe');
    expect(dup).toMatchObject({
      success: false,
      ret_msg: 'error:already subscribed,topic:orderbook.1.ETHUSDT',
    });
    t.clock.advanceBy(3_000);
    await sync(c);
    expect(c.all().filter((m) => m.topic === 'orderbook.1.ETHUSDT').length).toBeGreaterThan(1);
    c.send({ req_id: 'u', op: 'unsubscribe', args: ['orderbook.1.ETHUSDT'] });
    expect(await c.next((m) => m.op === 'unsubscribe')).toMatchObject({ success: true, req_id: 'u' });
    await c.close();
  });

  it('answers invalid ops and non-JSON input and keeps the socket open', async () => {
    const c = await WsClient.open(t.sim.urls.wsPublic);
    c.send('hello');
    const decodeErr = await c.next();
    expect(decodeErr.success).toBe(false);
    expect(String(decodeErr.ret_msg)).toMatch(
      /^Failed to decode incoming data:readObjectStart: expect \{ or n, but found h/,
    );
    c.send({ op: 'dance', req_id: 'x' });
    expect(await c.next()).toMatchObject({ success: false, ret_msg: 'error:invalid op', op: 'dance' });
    c.send({ op: 'subscribe', args: 'orderbook.1.BTCUSDT' });
    expect((await c.next()).success).toBe(false);
    c.send({ op: 'ping' });
    expect(await c.next()).toMatchObject({ ret_msg: 'pong' });
    await c.close();
  });
});

describe('book streams', () => {
  it('sends a snapshot first, then contiguous deltas that rebuild the engine’s top 50', async () => {
    const c = await WsClient.open(t.sim.urls.wsPublic);
    c.send({ op: 'subscribe', args: ['orderbook.50.BTCUSDT'] });
    await c.next((m) => m.op === 'subscribe');
    const book = new LocalBook();
    let applied = 0;
    let deletes = 0;
    for (let round = 0; round < 40; round++) {
      t.clock.advanceBy(100);
      await sync(c);
      const frames = c.all().filter((x) => x.topic === 'orderbook.50.BTCUSDT');
      for (; applied < frames.length; applied++) {
        const m = frames[applied]!;
        expect(m.type).toBe(applied === 0 ? 'snapshot' : 'delta');
        book.apply(m);
        const d = m.data as { b: string[][]; a: string[][] };
        deletes += [...d.b, ...d.a].filter((l) => l[1] === '0').length;
        expect(book.bids.size).toBeLessThanOrEqual(50);
        expect(book.asks.size).toBeLessThanOrEqual(50);
      }
      expect(book.top('b', 50)).toEqual(engineTop('BTCUSDT', true, 50));
      expect(book.top('a', 50)).toEqual(engineTop('BTCUSDT', false, 50));
    }
    const deltas = applied - 1;
    expect(deltas).toBeGreaterThan(30);
    const stats = t.sim.stats();
    expect(stats.connections.public).toBeGreaterThanOrEqual(1);
    expect(stats.framesSent).toBeGreaterThanOrEqual(applied);
    expect(stats.slowConsumersCut).toBe(0);
    expect(deletes).toBeGreaterThan(0);
    const frames = c.frames.filter((f) => f.includes('"orderbook.50.BTCUSDT"'));
    expect(frames[1]).toMatch(
      /^\{"topic":"orderbook\.50\.BTCUSDT","type":"delta","ts":\d+,"data":\{"s":"BTCUSDT","b":\[.*\],"a":\[.*\],"u":\d+,"seq":\d+\},"cts":\d+\}$/,
    );
    await c.close();
  });

  it('keeps level 1 snapshot-only with one level per side', async () => {
    const c = await WsClient.open(t.sim.urls.wsPublic);
    c.send({ op: 'subscribe', args: ['orderbook.1.BTCUSDT'] });
    await c.next((m) => m.op === 'subscribe');
    t.clock.advanceBy(2_000);
    await sync(c);
    const l1 = c.all().filter((m) => m.topic === 'orderbook.1.BTCUSDT');
    expect(l1.length).toBeGreaterThan(1);
    expect(l1.every((m) => m.type === 'snapshot')).toBe(true);
    const u = (m: Record<string, unknown>): number => (m.data as { u: number }).u;
    l1.slice(1).forEach((m, i) => expect(u(m)).toBe(u(l1[i]!) + 1));
    expect(c.frames.find((f) => f.includes('orderbook.1.'))).toMatch(
      /^\{"topic":"orderbook\.1\.BTCUSDT","ts":\d+,"type":"snapshot"/,
    );
    for (const m of l1) {
      const d = m.data as { b: unknown[]; a: unknown[] };
      expect(d.b.length).toBeLessThanOrEqual(1);
      expect(d.a.length).toBeLessThanOrEqual(1);
    }
    await c.close();
  });

  it('skips one u on skip_u and restarts at u=1 with a snapshot on reset_u', async () => {
    const c = await WsClient.open(t.sim.urls.wsPublic);
    c.send({ op: 'subscribe', args: ['orderbook.50.ETHUSDT', 'orderbook.50.BTCUSDT'] });
    await c.next((m) => m.op === 'subscribe');
    t.clock.advanceBy(200);
    await sync(c);
    const eth = (): Record<string, unknown>[] => c.all().filter((m) => m.topic === 'orderbook.50.ETHUSDT');
    const u = (m: Record<string, unknown>): number => (m.data as { u: number }).u;
    const before = eth().length;
    const lastU = u(eth()[before - 1]!);
    t.sim.faults.skipU('ETHUSDT');
    for (let i = 0; i < 50 && eth().length === before; i++) {
      t.clock.advanceBy(20);
      await sync(c);
    }
    const skipped = eth()[before]!;
    expect([skipped.type, u(skipped)]).toEqual(['delta', lastU + 2]);

    t.sim.faults.resetU('ETHUSDT');
    await sync(c);
    const reset = eth().at(-1)!;
    expect([reset.type, u(reset)]).toEqual(['snapshot', 1]);
    const n = eth().length;
    for (let i = 0; i < 50 && eth().length === n; i++) {
      t.clock.advanceBy(20);
      await sync(c);
    }
    expect([eth()[n]!.type, u(eth()[n]!)]).toEqual(['delta', 2]);
    // BTCUSDT was not touched by either fault.
    const btc = c.all().filter((m) => m.topic === 'orderbook.50.BTCUSDT');
    btc.slice(1).forEach((m, i) => expect(u(m)).toBe(u(btc[i]!) + 1));
    await c.close();
  });

  it('stays quiet but answers pings while silenced, and resumes consistently', async () => {
    const c = await WsClient.open(t.sim.urls.wsPublic);
    c.send({ op: 'subscribe', args: ['orderbook.50.BTCUSDT', 'publicTrade.BTCUSDT', 'tickers.BTCUSDT'] });
    await c.next((m) => m.op === 'subscribe');
    t.clock.advanceBy(200);
    await sync(c);
    const count = c.frames.length;
    t.sim.faults.silencePublic(1_000);
    t.clock.advanceBy(900);
    await sync(c);
    // Only the pong of sync arrived.
    expect(c.frames.length).toBe(count + 1);
    t.clock.advanceBy(300);
    await sync(c);
    const book = new LocalBook();
    for (const m of c.all().filter((x) => x.topic === 'orderbook.50.BTCUSDT')) book.apply(m);
    expect(book.top('b', 50)).toEqual(engineTop('BTCUSDT', true, 50));
    await c.close();
  });

  it('sends nothing at all, pongs included, while stalled', async () => {
    const c = await WsClient.open(t.sim.urls.wsPublic);
    c.send({ op: 'subscribe', args: ['orderbook.50.BTCUSDT'] });
    await c.next((m) => m.op === 'subscribe');
    t.clock.advanceBy(100);
    await sync(c);
    const count = c.frames.length;
    const swallowed = t.sim.faults.swallowed;
    t.sim.faults.stallPublic(500);
    c.send({ req_id: 'lost', op: 'ping' });
    // Wait (in event-loop turns) until the server has swallowed the pong.
    while (t.sim.faults.swallowed === swallowed) await new Promise<void>((resolve) => setImmediate(resolve));
    t.clock.advanceBy(400);
    expect(c.frames.length).toBe(count);
    t.clock.advanceBy(200);
    await sync(c);
    expect(
      c
        .all()
        .slice(count)
        .some((m) => m.req_id === 'lost'),
    ).toBe(false);
    // After the stall the book stream resumes.
    expect(
      c
        .all()
        .slice(count)
        .some((m) => m.topic === 'orderbook.50.BTCUSDT'),
    ).toBe(true);
    await c.close();
  });

  it('prints public trades and ticker deltas with only changed fields', async () => {
    const c = await WsClient.open(t.sim.urls.wsPublic);
    c.send({ op: 'subscribe', args: ['publicTrade.BTCUSDT', 'tickers.BTCUSDT'] });
    await c.next((m) => m.op === 'subscribe');
    t.clock.advanceBy(5_000);
    await sync(c);
    const trades = c.all().filter((m) => m.topic === 'publicTrade.BTCUSDT');
    expect(trades.length).toBeGreaterThan(0);
    const tr = (trades[0]!.data as Record<string, unknown>[])[0]!;
    expect(Object.keys(tr)).toEqual(['T', 's', 'S', 'v', 'p', 'L', 'i', 'BT', 'RPI', 'seq']);
    expect(tr.i).toMatch(/^[0-9a-f-]{36}$/);
    const tickers = c.all().filter((m) => m.topic === 'tickers.BTCUSDT');
    expect(tickers[0]!.type).toBe('snapshot');
    const deltas = tickers.slice(1);
    expect(deltas.length).toBeGreaterThan(0);
    for (const d of deltas) {
      expect(d.type).toBe('delta');
      expect(Object.keys(d.data as object).length).toBeLessThan(
        Object.keys(tickers[0]!.data as object).length,
      );
      expect((d.data as { symbol: string }).symbol).toBe('BTCUSDT');
    }
    await c.close();
  });

  it('drops public sockets on drop_public', async () => {
    const c = await WsClient.open(t.sim.urls.wsPublic);
    t.sim.faults.dropSockets('public');
    expect(await c.closed).toBe(1006);
  });
});
