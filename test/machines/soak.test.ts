import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  createActor,
  fromCallback,
  fromPromise,
  initialTransition,
  transition,
  waitFor,
  type AnyMachineSnapshot,
  type EventObject,
} from 'xstate';
import { SimClock } from '../../src/domain/clock.js';
import {
  soakMachine,
  type AnalyseOutput,
  type CheckpointInput,
  type CheckpointOutput,
  type PrepareOutput,
  type SoakContext,
  type SoakEvent,
  type SoakInput,
  type StopInput,
  type StopOutput,
} from '../../src/machines/soak.js';
import { after, coverage, isPossible } from './support.js';

const input: SoakInput = {
  durationMs: 3_600_000,
  checkpointIntervalMs: 600_000,
  checkpointTimeoutMs: 120_000,
  prepareTimeoutMs: 120_000,
  stopTimeoutMs: 60_000,
  analyseTimeoutMs: 300_000,
};

/** An event with a payload (actor outcomes and outside events carry fields beyond `type`). */
type AnyEvent = EventObject & Record<string, unknown>;

const done = (id: string, output: unknown): AnyEvent => ({
  type: `xstate.done.actor.${id}`,
  actorId: id,
  output,
});
const error = (id: string): AnyEvent => ({
  type: `xstate.error.actor.${id}`,
  actorId: id,
  error: new Error(`${id} failed`),
});

const pass: AnalyseOutput = { verdict: 'PASS', failed: [] };
const fail: AnalyseOutput = { verdict: 'FAIL', failed: ['memory_leak'] };
const goodStop: StopOutput = { graceful: true, exit: 0, orphans: 0, detail: 'exit 0' };

/** Every event the machine can meet: outside events, actor outcomes and timers. */
const events: AnyEvent[] = [
  { type: 'bot.exited', exit: 1 },
  { type: 'soak.abort', reason: 'operator' },
  done('prepare', { startedAt: 1_000 } satisfies PrepareOutput),
  error('prepare'),
  after('prepareTimeout', 'soak.preparing'),
  after('soakDuration', 'soak.session.running'),
  after('checkpointInterval', 'soak.session.running.waiting'),
  done('checkpoint', { index: 1, ok: true, failed: [] } satisfies CheckpointOutput),
  done('checkpoint', { index: 1, ok: false, failed: ['orders', 'zombies'] } satisfies CheckpointOutput),
  error('checkpoint'),
  after('checkpointTimeout', 'soak.session.running.checking'),
  done('finalCheckpoint', { index: 2, ok: true, failed: [] } satisfies CheckpointOutput),
  error('finalCheckpoint'),
  after('checkpointTimeout', 'soak.session.finalCheck'),
  done('stopBot', goodStop),
  error('stopBot'),
  after('stopTimeout', 'soak.stopping'),
  done('analyse', pass),
  done('analyse', fail),
  error('analyse'),
  after('analyseTimeout', 'soak.analysing'),
];

/** Buckets the counters so the state graph stays finite. */
const serializeState = (s: AnyMachineSnapshot): string => {
  const c = s.context as SoakContext;
  return JSON.stringify([
    s.value,
    c.endReason,
    c.verdict,
    Math.min(c.checkpoints.run, 2),
    Math.min(c.checkpoints.failed, 1),
    c.stop?.graceful ?? null,
  ]);
};

describe('soak machine graph', () => {
  it('reaches every state and takes every transition on shortest paths', () => {
    const result = coverage(soakMachine, { inputs: [input], events, serializeState });
    expect(result.missingStates).toEqual([]);
    expect(result.missingTransitions).toEqual([]);
  });
});

/**
 * Whether an event can arrive in a snapshot: an actor outcome only while that actor runs, a timer
 * only while its state is active.
 */
function canHappen(s: AnyMachineSnapshot, e: EventObject): boolean {
  if (!isPossible(s, e)) return false;
  const m = /^xstate\.after\.[A-Za-z]+\.soak\.(.+)$/.exec(e.type);
  if (m === null) return true;
  const path = m[1]!.split('.');
  const value = path.reduceRight<unknown>(
    (acc, key) => (acc === undefined ? key : { [key]: acc }),
    undefined,
  );
  return s.matches(value);
}

/** Runs events through the pure machine, skipping actor outcomes of actors not running. */
function run(evs: readonly EventObject[]) {
  const [s0, a0] = initialTransition(soakMachine, input);
  let s = s0;
  const states: string[] = [JSON.stringify(s0.value)];
  const announced = a0.filter((a) => a.type === 'announce').map((a) => (a.params as { phase: string }).phase);
  for (const e of evs) {
    if (!canHappen(s, e)) continue;
    const [next, actions] = transition(soakMachine, s, e as SoakEvent);
    expect(next.status).not.toBe('error');
    announced.push(
      ...actions.filter((a) => a.type === 'announce').map((a) => (a.params as { phase: string }).phase),
    );
    if (JSON.stringify(next.value) !== states[states.length - 1]) states.push(JSON.stringify(next.value));
    s = next;
  }
  return { s, states, announced };
}

const top = (value: string): string => {
  const v = JSON.parse(value) as unknown;
  return typeof v === 'string' ? v : Object.keys(v as object)[0]!;
};

const runArb = fc.array(fc.constantFrom(...events), { maxLength: 80, size: 'max' });

describe('soak machine properties (pure transition over arbitrary events)', () => {
  it('never analyses a bot it has not stopped, and moves through the phases in order', () => {
    fc.assert(
      fc.property(runArb, (evs) => {
        const { states } = run(evs);
        const phases = states.map(top).filter((p, i, a) => i === 0 || a[i - 1] !== p);
        const order = ['preparing', 'session', 'stopping', 'analysing'];
        let last = -1;
        for (const p of phases) {
          const i = p === 'passed' || p === 'failed' ? 4 : order.indexOf(p);
          expect(i).toBeGreaterThan(last);
          last = i;
        }
        if (phases.includes('analysing')) expect(phases).toContain('stopping');
      }),
    );
  });

  it('passes only after the planned time, a final checkpoint and a PASS analysis', () => {
    fc.assert(
      fc.property(runArb, (evs) => {
        const { s, states } = run(evs);
        if (s.status !== 'done') return;
        const out = s.output;
        if (s.value === 'passed') {
          expect(out.verdict).toBe('PASS');
          expect(s.context.endReason).toBe('duration');
          expect(states.some((v) => v.includes('finalCheck'))).toBe(true);
        } else {
          expect(out.verdict).toBe('FAIL');
        }
        // Final states absorb everything.
        for (const e of events) {
          const [next] = transition(soakMachine, s, e as SoakEvent);
          expect(next.value).toBe(s.value);
        }
      }),
    );
  });

  it('records why the run ended: a crash or an abort is never taken for the full time', () => {
    fc.assert(
      fc.property(runArb, (evs) => {
        const [s0] = initialTransition(soakMachine, input);
        let s = s0;
        for (const e of evs) {
          if (!canHappen(s, e)) continue;
          const prev = s;
          [s] = transition(soakMachine, s, e as SoakEvent);
          const leftSession = prev.matches('session') && !s.matches('session');
          if (leftSession && e.type === 'bot.exited') {
            expect(s.context.endReason).toBe('crash');
            expect(s.context.crash).toBe('exit 1');
          }
          // An abort during the final checkpoint comes after the planned time was run.
          if (leftSession && e.type === 'soak.abort')
            expect(s.context.endReason).toBe(prev.matches({ session: 'finalCheck' }) ? 'duration' : 'abort');
          if (prev.matches('preparing') && s.matches('stopping'))
            expect(['prepare_failed', 'prepare_timeout', 'abort']).toContain(s.context.endReason);
          if (s.matches('stopping') || s.matches('analysing')) expect(s.context.endReason).not.toBeNull();
        }
      }),
    );
  });

  it('counts every checkpoint once, however it ended', () => {
    fc.assert(
      fc.property(runArb, (evs) => {
        const [s0] = initialTransition(soakMachine, input);
        let s = s0;
        let ended = 0;
        let bad = 0;
        for (const e of evs) {
          if (!canHappen(s, e)) continue;
          const checking =
            s.matches({ session: { running: 'checking' } }) || s.matches({ session: 'finalCheck' });
          const prev = s;
          [s] = transition(soakMachine, s, e as SoakEvent);
          const out = (e as { output?: CheckpointOutput }).output;
          const isCheckpointEnd =
            checking &&
            (e.type.includes('actor.checkpoint') ||
              e.type.includes('actor.finalCheckpoint') ||
              e.type.startsWith('xstate.after.checkpointTimeout'));
          if (isCheckpointEnd) {
            ended++;
            if (!e.type.startsWith('xstate.done') || out?.ok === false) bad++;
          }
          if (!isCheckpointEnd) expect(s.context.checkpoints.run).toBe(prev.context.checkpoints.run);
        }
        expect(s.context.checkpoints.run).toBe(ended);
        expect(s.context.checkpoints.failed).toBe(bad);
      }),
    );
  });
});

/** Lets settled promises deliver their outcome (no simulated time passes). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs an actor on a simulated clock, advancing to each next timer once promises have settled. */
async function drive(actor: { getSnapshot(): { status: string } }, clock: SimClock, maxSteps = 200) {
  for (let i = 0; i < maxSteps && actor.getSnapshot().status === 'active'; i++) {
    await settle();
    const next = clock.nextDue();
    if (actor.getSnapshot().status === 'active' && next !== undefined) clock.advanceTo(next);
  }
}

const machineWithLog = (
  log: unknown[],
  over: {
    checkpoint?: (i: CheckpointInput) => Promise<CheckpointOutput>;
    watchBot?: (send: (e: SoakEvent) => void) => void;
    analyse?: (c: SoakContext) => Promise<AnalyseOutput>;
  } = {},
) =>
  soakMachine.provide({
    actors: {
      prepare: fromPromise<PrepareOutput, undefined>(() => Promise.resolve({ startedAt: 0 })),
      monitor: fromCallback<SoakEvent, undefined>(() => {
        log.push('monitor on');
        return () => log.push('monitor off');
      }),
      watchBot: fromCallback<SoakEvent, undefined>(({ sendBack }) => {
        over.watchBot?.(sendBack);
        return () => undefined;
      }),
      checkpoint: fromPromise<CheckpointOutput, CheckpointInput>(({ input: i }) => {
        log.push(['checkpoint', i]);
        return over.checkpoint?.(i) ?? Promise.resolve({ index: i.index, ok: true, failed: [] });
      }),
      stopBot: fromPromise<StopOutput, StopInput>(({ input: i }) => {
        log.push(['stop', i.endReason]);
        return Promise.resolve(goodStop);
      }),
      analyse: fromPromise<AnalyseOutput, SoakContext>(({ input: c }) => {
        log.push(['analyse', c.endReason, c.checkpoints.run]);
        return over.analyse?.(c) ?? Promise.resolve(pass);
      }),
    },
    actions: { announce: (_, p) => log.push(['announce', p.phase]) },
  });

describe('soak machine on a simulated clock', () => {
  it('runs the planned time with a checkpoint every interval, then stops, analyses and passes', async () => {
    const clock = new SimClock();
    const log: unknown[] = [];
    const actor = createActor(machineWithLog(log), { clock, input }).start();
    await drive(actor, clock);
    const s = await waitFor(actor, (x) => x.status === 'done');
    expect(s.value).toBe('passed');
    expect(s.output).toMatchObject({ verdict: 'PASS', endReason: 'duration' });
    // Five regular checkpoints (at 10 … 50 min); the one due at 60 min gives way to the final one.
    const checkpoints = log.filter((x) => Array.isArray(x) && x[0] === 'checkpoint');
    expect(checkpoints).toHaveLength(6);
    expect(checkpoints.at(-1)).toEqual(['checkpoint', { index: 6, final: true }]);
    const announced = log.flatMap((x) => (Array.isArray(x) && x[0] === 'announce' ? [x[1] as string] : []));
    expect(announced).toEqual(['preparing', 'running', 'checkpoint', 'stopping', 'analysing', 'passed']);
    expect(log).toContainEqual(['stop', 'duration']);
    expect(log).toContainEqual(['analyse', 'duration', 6]);
    expect(log).toContain('monitor on');
    expect(log.indexOf('monitor off')).toBeLessThan(
      log.findIndex((x) => Array.isArray(x) && x[0] === 'stop'),
    );
  });
});

describe('soak machine on a simulated clock: failures', () => {
  it('takes a crash straight to stopping and fails, with the crash recorded', async () => {
    const clock = new SimClock();
    const log: unknown[] = [];
    let crash: ((e: SoakEvent) => void) | undefined;
    const actor = createActor(machineWithLog(log, { watchBot: (send) => (crash = send) }), {
      clock,
      input,
    }).start();
    await settle();
    clock.advanceBy(15 * 60_000);
    crash!({ type: 'bot.exited', exit: 'SIGKILL' });
    await drive(actor, clock);
    const s = await waitFor(actor, (x) => x.status === 'done');
    expect(s.value).toBe('failed');
    expect(s.context).toMatchObject({ endReason: 'crash', crash: 'exit SIGKILL' });
    expect(log).toContainEqual(['stop', 'crash']);
    // The analysis said PASS, but a run that did not complete its time never passes.
    expect(s.output?.verdict).toBe('FAIL');
  });

  it('moves on when a checkpoint hangs, counting it as timed out', async () => {
    const clock = new SimClock();
    const log: unknown[] = [];
    const actor = createActor(
      machineWithLog(log, {
        checkpoint: (i) =>
          i.index === 2
            ? new Promise<CheckpointOutput>(() => undefined)
            : Promise.resolve({ index: i.index, ok: i.index !== 3, failed: i.index === 3 ? ['orders'] : [] }),
      }),
      { clock, input },
    ).start();
    await drive(actor, clock);
    const s = await waitFor(actor, (x) => x.status === 'done');
    expect(s.context.checkpoints).toMatchObject({
      timedOut: 1,
      errored: 0,
      failed: 2,
      failedChecks: { orders: 1 },
    });
  });
});
