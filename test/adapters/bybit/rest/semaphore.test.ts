import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Semaphore, type SemaphoreTicket } from '../../../../src/adapters/bybit/rest/semaphore.js';

const flush = () => new Promise((r) => setImmediate(r));

describe('Semaphore', () => {
  it('grants at most `limit` slots and hands freed slots to waiters in order', async () => {
    const s = new Semaphore(2);
    const order: number[] = [];
    const tickets = [0, 1, 2, 3].map((i) => {
      const t = s.acquire();
      void t.granted.then(() => order.push(i));
      return t;
    });
    await flush();
    expect(order).toEqual([0, 1]);
    expect([s.held, s.waiting]).toEqual([2, 2]);
    s.release();
    await flush();
    expect(order).toEqual([0, 1, 2]);
    expect(tickets[3]!.cancel()).toBe(true);
    expect(s.waiting).toBe(0);
    s.release();
    s.release();
    expect(s.held).toBe(0);
  });

  it('never holds more than its limit under any acquire/release/cancel sequence (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.constantFrom('acquire', 'release', 'cancel'), { maxLength: 60 }),
        async (limit, ops) => {
          const s = new Semaphore(limit);
          const granted: SemaphoreTicket[] = [];
          const waiting: SemaphoreTicket[] = [];
          for (const op of ops) {
            if (op === 'acquire') {
              const t = s.acquire();
              waiting.push(t);
              void t.granted.then(() => {
                waiting.splice(waiting.indexOf(t), 1);
                granted.push(t);
              });
            } else if (op === 'release' && granted.length > 0) {
              granted.shift();
              s.release();
            } else if (op === 'cancel' && waiting.length > 0) {
              const t = waiting[0]!;
              if (t.cancel()) waiting.shift();
            }
            await flush();
            expect(s.held).toBeLessThanOrEqual(limit);
            expect(granted.length).toBe(s.held);
            expect(s.waiting).toBe(waiting.length);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('tryAcquire takes a free slot at once and refuses when none is free', () => {
    const s = new Semaphore(1);
    expect(s.tryAcquire()).toBe(true);
    expect(s.tryAcquire()).toBe(false);
    s.release();
    expect(s.tryAcquire()).toBe(true);
    expect(s.held).toBe(1);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
