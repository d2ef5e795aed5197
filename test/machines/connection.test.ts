import { describe, it, expect } from 'vitest';
import { createActor, fromCallback, type AnyMachineSnapshot, type EventObject } from 'xstate';
import { SimClock } from '../../src/domain/clock.js';
import {
  connectionMachine,
  type ConnectionContext,
  type ConnectionInput,
  type SessionEndReason,
  type SocketCommand,
  type SocketEvent,
  type SocketInput,
} from '../../src/machines/connection.js';
import { after, coverage } from './support.js';

const ERR = new Error('boom');

const baseInput: ConnectionInput = {
  kind: 'private',
  needsAuth: true,
  hasTopics: true,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  maxAttempts: 3,
  connectTimeoutMs: 10_000,
  dataSilenceMs: 0,
  staleReconnectMs: 30_000,
  closeTimeoutMs: 3_000,
  seed: 42,
};

describe('connection machine graph', () => {
  it('reaches every state and takes every transition on shortest paths', () => {
    const events: EventObject[] = [
      { type: 'connection.start' },
      { type: 'connection.stop' },
      { type: 'connection.reconnect' },
      { type: 'ws.opened' },
      { type: 'ws.authenticated' },
      { type: 'ws.authFailed', error: ERR } as EventObject,
      { type: 'ws.subscribed' },
      { type: 'ws.subscribeFailed', error: ERR } as EventObject,
      { type: 'ws.activity' },
      { type: 'ws.heartbeatTimeout' },
      { type: 'ws.failed', error: ERR } as EventObject,
      { type: 'ws.closed', code: 1006, reason: '' } as EventObject,
      { type: 'xstate.error.actor.socket', error: ERR } as EventObject,
      after('connectTimeout', 'connection.session.connecting'),
      after('connectTimeout', 'connection.session.authenticating'),
      after('connectTimeout', 'connection.session.subscribing'),
      after('dataSilence', 'connection.session.live.receiving'),
      after('staleReconnect', 'connection.session.stale'),
      after('closeTimeout', 'connection.session.closing'),
      after('backoff', 'connection.backoff'),
    ];
    const variants: Partial<ConnectionInput>[] = [
      { kind: 'public', needsAuth: false, hasTopics: true, dataSilenceMs: 5_000 },
      { kind: 'private', needsAuth: true, hasTopics: true },
      { kind: 'trade', needsAuth: true, hasTopics: false },
      { needsAuth: false, hasTopics: false },
    ];
    const result = coverage(connectionMachine, {
      inputs: variants.map((v) => ({ ...baseInput, maxAttempts: 2, ...v })),
      events,
      // The PRNG state changes on every backoff: identify states by what the rules depend on.
      serializeState: (s: AnyMachineSnapshot) => {
        const c = s.context as ConnectionContext;
        return JSON.stringify([s.value, c.attempt, c.up, c.finished]);
      },
    });
    expect(result.paths).toBeGreaterThan(20);
    expect(result.missingStates).toEqual([]);
    expect(result.missingTransitions).toEqual([]);
  });
});

/** A socket stand-in driven by the test: records commands, exposes sendBack, counts cleanups. */
function stubSocket() {
  const sockets: { commands: string[]; send: (e: SocketEvent) => void; closed: boolean; kind: string }[] = [];
  const logic = fromCallback<SocketCommand, SocketInput>(({ sendBack, receive, input }) => {
    const socket = {
      commands: [] as string[],
      send: (e: SocketEvent) => sendBack(e),
      closed: false,
      kind: input.kind,
    };
    sockets.push(socket);
    receive((command) => socket.commands.push(command.type));
    return () => {
      socket.closed = true;
    };
  });
  const current = () => {
    const s = sockets.at(-1);
    if (s === undefined) throw new Error('no socket was started');
    return s;
  };
  return { logic, sockets, current };
}

function harness(input: Partial<ConnectionInput> = {}) {
  const clock = new SimClock();
  const socket = stubSocket();
  const calls: { type: string; at: number; params: unknown }[] = [];
  const record =
    (type: string) =>
    (_: unknown, params: unknown): void => {
      calls.push({ type, at: clock.now(), params });
    };
  const machine = connectionMachine.provide({
    actors: { socket: socket.logic },
    actions: {
      countReconnectAttempt: record('countReconnectAttempt'),
      countGiveUp: record('countGiveUp'),
      notifyLive: record('notifyLive'),
      notifyDown: record('notifyDown'),
      notifyStale: record('notifyStale'),
    },
  });
  const actor = createActor(machine, { clock, input: { ...baseInput, ...input } });
  const errors: unknown[] = [];
  actor.subscribe({ error: (e) => errors.push(e) });
  actor.start();
  const of = (type: string) => calls.filter((c) => c.type === type);
  return { clock, socket, actor, calls, of, errors };
}

describe('connection machine on a simulated clock', () => {
  it('authenticates before subscribing, and re-authenticates and resubscribes on every connect', () => {
    const h = harness();
    h.actor.send({ type: 'connection.start' });
    expect(h.socket.sockets).toHaveLength(1);
    expect(h.socket.current().kind).toBe('private');
    h.socket.current().send({ type: 'ws.opened' });
    expect(h.socket.current().commands).toEqual(['socket.authenticate']);
    h.socket.current().send({ type: 'ws.authenticated' });
    expect(h.socket.current().commands).toEqual(['socket.authenticate', 'socket.subscribe']);
    h.socket.current().send({ type: 'ws.subscribed' });
    expect(h.actor.getSnapshot().matches({ session: 'live' })).toBe(true);
    expect(h.of('notifyLive')).toHaveLength(1);

    // The socket drops: the session ends, the socket's cleanup runs, the bot is told once.
    const first = h.socket.current();
    first.send({ type: 'ws.closed', code: 1006, reason: 'abnormal' });
    expect(first.closed).toBe(true);
    expect(h.actor.getSnapshot().value).toBe('backoff');
    expect(h.of('notifyDown').map((c) => c.params)).toEqual([{ kind: 'private', reason: 'closed' }]);

    // After the backoff a new socket goes through the whole handshake again.
    h.clock.advanceBy(h.actor.getSnapshot().context.delayMs);
    expect(h.socket.sockets).toHaveLength(2);
    const second = h.socket.current();
    second.send({ type: 'ws.opened' });
    second.send({ type: 'ws.authenticated' });
    second.send({ type: 'ws.subscribed' });
    expect(second.commands).toEqual(['socket.authenticate', 'socket.subscribe']);
    expect(h.actor.getSnapshot().context.attempt).toBe(0);
    expect(h.errors).toEqual([]);
  });

  it('waits the jittered, doubling, capped backoff in simulated time and gives up after maxAttempts', () => {
    const h = harness({
      kind: 'public',
      needsAuth: false,
      hasTopics: true,
      maxAttempts: 4,
      maxDelayMs: 5_000,
    });
    h.actor.send({ type: 'connection.start' });
    const starts: number[] = [];
    for (let i = 0; i < 10 && h.actor.getSnapshot().status === 'active'; i++) {
      starts.push(h.clock.now());
      // Nothing answers: the connect timeout fires, then the backoff runs.
      h.clock.advanceBy(baseInput.connectTimeoutMs);
      const next = h.clock.nextDue();
      if (next !== undefined) h.clock.advanceTo(next);
    }
    const attempts = h
      .of('countReconnectAttempt')
      .map((c) => c.params as { attempt: number; delayMs: number });
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    attempts.forEach((a, n) => {
      const raw = 1_000 * 2 ** n;
      expect(a.delayMs).toBeGreaterThanOrEqual(Math.min(raw, 5_000));
      expect(a.delayMs).toBeLessThanOrEqual(Math.min(1.3 * raw, 5_000));
    });
    // Each new socket started exactly connect timeout + that attempt's delay after the previous one.
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(gaps).toEqual(attempts.map((a) => baseInput.connectTimeoutMs + a.delayMs));
    expect(h.socket.sockets).toHaveLength(5);
    expect(h.actor.getSnapshot().value).toBe('gaveUp');
    expect(h.actor.getSnapshot().output).toEqual({ kind: 'public', attempts: 4, gaveUp: true });
    expect(h.of('countGiveUp').map((c) => c.params)).toEqual([{ kind: 'public', attempts: 4 }]);
    expect(h.socket.sockets.every((s) => s.closed)).toBe(true);
  });

  it('draws the same delays from the same seed and different ones from another seed', () => {
    const delays = (seed: number) => {
      const h = harness({ seed, maxAttempts: 0 });
      h.actor.send({ type: 'connection.start' });
      for (let i = 0; i < 5; i++) {
        h.socket.current().send({ type: 'ws.failed', error: ERR });
        h.clock.advanceBy(h.actor.getSnapshot().context.delayMs);
      }
      return h.of('countReconnectAttempt').map((c) => (c.params as { delayMs: number }).delayMs);
    };
    expect(delays(7)).toEqual(delays(7));
    expect(delays(7)).not.toEqual(delays(8));
  });

  it('detects a silent data stream even while the socket is up, recovers on data, reconnects when it lasts', () => {
    const h = harness({ kind: 'public', needsAuth: false, hasTopics: true, dataSilenceMs: 5_000 });
    h.actor.send({ type: 'connection.start' });
    h.socket.current().send({ type: 'ws.opened' });
    h.socket.current().send({ type: 'ws.subscribed' });
    expect(h.socket.current().commands).toEqual(['socket.subscribe']);
    // Data keeps it live: the silence timer restarts on every activity.
    for (let i = 0; i < 5; i++) {
      h.clock.advanceBy(4_999);
      h.socket.current().send({ type: 'ws.activity' });
    }
    expect(h.actor.getSnapshot().matches({ session: 'live' })).toBe(true);
    h.clock.advanceBy(5_000);
    expect(h.actor.getSnapshot().matches({ session: 'stale' })).toBe(true);
    expect(h.of('notifyStale')).toHaveLength(1);
    h.socket.current().send({ type: 'ws.activity' });
    expect(h.actor.getSnapshot().matches({ session: 'live' })).toBe(true);
    h.clock.advanceBy(5_000 + 30_000);
    expect(h.actor.getSnapshot().value).toBe('backoff');
    expect(h.of('notifyDown').map((c) => (c.params as { reason: SessionEndReason }).reason)).toEqual([
      'stale',
    ]);
    expect(h.socket.current().closed).toBe(true);
  });

  it('closes gracefully on stop: asks the socket, waits for ws.closed, then ends', () => {
    const h = harness({ needsAuth: false, hasTopics: false });
    h.actor.send({ type: 'connection.start' });
    h.socket.current().send({ type: 'ws.opened' });
    h.actor.send({ type: 'connection.stop' });
    const socket = h.socket.current();
    expect(socket.commands).toEqual(['socket.close']);
    expect(socket.closed).toBe(false);
    expect(h.actor.getSnapshot().matches({ session: 'closing' })).toBe(true);
    socket.send({ type: 'ws.closed', code: 1000, reason: 'bye' });
    expect(h.actor.getSnapshot().value).toBe('closed');
    expect(h.actor.getSnapshot().output).toEqual({ kind: 'private', attempts: 0, gaveUp: false });
    expect(socket.closed).toBe(true);
    expect(h.of('notifyDown').map((c) => c.params)).toEqual([{ kind: 'private', reason: 'stopped' }]);
  });

  it('stops waiting for the close handshake after closeTimeoutMs', () => {
    const h = harness();
    h.actor.send({ type: 'connection.start' });
    h.actor.send({ type: 'connection.stop' });
    h.clock.advanceBy(2_999);
    expect(h.actor.getSnapshot().matches({ session: 'closing' })).toBe(true);
    h.clock.advanceBy(1);
    expect(h.actor.getSnapshot().value).toBe('closed');
    expect(h.socket.current().closed).toBe(true);
  });

  it('reconnects on connection.reconnect, through the backoff', () => {
    const h = harness({ needsAuth: false, hasTopics: false });
    h.actor.send({ type: 'connection.start' });
    h.socket.current().send({ type: 'ws.opened' });
    h.actor.send({ type: 'connection.reconnect' });
    expect(h.actor.getSnapshot().value).toBe('backoff');
    expect(h.of('notifyDown').map((c) => c.params)).toEqual([
      { kind: 'private', reason: 'reconnect_requested' },
    ]);
    h.clock.advanceBy(1_300);
    expect(h.socket.sockets).toHaveLength(2);
  });

  it('connects at once with autoStart, without waiting for connection.start', () => {
    const h = harness({ autoStart: true });
    expect(h.actor.getSnapshot().value).toEqual({ session: 'connecting' });
    expect(h.socket.sockets).toHaveLength(1);
    const idle = harness();
    expect(idle.actor.getSnapshot().value).toBe('idle');
    expect(idle.socket.sockets).toHaveLength(0);
  });

  it('treats a crashed socket actor as a failed session instead of crashing', () => {
    const clock = new SimClock();
    const machine = connectionMachine.provide({
      actors: {
        socket: fromCallback<SocketCommand, SocketInput>(() => {
          throw new Error('socket bug');
        }),
      },
    });
    const actor = createActor(machine, { clock, input: { ...baseInput, maxAttempts: 1 } });
    const errors: unknown[] = [];
    actor.subscribe({ error: (e) => errors.push(e) });
    actor.start();
    actor.send({ type: 'connection.start' });
    expect(actor.getSnapshot().value).toBe('backoff');
    expect(actor.getSnapshot().context.endReason).toBe('socket_error');
    clock.advanceBy(2_000);
    expect(actor.getSnapshot().value).toBe('gaveUp');
    expect(errors).toEqual([]);
  });
});
