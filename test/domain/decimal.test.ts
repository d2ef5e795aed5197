import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalsOf, formatScaled, parseScaled } from '../../src/domain/decimal.js';

describe('decimal', () => {
  it('parses Bybit price and size strings exactly', () => {
    expect(parseScaled('109378.80', 2)).toBe(10937880);
    expect(parseScaled('109378.8', 2)).toBe(10937880);
    expect(parseScaled('0.001', 3)).toBe(1);
    expect(parseScaled('0', 3)).toBe(0);
    expect(parseScaled('1190.000', 3)).toBe(1190000);
    expect(parseScaled('-1.5', 1)).toBe(-15);
    expect(parseScaled('5', 0)).toBe(5);
  });

  it('refuses what is not a plain decimal or would lose precision', () => {
    for (const s of ['', '-', '.', 'abc', '1e5', '1.2.3', ' 1', '0x10', 'NaN', 'Infinity'])
      expect(parseScaled(s, 2)).toBeNaN();
    expect(parseScaled('0.123', 2)).toBeNaN();
    expect(parseScaled('0.120', 2)).toBe(12);
  });

  it('formats with the instrument precision', () => {
    expect(formatScaled(10937880, 2)).toBe('109378.80');
    expect(formatScaled(1, 3)).toBe('0.001');
    expect(formatScaled(-15, 1)).toBe('-1.5');
    expect(formatScaled(42, 0)).toBe('42');
    expect(decimalsOf('0.10')).toBe(2);
    expect(decimalsOf('1')).toBe(0);
  });

  it('round-trips every scaled integer', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 8 }), (v, d) => {
        expect(parseScaled(formatScaled(v, d), d)).toBe(v);
      }),
    );
  });
});
