import { afterEach, describe, expect, it } from 'vitest';
import { hmacHex } from '../../../../src/adapters/bybit/sign.js';
import { credentials } from '../../../../src/adapters/secrets/secret.js';
import { BybitTestServer } from '../../../helpers/ws-server.js';
import { fixture } from '../wire/load-fixture.js';
import { API_KEY, API_SECRET, makeSocket, START, TIMINGS, type Harness } from './harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(
  options: { creds?: ReturnType<typeof credentials>; timeOffsetMs?: () => number } = {},
): Promise<{ server: BybitTestServer; h: Harness }> {
  let clockNow = (): number => START;
  const server = await BybitTestServer.start({
    kind: 'private',
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    now: () => clockNow(),
  });
  cleanups.push(() => server.stop());
  const h = makeSocket(server.url, 'private', options);
  clockNow = () => h.clock.now();
  cleanups.push(() => h.socket.terminate());
  await h.socket.connect();
  return { server, h };
}

describe('BybitSocket (private): authentication', () => {
  it('sends {req_id, op:"auth", args:[key, expires, signature]} and resolves on success', async () => {
    const { server, h } = await setup();
    await h.socket.authenticate();
    expect(h.socket.isAuthenticated).toBe(true);
    const auth = await server.waitForOp('auth');
    const [key, expires, signature] = auth.json?.['args'] as [string, number, string];
    expect(key).toBe(API_KEY);
    expect(expires).toBe(START + 10_000);
    expect(signature).toBe(hmacHex(API_SECRET, `GET/realtime${expires}`));
    expect(typeof auth.json?.['req_id']).toBe('string');
    expect(server.last.authenticated).toBe(true);
  });

  it('sets expires from server time when an offset is given', async () => {
    const { server, h } = await setup({ timeOffsetMs: () => 1_234 });
    await h.socket.authenticate();
    const auth = await server.waitForOp('auth');
    expect((auth.json?.['args'] as unknown[])[1]).toBe(START + 1_234 + 10_000);
  });

  it('rejects with MM_WS_AUTH_FAILED carrying ret_msg when the signature is wrong', async () => {
    const { h } = await setup({ creds: credentials(API_KEY, 'wrong-secret') });
    await expect(h.socket.authenticate()).rejects.toMatchObject({
      code: 'MM_WS_AUTH_FAILED',
      retMsg: 'Invalid sign',
      disposition: 'halt',
    });
    expect(h.socket.isAuthenticated).toBe(false);
  });

  it('treats "Params Error" (expired expires) as retryable', async () => {
    const { h } = await setup({ timeOffsetMs: () => -60_000 });
    await expect(h.socket.authenticate()).rejects.toMatchObject({
      code: 'MM_WS_AUTH_FAILED',
      retMsg: 'Params Error',
      disposition: 'retry',
    });
  });

  it('rejects with MM_WS_AUTH_FAILED when no answer comes within the request timeout', async () => {
    const { server, h } = await setup();
    server.silentOps.add('auth');
    const pending = h.socket.authenticate();
    expect(h.socket.authenticate()).toBe(pending);
    await server.waitForOp('auth');
    h.clock.advanceBy(TIMINGS.requestTimeoutMs);
    await expect(pending).rejects.toMatchObject({ code: 'MM_WS_AUTH_FAILED', retMsg: undefined });
    expect(server.received.filter((f) => f.json?.['op'] === 'auth')).toHaveLength(1);
  });

  it('refuses to authenticate without credentials or on a public socket', async () => {
    const server = await BybitTestServer.start({ kind: 'private' });
    cleanups.push(() => server.stop());
    const noCreds = makeSocket(server.url, 'private', { creds: null });
    cleanups.push(() => noCreds.socket.terminate());
    await noCreds.socket.connect();
    await expect(noCreds.socket.authenticate()).rejects.toMatchObject({ code: 'MM_INVARIANT_BROKEN' });
    expect(server.received).toHaveLength(0);
    const pub = makeSocket('ws://127.0.0.1:1', 'public');
    await expect(pub.socket.authenticate()).rejects.toMatchObject({ code: 'MM_INVARIANT_BROKEN' });
  });
});

describe('BybitSocket (private): nothing but ping and auth before auth', () => {
  it('refuses subscribe locally before auth, then subscribes once authenticated', async () => {
    const { server, h } = await setup();
    await expect(h.socket.subscribe(['order', 'execution'])).rejects.toMatchObject({
      code: 'MM_WS_NOT_CONNECTED',
      reason: 'not_authenticated',
    });
    await expect(h.socket.unsubscribe(['order'])).rejects.toMatchObject({ reason: 'not_authenticated' });
    h.clock.advanceBy(TIMINGS.pingIntervalMs);
    await server.waitForOp('ping');
    await h.socket.authenticate();
    await h.socket.subscribe(['order', 'execution', 'position', 'wallet']);
    expect(server.ops()).toEqual(['ping', 'auth', 'subscribe']);
    expect([...server.last.topics]).toEqual(['order', 'execution', 'position', 'wallet']);
  });

  it('hands private pushes to onPrivate by channel, categorised topics included', async () => {
    const { server, h } = await setup();
    await h.socket.authenticate();
    await h.socket.subscribe(['order', 'execution']);
    server.broadcast(fixture('ws_order_new_linear'));
    server.broadcast(fixture('ws_execution_two-fills_linear'));
    server.broadcast(fixture('ws_order_cancelled_linear'));
    server.broadcast(fixture('ws_position_linear'));
    server.broadcast(fixture('ws_wallet_unified'));
    await h.events.waitFor((e) => e.type === 'private', 5);
    const seen = h.events.all.flatMap((e) =>
      e.type === 'private' ? [`${e.message.channel}:${e.message.push.topic}`] : [],
    );
    expect(seen).toEqual([
      'order:order',
      'execution:execution',
      'order:order.linear',
      'position:position',
      'wallet:wallet',
    ]);
  });
});

describe('BybitSocket (private): secrets', () => {
  it('never logs or records the key or the signature', async () => {
    const { server, h } = await setup();
    await h.socket.authenticate();
    server.broadcast('not json at all');
    await h.events.waitFor((e) => e.type === 'rejected');
    h.socket.terminate();
    await h.events.waitFor((e) => e.type === 'close');
    const auth = await server.waitForOp('auth');
    const signature = (auth.json?.['args'] as unknown[])[2] as string;
    const logs = JSON.stringify(h.logLines);
    expect(h.logLines.length).toBeGreaterThan(0);
    for (const secret of [API_KEY, API_SECRET, signature]) expect(logs).not.toContain(secret);
    const recordedAuth = h.events.all.find(
      (e) => e.type === 'raw' && e.direction === 'out' && e.text.includes('"auth"'),
    );
    expect(recordedAuth?.type === 'raw' && JSON.parse(recordedAuth.text)).toMatchObject({
      op: 'auth',
      args: ['[REDACTED]', START + 10_000, '[REDACTED]'],
    });
    const recorded = JSON.stringify(h.events.all);
    for (const secret of [API_KEY, API_SECRET, signature]) expect(recorded).not.toContain(secret);
  });
});
