import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  createActor,
  fromPromise,
  initialTransition,
  transition,
  waitFor,
  type AnyMachineSnapshot,
  type EventObject,
} from 'xstate';
import { SimClock } from '../../src/domain/clock.js';
import { rootMachine, type RootContext, type RootInput } from '../../src/machines/root.js';
import { shutdownMachine, type CancelAllOutput, type StepInput } from '../../src/machines/shutdown.js';
import { after, coverage, isPossible } from './support.js';

const stepTimeoutsMs = {
  stopQuoter: 1_000,
  cancelOrders: 10_000,
  closePrivate: 3_000,
  closePublic: 3_000,
  flush: 10_000,
  stopWeb: 2_000,
};
const input: RootInput = {
  children: ['publicFeed', 'web'],
  restartBudget: 2,
  restartWindowMs: 60_000,
  restartBackoffMs: 500,
  shutdownInput: { stepTimeoutsMs },
};

const ERR = new Error('boom');
const childEvents = (id: string): EventObject[] => [
  { type: `xstate.done.actor.${id}`, actorId: id, output: undefined } as EventObject,
  { type: `xstate.error.actor.${id}`, actorId: id, error: ERR } as EventObject,
  { type: 'child.respawn', id } as EventObject,
];
const events: EventObject[] = [
  { type: 'xstate.done.actor.startup', actorId: 'startup', output: undefined } as EventObject,
  { type: 'xstate.error.actor.startup', actorId: 'startup', error: ERR } as EventObject,
  { type: 'shutdown.request', reason: 'signal' } as EventObject,
  { type: 'shutdown.request', reason: 'exit_on_halt' } as EventObject,
  { type: 'shutdown.request', reason: 'fatal' } as EventObject,
  ...childEvents('publicFeed'),
  ...childEvents('web'),
  after('restartWindow', 'root.running.recovering'),
  {
    type: 'xstate.done.actor.shutdown',
    actorId: 'shutdown',
    output: { reason: 'signal', verified: true, remaining: 0, steps: {} },
  } as EventObject,
  {
    type: 'xstate.done.actor.shutdown',
    actorId: 'shutdown',
    output: { reason: 'signal', verified: false, remaining: 3, steps: {} },
  } as EventObject,
  { type: 'xstate.error.actor.shutdown', actorId: 'shutdown', error: ERR } as EventObject,
];

const ctx = (s: AnyMachineSnapshot) => s.context as RootContext;

describe('root machine graph', () => {
  it('reaches every state and takes every transition on shortest paths', () => {
    const result = coverage(rootMachine, {
      inputs: [input, { ...input, restartBudget: 0 }],
      events,
      serializeState: (s) =>
        JSON.stringify([
          s.value,
          ctx(s).restarts,
          ctx(s).reason,
          ctx(s).verified,
          Object.keys(s.children as object).sort(),
          ctx(s).pending,
        ]),
    });
    expect(result.missingStates).toEqual([]);
    expect(result.missingTransitions).toEqual([]);
  });
});

describe('root machine properties (pure transition over arbitrary events)', () => {
  const runArb = fc.array(fc.constantFrom(...events), { maxLength: 80, size: 'max' });
  const budgetArb = fc.integer({ min: 0, max: 4 });

  it('keeps restarts within the budget and escalates exactly when it is spent', () => {
    fc.assert(
      fc.property(budgetArb, runArb, (budget, evs) => {
        let [s] = initialTransition(rootMachine, { ...input, restartBudget: budget });
        for (const e of evs) {
          if (!isPossible(s, e)) continue;
          const prev = s;
          const [next, actions] = transition(rootMachine, s, e as never);
          expect(next.status).not.toBe('error');
          expect(ctx(next).restarts).toBeLessThanOrEqual(budget);
          const childEnd = /^xstate\.(done|error)\.actor\.(publicFeed|web)$/.test(e.type);
          if (childEnd && prev.matches('running')) {
            const restarted = actions.filter((a) => a.type === 'childRestarted');
            if (ctx(prev).restarts < budget) {
              expect(restarted.map((a) => a.params)).toEqual([
                { id: (e as EventObject & { actorId: string }).actorId, restarts: ctx(prev).restarts + 1 },
              ]);
              expect(next.matches({ running: 'recovering' })).toBe(true);
            } else {
              expect(restarted).toEqual([]);
              expect(next.value).toBe('shuttingDown');
              expect(ctx(next).reason).toBe('restart_budget');
              expect(actions.filter((a) => a.type === 'escalated').map((a) => a.params)).toEqual([
                { reason: 'restart_budget' },
              ]);
            }
          }
          // A child that ended is not kept (until a respawn brings it back).
          if (childEnd)
            expect(next.children[(e as EventObject & { actorId: string }).actorId]).toBeUndefined();
          s = next;
        }
      }),
    );
  });

  it('shuts down once, keeps the first reason, and exits 0 only for a verified signal shutdown', () => {
    fc.assert(
      fc.property(runArb, (evs) => {
        let [s] = initialTransition(rootMachine, input);
        let firstReason: string | null = null;
        for (const e of evs) {
          if (!isPossible(s, e)) continue;
          const prev = s;
          [s] = transition(rootMachine, s, e as never);
          if (!prev.matches('shuttingDown') && s.matches('shuttingDown')) firstReason = ctx(s).reason;
          if (prev.matches('shuttingDown') || prev.status === 'done')
            expect(ctx(s).reason).toBe(ctx(prev).reason);
        }
        if (s.status === 'done') {
          const out = s.output as { exitCode: number; reason: string; verified: boolean };
          expect(out.reason).toBe(firstReason);
          expect(out.exitCode).toBe(out.reason === 'signal' && out.verified ? 0 : 1);
        }
      }),
    );
  });
});

/** Lets settled promises deliver their outcome (no time passes on the simulated clock). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function harness(
  opts: { startup?: () => Promise<unknown>; verified?: boolean; childInputs?: Record<string, unknown> } = {},
) {
  const clock = new SimClock();
  const calls: [string, number, unknown][] = [];
  const feeds: { fail: (e: Error) => void; input: unknown }[] = [];
  const ok = fromPromise<void, StepInput>(() => Promise.resolve());
  const machine = rootMachine.provide({
    actors: {
      startup: fromPromise(() => (opts.startup ?? (() => Promise.resolve('instruments')))()),
      publicFeed: fromPromise<void, unknown>(
        ({ input: childInput }) =>
          new Promise<void>((_, reject) => {
            feeds.push({ fail: reject, input: childInput });
          }),
      ),
      web: fromPromise<void>(() => new Promise<void>(() => {})),
      shutdown: shutdownMachine.provide({
        actors: {
          stopQuoter: ok,
          cancelAllOrders: fromPromise<CancelAllOutput, StepInput>(() =>
            Promise.resolve({ verified: opts.verified ?? true, remaining: opts.verified === false ? 1 : 0 }),
          ),
          closePrivate: ok,
          closePublic: ok,
          flush: ok,
          stopWeb: ok,
        },
      }),
    },
    actions: {
      childRestarted: (_, p) => calls.push(['childRestarted', clock.now(), p]),
      escalated: (_, p) => calls.push(['escalated', clock.now(), p]),
    },
  });
  const actor = createActor(machine, {
    clock,
    input: opts.childInputs === undefined ? input : { ...input, childInputs: opts.childInputs },
  });
  const errors: unknown[] = [];
  actor.subscribe({ error: (e) => errors.push(e) });
  actor.start();
  return { clock, actor, calls, feeds, errors };
}

describe('root machine on a simulated clock', () => {
  it('restarts a failing child after the backoff, under the same systemId, and escalates when the budget is spent', async () => {
    const h = harness();
    await waitFor(h.actor, (s) => s.matches('running'));
    expect(h.feeds).toHaveLength(1);
    expect(h.actor.system.get('publicFeed')).toBeDefined();
    expect(h.actor.system.get('web')).toBeDefined();

    for (let n = 1; n <= 2; n++) {
      h.feeds.at(-1)!.fail(ERR);
      await settle();
      expect(h.actor.getSnapshot().children.publicFeed).toBeUndefined();
      h.clock.advanceBy(499);
      expect(h.feeds).toHaveLength(n);
      h.clock.advanceBy(1);
      expect(h.feeds).toHaveLength(n + 1);
      expect(h.actor.system.get('publicFeed')).toBe(h.actor.getSnapshot().children.publicFeed);
    }
    h.feeds.at(-1)!.fail(ERR);
    const end = await waitFor(h.actor, (s) => s.status === 'done');
    expect(end.output).toEqual({ exitCode: 1, reason: 'restart_budget', verified: true });
    expect(h.calls).toEqual([
      ['childRestarted', 0, { id: 'publicFeed', restarts: 1 }],
      ['childRestarted', 500, { id: 'publicFeed', restarts: 2 }],
      ['escalated', 1_000, { reason: 'restart_budget' }],
    ]);
    expect(h.errors).toEqual([]);
  });

  it('spawns and respawns each child with its configured input', async () => {
    const h = harness({ childInputs: { publicFeed: { kind: 'public' } } });
    await waitFor(h.actor, (s) => s.matches('running'));
    h.feeds.at(-1)!.fail(ERR);
    await settle();
    h.clock.advanceBy(500);
    expect(h.feeds.map((f) => f.input)).toEqual([{ kind: 'public' }, { kind: 'public' }]);
  });

  it('gives the budget back after restartWindowMs without a restart', async () => {
    const h = harness();
    await waitFor(h.actor, (s) => s.matches('running'));
    h.feeds.at(-1)!.fail(ERR);
    await settle();
    expect(h.actor.getSnapshot().context.restarts).toBe(1);
    h.clock.advanceBy(59_999);
    expect(h.actor.getSnapshot().value).toEqual({ running: 'recovering' });
    h.clock.advanceBy(1);
    expect(h.actor.getSnapshot().value).toEqual({ running: 'steady' });
    expect(h.actor.getSnapshot().context.restarts).toBe(0);
  });

  it('exits 0 after a signal when the cancel is verified, 1 when it is not', async () => {
    for (const verified of [true, false]) {
      const h = harness({ verified });
      await waitFor(h.actor, (s) => s.matches('running'));
      h.actor.send({ type: 'shutdown.request', reason: 'signal' });
      h.actor.send({ type: 'shutdown.request', reason: 'fatal' });
      const end = await waitFor(h.actor, (s) => s.status === 'done');
      expect(end.output).toEqual({ exitCode: verified ? 0 : 1, reason: 'signal', verified });
      expect(h.calls).toEqual([]);
    }
  });

  it('shuts down with exit code 1 when start-up fails, passing the cause on', async () => {
    const cause = new Error('no instruments');
    const h = harness({ startup: () => Promise.reject(cause) });
    const end = await waitFor(h.actor, (s) => s.status === 'done');
    expect(end.output).toEqual({ exitCode: 1, reason: 'startup_failed', verified: true });
    expect(h.calls).toEqual([['escalated', 0, { reason: 'startup_failed', error: cause }]]);
    expect(h.feeds).toEqual([]);
  });
});
