import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimClock } from '../../../src/domain/clock.js';
import { FaultInjector, type FaultHooks, type SocketKind } from '../../../src/sim/faults/fault-injector.js';
import { authed, call, KEY, testSim, WsClient, type TestSim } from '../helpers.js';

function recordingHooks(): { hooks: FaultHooks; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    hooks: {
      dropSockets: (kinds: readonly SocketKind[]) => calls.push(`drop:${kinds.join(',')}`),
      skipU: (s) => calls.push(`skip:${s ?? '*'}`),
      resetU: (s) => calls.push(`reset:${s ?? '*'}`),
      restarted: () => calls.push('restarted'),
    },
  };
}

describe('fault schedule', () => {
  it('fires each entry first at first_at_s, then every every_s, on the injected clock', () => {
    const clock = new SimClock(0);
    const f = new FaultInjector(clock);
    const { hooks, calls } = recordingHooks();
    f.bind(hooks);
    f.schedule(
      [
        { kind: 'rest_5xx', every_s: 10, first_at_s: 5, count: 2 },
        { kind: 'drop_public', every_s: 7 },
        { kind: 'skip_u', every_s: 30 },
      ],
      ['BTCUSDT', 'ETHUSDT'],
    );
    clock.advanceTo(4_999);
    expect(f.takeRest5xx()).toBeUndefined();
    clock.advanceTo(5_000);
    expect([f.takeRest5xx(), f.takeRest5xx(), f.takeRest5xx()]).toEqual([502, 503, undefined]);
    clock.advanceTo(15_000);
    expect(f.takeRest5xx()).toBe(502);
    expect(calls.filter((c) => c.startsWith('drop'))).toEqual(['drop:public', 'drop:public']);
    clock.advanceTo(30_000);
    expect(calls).toContain('skip:BTCUSDT');
    expect(f.counts.get('rest_5xx')).toBe(3);
    f.stop();
    clock.advanceTo(100_000);
    expect(f.counts.get('rest_5xx')).toBe(3);
  });

  it('applies every kind with its defaults', () => {
    const clock = new SimClock(0);
    const f = new FaultInjector(clock);
    const { hooks, calls } = recordingHooks();
    f.bind(hooks);
    const kinds = [
      'drop_public',
      'drop_private',
      'drop_trade',
      'stall_public',
      'silent_public',
      'skip_u',
      'reset_u',
      'rest_5xx',
      'rest_slow',
      'rate_limit_burst',
      'reject_orders',
      'restart',
    ] as const;
    for (const kind of kinds) f.apply({ kind, every_s: 60 }, ['BTCUSDT']);
    expect(calls).toEqual([
      'drop:public',
      'drop:private',
      'drop:trade',
      'skip:BTCUSDT',
      'reset:BTCUSDT',
      'restarted',
      'drop:public,private,trade',
    ]);
    expect(f.publicStalled()).toBe(true);
    expect(f.publicSilenced()).toBe(true);
    expect(f.takeRestDelay()).toBe(1_000);
    expect(f.takeRateLimited()).toBe(true);
    expect(f.takeOrderReject()?.retCode).toBe(110007);
    expect(f.isDown()).toBe(true);
    clock.advanceTo(5_000);
    expect([f.publicStalled(), f.publicSilenced(), f.isDown()]).toEqual([false, false, false]);
    expect(f.takeRateLimited()).toBe(false);
  });
});

describe('restart fault', () => {
  let t: TestSim;
  beforeAll(async () => {
    t = await testSim();
    t.clock.advanceBy(1_000);
  });
  afterAll(async () => {
    await t.sim.close();
  });

  it('drops every socket, refuses new connections for a while and keeps orders and balances', async () => {
    const order = { category: 'linear', symbol: 'BTCUSDT', side: 'Buy', orderType: 'Limit', qty: '0.001' };
    await call(t, 'POST', '/v5/order/create', { ...order, price: '40000', orderLinkId: 'keep' });
    await call(t, 'POST', '/v5/order/create', { ...order, price: '40000', orderLinkId: 'gone' });
    await call(t, 'POST', '/v5/order/cancel', { category: 'linear', symbol: 'BTCUSDT', orderLinkId: 'gone' });
    const closedBefore = await call(t, 'GET', '/v5/order/realtime', {
      category: 'linear',
      symbol: 'BTCUSDT',
      openOnly: 1,
    });
    expect((closedBefore.json.result.list as unknown[]).length).toBe(1);

    const pub = await WsClient.open(t.sim.urls.wsPublic);
    const priv = await authed(t.sim.urls.wsPrivate, t.clock);
    t.sim.faults.restart(2_000);
    expect(await pub.closed).toBe(1006);
    expect(await priv.closed).toBe(1006);

    const refused = await new Promise<string>((resolve) => {
      const ws = new WebSocket(t.sim.urls.wsPublic);
      ws.on('error', (e) => resolve(e.message));
      ws.on('open', () => resolve('open'));
    });
    expect(refused).toContain('503');
    expect((await call(t, 'GET', '/v5/market/time', {}, { unsigned: true })).status).toBe(503);

    t.clock.advanceBy(2_000);
    const again = await WsClient.open(t.sim.urls.wsPublic);
    await again.close();
    expect(t.sim.exchange.openOrders(KEY).map((o) => o.orderLinkId)).toEqual(['keep']);
    const closedAfter = await call(t, 'GET', '/v5/order/realtime', {
      category: 'linear',
      symbol: 'BTCUSDT',
      openOnly: 1,
    });
    expect(closedAfter.json.result.list).toEqual([]);
    const history = await call(t, 'GET', '/v5/order/history', { category: 'linear', symbol: 'BTCUSDT' });
    expect((history.json.result.list as { orderLinkId: string }[]).map((o) => o.orderLinkId)).toEqual([
      'gone',
      'keep',
    ]);
    expect(t.sim.faults.counts.get('restart')).toBe(1);
  });
});
