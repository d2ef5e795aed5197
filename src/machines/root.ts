/**
 * The root supervisor: starting → running → shuttingDown → stopped. It runs the start-up work
 * (`startup`: instruments, start-up reconciliation), spawns the bot's long-lived children by name,
 * restarts a child that fails or finishes unexpectedly (a connection that gave up, say) within a
 * restart budget, and escalates to the shutdown machine when the budget is spent, when start-up
 * fails, or when asked (`shutdown.request`: a signal, exit_on_halt, a fatal error).
 *
 * XState has no supervision strategy of its own (docs/xstate-v5.md §1.7): a failed child is
 * stopped (finished children are otherwise kept in the snapshot, §1.2) and spawned again, under the
 * same id and systemId, after restartBackoffMs by a delayed `child.respawn`. The budget counts
 * restarts and resets after restartWindowMs without one.
 *
 * Exit code: 0 only when the shutdown was requested by a signal and the cancel of every order was
 * verified; 1 otherwise (a halt with exit_on_halt, a fatal error, a failed start-up, a spent restart
 * budget, or any shutdown that could not verify the exchange is clean), so that a process manager
 * with an on-failure policy restarts the bot and an operator sees the failure.
 */
import { enqueueActions, setup, type AnyActorLogic, type EventObject } from 'xstate';
import { missingCallback, missingPromise } from './placeholders.js';
import { shutdownMachine, type ShutdownInput, type ShutdownOutput } from './shutdown.js';

/** The children the actor layer is expected to provide (by these names) and list in `children`. */
export const rootChildNames = [
  'publicFeed',
  'privateFeed',
  'tradeFeed',
  'orders',
  'risk',
  'quoter',
  'recorder',
  'monitor',
  'web',
] as const;

/** A child the root supervises. */
export type RootChildName = (typeof rootChildNames)[number];

/** Why the bot shuts down. */
export type ShutdownReason = 'signal' | 'exit_on_halt' | 'fatal' | 'startup_failed' | 'restart_budget';

/** What the root machine is started with. */
export interface RootInput {
  /** The children to spawn once started, by the names of the actor logics provided. */
  readonly children: readonly string[];
  /** The input each child is spawned (and respawned) with, by name; children without one get none. */
  readonly childInputs?: Readonly<Record<string, unknown>>;
  /** Restarts allowed within the window before escalating to shutdown. */
  readonly restartBudget: number;
  /** The budget resets after this long without a restart. */
  readonly restartWindowMs: number;
  /** Delay before a failed child is spawned again. */
  readonly restartBackoffMs: number;
  /** The shutdown machine's input, less the reason (the root supplies it). */
  readonly shutdownInput: Omit<ShutdownInput, 'reason'>;
}

/** Every event the root machine accepts from outside. */
export type RootEvent =
  | { type: 'shutdown.request'; reason: 'signal' | 'exit_on_halt' | 'fatal' }
  | { type: 'child.respawn'; id: string };

/** The root machine's context. */
export interface RootContext extends RootInput {
  /** Restarts within the current window. */
  readonly restarts: number;
  /** Children stopped after a failure and waiting for their respawn. */
  readonly pending: readonly string[];
  readonly reason: ShutdownReason | null;
  readonly verified: boolean;
}

/** The root machine's output: what the process should exit with. */
export interface RootOutput {
  readonly exitCode: 0 | 1;
  readonly reason: ShutdownReason;
  readonly verified: boolean;
}

type ChildEvent = { type: string; actorId?: string };

/** A spawned child finished or failed (XState's own events, listed so wildcards type-check). */
type ChildEndEvent =
  | { type: `xstate.done.actor.${string}`; actorId: string; output: unknown }
  | { type: `xstate.error.actor.${string}`; actorId: string; error: unknown };

type MachineEvent = RootEvent | ChildEndEvent;

function actorIdOf(event: EventObject): string | undefined {
  return (event as ChildEvent).actorId;
}

/** A placeholder child; the actor layer provides any kind of actor logic under the name. */
const child = (name: RootChildName): AnyActorLogic => missingCallback(name);

type LeafAction =
  | { type: 'childRestarted'; params: { id: string; restarts: number } }
  | { type: 'escalated'; params: { reason: ShutdownReason; error?: unknown } };

const base = setup({
  types: {
    context: {} as RootContext,
    events: {} as MachineEvent,
    input: {} as RootInput,
    output: {} as RootOutput,
  },
  actors: {
    startup: missingPromise<unknown, undefined>('startup'),
    shutdown: shutdownMachine,
    publicFeed: child('publicFeed'),
    privateFeed: child('privateFeed'),
    tradeFeed: child('tradeFeed'),
    orders: child('orders'),
    risk: child('risk'),
    quoter: child('quoter'),
    recorder: child('recorder'),
    monitor: child('monitor'),
    web: child('web'),
  },
  actions: {
    childRestarted: (_, _params: { id: string; restarts: number }) => {},
    escalated: (_, _params: { reason: ShutdownReason; error?: unknown }) => {},
  },
  guards: {
    isSupervisedChild: ({ context, event }) => {
      const id = actorIdOf(event);
      return id !== undefined && context.children.includes(id);
    },
    isAwaitingRespawn: ({ context, event }) =>
      event.type === 'child.respawn' && context.pending.includes(event.id),
    canRestart: ({ context, event }) => {
      const id = actorIdOf(event);
      return id !== undefined && context.children.includes(id) && context.restarts < context.restartBudget;
    },
  },
  delays: {
    restartBackoff: ({ context }) => context.restartBackoffMs,
    restartWindow: ({ context }) => context.restartWindowMs,
  },
});

const spawnChildren = base.enqueueActions(({ context, enqueue }) => {
  // Names come from the actor layer; a name it did not provide spawns nothing (xstate warns).
  for (const id of context.children)
    enqueue.spawnChild(id as RootChildName, { id, systemId: id, input: context.childInputs?.[id] });
});

const respawnChild = base.enqueueActions(({ context, event, enqueue }) => {
  if (event.type !== 'child.respawn') return;
  enqueue.assign({ pending: context.pending.filter((id) => id !== event.id) });
  enqueue.spawnChild(event.id as RootChildName, {
    id: event.id,
    systemId: event.id,
    input: context.childInputs?.[event.id],
  });
});

const stopFinishedChild = base.enqueueActions(({ event, enqueue }) => {
  const id = actorIdOf(event);
  if (id !== undefined) enqueue.stopChild(id);
});

const restartChild = enqueueActions<
  RootContext,
  MachineEvent,
  undefined,
  MachineEvent,
  never,
  LeafAction,
  never,
  'restartBackoff',
  EventObject
>(({ context, event, enqueue }) => {
  const id = actorIdOf(event);
  if (id === undefined) return;
  const restarts = context.restarts + 1;
  enqueue.stopChild(id);
  enqueue.assign({ restarts, pending: [...context.pending, id] });
  enqueue({ type: 'childRestarted', params: { id, restarts } });
  // An explicit id keeps the scheduled event deterministic (an id-less delayed event gets a random one).
  enqueue.raise({ type: 'child.respawn', id }, { delay: 'restartBackoff', id: `respawn.${id}` });
});

/**
 * A supervised child failed or finished: restart it within the budget, else escalate. Any other
 * child falls through to the root's handler, which only stops it.
 */
const childEnded = (recoverTarget: string) =>
  [
    { guard: 'canRestart', target: recoverTarget, reenter: true, actions: 'restartChild' },
    {
      guard: 'isSupervisedChild',
      target: '#root.shuttingDown',
      actions: ['stopFinishedChild', 'escalateBudget'],
    },
  ] as const;

/** The root supervisor machine. */
export const rootMachine = base
  .extend({
    actions: {
      spawnChildren,
      respawnChild,
      stopFinishedChild,
      restartChild,
      recordReason: base.assign(({ context, event }) => ({
        reason: event.type === 'shutdown.request' ? event.reason : context.reason,
      })),
      escalateBudget: base.enqueueActions(({ enqueue }) => {
        enqueue.assign({ reason: 'restart_budget' });
        enqueue({ type: 'escalated', params: { reason: 'restart_budget' } });
      }),
      escalateStartup: base.enqueueActions(({ enqueue, event }) => {
        enqueue.assign({ reason: 'startup_failed' });
        // The operator needs the cause (a bad instrument size, an unreachable venue), not only the verdict.
        const error = (event as { error?: unknown }).error;
        enqueue({ type: 'escalated', params: { reason: 'startup_failed', error } });
      }),
      resetRestarts: base.assign({ restarts: 0 }),
      recordShutdown: base.assign(({ context, event }) => {
        const out = (event as { output?: ShutdownOutput }).output;
        return { verified: out?.verified === true ? true : context.verified };
      }),
    },
  })
  .createMachine({
    id: 'root',
    description:
      'Supervises the bot: start-up, children with a restart budget, escalation to the shutdown machine, and the exit code.',
    options: { maxIterations: 1000 },
    context: ({ input }) => ({ ...input, restarts: 0, pending: [], reason: null, verified: false }),
    initial: 'starting',
    on: {
      // Whatever the state, a finished or failed spawned child is stopped so it is not kept.
      'xstate.done.actor.*': { actions: 'stopFinishedChild' },
      'xstate.error.actor.*': { actions: 'stopFinishedChild' },
    },
    states: {
      starting: {
        description: 'Loads instruments and reconciles start-up orders (the startup actor).',
        invoke: {
          id: 'startup',
          src: 'startup',
          onDone: 'running',
          onError: { target: 'shuttingDown', actions: 'escalateStartup' },
        },
        on: { 'shutdown.request': { target: 'shuttingDown', actions: 'recordReason' } },
      },
      running: {
        description:
          'Children run (spawned by name, id = systemId = name). A child that errors or finishes is stopped and respawned after restartBackoffMs while the budget lasts; the budget resets after restartWindowMs without a restart.',
        entry: 'spawnChildren',
        initial: 'steady',
        on: {
          'shutdown.request': { target: 'shuttingDown', actions: 'recordReason' },
          'child.respawn': { guard: 'isAwaitingRespawn', actions: 'respawnChild' },
        },
        states: {
          steady: {
            on: {
              'xstate.done.actor.*': childEnded('recovering'),
              'xstate.error.actor.*': childEnded('recovering'),
            },
          },
          recovering: {
            description:
              'Restarted recently: the budget is in use until restartWindowMs pass without a restart.',
            after: { restartWindow: { target: 'steady', actions: 'resetRestarts' } },
            on: {
              'xstate.done.actor.*': childEnded('recovering'),
              'xstate.error.actor.*': childEnded('recovering'),
            },
          },
        },
      },
      shuttingDown: {
        description:
          'Runs the shutdown machine (stop quoting, cancel and verify, close sockets, flush, stop web). Children stay up until then: cancels need the sockets.',
        invoke: {
          id: 'shutdown',
          src: 'shutdown',
          input: ({ context }) => ({ ...context.shutdownInput, reason: context.reason ?? 'fatal' }),
          onDone: { target: 'stopped', actions: 'recordShutdown' },
          onError: 'stopped',
        },
      },
      stopped: { type: 'final' },
    },
    output: ({ context }) => {
      const reason = context.reason ?? 'fatal';
      return {
        exitCode: reason === 'signal' && context.verified ? 0 : 1,
        reason,
        verified: context.verified,
      };
    },
  });
