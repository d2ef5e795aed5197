import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateBudget } from '../../src/domain/rate-budget.js';
import { OrderIds, isOurOrder } from '../../src/domain/order-id.js';

describe('RateBudget', () => {
  it('allows perSecond requests in a rolling second, then frees them as they age', () => {
    const b = new RateBudget(5);
    expect(b.tryTake(0, 3)).toBe(true);
    expect(b.tryTake(500, 2)).toBe(true);
    expect(b.tryTake(600)).toBe(false);
    expect(b.waitMs(600)).toBe(400);
    expect(b.tryTake(1_000, 3)).toBe(true);
    expect(b.available(1_000)).toBe(0);
    expect(b.available(1_500)).toBe(2);
  });

  it('never lets more than perSecond requests through in any rolling second', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 4 })), {
          maxLength: 300,
        }),
        (steps) => {
          const b = new RateBudget(8);
          let t = 0;
          const taken: [number, number][] = [];
          for (const [gap, n] of steps) {
            t += gap;
            if (b.tryTake(t, n)) taken.push([t, n]);
          }
          for (const [at] of taken) {
            const inWindow = taken.filter(([x]) => x > at - 1_000 && x <= at).reduce((s, [, n]) => s + n, 0);
            expect(inWindow).toBeLessThanOrEqual(8);
          }
        },
      ),
    );
  });

  it('counts forced takes (cancels) against later requests', () => {
    const b = new RateBudget(2);
    b.take(0, 3);
    expect(b.tryTake(10)).toBe(false);
    expect(b.waitMs(10)).toBe(990);
    expect(b.tryTake(1_000)).toBe(true);
  });
});

describe('OrderIds', () => {
  it('prefixes every id, keeps ids unique across runs and within 36 characters', () => {
    const a = new OrderIds('mm', 1_790_000_000_000);
    const b = new OrderIds('mm', 1_790_000_000_001);
    const ids = new Set([a.next(), a.next(), b.next(), b.next()]);
    expect(ids.size).toBe(4);
    for (const id of ids) {
      expect(id).toMatch(/^mm-[a-z0-9]+-\d+$/);
      expect(id.length).toBeLessThanOrEqual(36);
      expect(a.isOurs(id)).toBe(true);
    }
    expect(isOurOrder('mm', 'other-1')).toBe(false);
    expect(isOurOrder('mm', 'mmx-1')).toBe(false);
  });
});
