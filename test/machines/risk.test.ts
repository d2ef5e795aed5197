import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createActor, initialTransition, transition } from 'xstate';
import {
  KILL_SWITCH_DISABLED,
  riskMachine,
  type RiskEvent,
  type RiskInput,
} from '../../src/machines/risk.js';
import { coverage } from './support.js';

const evaluated = (level: 'ok' | 'reduce' | 'halt', reasons: string[] = [level]): RiskEvent => ({
  type: 'risk.evaluated',
  level,
  reasons,
});
const events: RiskEvent[] = [
  evaluated('ok', []),
  evaluated('reduce', ['position']),
  evaluated('halt', ['daily_loss']),
  { type: 'risk.trip', reason: 'operator' },
  { type: 'risk.reset' },
];
const inputs: RiskInput[] = [
  { enableKillSwitch: true, exitOnHalt: false },
  { enableKillSwitch: true, exitOnHalt: true },
  { enableKillSwitch: false, exitOnHalt: false },
  { enableKillSwitch: false, exitOnHalt: true },
];
const inputArb = fc.constantFrom(...inputs);
const runArb = fc.array(fc.constantFrom(...events), { maxLength: 80, size: 'max' });

describe('risk machine graph', () => {
  it('reaches every state and takes every transition on shortest paths', () => {
    const result = coverage(riskMachine, { inputs, events });
    expect(result.missingStates).toEqual([]);
    expect(result.missingTransitions).toEqual([]);
  });
});

describe('risk machine properties (pure transition over arbitrary events)', () => {
  it('leaves halted only on risk.reset', () => {
    fc.assert(
      fc.property(inputArb, runArb, (input, evs) => {
        let [s] = initialTransition(riskMachine, input);
        for (const e of evs) {
          const prev = s;
          [s] = transition(riskMachine, s, e);
          if (prev.matches('halted') && !s.matches('halted')) expect(e.type).toBe('risk.reset');
        }
      }),
    );
  });

  it('enters halted only on a trip or an armed halt-level evaluation', () => {
    fc.assert(
      fc.property(inputArb, runArb, (input, evs) => {
        let [s] = initialTransition(riskMachine, input);
        for (const e of evs) {
          const prev = s;
          [s] = transition(riskMachine, s, e);
          if (!prev.matches('halted') && s.matches('halted')) {
            const armedHalt = e.type === 'risk.evaluated' && e.level === 'halt' && input.enableKillSwitch;
            expect(e.type === 'risk.trip' || armedHalt).toBe(true);
          }
          // With the kill switch off, a halt-level evaluation reduces and says why.
          if (
            !input.enableKillSwitch &&
            e.type === 'risk.evaluated' &&
            e.level === 'halt' &&
            !prev.matches('halted')
          ) {
            expect(s.value).toBe('reducing');
            expect(s.context.reasons).toContain(KILL_SWITCH_DISABLED);
          }
        }
      }),
    );
  });

  it('announces every state entry, and cancels (and asks to exit if configured) on every halt', () => {
    fc.assert(
      fc.property(inputArb, runArb, (input, evs) => {
        let [s] = initialTransition(riskMachine, input);
        for (const e of evs) {
          const prev = s;
          const [next, actions] = transition(riskMachine, s, e);
          const types = actions.map((a) => a.type);
          const entered = prev.value !== next.value;
          if (entered) {
            expect(actions.filter((a) => a.type === 'notifyRisk').map((a) => a.params)).toEqual([
              { state: next.value, reasons: next.context.reasons },
            ]);
          }
          const halting = entered && next.matches('halted');
          expect(types.includes('cancelAll')).toBe(halting);
          expect(types.includes('requestExit')).toBe(halting && input.exitOnHalt);
          if (halting)
            expect(types).toEqual(
              input.exitOnHalt ? ['cancelAll', 'notifyRisk', 'requestExit'] : ['cancelAll', 'notifyRisk'],
            );
          s = next;
        }
      }),
    );
  });
});

describe('risk machine as an actor', () => {
  it('cancels, reports and asks to exit on a trip, then stays halted until reset', () => {
    const calls: [string, unknown][] = [];
    const machine = riskMachine.provide({
      actions: {
        notifyRisk: (_, p) => calls.push(['notifyRisk', p]),
        cancelAll: (_, p) => calls.push(['cancelAll', p]),
        requestExit: (_, p) => calls.push(['requestExit', p]),
      },
    });
    const actor = createActor(machine, { input: { enableKillSwitch: true, exitOnHalt: true } }).start();
    actor.send(evaluated('reduce', ['position']));
    actor.send({ type: 'risk.trip', reason: 'invariant' });
    actor.send(evaluated('ok', []));
    expect(actor.getSnapshot().value).toBe('halted');
    actor.send({ type: 'risk.reset' });
    expect(actor.getSnapshot().value).toBe('active');
    expect(calls).toEqual([
      ['notifyRisk', { state: 'active', reasons: [] }],
      ['notifyRisk', { state: 'reducing', reasons: ['position'] }],
      ['cancelAll', { reasons: ['invariant'] }],
      ['notifyRisk', { state: 'halted', reasons: ['invariant'] }],
      ['requestExit', { reasons: ['invariant'] }],
      ['notifyRisk', { state: 'active', reasons: ['reset'] }],
    ]);
  });

  it('reports a halt suppressed by the disabled kill switch once, while reducing', () => {
    const calls: unknown[] = [];
    const machine = riskMachine.provide({ actions: { notifyRisk: (_, p) => calls.push(p) } });
    const actor = createActor(machine, { input: { enableKillSwitch: false, exitOnHalt: false } }).start();
    actor.send(evaluated('reduce', ['position']));
    actor.send(evaluated('halt', ['daily_loss']));
    actor.send(evaluated('halt', ['daily_loss']));
    expect(actor.getSnapshot().value).toBe('reducing');
    expect(calls).toEqual([
      { state: 'active', reasons: [] },
      { state: 'reducing', reasons: ['position'] },
      { state: 'reducing', reasons: ['daily_loss', KILL_SWITCH_DISABLED] },
    ]);
  });
});
