/** A misbehaving client never crashes the server and every frame it sends back is compact JSON. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authed, call, sync, testSim, WsClient, type TestSim } from '../helpers.js';

let t: TestSim;
beforeAll(async () => {
  t = await testSim();
});
afterAll(async () => {
  await t.sim.close();
});

const junk = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 3 }),
  fc
    .record({
      op: fc.constantFrom(
        'subscribe',
        'unsubscribe',
        'ping',
        'auth',
        'order.create',
        'order.create-batch',
        '',
        'x',
      ),
      args: fc.oneof(
        fc.anything({ maxDepth: 2 }),
        fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxLength: 5 }),
      ),
      req_id: fc.oneof(fc.string(), fc.integer(), fc.constant(undefined)),
      reqId: fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.constant(undefined)),
      header: fc.anything({ maxDepth: 1 }),
    })
    .map((o) => JSON.stringify(o)),
);

describe('robustness', () => {
  it('answers arbitrary frames on every endpoint without crashing, in compact JSON', async () => {
    const frames = fc.sample(junk, { numRuns: 300, seed: 7 });
    const clients = [
      await WsClient.open(t.sim.urls.wsPublic),
      await authed(t.sim.urls.wsPrivate, t.clock),
      await authed(t.sim.urls.wsTrade, t.clock),
      await WsClient.open(t.sim.urls.wsPrivate),
    ];
    for (const f of frames) for (const c of clients) c.send(f);
    for (const c of clients.slice(0, 2)) await sync(c);
    await sync(clients[2]!, true);
    await sync(clients[3]!);
    for (const c of clients) {
      expect(c.ws.readyState).toBe(1);
      for (const text of c.frames) {
        const parsed = JSON.parse(text) as unknown;
        expect(JSON.stringify(parsed)).toBe(text);
      }
      await c.close();
    }
    // Binary frames and an oversized frame: the first is decoded as text, the second closes only that socket.
    const b = await WsClient.open(t.sim.urls.wsPublic);
    b.ws.send(Buffer.from('{"op":"ping","req_id":"bin"}'));
    await b.seen((m) => m.req_id === 'bin');
    b.ws.send('x'.repeat((1 << 20) + 1));
    expect(await b.closed).toBe(1009);
    const alive = await call(t, 'GET', '/v5/market/time', {}, { unsigned: true });
    expect(alive.json.retCode).toBe(0);
  });

  it('answers arbitrary REST bodies and queries with an envelope, never a crash', async () => {
    const bodies = fc.sample(fc.oneof(fc.string({ maxLength: 100 }), fc.json({ maxDepth: 3 })), {
      numRuns: 60,
      seed: 3,
    });
    for (const [i, body] of bodies.entries()) {
      const path = ['/v5/order/create', '/v5/order/amend', '/v5/order/cancel-batch', '/v5/order/cancel-all'][
        i % 4
      ]!;
      const r = await call(t, 'POST', path, {}, { rawBody: body });
      expect(r.status).toBe(200);
      expect(r.json.retCode).not.toBe(0);
      t.clock.advanceBy(120);
    }
    const queries = fc.sample(fc.string({ maxLength: 60 }), { numRuns: 30, seed: 5 });
    for (const q of queries) {
      const r = await call(t, 'GET', '/v5/order/realtime', {}, { rawQuery: encodeURI(q) });
      expect(r.status).toBe(200);
      expect(Number.isInteger(r.json.retCode)).toBe(true);
    }
  });

  it('answers RFC 6455 ping frames with pong frames', async () => {
    const c = await WsClient.open(t.sim.urls.wsPublic);
    const pong = new Promise<string>((resolve) => c.ws.once('pong', (d: Buffer) => resolve(d.toString())));
    c.ws.ping('hb');
    expect(await pong).toBe('hb');
    await c.close();
  });
});
