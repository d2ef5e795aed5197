/**
 * The soak machine: preparing → session (running: a checkpoint every interval, then a final
 * checkpoint) → stopping → analysing → passed or failed. It decides the order of the phases and
 * bounds each one with a timeout; the work (starting the simulator and the bot, sampling
 * resources, comparing the bot with the venue, SIGTERM, the analysis) is done by named actors the
 * soak harness provides. Whatever happens (a failed start, a crash, an abort, a step that hangs),
 * the bot is stopped before anything is analysed, and the analysis always runs, so every run ends
 * with a verdict and its artifacts.
 *
 * The machine runs on the harness's clock: the wall clock for a real-time soak, the simulated
 * clock of the accelerated soak (so its hours are simulated hours there).
 */
import { setup } from 'xstate';
import type { CriterionId, EndReason, Verdict } from '../domain/soak/criteria.js';
import { missingCallback, missingPromise } from './placeholders.js';

/** What a soak machine is started with (milliseconds of the harness's clock). */
export interface SoakInput {
  readonly durationMs: number;
  readonly checkpointIntervalMs: number;
  readonly checkpointTimeoutMs: number;
  readonly prepareTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly analyseTimeoutMs: number;
}

/** What `prepare` resolves with once the bot is up and ready. */
export interface PrepareOutput {
  /** Clock time the run starts from. */
  readonly startedAt: number;
}

/** What a checkpoint actor is started with. */
export interface CheckpointInput {
  /** 1-based number of this checkpoint. */
  readonly index: number;
  /** The last one, taken when the time is up and before the bot is stopped. */
  readonly final: boolean;
}

/** What a checkpoint actor resolves with. */
export interface CheckpointOutput {
  readonly index: number;
  readonly ok: boolean;
  /** Names of the checks that failed (orders, position, book, feeds, zombies, disk, logs). */
  readonly failed: readonly string[];
}

/** What `stopBot` is started with. */
export interface StopInput {
  readonly endReason: EndReason;
}

/** How the bot ended, from `stopBot`. */
export interface StopOutput {
  readonly graceful: boolean;
  readonly exit: number | string | null;
  /** Open orders of ours on the venue after the stop (null: could not be read). */
  readonly orphans: number | null;
  readonly detail: string;
}

/** What `analyse` resolves with. */
export interface AnalyseOutput {
  readonly verdict: Verdict;
  readonly failed: readonly CriterionId[];
}

/** Checkpoint tallies. */
export interface CheckpointTally {
  readonly run: number;
  readonly failed: number;
  readonly errored: number;
  readonly timedOut: number;
  /** How many checkpoints failed each check. */
  readonly failedChecks: Readonly<Record<string, number>>;
}

/** The soak machine's context: what the analysis is given. */
export interface SoakContext extends SoakInput {
  readonly startedAt: number | null;
  readonly endReason: EndReason | null;
  /** The bot's unexpected exit (code or signal). */
  readonly crash: string | null;
  /** Why preparing failed. */
  readonly problem: string | null;
  readonly checkpoints: CheckpointTally;
  readonly stop: StopOutput | null;
  readonly verdict: Verdict | null;
  readonly failedCriteria: readonly CriterionId[];
}

/** Every event the soak machine accepts from outside (besides its actors' outcomes). */
export type SoakEvent =
  { type: 'bot.exited'; exit: number | string | null } | { type: 'soak.abort'; reason: string };

/** The machine's output. */
export interface SoakOutput {
  readonly verdict: Verdict;
  readonly endReason: EndReason | null;
  readonly failedCriteria: readonly CriterionId[];
  readonly checkpoints: CheckpointTally;
}

/** The phases, as announced to the progress display. */
export type SoakPhase =
  'preparing' | 'running' | 'checkpoint' | 'stopping' | 'analysing' | 'passed' | 'failed';

const noTally: CheckpointTally = { run: 0, failed: 0, errored: 0, timedOut: 0, failedChecks: {} };

const base = setup({
  types: {
    context: {} as SoakContext,
    events: {} as SoakEvent,
    input: {} as SoakInput,
    output: {} as SoakOutput,
  },
  actors: {
    prepare: missingPromise<PrepareOutput, undefined>('prepare'),
    monitor: missingCallback<SoakEvent, undefined>('monitor'),
    watchBot: missingCallback<SoakEvent, undefined>('watchBot'),
    checkpoint: missingPromise<CheckpointOutput, CheckpointInput>('checkpoint'),
    stopBot: missingPromise<StopOutput, StopInput>('stopBot'),
    analyse: missingPromise<AnalyseOutput, SoakContext>('analyse'),
  },
  actions: {
    announce: (_, _params: { phase: SoakPhase; detail: string }) => {},
  },
  delays: {
    soakDuration: ({ context }) => context.durationMs,
    checkpointInterval: ({ context }) => context.checkpointIntervalMs,
    checkpointTimeout: ({ context }) => context.checkpointTimeoutMs,
    prepareTimeout: ({ context }) => context.prepareTimeoutMs,
    stopTimeout: ({ context }) => context.stopTimeoutMs,
    analyseTimeout: ({ context }) => context.analyseTimeoutMs,
  },
  guards: {
    isPass: ({ context, event }) =>
      // A run that did not complete its time never passes, whatever the analysis says.
      context.endReason === 'duration' && (event as { output?: AnalyseOutput }).output?.verdict === 'PASS',
  },
});

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Counts one checkpoint, however it ended. */
const tally = (t: CheckpointTally, outcome: 'done' | 'error' | 'timeout', failed: readonly string[]) => {
  const failedChecks = { ...t.failedChecks };
  for (const name of failed) failedChecks[name] = (failedChecks[name] ?? 0) + 1;
  return {
    run: t.run + 1,
    failed: t.failed + (outcome !== 'done' || failed.length > 0 ? 1 : 0),
    errored: t.errored + (outcome === 'error' ? 1 : 0),
    timedOut: t.timedOut + (outcome === 'timeout' ? 1 : 0),
    failedChecks,
  };
};

/** The soak machine. */
export const soakMachine = base
  .extend({
    actions: {
      recordStart: base.assign(({ event }) => ({
        startedAt: (event as unknown as { output: PrepareOutput }).output.startedAt,
      })),
      recordPrepareError: base.assign(({ event }) => ({
        endReason: 'prepare_failed' as const,
        problem: errorText((event as unknown as { error: unknown }).error),
      })),
      recordPrepareTimeout: base.assign({
        endReason: 'prepare_timeout' as const,
        problem: 'the bot was not ready before the preparation timeout',
      }),
      recordCrash: base.assign(({ event }) => ({
        endReason: 'crash' as const,
        crash: event.type === 'bot.exited' ? `exit ${String(event.exit)}` : 'exit unknown',
      })),
      recordAbort: base.assign(({ context, event }) => ({
        endReason: context.endReason ?? ('abort' as const),
        problem: context.problem ?? (event.type === 'soak.abort' ? event.reason : 'aborted'),
      })),
      recordDuration: base.assign({ endReason: 'duration' as const }),
      recordCheckpointDone: base.assign(({ context, event }) => {
        const out = (event as unknown as { output: CheckpointOutput }).output;
        return { checkpoints: tally(context.checkpoints, 'done', out.ok ? [] : out.failed) };
      }),
      recordCheckpointError: base.assign(({ context }) => ({
        checkpoints: tally(context.checkpoints, 'error', []),
      })),
      recordCheckpointTimeout: base.assign(({ context }) => ({
        checkpoints: tally(context.checkpoints, 'timeout', []),
      })),
      recordStop: base.assign(({ event }) => ({
        stop: (event as unknown as { output: StopOutput }).output,
      })),
      recordStopError: base.assign(({ event }) => ({
        stop: {
          graceful: false,
          exit: null,
          orphans: null,
          detail: `stopping failed: ${errorText((event as unknown as { error: unknown }).error)}`,
        },
      })),
      recordStopTimeout: base.assign(({ context }) => ({
        stop: {
          graceful: false,
          exit: null,
          orphans: null,
          detail: `the bot did not stop within ${context.stopTimeoutMs} ms; its process tree was killed`,
        },
      })),
      recordVerdict: base.assign(({ event }) => {
        const out = (event as unknown as { output: AnalyseOutput }).output;
        return { verdict: out.verdict, failedCriteria: out.failed };
      }),
      recordAnalyseFailure: base.assign({ verdict: 'FAIL' as const }),
    },
  })
  .createMachine({
    id: 'soak',
    description:
      'A soak run: start the simulator and the bot, run the planned time with periodic checkpoints, stop the bot, analyse, judge the ten criteria. The bot is always stopped before the analysis, and the analysis always runs.',
    context: ({ input }) => ({
      ...input,
      startedAt: null,
      endReason: null,
      crash: null,
      problem: null,
      checkpoints: noTally,
      stop: null,
      verdict: null,
      failedCriteria: [],
    }),
    initial: 'preparing',
    states: {
      preparing: {
        description: 'Artifacts folder, simulator with the chaos schedule, the bot; wait until it is ready.',
        entry: { type: 'announce', params: { phase: 'preparing', detail: 'starting the bot' } },
        invoke: {
          id: 'prepare',
          src: 'prepare',
          onDone: { target: 'session', actions: 'recordStart' },
          onError: { target: 'stopping', actions: 'recordPrepareError' },
        },
        after: { prepareTimeout: { target: 'stopping', actions: 'recordPrepareTimeout' } },
        on: { 'soak.abort': { target: 'stopping', actions: 'recordAbort' } },
      },
      session: {
        description:
          'The bot runs under the chaos schedule; resources are sampled and the bot process is watched throughout. An unexpected exit is a crash.',
        invoke: [
          { id: 'monitor', src: 'monitor' },
          { id: 'watchBot', src: 'watchBot' },
        ],
        on: {
          'bot.exited': { target: 'stopping', actions: 'recordCrash' },
          'soak.abort': { target: 'stopping', actions: 'recordAbort' },
        },
        initial: 'running',
        states: {
          running: {
            entry: { type: 'announce', params: { phase: 'running', detail: 'running' } },
            after: { soakDuration: { target: 'finalCheck', actions: 'recordDuration' } },
            initial: 'waiting',
            states: {
              waiting: { after: { checkpointInterval: 'checking' } },
              checking: {
                description:
                  'Bot against venue (orders, position, book top, feeds live), zombies, disk under its cap, logs clean.',
                invoke: {
                  id: 'checkpoint',
                  src: 'checkpoint',
                  input: ({ context }) => ({ index: context.checkpoints.run + 1, final: false }),
                  onDone: { target: 'waiting', actions: 'recordCheckpointDone' },
                  onError: { target: 'waiting', actions: 'recordCheckpointError' },
                },
                after: { checkpointTimeout: { target: 'waiting', actions: 'recordCheckpointTimeout' } },
              },
            },
          },
          finalCheck: {
            description: 'The time is up: one last checkpoint before the bot is stopped.',
            entry: { type: 'announce', params: { phase: 'checkpoint', detail: 'final checkpoint' } },
            invoke: {
              id: 'finalCheckpoint',
              src: 'checkpoint',
              input: ({ context }) => ({ index: context.checkpoints.run + 1, final: true }),
              onDone: { target: '#soak.stopping', actions: 'recordCheckpointDone' },
              onError: { target: '#soak.stopping', actions: 'recordCheckpointError' },
            },
            after: { checkpointTimeout: { target: '#soak.stopping', actions: 'recordCheckpointTimeout' } },
          },
        },
      },
      stopping: {
        description:
          'SIGTERM and wait for a graceful exit (or kill the process tree at the timeout), then count orphan orders on the venue.',
        entry: { type: 'announce', params: { phase: 'stopping', detail: 'stopping the bot' } },
        invoke: {
          id: 'stopBot',
          src: 'stopBot',
          input: ({ context }) => ({ endReason: context.endReason ?? 'abort' }),
          onDone: { target: 'analysing', actions: 'recordStop' },
          onError: { target: 'analysing', actions: 'recordStopError' },
        },
        after: { stopTimeout: { target: 'analysing', actions: 'recordStopTimeout' } },
        on: { 'soak.abort': { actions: 'recordAbort' } },
      },
      analysing: {
        description:
          'Leak regression, CPU, disk, the ten criteria; writes resources.analysis.json, summary.txt, verdict.json and report.html.',
        entry: { type: 'announce', params: { phase: 'analysing', detail: 'analysing' } },
        invoke: {
          id: 'analyse',
          src: 'analyse',
          input: ({ context }) => context,
          onDone: [
            { guard: 'isPass', target: 'passed', actions: 'recordVerdict' },
            { target: 'failed', actions: 'recordVerdict' },
          ],
          onError: { target: 'failed', actions: 'recordAnalyseFailure' },
        },
        after: { analyseTimeout: { target: 'failed', actions: 'recordAnalyseFailure' } },
      },
      passed: {
        type: 'final',
        entry: { type: 'announce', params: { phase: 'passed', detail: 'PASS' } },
      },
      failed: {
        type: 'final',
        entry: { type: 'announce', params: { phase: 'failed', detail: 'FAIL' } },
      },
    },
    output: ({ context }) => ({
      verdict: context.verdict === 'PASS' && context.endReason === 'duration' ? 'PASS' : 'FAIL',
      endReason: context.endReason,
      failedCriteria: context.failedCriteria,
      checkpoints: context.checkpoints,
    }),
  });
