/**
 * The connection machine: one per WebSocket (public, private, trade). It owns the socket through
 * an invoked callback actor (`socket`) on the `session` state, so every way out of a session
 * (failure, forced reconnect, stop after the close handshake) terminates the socket and runs its
 * cleanup, and every new session re-authenticates and resubscribes because those are entry actions
 * of the session's substates. Between sessions it waits a capped, jittered exponential backoff
 * whose jitter comes from a PRNG state kept in context (pure, replayable), and gives up after
 * `maxAttempts` consecutive failed reconnect attempts.
 *
 * Timers are named delays, so tests drive them as `xstate.after.<delay>.<state id>` events.
 */
import { randomStep } from '../domain/random.js';
import { missingCallback } from './placeholders.js';
import { assign, sendTo, setup } from 'xstate';

/** Which socket a connection machine runs. */
export type ConnectionKind = 'public' | 'private' | 'trade';

/** What a connection machine is started with. */
export interface ConnectionInput {
  readonly kind: ConnectionKind;
  /** The private and trade sockets authenticate before anything else. */
  readonly needsAuth: boolean;
  /** The public and private sockets subscribe to topics; the trade socket does not. */
  readonly hasTopics: boolean;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Consecutive failed reconnect attempts before giving up; 0 never gives up. */
  readonly maxAttempts: number;
  /** Each handshake step (open, auth, subscribe) must complete within this. */
  readonly connectTimeoutMs: number;
  /** No data for this long while live marks the socket stale; 0 disables the data watchdog. */
  readonly dataSilenceMs: number;
  /** A socket stale this long is reconnected. */
  readonly staleReconnectMs: number;
  /** How long `connection.stop` waits for the close handshake. */
  readonly closeTimeoutMs: number;
  /** Seed of the backoff jitter. */
  readonly seed: number;
  /** Connect as soon as the machine starts, without waiting for connection.start (default false). */
  readonly autoStart?: boolean;
}

/** Facts the socket actor sends back to the machine. */
export type SocketEvent =
  | { type: 'ws.opened' }
  | { type: 'ws.authenticated' }
  | { type: 'ws.authFailed'; error: unknown }
  | { type: 'ws.subscribed' }
  | { type: 'ws.subscribeFailed'; error: unknown }
  | { type: 'ws.activity' }
  | { type: 'ws.heartbeatTimeout' }
  | { type: 'ws.failed'; error: unknown }
  | { type: 'ws.closed'; code: number; reason: string };

/** Commands from outside (the supervisor, the book actor, the shutdown machine). */
export type ConnectionCommand =
  { type: 'connection.start' } | { type: 'connection.stop' } | { type: 'connection.reconnect' };

/** Every event the connection machine accepts. */
export type ConnectionEvent = SocketEvent | ConnectionCommand;

/** Commands the machine sends to the socket actor. */
export type SocketCommand =
  { type: 'socket.authenticate' } | { type: 'socket.subscribe' } | { type: 'socket.close' };

/** What the socket actor is started with. */
export interface SocketInput {
  readonly kind: ConnectionKind;
}

/** Why a session ended (the `reason` of `notifyDown`, and `endReason` in context). */
export type SessionEndReason =
  | 'connect_timeout'
  | 'auth_timeout'
  | 'auth_failed'
  | 'subscribe_timeout'
  | 'subscribe_failed'
  | 'heartbeat_timeout'
  | 'failed'
  | 'closed'
  | 'stale'
  | 'reconnect_requested'
  | 'socket_error'
  | 'stopped';

/** The connection machine's context. */
export interface ConnectionContext extends ConnectionInput {
  /**
   * Reconnect attempts started since the session last reached live: the n of the next backoff.
   */
  readonly attempt: number;
  /** The jitter PRNG state (mulberry32, see domain/random.ts). */
  readonly rng: number;
  /** The delay chosen on the last entry of backoff. */
  readonly delayMs: number;
  /** True from reaching live until the session ends, so that notifyDown fires once per outage. */
  readonly up: boolean;
  readonly endReason: SessionEndReason | null;
  readonly finished: 'gaveUp' | 'closed' | null;
}

/** The machine's output when it reaches gaveUp or closed. */
export interface ConnectionOutput {
  readonly kind: ConnectionKind;
  readonly attempts: number;
  readonly gaveUp: boolean;
}

/**
 * Returns the backoff delay of the n-th consecutive reconnect attempt (n from 0):
 * min(base·2^n + jitter, max) with jitter = r·0.3·base·2^n for r in [0, 1), floored to whole ms.
 */
export function backoffDelay(baseMs: number, maxMs: number, n: number, r: number): number {
  const raw = baseMs * 2 ** n;
  // Past the cap the jitter is irrelevant, and r·0.3·Infinity would be NaN when r is 0.
  if (!(raw < maxMs)) return maxMs;
  return Math.min(Math.floor(raw + r * 0.3 * raw), maxMs);
}

type Params = { kind: ConnectionKind };

const fail = (reason: SessionEndReason) =>
  [
    {
      guard: 'hasExhaustedAttempts',
      target: '#connection.gaveUp',
      actions: [{ type: 'recordEnd', params: { reason } }, 'notifyDownOnce'],
    },
    {
      target: '#connection.backoff',
      actions: [{ type: 'recordEnd', params: { reason } }, 'notifyDownOnce'],
    },
  ] as const;

const base = setup({
  types: {
    context: {} as ConnectionContext,
    events: {} as ConnectionEvent,
    input: {} as ConnectionInput,
    output: {} as ConnectionOutput,
    children: {} as { socket: 'socket' },
  },
  actors: {
    socket: missingCallback<SocketCommand, SocketInput>('socket'),
  },
  actions: {
    countReconnectAttempt: (_, _params: { kind: ConnectionKind; attempt: number; delayMs: number }) => {},
    countGiveUp: (_, _params: { kind: ConnectionKind; attempts: number }) => {},
    notifyLive: (_, _params: Params) => {},
    notifyDown: (_, _params: { kind: ConnectionKind; reason: SessionEndReason }) => {},
    notifyStale: (_, _params: Params) => {},
  },
  guards: {
    needsAuth: ({ context }) => context.needsAuth,
    isAutoStart: ({ context }) => context.autoStart === true,
    hasTopics: ({ context }) => context.hasTopics,
    hasDataWatchdog: ({ context }) => context.dataSilenceMs > 0,
    hasExhaustedAttempts: ({ context }) => context.maxAttempts > 0 && context.attempt >= context.maxAttempts,
  },
  delays: {
    connectTimeout: ({ context }) => context.connectTimeoutMs,
    dataSilence: ({ context }) => context.dataSilenceMs,
    staleReconnect: ({ context }) => context.staleReconnectMs,
    closeTimeout: ({ context }) => context.closeTimeoutMs,
    backoff: ({ context }) => context.delayMs,
  },
});

/** The connection machine. */
export const connectionMachine = base
  .extend({
    actions: {
      sendAuthenticate: sendTo('socket', { type: 'socket.authenticate' }),
      sendSubscribe: sendTo('socket', { type: 'socket.subscribe' }),
      sendClose: sendTo('socket', { type: 'socket.close' }),
      resetAttempts: assign({ attempt: 0, up: true }),
      startAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
      chooseDelay: base.enqueueActions(({ context, enqueue }) => {
        const [r, rng] = randomStep(context.rng);
        const delayMs = backoffDelay(context.baseDelayMs, context.maxDelayMs, context.attempt, r);
        enqueue.assign({ rng, delayMs });
        enqueue({
          type: 'countReconnectAttempt',
          params: { kind: context.kind, attempt: context.attempt + 1, delayMs },
        });
      }),
      recordEnd: assign((_, params: { reason: SessionEndReason }) => ({ endReason: params.reason })),
      notifyDownOnce: base.enqueueActions(({ context, enqueue }) => {
        if (context.up && context.endReason !== null)
          enqueue({ type: 'notifyDown', params: { kind: context.kind, reason: context.endReason } });
        enqueue.assign({ up: false });
      }),
      markGaveUp: base.enqueueActions(({ context, enqueue }) => {
        enqueue.assign({ finished: 'gaveUp' });
        enqueue({ type: 'countGiveUp', params: { kind: context.kind, attempts: context.attempt } });
      }),
      markClosed: assign({ finished: 'closed' }),
    },
  })
  .createMachine({
    id: 'connection',
    description:
      'One WebSocket: connect, authenticate (private/trade), subscribe (public/private), stay live; reconnect with a capped, jittered exponential backoff; give up after maxAttempts consecutive failed reconnect attempts.',
    context: ({ input }) => ({
      ...input,
      attempt: 0,
      rng: input.seed >>> 0,
      delayMs: 0,
      up: false,
      endReason: null,
      finished: null,
    }),
    // idle has an eventless transition (autoStart); a cycle would throw instead of spinning.
    options: { maxIterations: 1000 },
    initial: 'idle',
    states: {
      idle: {
        description: 'Waits for connection.start, unless the input says to start at once (autoStart).',
        always: { guard: 'isAutoStart', target: 'session' },
        on: {
          'connection.start': 'session',
          'connection.stop': 'closed',
        },
      },
      session: {
        description:
          'Owns the socket (invoked callback actor "socket"): leaving the session terminates it. Any failure ends the session and leads to backoff, or to gaveUp when the attempts are exhausted.',
        invoke: { id: 'socket', src: 'socket', input: ({ context }) => ({ kind: context.kind }) },
        initial: 'connecting',
        on: {
          'ws.authFailed': fail('auth_failed'),
          'ws.subscribeFailed': fail('subscribe_failed'),
          'ws.heartbeatTimeout': fail('heartbeat_timeout'),
          'ws.failed': fail('failed'),
          'ws.closed': fail('closed'),
          'xstate.error.actor.socket': fail('socket_error'),
          'connection.reconnect': fail('reconnect_requested'),
          'connection.stop': {
            target: '.closing',
            actions: [{ type: 'recordEnd', params: { reason: 'stopped' } }, 'notifyDownOnce'],
          },
        },
        states: {
          connecting: {
            description: 'Waiting for the socket to open, at most connectTimeoutMs.',
            after: { connectTimeout: fail('connect_timeout') },
            on: {
              'ws.opened': [
                { guard: 'needsAuth', target: 'authenticating' },
                { guard: 'hasTopics', target: 'subscribing' },
                { target: 'live' },
              ],
            },
          },
          authenticating: {
            description:
              'Re-authenticates on every connect. Nothing else is sent on a socket that needs auth before ws.authenticated.',
            entry: 'sendAuthenticate',
            after: { connectTimeout: fail('auth_timeout') },
            on: {
              'ws.authenticated': [{ guard: 'hasTopics', target: 'subscribing' }, { target: 'live' }],
            },
          },
          subscribing: {
            description: 'Resubscribes every topic on every connect (after auth where needed).',
            entry: 'sendSubscribe',
            after: { connectTimeout: fail('subscribe_timeout') },
            on: { 'ws.subscribed': 'live' },
          },
          live: {
            description:
              'Usable. Resets the attempt counter. With dataSilenceMs > 0, no ws.activity (data, not pongs) for dataSilenceMs marks it stale.',
            entry: [
              'resetAttempts',
              { type: 'notifyLive', params: ({ context }) => ({ kind: context.kind }) },
            ],
            initial: 'receiving',
            states: {
              receiving: {
                after: {
                  dataSilence: { guard: 'hasDataWatchdog', target: '#connection.session.stale' },
                },
                on: {
                  'ws.activity': { guard: 'hasDataWatchdog', target: 'receiving', reenter: true },
                },
              },
            },
          },
          stale: {
            description:
              'Connected but silent (a subscribed topic with no data even while pings succeed). Data brings it back to live; staleReconnectMs of silence reconnects.',
            entry: { type: 'notifyStale', params: ({ context }) => ({ kind: context.kind }) },
            // Stale follows live, where the attempt counter is 0: a reconnect, never a give-up.
            after: {
              staleReconnect: {
                target: '#connection.backoff',
                actions: [{ type: 'recordEnd', params: { reason: 'stale' } }, 'notifyDownOnce'],
              },
            },
            on: { 'ws.activity': 'live' },
          },
          closing: {
            description:
              'connection.stop: asks the socket to close and waits for ws.closed, at most closeTimeoutMs. Failures here end in closed, never in backoff.',
            entry: 'sendClose',
            after: { closeTimeout: '#connection.closed' },
            on: {
              'ws.closed': '#connection.closed',
              'ws.failed': '#connection.closed',
              'ws.heartbeatTimeout': '#connection.closed',
              'xstate.error.actor.socket': '#connection.closed',
              'ws.authFailed': {},
              'ws.subscribeFailed': {},
              'connection.stop': {},
              'connection.reconnect': {},
            },
          },
        },
      },
      backoff: {
        description:
          'Waits min(base·2^n + jitter, max) ms, jitter uniform in [0, 0.3·base·2^n) from the PRNG state in context; n = consecutive reconnect attempts since live.',
        entry: 'chooseDelay',
        after: { backoff: { target: 'session', actions: 'startAttempt' } },
        on: { 'connection.stop': 'closed' },
      },
      gaveUp: {
        type: 'final',
        description: 'maxAttempts consecutive reconnect attempts failed; the supervisor decides what next.',
        entry: 'markGaveUp',
      },
      closed: { type: 'final', entry: 'markClosed' },
    },
    output: ({ context }) => ({
      kind: context.kind,
      attempts: context.attempt,
      gaveUp: context.finished === 'gaveUp',
    }),
  });
