import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createActor, fromPromise, initialTransition, transition, waitFor, type EventObject } from 'xstate';
import { SimClock } from '../../src/domain/clock.js';
import {
  shutdownMachine,
  shutdownSteps,
  type CancelAllOutput,
  type ShutdownInput,
  type ShutdownStep,
  type StepInput,
} from '../../src/machines/shutdown.js';
import { after, coverage, isPossible } from './support.js';

const input: ShutdownInput = {
  reason: 'signal',
  stepTimeoutsMs: {
    stopQuoter: 1_000,
    cancelOrders: 10_000,
    closePrivate: 3_000,
    closePublic: 3_000,
    flush: 10_000,
    stopWeb: 2_000,
  },
};

const stateOf: Record<ShutdownStep, string> = {
  stopQuoter: 'stoppingQuoter',
  cancelOrders: 'cancellingOrders',
  closePrivate: 'closingPrivate',
  closePublic: 'closingPublic',
  flush: 'flushing',
  stopWeb: 'stoppingWeb',
};
const actorOf: Record<ShutdownStep, string> = {
  stopQuoter: 'stopQuoter',
  cancelOrders: 'cancelAllOrders',
  closePrivate: 'closePrivate',
  closePublic: 'closePublic',
  flush: 'flush',
  stopWeb: 'stopWeb',
};

/** For every step: done (the cancel step verified or not), error, and its timeout. */
const events: EventObject[] = shutdownSteps.flatMap((step) => [
  ...(step === 'cancelOrders'
    ? [
        {
          type: 'xstate.done.actor.cancelAllOrders',
          actorId: 'cancelAllOrders',
          output: { verified: true, remaining: 0 },
        },
        {
          type: 'xstate.done.actor.cancelAllOrders',
          actorId: 'cancelAllOrders',
          output: { verified: false, remaining: 2 },
        },
      ]
    : [{ type: `xstate.done.actor.${actorOf[step]}`, actorId: actorOf[step], output: undefined }]),
  { type: `xstate.error.actor.${actorOf[step]}`, actorId: actorOf[step], error: new Error('step failed') },
  after(`${step}Timeout`, `shutdown.${stateOf[step]}`),
]);

function outcomeOf(e: EventObject): string {
  if (e.type.startsWith('xstate.done.')) return 'ok';
  if (e.type.startsWith('xstate.error.')) return 'error';
  return 'timeout';
}

describe('shutdown machine graph', () => {
  it('reaches every state and takes every transition on shortest paths', () => {
    const result = coverage(shutdownMachine, { inputs: [input], events });
    expect(result.missingStates).toEqual([]);
    expect(result.missingTransitions).toEqual([]);
  });
});

describe('shutdown machine properties (pure transition over arbitrary events)', () => {
  it('visits every step once, in order, cancelling before any close, whatever the outcomes', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...events), { maxLength: 60, size: 'max' }), (evs) => {
        const [s0, a0] = initialTransition(shutdownMachine, input);
        let s = s0;
        const visited: string[] = [s0.value];
        const started: string[] = a0
          .filter((a) => a.type === 'stepStarted')
          .map((a) => (a.params as { step: string }).step);
        const ended: { step: string; outcome: string }[] = [];
        for (const e of evs) {
          if (!isPossible(s, e) && !e.type.startsWith('xstate.after.')) continue;
          const prev = s;
          const [next, actions] = transition(shutdownMachine, s, e as never);
          expect(next.status).not.toBe('error');
          if (next.value !== prev.value) {
            visited.push(next.value);
            const end = actions
              .filter((a) => a.type === 'stepEnded')
              .map((a) => a.params as { step: string; outcome: string });
            expect(end).toHaveLength(1);
            expect(end[0]!.outcome).toBe(outcomeOf(e));
            ended.push(end[0]!);
          }
          started.push(
            ...actions
              .filter((a) => a.type === 'stepStarted')
              .map((a) => (a.params as { step: string }).step),
          );
          s = next;
        }
        const order = [...shutdownSteps.map((step) => stateOf[step]), 'done'];
        expect(visited).toEqual(order.slice(0, visited.length));
        expect(started).toEqual(shutdownSteps.slice(0, started.length));
        expect(ended.map((x) => x.step)).toEqual(shutdownSteps.slice(0, ended.length));
        const c = s.context;
        expect(Object.keys(c.steps)).toEqual(ended.map((x) => x.step));
        for (const x of ended) expect(c.steps[x.step as ShutdownStep]).toBe(x.outcome);
        if (s.status === 'done') {
          expect(s.output).toEqual({
            reason: 'signal',
            verified: c.verified,
            remaining: c.remaining,
            steps: c.steps,
          });
        }
        // Verified only by a cancel step that reported verification.
        if (c.verified) expect(c.steps.cancelOrders).toBe('ok');
      }),
    );
  });
});

/** Lets settled promises deliver their outcome (no time passes on the simulated clock). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('shutdown machine on a simulated clock', () => {
  it('moves on at each step timeout, aborting the step, and reports every outcome', async () => {
    const clock = new SimClock();
    const log: [string, number, unknown][] = [];
    let cancelSignal: AbortSignal | undefined;
    const ok = fromPromise<void, StepInput>(() => Promise.resolve());
    const machine = shutdownMachine.provide({
      actors: {
        stopQuoter: ok,
        cancelAllOrders: fromPromise<CancelAllOutput, StepInput>(({ input: stepInput, signal }) => {
          log.push(['cancel input', clock.now(), stepInput]);
          cancelSignal = signal;
          return new Promise<CancelAllOutput>(() => {});
        }),
        closePrivate: fromPromise<void, StepInput>(() => Promise.reject(new Error('socket gone'))),
        closePublic: ok,
        flush: fromPromise<void, StepInput>(() => new Promise<void>(() => {})),
        stopWeb: ok,
      },
      actions: {
        stepStarted: (_, p) => log.push(['started', clock.now(), p.step]),
        stepEnded: (_, p) => log.push(['ended', clock.now(), p]),
      },
    });
    const actor = createActor(machine, { clock, input }).start();
    for (let i = 0; i < 10 && actor.getSnapshot().status === 'active'; i++) {
      await settle();
      const next = clock.nextDue();
      if (actor.getSnapshot().status === 'active' && next !== undefined) clock.advanceTo(next);
    }
    await waitFor(actor, (s) => s.status === 'done');
    expect(cancelSignal?.aborted).toBe(true);
    expect(actor.getSnapshot().output).toEqual({
      reason: 'signal',
      verified: false,
      remaining: null,
      steps: {
        stopQuoter: 'ok',
        cancelOrders: 'timeout',
        closePrivate: 'error',
        closePublic: 'ok',
        flush: 'timeout',
        stopWeb: 'ok',
      },
    });
    expect(log).toEqual([
      ['started', 0, 'stopQuoter'],
      ['ended', 0, { step: 'stopQuoter', outcome: 'ok' }],
      ['started', 0, 'cancelOrders'],
      ['cancel input', 0, { reason: 'signal', timeoutMs: 10_000 }],
      ['ended', 10_000, { step: 'cancelOrders', outcome: 'timeout' }],
      ['started', 10_000, 'closePrivate'],
      ['ended', 10_000, { step: 'closePrivate', outcome: 'error' }],
      ['started', 10_000, 'closePublic'],
      ['ended', 10_000, { step: 'closePublic', outcome: 'ok' }],
      ['started', 10_000, 'flush'],
      ['ended', 20_000, { step: 'flush', outcome: 'timeout' }],
      ['started', 20_000, 'stopWeb'],
      ['ended', 20_000, { step: 'stopWeb', outcome: 'ok' }],
    ]);
  });

  it('reports a verified cancel', async () => {
    const ok = fromPromise<void, StepInput>(() => Promise.resolve());
    const machine = shutdownMachine.provide({
      actors: {
        stopQuoter: ok,
        cancelAllOrders: fromPromise<CancelAllOutput, StepInput>(() =>
          Promise.resolve({ verified: true, remaining: 0 }),
        ),
        closePrivate: ok,
        closePublic: ok,
        flush: ok,
        stopWeb: ok,
      },
    });
    const actor = createActor(machine, { clock: new SimClock(), input }).start();
    const done = await waitFor(actor, (s) => s.status === 'done');
    expect(done.output).toMatchObject({ verified: true, remaining: 0 });
    expect(Object.values(done.output!.steps)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
  });
});
