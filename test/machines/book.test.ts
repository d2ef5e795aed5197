import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createActor, initialTransition, transition, type EventObject } from 'xstate';
import { SimClock } from '../../src/domain/clock.js';
import { bookMachine, type BookInput, type InvalidReason } from '../../src/machines/book.js';
import { after, coverage } from './support.js';

const input: BookInput = { symbol: 'BTCUSDT', staleAfterMs: 2_000, resyncTimeoutMs: 5_000 };

const events: EventObject[] = [
  { type: 'book.snapshot' },
  { type: 'book.activity' },
  { type: 'book.invalid', reason: 'gap' } as EventObject,
  { type: 'book.invalid', reason: 'crossed' } as EventObject,
  { type: 'book.invalid', reason: 'malformed' } as EventObject,
  { type: 'feed.down' },
  { type: 'feed.up' },
  after('resyncTimeout', 'book.syncing'),
  after('staleAfter', 'book.live.receiving'),
  after('resyncTimeout', 'book.stale'),
  after('resyncTimeout', 'book.invalid'),
];

const runArb = fc.array(fc.constantFrom(...events), { maxLength: 80, size: 'max' });

describe('book machine graph', () => {
  it('reaches every state and takes every transition on shortest paths', () => {
    const result = coverage(bookMachine, { inputs: [input, { ...input, feedUp: true }], events });
    expect(result.missingStates).toEqual([]);
    expect(result.missingTransitions).toEqual([]);
  });
});

describe('book machine properties (pure transition over arbitrary events)', () => {
  it('announces live once per entry and not-live once per exit, alternately', () => {
    fc.assert(
      fc.property(runArb, (evs) => {
        let [s] = initialTransition(bookMachine, input);
        let live = false;
        for (const e of evs) {
          const wasLive = s.matches('live');
          const [next, actions] = transition(bookMachine, s, e as never);
          const types = actions.map((a) => a.type);
          const lives = types.filter((t) => t === 'notifyLive').length;
          const downs = types.filter((t) => t === 'notifyNotLive').length;
          expect(lives).toBe(!wasLive && next.matches('live') ? 1 : 0);
          expect(downs).toBe(wasLive && !next.matches('live') ? 1 : 0);
          if (downs === 1) {
            expect(live).toBe(true);
            live = false;
          }
          if (lives === 1) {
            expect(live).toBe(false);
            live = true;
          }
          s = next;
        }
      }),
    );
  });

  it('goes invalid on any book.invalid and requests a resync with its reason', () => {
    fc.assert(
      fc.property(runArb, fc.constantFrom<InvalidReason>('gap', 'crossed', 'malformed'), (evs, reason) => {
        let [s] = initialTransition(bookMachine, input);
        for (const e of evs) [s] = transition(bookMachine, s, e as never);
        const wasInvalid = s.matches('invalid');
        const [next, actions] = transition(bookMachine, s, { type: 'book.invalid', reason });
        expect(next.value).toBe('invalid');
        const resyncs = actions.filter((a) => a.type === 'requestResync').map((a) => a.params);
        // Already invalid: the pending resync stands (no request storm).
        expect(resyncs).toEqual(wasInvalid ? [] : [{ symbol: 'BTCUSDT', reason }]);
        if (s.matches('live')) {
          expect(actions.filter((a) => a.type === 'notifyNotLive').map((a) => a.params)).toEqual([
            { symbol: 'BTCUSDT', reason },
          ]);
        }
      }),
    );
  });

  it('goes back to syncing on feed.down from anywhere, and is live only after a snapshot', () => {
    fc.assert(
      fc.property(runArb, (evs) => {
        let [s] = initialTransition(bookMachine, input);
        let snapshotSinceDown = false;
        for (const e of evs) {
          [s] = transition(bookMachine, s, e as never);
          if (e.type === 'feed.down') {
            expect(s.value).toBe('syncing');
            expect(s.context.feedUp).toBe(false);
            snapshotSinceDown = false;
          }
          if (e.type === 'book.snapshot') snapshotSinceDown = true;
          if (s.matches('live')) expect(snapshotSinceDown).toBe(true);
        }
      }),
    );
  });

  it('never requests a resync from syncing while the feed is down', () => {
    fc.assert(
      fc.property(runArb, (evs) => {
        let [s] = initialTransition(bookMachine, input);
        for (const e of evs) {
          const prev = s;
          const [next, actions] = transition(bookMachine, s, e as never);
          if (prev.matches('syncing') && next.matches('syncing') && !prev.context.feedUp)
            expect(actions.some((a) => a.type === 'requestResync')).toBe(false);
          s = next;
        }
      }),
    );
  });
});

function harness(extra: Partial<BookInput> = {}) {
  const clock = new SimClock();
  const calls: { type: string; at: number; params: unknown }[] = [];
  const record =
    (type: string) =>
    (_: unknown, params: unknown): void => {
      calls.push({ type, at: clock.now(), params });
    };
  const machine = bookMachine.provide({
    actions: {
      notifyLive: record('notifyLive'),
      notifyNotLive: record('notifyNotLive'),
      requestResync: record('requestResync'),
    },
  });
  const actor = createActor(machine, { clock, input: { ...input, ...extra } }).start();
  return { clock, actor, calls };
}

describe('book machine on a simulated clock', () => {
  it('marks a silent book stale, recovers on data, and resyncs when the silence lasts', () => {
    const h = harness();
    h.actor.send({ type: 'feed.up' });
    h.actor.send({ type: 'book.snapshot' });
    for (let i = 0; i < 3; i++) {
      h.clock.advanceBy(1_999);
      h.actor.send({ type: 'book.activity' });
    }
    expect(h.actor.getSnapshot().matches('live')).toBe(true);
    h.clock.advanceBy(2_000);
    expect(h.actor.getSnapshot().value).toBe('stale');
    h.actor.send({ type: 'book.activity' });
    expect(h.actor.getSnapshot().matches('live')).toBe(true);
    h.clock.advanceBy(2_000 + 5_000);
    expect(h.actor.getSnapshot().value).toBe('invalid');
    expect(h.calls.map((c) => [c.type, c.at, c.params])).toEqual([
      ['notifyLive', 0, { symbol: 'BTCUSDT' }],
      ['notifyNotLive', 7_997, { symbol: 'BTCUSDT', reason: 'stale' }],
      ['notifyLive', 7_997, { symbol: 'BTCUSDT' }],
      ['notifyNotLive', 9_997, { symbol: 'BTCUSDT', reason: 'stale' }],
      ['requestResync', 14_997, { symbol: 'BTCUSDT', reason: 'stale' }],
    ]);
  });

  it('requests a resync on a gap and again every resyncTimeoutMs until a snapshot arrives', () => {
    const h = harness();
    h.actor.send({ type: 'book.snapshot' });
    h.actor.send({ type: 'book.invalid', reason: 'gap' });
    h.clock.advanceBy(12_000);
    h.actor.send({ type: 'book.snapshot' });
    h.clock.advanceBy(1_000);
    expect(h.actor.getSnapshot().matches('live')).toBe(true);
    expect(h.calls.filter((c) => c.type === 'requestResync').map((c) => c.at)).toEqual([0, 5_000, 10_000]);
  });

  it('asks for the snapshot again when the feed is up but none arrives', () => {
    const h = harness();
    h.clock.advanceBy(20_000);
    expect(h.calls).toEqual([]);
    h.actor.send({ type: 'feed.up' });
    h.clock.advanceBy(5_000);
    expect(h.calls.map((c) => [c.type, c.at, c.params])).toEqual([
      ['requestResync', 25_000, { symbol: 'BTCUSDT', reason: 'timeout' }],
    ]);
    h.actor.send({ type: 'feed.down' });
    h.clock.advanceBy(20_000);
    expect(h.calls).toHaveLength(1);
  });
});
