import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateBudget } from '../../src/domain/rate-budget.js';
import { OrderIds, isOurOrder } from '../../src/domain/order-id.js';

describe('RateBudget', () => {
  it('spends the burst, then refills at the rate', () => {
    const b = new RateBudget(10, 5, 0);
    for (let i = 0; i < 5; i++) expect(b.tryTake(0)).toBe(true);
    expect(b.tryTake(0)).toBe(false);
    expect(b.waitMs(0)).toBe(100);
    expect(b.tryTake(100)).toBe(true);
    expect(b.available(10_000)).toBe(5);
  });

  it('never lets more than burst + rate·t requests through in any interval', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 300 }), (gaps) => {
        const b = new RateBudget(8, 4, 0);
        let t = 0;
        let taken = 0;
        for (const g of gaps) {
          t += g;
          if (b.tryTake(t)) taken++;
        }
        expect(taken).toBeLessThanOrEqual(4 + Math.floor((t / 1000) * 8) + 1);
      }),
    );
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
