import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { initialTransition, transition, type AnyMachineSnapshot, type EventObject } from 'xstate';
import { orderMachine, type OrderContext } from '../../src/machines/order.js';
import { fill, orderEvents, orderInput, unknowns } from './order-events.js';
import { isPossible } from './support.js';

const eventArb = fc.oneof(
  fc.constantFrom(...orderEvents),
  fc
    .record({ price: fc.integer({ min: 90, max: 110 }), qty: fc.integer({ min: 1, max: 20 }) })
    .map((r): EventObject => ({ type: 'amend.sent', ...r })),
  fc
    .record({ id: fc.constantFrom('e1', 'e2', 'e5', 'e6'), qty: fc.integer({ min: 1, max: 12 }) })
    .map((r) => fill(r.id, r.qty)),
);
const runArb = fc.array(eventArb, { maxLength: 80, size: 'max' });

const ctx = (s: AnyMachineSnapshot) => s.context as OrderContext;
const terminal = ['cancelled', 'filled', 'rejected'] as const;
const active = ['pendingNew', 'open', 'pendingAmend', 'pendingCancel'] as const;

/** Folds a run, skipping actor outcomes that cannot arrive in the current state. */
function run(
  evs: readonly EventObject[],
  visit: (
    prev: AnyMachineSnapshot,
    e: EventObject,
    next: AnyMachineSnapshot,
    actions: readonly { type: string; params?: unknown }[],
  ) => void,
): AnyMachineSnapshot {
  let [s] = initialTransition(orderMachine, orderInput);
  for (const e of evs) {
    if (!isPossible(s, e)) continue;
    const [next, actions] = transition(orderMachine, s, e as never);
    expect(next.status).not.toBe('error');
    visit(s, e, next, actions);
    s = next;
  }
  return s;
}

describe('order machine properties (pure transition over arbitrary events)', () => {
  it('keeps 0 <= cumQty <= qty (< qty while open), and both views of the fills only grow', () => {
    fc.assert(
      fc.property(runArb, (evs) => {
        run(evs, (prev, _e, next) => {
          const c = ctx(next);
          expect(c.cumQty).toBeGreaterThanOrEqual(0);
          expect(c.cumQty).toBeLessThanOrEqual(c.qty);
          expect(c.execQty).toBeGreaterThanOrEqual(ctx(prev).execQty);
          expect(c.venueCumQty).toBeGreaterThanOrEqual(ctx(prev).venueCumQty);
          expect(new Set(c.execIds).size).toBe(c.execIds.length);
          // Resting means not fully filled.
          if (next.matches('open')) expect(c.cumQty).toBeLessThan(c.qty);
        });
      }),
    );
  });

  it('reports a transition exactly when the state changes, from the old one to the new one', () => {
    fc.assert(
      fc.property(runArb, (evs) => {
        run(evs, (prev, _e, next, actions) => {
          const reported = actions
            .filter((a) => a.type === 'notifyTransition')
            .map((a) => a.params as { from: string; to: string });
          for (const r of reported) expect(r.from).not.toBe(r.to);
          if (ctx(prev).state === ctx(next).state) expect(reported).toEqual([]);
          else {
            expect(reported.length).toBeGreaterThan(0);
            expect(reported[0]!.from).toBe(ctx(prev).state);
            expect(reported.at(-1)!.to).toBe(ctx(next).state);
          }
        });
      }),
    );
  });

  it('counts a fill once however often it is repeated', () => {
    fc.assert(
      fc.property(runArb, fc.array(fc.nat(), { maxLength: 10 }), (evs, picks) => {
        // Repeat some of the run's fills at random later positions.
        const withRepeats = [...evs];
        const fills = evs.filter((e) => e.type === 'venue.fill');
        for (const p of picks) {
          if (fills.length === 0) break;
          withRepeats.splice(p % (withRepeats.length + 1), 0, fills[p % fills.length]!);
        }
        const notified = new Map<string, number>();
        run(withRepeats, (prev, e, next, actions) => {
          for (const a of actions)
            if (a.type === 'notifyFill') {
              const id = (a.params as { execId: string }).execId;
              notified.set(id, (notified.get(id) ?? 0) + 1);
            }
          if (
            e.type === 'venue.fill' &&
            ctx(prev).execIds.includes((e as { execId: string } & EventObject).execId)
          ) {
            expect(next.value).toEqual(prev.value);
            expect(next.context).toEqual(prev.context);
            expect(actions.filter((a) => a.type === 'notifyFill')).toEqual([]);
          }
        });
        for (const n of notified.values()) expect(n).toBe(1);
      }),
    );
  });

  it('absorbs everything in terminal states except a fill after a cancel', () => {
    fc.assert(
      fc.property(runArb, (evs) => {
        run(evs, (prev, e, next) => {
          if (prev.status === 'done') {
            expect(next.value).toEqual(prev.value);
            expect(next.context).toEqual(prev.context);
            return;
          }
          for (const t of terminal) {
            if (!prev.matches(t)) continue;
            if (e.type === `xstate.after.settle.order.${t}`) {
              expect(next.value).toBe('done');
            } else if (t === 'cancelled' && next.matches('filled')) {
              // The cancel lost the race: the venue reported the fill.
              expect(['venue.fill', 'venue.order']).toContain(e.type);
              expect(ctx(next).cumQty).toBe(ctx(next).qty);
            } else {
              expect(next.value).toEqual(prev.value);
              expect(ctx(next).outcome).toBe(t);
            }
          }
          if (next.matches('filled')) expect(ctx(next).cumQty).toBe(ctx(next).qty);
        });
      }),
    );
  });

  it('sends every unknown outcome to reconciling', () => {
    fc.assert(
      fc.property(runArb, fc.constantFrom(...unknowns), (evs, unknown) => {
        const s = run(evs, () => {});
        const [next] = transition(orderMachine, s, unknown as never);
        if (active.some((a) => s.matches(a))) expect(next.matches({ reconciling: 'querying' })).toBe(true);
        if (s.matches('reconciling')) expect(next.value).toEqual(s.value);
      }),
    );
  });

  it('returns a rejected amend to the exact previous state, price and qty', () => {
    fc.assert(
      fc.property(
        runArb,
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(
          fc.constantFrom<EventObject>(
            { type: 'create.accepted', orderId: 'o-1' } as EventObject,
            { type: 'amend.sent', price: 1, qty: 1 } as EventObject,
          ),
          { maxLength: 3 },
        ),
        (evs, price, qty, noise) => {
          const s = run(evs, () => {});
          if (!s.matches('open')) return;
          let [t] = transition(orderMachine, s, { type: 'amend.sent', price, qty });
          expect(t.matches('pendingAmend')).toBe(true);
          // Repeated fills already counted, acks and a second amend.sent change nothing while pending.
          const seen = ctx(s).execIds.map((id) => fill(id, 1));
          for (const e of [...noise, ...seen]) [t] = transition(orderMachine, t, e as never);
          [t] = transition(orderMachine, t, { type: 'amend.rejected', code: 110010, reason: 'too late' });
          expect(t.value).toEqual(s.value);
          expect(ctx(t).price).toBe(ctx(s).price);
          expect(ctx(t).qty).toBe(ctx(s).qty);
          expect(ctx(t).cumQty).toBe(ctx(s).cumQty);
        },
      ),
    );
  });

  it('reports each rejection once, with a reason', () => {
    fc.assert(
      fc.property(runArb, (evs) => {
        let rejections = 0;
        const last = run(evs, (prev, _e, next, actions) => {
          const notices = actions.filter((a) => a.type === 'notifyRejected');
          const entered = !prev.matches('rejected') && next.matches('rejected');
          expect(notices).toHaveLength(entered ? 1 : 0);
          for (const n of notices) expect((n.params as { reason: string }).reason).not.toBe('');
          rejections += notices.length;
        });
        expect(rejections).toBeLessThanOrEqual(1);
        if (ctx(last).outcome === 'rejected') expect(rejections).toBe(1);
      }),
    );
  });
});
