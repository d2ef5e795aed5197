/**
 * The risk machine: active → reducing → halted. The actor evaluates the limits with a pure domain
 * function (periodically and after fills) and reports the level; this machine turns levels into a
 * state with memory. halted is sticky: no evaluation leaves it, only the operator's `risk.reset`.
 * With the kill switch disabled (`enableKillSwitch: false`, the original's
 * `risk.enable_kill_switch`), a halt-level evaluation only reduces, and says so in its reasons; an
 * explicit `risk.trip` (operator or a broken invariant) halts regardless.
 */
import { setup } from 'xstate';

/** The state names, as reported to the quoter and the status page. */
export type RiskStateName = 'active' | 'reducing' | 'halted';

/** What an evaluation concluded. */
export type RiskLevel = 'ok' | 'reduce' | 'halt';

/** What a risk machine is started with. */
export interface RiskInput {
  readonly enableKillSwitch: boolean;
  /** On halt, also ask for the process to exit (the process manager restarts it). */
  readonly exitOnHalt: boolean;
}

/** Every event the risk machine accepts. */
export type RiskEvent =
  | { type: 'risk.evaluated'; level: RiskLevel; reasons: readonly string[] }
  | { type: 'risk.trip'; reason: string }
  | { type: 'risk.reset' };

/** The risk machine's context. */
export interface RiskContext extends RiskInput {
  /** Why the current state was entered. */
  readonly reasons: readonly string[];
}

/** The reason added when a halt-level evaluation is downgraded because the kill switch is off. */
export const KILL_SWITCH_DISABLED = 'kill_switch_disabled';

const base = setup({
  types: { context: {} as RiskContext, events: {} as RiskEvent, input: {} as RiskInput },
  actions: {
    notifyRisk: (_, _params: { state: RiskStateName; reasons: readonly string[] }) => {},
    cancelAll: (_, _params: { reasons: readonly string[] }) => {},
    requestExit: (_, _params: { reasons: readonly string[] }) => {},
  },
  guards: {
    isLevelOk: ({ event }) => event.type === 'risk.evaluated' && event.level === 'ok',
    isLevelReduce: ({ event }) => event.type === 'risk.evaluated' && event.level === 'reduce',
    isLevelHalt: ({ event }) => event.type === 'risk.evaluated' && event.level === 'halt',
    isArmedHalt: ({ context, event }) =>
      context.enableKillSwitch && event.type === 'risk.evaluated' && event.level === 'halt',
    isNewlySuppressedHalt: ({ context, event }) =>
      !context.enableKillSwitch &&
      event.type === 'risk.evaluated' &&
      event.level === 'halt' &&
      !context.reasons.includes(KILL_SWITCH_DISABLED),
  },
});

/** The risk machine. */
export const riskMachine = base
  .extend({
    actions: {
      recordReasons: base.assign(({ event }) => {
        switch (event.type) {
          case 'risk.evaluated':
            return { reasons: event.reasons };
          case 'risk.trip':
            return { reasons: [event.reason] };
          case 'risk.reset':
            return { reasons: ['reset'] };
        }
      }),
      recordSuppressedHalt: base.assign(({ event }) => ({
        reasons: [...(event.type === 'risk.evaluated' ? event.reasons : []), KILL_SWITCH_DISABLED],
      })),
      reportReducing: base.enqueueActions(({ context, enqueue }) => {
        enqueue({ type: 'notifyRisk', params: { state: 'reducing', reasons: context.reasons } });
      }),
      haltActions: base.enqueueActions(({ context, enqueue }) => {
        enqueue({ type: 'cancelAll', params: { reasons: context.reasons } });
        enqueue({ type: 'notifyRisk', params: { state: 'halted', reasons: context.reasons } });
        if (context.exitOnHalt) enqueue({ type: 'requestExit', params: { reasons: context.reasons } });
      }),
    },
  })
  .createMachine({
    id: 'risk',
    description:
      'Limits as a state with memory. halted is sticky until risk.reset; with the kill switch off a halt-level evaluation only reduces (and says so).',
    context: ({ input }) => ({ ...input, reasons: [] }),
    initial: 'active',
    states: {
      active: {
        description: 'Within limits: quote both sides.',
        entry: {
          type: 'notifyRisk',
          params: ({ context }) => ({ state: 'active', reasons: context.reasons }),
        },
        on: {
          'risk.evaluated': [
            { guard: 'isLevelReduce', target: 'reducing', actions: 'recordReasons' },
            { guard: 'isArmedHalt', target: 'halted', actions: 'recordReasons' },
            { guard: 'isLevelHalt', target: 'reducing', actions: 'recordSuppressedHalt' },
          ],
          'risk.trip': { target: 'halted', actions: 'recordReasons' },
        },
      },
      reducing: {
        description:
          'Near a limit (or past one with the kill switch off): reduce-only quotes. A halt suppressed by the disabled kill switch is reported when it first appears.',
        entry: 'reportReducing',
        on: {
          'risk.evaluated': [
            { guard: 'isLevelOk', target: 'active', actions: 'recordReasons' },
            { guard: 'isArmedHalt', target: 'halted', actions: 'recordReasons' },
            { guard: 'isNewlySuppressedHalt', actions: ['recordSuppressedHalt', 'reportReducing'] },
            { guard: 'isLevelHalt', actions: 'recordSuppressedHalt' },
            { actions: 'recordReasons' },
          ],
          'risk.trip': { target: 'halted', actions: 'recordReasons' },
        },
      },
      halted: {
        description:
          'Kill switch: cancel everything (cancelAll), and ask to exit if exitOnHalt. Sticky: only risk.reset (operator) leaves.',
        entry: 'haltActions',
        on: {
          'risk.reset': { target: 'active', actions: 'recordReasons' },
        },
      },
    },
  });
