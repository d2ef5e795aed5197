import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScaled, parseScaledAt, scaleDigits } from '../../../src/domain/decimal.js';
import { DEFAULT_INSTRUMENTS, toInstrument } from '../../../src/domain/instrument.js';
import { OrderBook, type WireLevel } from '../../../src/domain/book/order-book.js';
import type { PackedLevels } from '../../../src/domain/book/packed-levels.js';

const BTC = toInstrument(DEFAULT_INSTRUMENTS[0]!);

/**
 * The digits a scanner may attach (PackedLevels.digits), by their definition: every digit as one
 * integer and the count after the dot, for digits with at most one dot and at most 15 digits;
 * otherwise a NaN mantissa.
 */
function digitsOf(s: string): [number, number] {
  const plain = /^\d*\.?\d*$/.test(s);
  const all = s.replace('.', '');
  if (!plain || all.length === 0 || all.length > 15) return [Number.NaN, 0];
  const dot = s.indexOf('.');
  return [Number(all), dot < 0 ? 0 : s.length - dot - 1];
}

/** pack() with the digits read ahead, as the book scanner leaves them. */
function packWithDigits(bids: readonly WireLevel[], asks: readonly WireLevel[]): PackedLevels {
  const digits: number[] = [];
  for (const [p, s] of [...bids, ...asks]) digits.push(...digitsOf(p), ...digitsOf(s));
  return { ...pack(bids, asks), digits };
}

/** Lays levels out in one text with filler around each string, as a frame would hold them. */
function pack(bids: readonly WireLevel[], asks: readonly WireLevel[]): PackedLevels {
  let text = '{"x":';
  const ranges: number[] = [];
  const put = (s: string): void => {
    text += '["';
    ranges.push(text.length, text.length + s.length);
    text += `${s}"],`;
  };
  for (const [p, s] of bids) {
    put(p);
    put(s);
  }
  const asksAt = ranges.length;
  for (const [p, s] of asks) {
    put(p);
    put(s);
  }
  return { text: `${text}}`, ranges, bidsAt: 0, bids: bids.length, asksAt, asks: asks.length };
}

/** Decimal-looking strings with the odd malformed one. */
const decimalish = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^-?\d{0,7}(\.\d{0,4})?$/) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', '-', '.', '1.', '.5', '0', '00.10', '1e3', '9007199254740993'),
  },
);

/**
 * Prices on the BTC grid near 60,000, now and then off the grid or malformed, as wire strings
 * (far-away prices would only exercise the ladder's re-basing, which order-book.test.ts covers).
 */
const price = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 599_000, max: 601_000 }).map((t) => (t / 10).toFixed(2)) },
  { weight: 1, arbitrary: fc.integer({ min: 5_990_000, max: 6_010_000 }).map((c) => (c / 100).toFixed(2)) },
  { weight: 1, arbitrary: fc.constantFrom('', '-', '.', '-60000.00', '60000.0.0', '6e4', '60000.001', 'x') },
);
const size = fc.oneof(
  { weight: 3, arbitrary: fc.constant('0') },
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 5_000 }).map((l) => (l / 1000).toFixed(3)) },
  { weight: 1, arbitrary: decimalish },
);
const levels = fc.array(fc.tuple(price, size), { maxLength: 12 });

describe('parseScaledAt', () => {
  it('reads a range exactly as parseScaled reads the same string cut out', () => {
    fc.assert(
      fc.property(fc.string(), decimalish, fc.string(), fc.integer({ min: 0, max: 8 }), (pre, s, post, d) => {
        const text = pre + s + post;
        expect(parseScaledAt(text, pre.length, pre.length + s.length, d)).toBe(parseScaled(s, d));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('scaleDigits', () => {
  it('gives what parseScaled gives for the plain decimal the digits were read from', () => {
    const plainDecimal = fc.oneof(
      fc.stringMatching(/^\d{0,9}(\.\d{0,8})?$/),
      fc.stringMatching(/^\d{10,15}$/),
      fc.constantFrom('5.', '.5', '0.000', '60000.10', '999999999999999', '0.0000000000001', '1.10000'),
    );
    fc.assert(
      fc.property(plainDecimal, fc.integer({ min: 0, max: 12 }), (s, d) => {
        const [m, f] = digitsOf(s);
        fc.pre(!Number.isNaN(m));
        expect(scaleDigits(m, f, d)).toBe(parseScaled(s, d));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('OrderBook packed levels', () => {
  it.each([
    ['as ranges of the text', pack],
    ['with their digits read ahead', packWithDigits],
  ])('give the same outcome and the same book as the wire strings, %s', (_, packOf) => {
    fc.assert(
      fc.property(
        levels,
        levels,
        fc.array(fc.tuple(levels, levels, fc.constantFrom(1, 1, 1, 1, 2, 0)), { maxLength: 12 }),
        (sb, sa, deltas) => {
          const strings = new OrderBook({ instrument: BTC, depth: 5 });
          const packed = new OrderBook({ instrument: BTC, depth: 5 });
          let u = 100;
          expect(packed.applySnapshotPacked(packOf(sb, sa), u, 7)).toBe(strings.applySnapshot(sb, sa, u, 7));
          for (const [b, a, step] of deltas) {
            u = step === 0 ? 1 : u + step;
            expect(packed.applyDeltaPacked(packOf(b, a), u, u)).toBe(strings.applyDelta(b, a, u, u));
            expect(packed.isValid).toBe(strings.isValid);
            expect(packed.lastU).toBe(strings.lastU);
            if (strings.isValid) expect(packed.levels(5)).toEqual(strings.levels(5));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
