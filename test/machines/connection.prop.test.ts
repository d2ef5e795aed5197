import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { initialTransition, transition, type AnyMachineSnapshot, type EventObject } from 'xstate';
import {
  backoffDelay,
  connectionMachine,
  type ConnectionInput,
  type ConnectionKind,
} from '../../src/machines/connection.js';
import { after } from './support.js';

const ERR = new Error('boom');

/** Every event the machine can meet, timers included (as the explicit events XState raises). */
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

// Successes are weighted up so that runs reach live, stale and deep backoff often.
const eventArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...events) },
  {
    weight: 4,
    arbitrary: fc.constantFrom<EventObject>(
      { type: 'ws.opened' },
      { type: 'ws.authenticated' },
      { type: 'ws.subscribed' },
      after('backoff', 'connection.backoff'),
    ),
  },
);

const inputArb: fc.Arbitrary<ConnectionInput> = fc
  .record({
    kind: fc.constantFrom<ConnectionKind>('public', 'private', 'trade'),
    needsAuth: fc.boolean(),
    hasTopics: fc.boolean(),
    baseDelayMs: fc.integer({ min: 1, max: 5_000 }),
    maxDelayMs: fc.integer({ min: 1, max: 120_000 }),
    maxAttempts: fc.integer({ min: 0, max: 6 }),
    dataSilenceMs: fc.constantFrom(0, 5_000),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  })
  .map((r) => ({
    ...r,
    connectTimeoutMs: 10_000,
    staleReconnectMs: 30_000,
    closeTimeoutMs: 3_000,
  }));

/** Runs start with connection.start (idle is covered by the graph test) and are long enough to go deep. */
const runArb = fc
  .array(eventArb, { maxLength: 150, size: 'max' })
  .map((evs): EventObject[] => [{ type: 'connection.start' }, ...evs]);

const inSession = (s: AnyMachineSnapshot) => s.matches('session') && !s.matches({ session: 'closing' });
type SendTo = { type: string; params?: { event?: { type: string } } };
const socketCommands = (actions: readonly SendTo[]) =>
  actions.filter((a) => a.type === 'xstate.sendTo').map((a) => a.params?.event?.type);

describe('connection machine properties (pure transition over arbitrary events)', () => {
  it('keeps every backoff delay within [min(b·2^n, max), min(1.3·b·2^n, max)]', () => {
    fc.assert(
      fc.property(inputArb, runArb, (input, evs) => {
        let [s] = initialTransition(connectionMachine, input);
        for (const e of evs) {
          const [next, actions] = transition(connectionMachine, s, e as never);
          for (const a of actions) {
            if (a.type !== 'countReconnectAttempt') continue;
            const p = a.params as { attempt: number; delayMs: number; kind: string };
            const n = p.attempt - 1;
            const raw = input.baseDelayMs * 2 ** n;
            expect(p.kind).toBe(input.kind);
            expect(p.delayMs).toBeGreaterThanOrEqual(Math.min(raw, input.maxDelayMs));
            expect(p.delayMs).toBeLessThanOrEqual(Math.min(1.3 * raw, input.maxDelayMs));
            expect(next.context.delayMs).toBe(p.delayMs);
            expect(next.matches('backoff')).toBe(true);
          }
          s = next;
        }
      }),
    );
  });

  it('keeps the attempt counter at 0 whenever live and never holds more than one socket child', () => {
    fc.assert(
      fc.property(inputArb, runArb, (input, evs) => {
        let [s] = initialTransition(connectionMachine, input);
        for (const e of evs) {
          [s] = transition(connectionMachine, s, e as never);
          if (s.matches({ session: 'live' })) expect(s.context.attempt).toBe(0);
          const children = Object.keys(s.children);
          expect(children.length).toBeLessThanOrEqual(1);
          // The socket exists exactly while a session does.
          expect(children.length === 1).toBe(s.matches('session'));
        }
      }),
    );
  });

  it('never sends socket.subscribe before ws.authenticated on a socket that needs auth', () => {
    fc.assert(
      fc.property(inputArb, runArb, (input, evs) => {
        let [s] = initialTransition(connectionMachine, { ...input, needsAuth: true });
        let authenticated = false;
        for (const e of evs) {
          const wasIn = s.matches('session');
          const wasAuthenticating = s.matches({ session: 'authenticating' });
          const [next, actions] = transition(connectionMachine, s, e as never);
          if (!wasIn && next.matches('session')) authenticated = false;
          if (wasAuthenticating && e.type === 'ws.authenticated') authenticated = true;
          for (const cmd of socketCommands(actions as readonly SendTo[])) {
            if (cmd === 'socket.subscribe') expect(authenticated).toBe(true);
          }
          s = next;
        }
      }),
    );
  });

  it('gives up exactly when maxAttempts consecutive reconnect attempts have failed', () => {
    fc.assert(
      fc.property(inputArb, runArb, (input, evs) => {
        let [s] = initialTransition(connectionMachine, input);
        let attemptFromBackoff = false;
        let failedAttempts = 0;
        for (const e of evs) {
          const prev = s;
          [s] = transition(connectionMachine, s, e as never);
          if (prev.matches('backoff') && s.matches('session')) attemptFromBackoff = true;
          if (s.matches({ session: 'live' })) {
            failedAttempts = 0;
            attemptFromBackoff = false;
          }
          if (inSession(prev) && (s.matches('backoff') || s.matches('gaveUp'))) {
            if (attemptFromBackoff) failedAttempts += 1;
            attemptFromBackoff = false;
            const exhausted = input.maxAttempts > 0 && failedAttempts >= input.maxAttempts;
            expect(s.matches('gaveUp')).toBe(exhausted);
          }
          if (s.matches('gaveUp')) {
            expect(failedAttempts).toBe(input.maxAttempts);
            expect(s.status).toBe('done');
            expect(s.output).toEqual({ kind: input.kind, attempts: input.maxAttempts, gaveUp: true });
          }
          if (s.status === 'done') break;
        }
      }),
    );
  });

  it('reports an outage once: notifyDown only after notifyLive, never twice in a row', () => {
    fc.assert(
      fc.property(inputArb, runArb, (input, evs) => {
        let [s] = initialTransition(connectionMachine, input);
        let up = false;
        for (const e of evs) {
          const [next, actions] = transition(connectionMachine, s, e as never);
          for (const a of actions) {
            if (a.type === 'notifyLive') up = true;
            if (a.type === 'notifyDown') {
              expect(up).toBe(true);
              up = false;
            }
          }
          // Leaving live or stale for anything outside the session's usable states reports down.
          if (
            (s.matches({ session: 'live' }) || s.matches({ session: 'stale' })) &&
            !next.matches({ session: 'live' }) &&
            !next.matches({ session: 'stale' })
          )
            expect(actions.some((a) => a.type === 'notifyDown')).toBe(true);
          s = next;
        }
      }),
    );
  });

  it('ends in a final state only through gaveUp or closed, and absorbs everything after', () => {
    fc.assert(
      fc.property(inputArb, runArb, (input, evs) => {
        let [s] = initialTransition(connectionMachine, input);
        for (const e of evs) {
          const prev = s;
          [s] = transition(connectionMachine, s, e as never);
          if (prev.status === 'done') expect(s.value).toEqual(prev.value);
          if (s.status === 'done') expect(['gaveUp', 'closed']).toContain(s.value);
        }
      }),
    );
  });
});

describe('backoffDelay', () => {
  it('is min(base·2^n + r·0.3·base·2^n, max), floored, for any r in [0, 1)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 600_000 }),
        fc.integer({ min: 0, max: 2_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (base, max, n, r) => {
          const d = backoffDelay(base, max, n, r);
          const raw = base * 2 ** n;
          expect(Number.isFinite(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(Math.min(raw, max));
          expect(d).toBeLessThanOrEqual(Math.min(1.3 * raw, max));
        },
      ),
    );
  });

  it('gives the documented first delays for base 1000, max 60000', () => {
    expect(backoffDelay(1_000, 60_000, 0, 0)).toBe(1_000);
    expect(backoffDelay(1_000, 60_000, 0, 0.5)).toBe(1_150);
    expect(backoffDelay(1_000, 60_000, 3, 0.999)).toBe(10_397);
    expect(backoffDelay(1_000, 60_000, 6, 0)).toBe(60_000);
    expect(backoffDelay(1_000, 60_000, 5_000, 0)).toBe(60_000);
  });
});
