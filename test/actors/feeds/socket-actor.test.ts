import { describe, expect, it } from 'vitest';
import { createActor, setup } from 'xstate';
import { silentLogger } from '../../../src/adapters/log/logger.js';
import { Metrics } from '../../../src/adapters/metrics/metrics.js';
import type { BybitSocketDeps } from '../../../src/adapters/bybit/ws/socket.js';
import type { WireBookFrame } from '../../../src/adapters/bybit/wire/book-frame.js';
import { socketLogic, type VenueSocket } from '../../../src/actors/feeds/socket-actor.js';
import type { SocketEvent } from '../../../src/machines/connection.js';
import { SimClock } from '../../../src/domain/clock.js';

/**
 * The socket actor under a parent that records what it sends back; the socket is a stand-in whose
 * data handlers the test calls, as a BybitSocket calls them for each frame.
 */
function harness(kind: 'public' | 'private', activityEveryMs: number) {
  const clock = new SimClock(0);
  let handlers: BybitSocketDeps['handlers'] | undefined;
  const socket: VenueSocket = {
    kind,
    connect: () => new Promise<void>(() => {}),
    authenticate: () => Promise.resolve(),
    subscribe: () => Promise.resolve(),
    unsubscribe: () => Promise.resolve(),
    request: () => Promise.reject(new Error('not a trade socket')),
    close: () => Promise.resolve(),
    terminate: () => {},
  };
  const logic = socketLogic({
    kind,
    activityEveryMs,
    url: 'ws://127.0.0.1:1',
    clock,
    metrics: new Metrics(),
    logger: silentLogger(),
    pingIntervalMs: 20_000,
    pongTimeoutMs: 10_000,
    connectTimeoutMs: 5_000,
    requestTimeoutMs: 5_000,
    recvWindowMs: 5_000,
    timeOffsetMs: () => 0,
    topics: () => [],
    handlers: {},
    open: (deps) => {
      handlers = deps.handlers;
      return socket;
    },
  });
  const heard: SocketEvent['type'][] = [];
  const parent = setup({ actors: { socket: logic } }).createMachine({
    invoke: { src: 'socket', input: { kind } },
    on: { '*': { actions: ({ event }) => heard.push((event as SocketEvent).type) } },
  });
  createActor(parent, { clock }).start();
  const frame = (): void => handlers!.onBook!({ topic: 'orderbook.50.BTCUSDT' } as unknown as WireBookFrame);
  return { clock, heard, frame };
}

describe('socket actor: ws.activity', () => {
  it('reports data at most once per activityEveryMs, and at once after a silence', () => {
    const { clock, heard, frame } = harness('public', 500);
    for (let t = 0; t <= 1_000; t += 20) {
      clock.advanceTo(t);
      frame();
    }
    expect(heard.filter((e) => e === 'ws.activity')).toHaveLength(3); // at 0, 500 and 1000
    clock.advanceTo(5_000);
    frame();
    expect(heard.filter((e) => e === 'ws.activity')).toHaveLength(4);
  });

  it('never reports data for a socket without a data watchdog (activityEveryMs 0)', () => {
    const { clock, heard, frame } = harness('private', 0);
    for (let t = 0; t <= 1_000; t += 20) {
      clock.advanceTo(t);
      frame();
    }
    expect(heard).not.toContain('ws.activity');
  });
});
