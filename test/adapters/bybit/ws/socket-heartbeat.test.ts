import { afterEach, describe, expect, it } from 'vitest';
import { BybitTestServer, type ServerKind } from '../../../helpers/ws-server.js';
import { fixture } from '../wire/load-fixture.js';
import { isClose, isInbound, makeSocket, START, TIMINGS, type Harness } from './harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(kind: ServerKind): Promise<{ server: BybitTestServer; h: Harness }> {
  const server = await BybitTestServer.start({ kind });
  cleanups.push(() => server.stop());
  const h = makeSocket(server.url, kind);
  cleanups.push(() => h.socket.terminate());
  await h.socket.connect();
  return { server, h };
}

const pings = (server: BybitTestServer) => server.received.filter((f) => f.json?.['op'] === 'ping');
const isPong = isInbound((j) => j['op'] === 'pong' || j['ret_msg'] === 'pong');

describe('BybitSocket heartbeat', () => {
  it('sends {"req_id":"<n>","op":"ping"} every ping interval, and nothing before', async () => {
    const { server, h } = await setup('public');
    h.clock.advanceBy(TIMINGS.pingIntervalMs - 1);
    expect(h.events.count((e) => e.type === 'raw' && e.direction === 'out')).toBe(0);
    for (let n = 1; n <= 3; n++) {
      h.clock.advanceBy(n === 1 ? 1 : TIMINGS.pingIntervalMs);
      await server.waitForFrame((f) => f.json?.['op'] === 'ping' && pings(server).length === n);
      await h.events.waitFor(isPong, n);
    }
    const sent = pings(server);
    expect(sent).toHaveLength(3);
    for (const f of sent) {
      expect(Object.keys(f.json ?? {}).sort()).toEqual(['op', 'req_id']);
      expect(typeof f.json?.['req_id']).toBe('string');
    }
    expect(new Set(sent.map((f) => f.json?.['req_id'])).size).toBe(3);
    const times = h.events.all.flatMap((e) => (e.type === 'raw' && e.direction === 'out' ? [e.at] : []));
    expect(times).toEqual([1, 2, 3].map((n) => START + n * TIMINGS.pingIntervalMs));
    // Pongs arrived each time, so the watchdog never fired.
    h.clock.advanceBy(TIMINGS.pongTimeoutMs);
    expect(h.events.count((e) => e.type === 'heartbeatTimeout')).toBe(0);
    expect(h.socket.isOpen).toBe(true);
  });

  it.each<ServerKind>(['public', 'private', 'trade'])(
    'accepts the %s endpoint pong shape as an answer',
    async (kind) => {
      const { server, h } = await setup(kind);
      h.clock.advanceBy(TIMINGS.pingIntervalMs);
      await server.waitForOp('ping');
      await h.events.waitFor(isPong);
      expect(Object.keys((await server.waitForOp('ping')).json ?? {}).sort()).toEqual(['op', 'req_id']);
      h.clock.advanceBy(TIMINGS.pongTimeoutMs);
      expect(h.events.count((e) => e.type === 'heartbeatTimeout')).toBe(0);
      expect(h.events.count((e) => e.type === 'rejected')).toBe(0);
      expect(h.socket.isOpen).toBe(true);
    },
  );

  it('reports MM_WS_HEARTBEAT_TIMEOUT and terminates when nothing answers a ping', async () => {
    const { server, h } = await setup('public');
    server.dropPongs = true;
    h.clock.advanceBy(TIMINGS.pingIntervalMs);
    await server.waitForOp('ping');
    h.clock.advanceBy(TIMINGS.pongTimeoutMs - 1);
    expect(h.events.count((e) => e.type === 'heartbeatTimeout')).toBe(0);
    h.clock.advanceBy(1);
    const timeout = await h.events.waitFor((e) => e.type === 'heartbeatTimeout');
    expect(timeout.type === 'heartbeatTimeout' && timeout.error).toMatchObject({
      code: 'MM_WS_HEARTBEAT_TIMEOUT',
      disposition: 'retry',
      pongTimeoutMs: TIMINGS.pongTimeoutMs,
    });
    expect(h.socket.isOpen).toBe(false);
    const close = await h.events.waitFor(isClose);
    expect(close).toMatchObject({ code: 1006 });
    await server.last.closed;
    // Nothing more is sent once the socket is gone.
    h.clock.advanceBy(10 * TIMINGS.pingIntervalMs);
    expect(pings(server)).toHaveLength(1);
    expect(h.events.count(isClose)).toBe(1);
  });

  it('counts any inbound message after the ping as proof of life', async () => {
    const { server, h } = await setup('public');
    server.dropPongs = true;
    h.clock.advanceBy(TIMINGS.pingIntervalMs);
    await server.waitForOp('ping');
    server.broadcast(fixture('ws_orderbook50_snapshot'));
    await h.events.waitFor((e) => e.type === 'book');
    h.clock.advanceBy(TIMINGS.pongTimeoutMs);
    expect(h.events.count((e) => e.type === 'heartbeatTimeout')).toBe(0);
    expect(h.socket.isOpen).toBe(true);
  });

  it('does not count messages that arrived before the ping', async () => {
    const { server, h } = await setup('public');
    server.dropPongs = true;
    server.broadcast(fixture('ws_orderbook50_snapshot'));
    await h.events.waitFor((e) => e.type === 'book');
    h.clock.advanceBy(TIMINGS.pingIntervalMs);
    await server.waitForOp('ping');
    h.clock.advanceBy(TIMINGS.pongTimeoutMs);
    await h.events.waitFor((e) => e.type === 'heartbeatTimeout');
    await h.events.waitFor(isClose);
  });

  it('stops pinging after a graceful close', async () => {
    const { server, h } = await setup('public');
    await h.socket.close();
    h.clock.advanceBy(5 * TIMINGS.pingIntervalMs);
    expect(pings(server)).toHaveLength(0);
    expect(h.clock.pending).toBe(0);
  });
});
