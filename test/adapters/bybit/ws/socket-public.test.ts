import { afterEach, describe, expect, it } from 'vitest';
import { BybitTestServer, SilentServer } from '../../../helpers/ws-server.js';
import { fixture } from '../wire/load-fixture.js';
import { isClose, makeSocket, messageCount, rejectedCount, TIMINGS, type Harness } from './harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function publicServer(): Promise<BybitTestServer> {
  const server = await BybitTestServer.start({ kind: 'public' });
  cleanups.push(() => server.stop());
  return server;
}

async function connected(server: { url: string }): Promise<Harness> {
  const h = makeSocket(server.url, 'public');
  cleanups.push(() => h.socket.terminate());
  await h.socket.connect();
  return h;
}

describe('BybitSocket (public): connect and subscribe', () => {
  it('subscribes with one frame whose req_id the ack echoes', async () => {
    const server = await publicServer();
    const { socket } = await connected(server);
    await socket.subscribe(['orderbook.50.BTCUSDT', 'publicTrade.BTCUSDT']);
    const frames = server.received.filter((f) => f.json?.['op'] === 'subscribe');
    expect(frames).toHaveLength(1);
    expect(frames[0]?.json).toMatchObject({
      op: 'subscribe',
      args: ['orderbook.50.BTCUSDT', 'publicTrade.BTCUSDT'],
    });
    expect(typeof frames[0]?.json?.['req_id']).toBe('string');
  });

  it('correlates acks by req_id even when they come back out of order', async () => {
    const server = await publicServer();
    server.silentOps.add('subscribe');
    const { socket } = await connected(server);
    const settled: string[] = [];
    const a = socket.subscribe(['orderbook.50.BTCUSDT']).then(() => settled.push('a'));
    const b = socket.subscribe(['orderbook.50.ETHUSDT']).then(
      () => settled.push('b-ok'),
      (e: unknown) => settled.push(`b-failed:${(e as { refusedTopic?: string }).refusedTopic}`),
    );
    const fa = await server.waitForOp(
      'subscribe',
      (j) => (j['args'] as string[])[0] === 'orderbook.50.BTCUSDT',
    );
    const fb = await server.waitForOp(
      'subscribe',
      (j) => (j['args'] as string[])[0] === 'orderbook.50.ETHUSDT',
    );
    expect(fa.json?.['req_id']).not.toBe(fb.json?.['req_id']);
    const conn = server.last;
    conn.sendJson({
      success: false,
      ret_msg: 'error:handler not found,topic:orderbook.50.ETHUSDT',
      conn_id: conn.connId,
      req_id: fb.json?.['req_id'],
      op: 'subscribe',
    });
    conn.sendJson({
      success: true,
      ret_msg: '',
      conn_id: conn.connId,
      req_id: fa.json?.['req_id'],
      op: 'subscribe',
    });
    await Promise.all([a, b]);
    expect(settled).toEqual(['b-failed:orderbook.50.ETHUSDT', 'a']);
  });

  it('rejects a refused subscription with MM_WS_SUBSCRIBE_FAILED naming the topic', async () => {
    const server = await publicServer();
    server.refusedTopics.add('orderbook.50.NOPEUSDT');
    const { socket } = await connected(server);
    await expect(socket.subscribe(['orderbook.50.BTCUSDT', 'orderbook.50.NOPEUSDT'])).rejects.toMatchObject({
      code: 'MM_WS_SUBSCRIBE_FAILED',
      op: 'subscribe',
      refusedTopic: 'orderbook.50.NOPEUSDT',
      topics: ['orderbook.50.BTCUSDT', 'orderbook.50.NOPEUSDT'],
      retMsg: 'error:handler not found,topic:orderbook.50.NOPEUSDT',
    });
    expect(socket.isOpen).toBe(true);
  });

  it('attributes an anonymous refusal to the only request in flight', async () => {
    const server = await publicServer();
    server.silentOps.add('subscribe');
    const { socket } = await connected(server);
    const pending = socket.subscribe(['orderbook.50.BTCUSDT']);
    await server.waitForOp('subscribe');
    server.last.sendJson({ success: false, ret_msg: 'error:invalid op', conn_id: server.last.connId });
    await expect(pending).rejects.toMatchObject({
      code: 'MM_WS_SUBSCRIBE_FAILED',
      refusedTopic: undefined,
      retMsg: 'error:invalid op',
    });
  });

  it('rejects with MM_WS_REQUEST_TIMEOUT when no ack comes within the request timeout', async () => {
    const server = await publicServer();
    server.silentOps.add('subscribe');
    const { socket, clock } = await connected(server);
    const pending = socket.subscribe(['orderbook.50.BTCUSDT']);
    await server.waitForOp('subscribe');
    clock.advanceBy(TIMINGS.requestTimeoutMs - 1);
    let settled = false;
    void pending.catch(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    clock.advanceBy(1);
    await expect(pending).rejects.toMatchObject({
      code: 'MM_WS_REQUEST_TIMEOUT',
      op: 'subscribe',
      disposition: 'retry',
    });
  });

  it('delivers a snapshot that arrives before its ack', async () => {
    const server = await publicServer();
    server.beforeAck = (conn) => conn.send(fixture('ws_orderbook50_snapshot'));
    const { socket, events } = await connected(server);
    let bookBeforeAck = false;
    await socket.subscribe(['orderbook.50.BTCUSDT']).then(() => {
      bookBeforeAck = events.count((e) => e.type === 'book') === 1;
    });
    expect(bookBeforeAck).toBe(true);
    const book = await events.waitFor((e) => e.type === 'book');
    expect(book.type === 'book' && book.frame.data.u).toBe(173678160);
  });

  it('unsubscribes with an acknowledged frame', async () => {
    const server = await publicServer();
    const { socket } = await connected(server);
    await socket.subscribe(['tickers.BTCUSDT']);
    await socket.unsubscribe(['tickers.BTCUSDT']);
    expect(server.ops()).toEqual(['subscribe', 'unsubscribe']);
    expect(server.last.topics.size).toBe(0);
  });

  it('hands book, trade and ticker frames to their handlers and counts every message', async () => {
    const server = await publicServer();
    const { events, metrics } = await connected(server);
    server.broadcast(fixture('ws_orderbook50_snapshot'));
    server.broadcast(fixture('ws_publictrade_snapshot_linear'));
    server.broadcast(fixture('ws_tickers_delta_btcusdt'));
    const ticker = await events.waitFor((e) => e.type === 'ticker');
    expect(ticker.type === 'ticker' && ticker.frame.data.markPrice).toBe('86716.30');
    expect(events.all.filter((e) => e.type !== 'raw').map((e) => e.type)).toEqual([
      'book',
      'publicTrade',
      'ticker',
    ]);
    expect(await messageCount(metrics)).toBe(3);
  });

  it('refuses requests on a socket that is not open, sending nothing', async () => {
    const server = await publicServer();
    const h = makeSocket(server.url, 'public');
    await expect(h.socket.subscribe(['orderbook.50.BTCUSDT'])).rejects.toMatchObject({
      code: 'MM_WS_NOT_CONNECTED',
      reason: 'not_open',
    });
    expect(server.connections).toHaveLength(0);
  });
});

describe('BybitSocket (public): malformed frames', () => {
  it('counts and drops malformed frames while the connection stays up', async () => {
    const server = await publicServer();
    const { socket, events, metrics } = await connected(server);
    const missingU = fixture('ws_orderbook50_snapshot').replace('"u":173678160,', '');
    const stringPrice = fixture('ws_orderbook50_delta_linear').replace(
      '["109147.80","1.687"]',
      '[109147.8,"1.687"]',
    );
    server.broadcast('');
    server.broadcast('{"topic":"orderbook.50.BTCUSDT","type":"del');
    server.broadcast(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]), true);
    server.broadcast('\u0000\u00ffgarbage');
    server.broadcast(missingU);
    server.broadcast(stringPrice);
    server.broadcast('{"topic":"orderbook.50.BTCUSDT","type":"snapshot"}');
    server.broadcast(fixture('ws_orderbook50_snapshot'));
    await events.waitFor((e) => e.type === 'book');

    expect(events.count((e) => e.type === 'rejected')).toBe(7);
    expect(await rejectedCount(metrics, 'empty')).toBe(1);
    expect(await rejectedCount(metrics, 'not_json')).toBe(2);
    expect(await rejectedCount(metrics, 'binary')).toBe(1);
    expect(await rejectedCount(metrics, 'invalid_book')).toBe(3);
    expect(await messageCount(metrics)).toBe(8);
    const bookRejections = events.all.flatMap((e) =>
      e.type === 'rejected' && e.rejection.reason === 'invalid_book' ? [e.rejection] : [],
    );
    expect(bookRejections.every((r) => r.topic === 'orderbook.50.BTCUSDT')).toBe(true);
    expect(bookRejections[0]?.detail).toMatch(/data\.u/);

    // Still connected and usable.
    expect(socket.isOpen).toBe(true);
    await socket.subscribe(['orderbook.50.BTCUSDT']);
    expect(events.count(isClose)).toBe(0);
  });

  it('counts and drops a text frame that is not UTF-8, and reads non-ASCII text as UTF-8', async () => {
    const server = await publicServer();
    const { socket, events, metrics } = await connected(server);
    const snapshot = fixture('ws_orderbook50_snapshot');
    // A lone continuation byte in place of the symbol's first letter: not UTF-8.
    const bad = Buffer.from(snapshot, 'latin1');
    bad[bad.indexOf('BTCUSDT')] = 0x80;
    server.broadcast(bad, false);
    // Valid UTF-8 beyond ASCII reaches the classifier as its characters (here: an invalid ticker,
    // then a book frame the fast scanner leaves to JSON.parse).
    server.broadcast('{"topic":"tickers.BTC€","data":{}}');
    server.broadcast(snapshot.replaceAll('BTCUSDT', 'BTCé'));
    server.broadcast(snapshot);
    await events.waitFor((e) => e.type === 'book', 2);
    const books = events.all.flatMap((e) => (e.type === 'book' ? [e.frame] : []));
    expect(books.map((f) => [f.topic, f.data.s])).toEqual([
      ['orderbook.50.BTCé', 'BTCé'],
      ['orderbook.50.BTCUSDT', 'BTCUSDT'],
    ]);

    expect(await rejectedCount(metrics, 'not_utf8')).toBe(1);
    const rejections = events.all.flatMap((e) => (e.type === 'rejected' ? [e.rejection] : []));
    expect(rejections.map((r) => r.reason)).toEqual(['not_utf8', 'invalid_ticker']);
    expect(rejections[1]?.topic).toBe('tickers.BTC€');
    expect(socket.isOpen).toBe(true);
    expect(events.count(isClose)).toBe(0);
  });

  it('logs a rejected frame at debug with a short excerpt', async () => {
    const server = await publicServer();
    const { events, logLines } = await connected(server);
    const long = `{"topic":"orderbook.50.BTCUSDT","type":"snapshot","pad":"${'x'.repeat(5000)}"}`;
    server.broadcast(long);
    await events.waitFor((e) => e.type === 'rejected');
    const line = logLines.find((l) => l['msg'] === 'frame rejected');
    expect(line).toMatchObject({ level: 'debug', reason: 'invalid_book', topic: 'orderbook.50.BTCUSDT' });
    expect(String(line?.['excerpt']).length).toBeLessThanOrEqual(160);
  });

  it('survives a handler that throws and keeps delivering', async () => {
    const server = await publicServer();
    const { socket, events, hooks, logLines } = await connected(server);
    let calls = 0;
    hooks.onBook = () => {
      calls += 1;
      if (calls === 1) throw new Error('book handler bug');
    };
    server.broadcast(fixture('ws_orderbook50_snapshot'));
    server.broadcast(fixture('ws_orderbook50_delta_linear'));
    await events.waitFor((e) => e.type === 'book', 2);
    expect(calls).toBe(2);
    expect(socket.isOpen).toBe(true);
    expect(logLines.some((l) => l['msg'] === 'inbound handler threw; frame dropped')).toBe(true);
  });
});

describe('BybitSocket: connect failures and close', () => {
  it('rejects connect with UnreachableError when the port refuses, and reports the close once', async () => {
    const server = await SilentServer.start({ upgrade: false });
    const url = server.url;
    await server.stop();
    const h = makeSocket(url, 'public');
    await expect(h.socket.connect()).rejects.toMatchObject({
      code: 'MM_EXCHANGE_UNREACHABLE',
      sent: false,
      disposition: 'retry',
    });
    await h.events.waitFor(isClose);
    expect(h.events.count(isClose)).toBe(1);
    expect(h.socket.isOpen).toBe(false);
  });

  it('gives up on a handshake that never completes at the connect timeout', async () => {
    const server = await SilentServer.start({ upgrade: false });
    cleanups.push(() => server.stop());
    const h = makeSocket(server.url, 'public');
    const connecting = h.socket.connect();
    h.clock.advanceBy(TIMINGS.connectTimeoutMs);
    await expect(connecting).rejects.toMatchObject({ code: 'MM_EXCHANGE_UNREACHABLE', sent: false });
    await h.events.waitFor(isClose);
    expect(h.events.count(isClose)).toBe(1);
  });

  it('rejects an invalid URL like any failed connection', async () => {
    const h = makeSocket('not a url', 'public');
    await expect(h.socket.connect()).rejects.toMatchObject({ code: 'MM_EXCHANGE_UNREACHABLE' });
    await h.events.waitFor(isClose);
    expect(h.events.count(isClose)).toBe(1);
  });

  it('closes gracefully and reports the close exactly once', async () => {
    const server = await publicServer();
    const h = await connected(server);
    await h.socket.close(1000, 'bye');
    const closed = await server.last.closed;
    expect(closed).toEqual({ code: 1000, reason: 'bye' });
    h.socket.terminate();
    await h.socket.close();
    const close = await h.events.waitFor(isClose);
    expect(close).toMatchObject({ code: 1000, reason: 'bye' });
    expect(h.events.count(isClose)).toBe(1);
    await expect(h.socket.connect()).rejects.toMatchObject({ code: 'MM_INVARIANT_BROKEN' });
  });

  it('terminates when the closing handshake does not finish within the close timeout', async () => {
    const server = await SilentServer.start({ upgrade: true });
    cleanups.push(() => server.stop());
    const h = makeSocket(server.url, 'public', { closeTimeoutMs: 3_000 });
    await h.socket.connect();
    const closing = h.socket.close();
    h.clock.advanceBy(3_000);
    await closing;
    const close = await h.events.waitFor(isClose);
    expect(close).toMatchObject({ code: 1006 });
    expect(h.events.count(isClose)).toBe(1);
  });

  it('reports a server-side close once and fails the requests in flight', async () => {
    const server = await publicServer();
    server.silentOps.add('subscribe');
    const h = await connected(server);
    const pending = h.socket.subscribe(['orderbook.50.BTCUSDT']);
    await server.waitForOp('subscribe');
    server.last.close(4000, 'maintenance');
    await expect(pending).rejects.toMatchObject({ code: 'MM_WS_NOT_CONNECTED', reason: 'closed' });
    const close = await h.events.waitFor(isClose);
    expect(close).toMatchObject({ code: 4000, reason: 'maintenance' });
    h.socket.terminate();
    await h.socket.close();
    expect(h.events.count(isClose)).toBe(1);
  });
});
