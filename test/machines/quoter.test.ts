import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createActor, initialTransition, transition, type EventObject } from 'xstate';
import { SimClock } from '../../src/domain/clock.js';
import {
  pauseReasonOf,
  quoterMachine,
  type QuoterContext,
  type QuoterInput,
} from '../../src/machines/quoter.js';
import { after, coverage } from './support.js';

const input: QuoterInput = { symbol: 'BTCUSDT', requoteIntervalMs: 100 };
const TIMER = after('requoteInterval', 'quoter.quoting.cooling');

const conditionEvents: EventObject[] = [
  { type: 'book.live' },
  { type: 'book.notLive' },
  { type: 'risk.changed', state: 'active' } as EventObject,
  { type: 'risk.changed', state: 'reducing' } as EventObject,
  { type: 'risk.changed', state: 'halted' } as EventObject,
  { type: 'budget.spent' },
  { type: 'budget.available' },
  { type: 'quotes.pause' },
  { type: 'quotes.resume' },
  { type: 'orders.ready' },
  { type: 'orders.notReady' },
];
const SERVED: EventObject = { type: 'requote.served' };
const events: EventObject[] = [
  ...conditionEvents,
  { type: 'market.changed' },
  SERVED,
  TIMER,
  { type: 'quoter.stop' },
];

// quoter.stop ends a run, so it is rare; market moves and timers are frequent.
const eventArb = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...conditionEvents) },
  { weight: 8, arbitrary: fc.constantFrom<EventObject>({ type: 'market.changed' }, SERVED, TIMER) },
  { weight: 1, arbitrary: fc.constant<EventObject>({ type: 'quoter.stop' }) },
);
const runArb = fc.array(eventArb, { maxLength: 100, size: 'max' });

type Action = { type: string; params?: unknown };

function fold(
  evs: readonly EventObject[],
  visit: (prev: QuoterSnapshot, e: EventObject, next: QuoterSnapshot, actions: readonly Action[]) => void,
) {
  let [s] = initialTransition(quoterMachine, input);
  for (const e of evs) {
    const [next, actions] = transition(quoterMachine, s, e as never);
    visit(s, e, next, actions);
    s = next;
  }
}
type QuoterSnapshot = ReturnType<typeof initialTransition<typeof quoterMachine>>[0];
const ctx = (s: QuoterSnapshot): QuoterContext => s.context;

describe('quoter machine graph', () => {
  it('reaches every state and takes every transition on shortest paths', () => {
    const result = coverage(quoterMachine, { inputs: [input], events });
    expect(result.missingStates).toEqual([]);
    expect(result.missingTransitions).toEqual([]);
  });
});

describe('quoter machine properties (pure transition over arbitrary events)', () => {
  it('never requotes while the book is not live, risk is halted, orders are not ready, or paused', () => {
    fc.assert(
      fc.property(runArb, (evs) => {
        fold(evs, (_prev, _e, next, actions) => {
          for (const a of actions.filter((x) => x.type === 'requote')) {
            const c = ctx(next);
            expect(c.bookLive).toBe(true);
            expect(c.risk).not.toBe('halted');
            expect(c.ordersReady).toBe(true);
            expect(c.budgetOk).toBe(true);
            expect(c.operatorPaused).toBe(false);
            expect(a.params).toEqual({ symbol: 'BTCUSDT', reduceOnly: c.risk === 'reducing' });
          }
        });
      }),
    );
  });

  it('quotes exactly when every condition holds', () => {
    fc.assert(
      fc.property(runArb, (evs) => {
        fold(evs, (_prev, _e, next) => {
          if (next.status === 'done') return;
          expect(next.matches('quoting')).toBe(pauseReasonOf(ctx(next)) === null);
          if (next.matches('paused')) expect(ctx(next).pauseReason).toBe(pauseReasonOf(ctx(next)));
        });
      }),
    );
  });

  it('requotes at most once per cool-down: during one only its end may requote', () => {
    fc.assert(
      fc.property(runArb, (evs) => {
        fold(evs, (prev, e, next, actions) => {
          const requotes = actions.filter((a) => a.type === 'requote').length;
          expect(requotes).toBeLessThanOrEqual(1);
          if (requotes === 1 && prev.matches({ quoting: 'cooling' })) expect(e).toEqual(TIMER);
          if (requotes === 1) expect(next.matches({ quoting: 'cooling' })).toBe(true);
        });
      }),
    );
  });

  it('hears requote.served only in ready, where it starts the cool-down without requoting again', () => {
    fc.assert(
      fc.property(runArb, (evs) => {
        fold(evs, (prev, e, next, actions) => {
          if (e.type !== 'requote.served') return;
          expect(actions.filter((a) => a.type === 'requote' || a.type === 'pullQuotes')).toEqual([]);
          if (prev.matches({ quoting: 'ready' })) expect(next.matches({ quoting: 'cooling' })).toBe(true);
          else expect(next.value).toEqual(prev.value);
          expect(ctx(next)).toEqual(ctx(prev));
        });
      }),
    );
  });

  it('pulls quotes on a pause for the book, risk, the operator or the order feed, never for the budget alone', () => {
    fc.assert(
      fc.property(runArb, (evs) => {
        let pulledSinceQuoting = false;
        fold(evs, (prev, _e, next, actions) => {
          const pulls = actions.filter((a) => a.type === 'pullQuotes');
          if (next.matches('quoting')) pulledSinceQuoting = false;
          if (pulls.length > 0) {
            expect(pulls).toHaveLength(1);
            expect(pulledSinceQuoting).toBe(false);
            pulledSinceQuoting = true;
            const c = ctx(next);
            expect(!c.bookLive || c.risk === 'halted' || c.operatorPaused || !c.ordersReady).toBe(true);
            expect(pulls[0]!.params).toEqual({ symbol: 'BTCUSDT', reason: c.pauseReason });
          }
          // Left quoting for a pull-worthy reason: pulled on the way out.
          if (prev.matches('quoting') && next.matches('paused')) {
            const c = ctx(next);
            expect(pulls.length === 1).toBe(
              !c.bookLive || c.risk === 'halted' || c.operatorPaused || !c.ordersReady,
            );
          }
        });
      }),
    );
  });

  it('stops from anywhere and stays stopped', () => {
    fc.assert(
      fc.property(runArb, runArb, (before, afterStop) => {
        let [s] = initialTransition(quoterMachine, input);
        for (const e of before) [s] = transition(quoterMachine, s, e as never);
        [s] = transition(quoterMachine, s, { type: 'quoter.stop' });
        expect(s.value).toBe('stopped');
        for (const e of afterStop) {
          const [next, actions] = transition(quoterMachine, s, e as never);
          expect(next.value).toBe('stopped');
          expect(actions.filter((a) => a.type === 'requote' || a.type === 'pullQuotes')).toEqual([]);
        }
      }),
    );
  });
});

function harness(requoteIntervalMs = 100) {
  const clock = new SimClock();
  const calls: { type: string; at: number; params: unknown }[] = [];
  const record =
    (type: string) =>
    (_: unknown, params: unknown): void => {
      calls.push({ type, at: clock.now(), params });
    };
  const machine = quoterMachine.provide({
    actions: { requote: record('requote'), pullQuotes: record('pullQuotes') },
  });
  const actor = createActor(machine, { clock, input: { ...input, requoteIntervalMs } }).start();
  const of = (type: string) => calls.filter((c) => c.type === type);
  return { clock, actor, of };
}

describe('quoter machine on a simulated clock', () => {
  it('throttles a storm of market moves to one requote per interval, serving the last one', () => {
    const h = harness(100);
    h.actor.send({ type: 'orders.ready' });
    h.actor.send({ type: 'book.live' });
    for (let t = 5; t <= 1_000; t += 5) {
      h.clock.advanceTo(t);
      h.actor.send({ type: 'market.changed' });
    }
    h.clock.advanceBy(1_000);
    // The move at t=1000 comes after that instant's requote, so it is served at t=1100.
    const at = h.of('requote').map((c) => c.at);
    expect(at).toEqual(Array.from({ length: 12 }, (_, i) => i * 100));
  });

  it('requotes at once when the cool-down has passed, and not again without a move', () => {
    const h = harness(100);
    h.actor.send({ type: 'orders.ready' });
    h.actor.send({ type: 'book.live' });
    h.clock.advanceTo(500);
    h.actor.send({ type: 'market.changed' });
    h.clock.advanceTo(2_000);
    expect(h.of('requote').map((c) => c.at)).toEqual([0, 500]);
  });

  it('pulls quotes when the book goes, holds them when only the budget is spent, resumes when all is well', () => {
    const h = harness(100);
    h.actor.send({ type: 'orders.ready' });
    h.actor.send({ type: 'book.live' });
    h.clock.advanceTo(1_000);
    h.actor.send({ type: 'budget.spent' });
    expect(h.actor.getSnapshot().value).toEqual({ paused: 'holding' });
    expect(h.of('pullQuotes')).toEqual([]);
    h.actor.send({ type: 'risk.changed', state: 'halted' });
    expect(h.actor.getSnapshot().value).toEqual({ paused: 'pulled' });
    h.actor.send({ type: 'budget.available' });
    h.actor.send({ type: 'risk.changed', state: 'reducing' });
    expect(h.actor.getSnapshot().value).toEqual({ quoting: 'cooling' });
    h.clock.advanceTo(2_000);
    h.actor.send({ type: 'book.notLive' });
    h.actor.send({ type: 'market.changed' });
    h.clock.advanceTo(3_000);
    expect(h.of('pullQuotes').map((c) => [c.at, c.params])).toEqual([
      [1_000, { symbol: 'BTCUSDT', reason: 'risk' }],
      [2_000, { symbol: 'BTCUSDT', reason: 'book' }],
    ]);
    expect(h.of('requote').map((c) => [c.at, c.params])).toEqual([
      [0, { symbol: 'BTCUSDT', reduceOnly: false }],
      [1_000, { symbol: 'BTCUSDT', reduceOnly: true }],
    ]);
  });

  it('after a move served by the actor, throttles the next one like any other', () => {
    const h = harness(100);
    h.actor.send({ type: 'orders.ready' });
    h.actor.send({ type: 'book.live' });
    h.clock.advanceTo(500);
    expect(h.actor.getSnapshot().value).toEqual({ quoting: 'ready' });
    h.actor.send({ type: 'requote.served' });
    expect(h.actor.getSnapshot().value).toEqual({ quoting: 'cooling' });
    h.clock.advanceTo(550);
    h.actor.send({ type: 'market.changed' });
    h.clock.advanceTo(2_000);
    // The served move's requote was the actor's own; the machine asks for the one at 600.
    expect(h.of('requote').map((c) => c.at)).toEqual([0, 600]);
  });

  it('requotes reduce-only as soon as the cool-down allows when risk starts reducing', () => {
    const h = harness(100);
    h.actor.send({ type: 'orders.ready' });
    h.actor.send({ type: 'book.live' });
    h.clock.advanceTo(50);
    h.actor.send({ type: 'risk.changed', state: 'reducing' });
    h.clock.advanceTo(1_000);
    expect(h.of('requote').map((c) => [c.at, c.params])).toEqual([
      [0, { symbol: 'BTCUSDT', reduceOnly: false }],
      [100, { symbol: 'BTCUSDT', reduceOnly: true }],
    ]);
  });
});
