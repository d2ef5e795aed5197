/**
 * The shutdown machine (DESIGN §6): stop the quoter (no new orders from here), cancel every order
 * of ours and verify it with a query, close the private then the public socket, flush the recorder
 * and the journal, stop the web server. Each step is a named actor with its own timeout; whatever
 * a step's outcome (done, error or timeout), the sequence moves on, so the process always gets to
 * exit, and the output says which steps failed and whether the cancel was verified.
 *
 * Orders are cancelled while both sockets are still open: cancels may travel over the trade socket
 * and their confirmations over the private one.
 */
import { assign, setup, type AnyEventObject } from 'xstate';
import { missingPromise } from './placeholders.js';

/** The steps, in order. */
export const shutdownSteps = [
  'stopQuoter',
  'cancelOrders',
  'closePrivate',
  'closePublic',
  'flush',
  'stopWeb',
] as const;

/** One step of the shutdown. */
export type ShutdownStep = (typeof shutdownSteps)[number];

/** How a step ended. */
export type StepOutcome = 'ok' | 'error' | 'timeout';

/** What a shutdown machine is started with. */
export interface ShutdownInput {
  readonly reason: string;
  readonly stepTimeoutsMs: Readonly<Record<ShutdownStep, number>>;
}

/** What every step actor is started with: the reason and its own time budget. */
export interface StepInput {
  readonly reason: string;
  readonly timeoutMs: number;
}

/** What `cancelAllOrders` resolves with. */
export interface CancelAllOutput {
  /** A query after the cancels found no open order of ours. */
  readonly verified: boolean;
  /** Open orders of ours the last query still found. */
  readonly remaining: number;
}

/** The shutdown machine's context. */
export interface ShutdownContext extends ShutdownInput {
  readonly steps: Readonly<Partial<Record<ShutdownStep, StepOutcome>>>;
  readonly verified: boolean;
  readonly remaining: number | null;
}

/** The machine's output. */
export interface ShutdownOutput {
  readonly reason: string;
  readonly verified: boolean;
  readonly remaining: number | null;
  readonly steps: Readonly<Partial<Record<ShutdownStep, StepOutcome>>>;
}

type StepParams = { step: ShutdownStep };
type EndParams = { step: ShutdownStep; outcome: StepOutcome };

const base = setup({
  types: {
    context: {} as ShutdownContext,
    input: {} as ShutdownInput,
    output: {} as ShutdownOutput,
  },
  actors: {
    stopQuoter: missingPromise<void, StepInput>('stopQuoter'),
    cancelAllOrders: missingPromise<CancelAllOutput, StepInput>('cancelAllOrders'),
    closePrivate: missingPromise<void, StepInput>('closePrivate'),
    closePublic: missingPromise<void, StepInput>('closePublic'),
    flush: missingPromise<void, StepInput>('flush'),
    stopWeb: missingPromise<void, StepInput>('stopWeb'),
  },
  actions: {
    stepStarted: (_, _params: StepParams) => {},
    stepEnded: (_, _params: EndParams) => {},
  },
  delays: {
    stopQuoterTimeout: ({ context }) => context.stepTimeoutsMs.stopQuoter,
    cancelOrdersTimeout: ({ context }) => context.stepTimeoutsMs.cancelOrders,
    closePrivateTimeout: ({ context }) => context.stepTimeoutsMs.closePrivate,
    closePublicTimeout: ({ context }) => context.stepTimeoutsMs.closePublic,
    flushTimeout: ({ context }) => context.stepTimeoutsMs.flush,
    stopWebTimeout: ({ context }) => context.stepTimeoutsMs.stopWeb,
  },
});

const setOutcome = assign<ShutdownContext, AnyEventObject, EndParams, AnyEventObject, never>(
  ({ context, event }, { step, outcome }) => {
    const out = (event as { output?: CancelAllOutput }).output;
    const cancelDone = step === 'cancelOrders' && outcome === 'ok' && out !== undefined;
    return {
      steps: { ...context.steps, [step]: outcome },
      verified: cancelDone ? out.verified === true : context.verified,
      remaining: cancelDone ? out.remaining : context.remaining,
    };
  },
);

/** The shutdown machine. */
export const shutdownMachine = base.extend({ actions: { setOutcome } }).createMachine({
  id: 'shutdown',
  description:
    'DESIGN §6: stop quoting, cancel and verify, close private then public, flush, stop web. Every step is visited once, in order, whatever the outcome of the previous one.',
  context: ({ input }) => ({ ...input, steps: {}, verified: false, remaining: null }),
  initial: 'stoppingQuoter',
  states: {
    stoppingQuoter: step('stopQuoter', 'stopQuoter', 'cancellingOrders'),
    cancellingOrders: {
      ...step('cancelOrders', 'cancelAllOrders', 'closingPrivate'),
      description:
        'Cancel every order of ours per symbol and verify with a query (the actor retries until its timeoutMs). Both sockets are still open.',
    },
    closingPrivate: step('closePrivate', 'closePrivate', 'closingPublic'),
    closingPublic: step('closePublic', 'closePublic', 'flushing'),
    flushing: step('flush', 'flush', 'stoppingWeb'),
    stoppingWeb: step('stopWeb', 'stopWeb', 'done'),
    done: { type: 'final' },
  },
  output: ({ context }) => ({
    reason: context.reason,
    verified: context.verified,
    remaining: context.remaining,
    steps: context.steps,
  }),
});

function step<S extends ShutdownStep, A extends string, N extends string>(name: S, actor: A, next: N) {
  const end = (outcome: StepOutcome) =>
    ({
      target: next,
      actions: [
        { type: 'setOutcome', params: { step: name, outcome } },
        { type: 'stepEnded', params: { step: name, outcome } },
      ],
    }) as const;
  return {
    entry: { type: 'stepStarted', params: { step: name } },
    invoke: {
      id: actor,
      src: actor,
      input: ({ context }: { context: ShutdownContext }) => ({
        reason: context.reason,
        timeoutMs: context.stepTimeoutsMs[name],
      }),
      onDone: end('ok'),
      onError: end('error'),
    },
    after: { [`${name}Timeout`]: end('timeout') } as Record<`${S}Timeout`, ReturnType<typeof end>>,
  } as const;
}
