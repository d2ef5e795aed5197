import { describe, expect, it } from 'vitest';
import { PnlLedger } from '../../../src/domain/pnl/ledger.js';

const fill = (execId: string, side: 'Buy' | 'Sell', price: number, qty: number, time: number) => ({
  execId,
  symbol: 'BTCUSDT',
  side,
  price,
  qty,
  fee: 0,
  isMaker: true,
  time,
});

describe('PnlLedger.correctPosition', () => {
  it('takes the exchange position, keeps realised PnL and refuses fills it already contains', () => {
    const l = new PnlLedger({ symbol: 'BTCUSDT', qtyDecimals: 3 });
    expect(l.applyFill(fill('a', 'Buy', 100, 1000, 1_000))).toBe('applied');
    expect(l.applyFill(fill('b', 'Sell', 110, 1000, 2_000))).toBe('applied');
    expect(l.snapshot().realisedPnl).toBeCloseTo(10);
    // A fill at t=3000 was missed; the exchange says we are long 0.5 at 105.
    l.correctPosition({ sizeUnits: 500, avgPrice: 105, asOfMs: 4_000 });
    expect(l.positionUnits).toBe(500);
    expect(l.snapshot().realisedPnl).toBeCloseTo(10);
    expect(l.applyFill(fill('missed', 'Buy', 105, 500, 3_000))).toBe('expired');
    expect(l.applyFill(fill('c', 'Sell', 107, 500, 5_000))).toBe('applied');
    expect(l.positionUnits).toBe(0);
    expect(l.snapshot().realisedPnl).toBeCloseTo(11);
  });

  it('refuses a fractional size', () => {
    const l = new PnlLedger({ symbol: 'BTCUSDT', qtyDecimals: 3 });
    expect(() => l.correctPosition({ sizeUnits: 0.5, avgPrice: 1, asOfMs: 0 })).toThrow(RangeError);
  });
});
