import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PnlLedger, type Fill } from '../../../src/domain/pnl/ledger.js';
import { SeenIds } from '../../../src/domain/pnl/seen-ids.js';

const OPTS = { symbol: 'BTCUSDT', qtyDecimals: 3 }; // quantity unit 0.001 BTC
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1, 12); // noon, 2025-01-01

let seq = 0;
const fill = (
  side: 'Buy' | 'Sell',
  qty: number,
  price: number,
  fee = 0,
  time = T0,
  execId?: string,
): Fill => ({
  execId: execId ?? `e${++seq}`,
  symbol: 'BTCUSDT',
  side,
  price,
  qty,
  fee,
  isMaker: true,
  time,
});

const fillArb: fc.Arbitrary<Fill> = fc
  .record({
    side: fc.constantFrom('Buy' as const, 'Sell' as const),
    qty: fc.integer({ min: 1, max: 50 }),
    price: fc.integer({ min: 5_000_000, max: 7_000_000 }).map((p) => p / 100),
    fee: fc.double({ min: -0.5, max: 2, noNaN: true }),
    dt: fc.integer({ min: 0, max: 3_600_000 }),
  })
  .map((f) => ({ ...f, execId: '', symbol: 'BTCUSDT', isMaker: true, time: f.dt }));

/** Fills with unique ids and increasing times from T0. */
const fillsArb = fc.array(fillArb, { maxLength: 60 }).map((fs) => {
  let t = T0;
  return fs.map((f, i) => {
    t += f.time;
    return { ...f, execId: `x${i}`, time: t };
  });
});

describe('PnlLedger', () => {
  it('keeps the position equal to the signed sum of the fills', () => {
    fc.assert(
      fc.property(fillsArb, (fills) => {
        const l = new PnlLedger(OPTS);
        for (const f of fills) expect(l.applyFill(f)).toBe('applied');
        const sum = fills.reduce((s, f) => s + (f.side === 'Buy' ? f.qty : -f.qty), 0);
        expect(l.positionUnits).toBe(sum);
        expect(l.snapshot().positionBase).toBeCloseTo(sum / 1000, 12);
      }),
    );
  });

  it('counts a replayed fill once: applying a sequence twice equals applying it once', () => {
    fc.assert(
      fc.property(fillsArb, fc.integer({ min: 0, max: 1000 }), (fills, salt) => {
        const once = new PnlLedger(OPTS);
        for (const f of fills) once.applyFill(f);
        const twice = new PnlLedger(OPTS);
        for (const f of fills) twice.applyFill(f);
        // Replay everything again, and repeat some fills in between, as a reconnect would.
        for (const f of fills) expect(twice.applyFill(f)).toBe('duplicate');
        if (fills.length > 0) twice.applyFill(fills[salt % fills.length]!);
        const { fillsDuplicate, ...a } = twice.snapshot();
        const { fillsDuplicate: none, ...b } = once.snapshot();
        expect(none).toBe(0);
        expect(fillsDuplicate).toBe(fills.length + (fills.length > 0 ? 1 : 0));
        expect(a).toEqual(b);
      }),
    );
  });

  it('conserves money: realised + unrealised equals the cash flow plus the position at the mark', () => {
    fc.assert(
      fc.property(fillsArb, fc.integer({ min: 5_000_000, max: 7_000_000 }), (fills, m) => {
        const l = new PnlLedger(OPTS);
        let cash = 0;
        let fees = 0;
        for (const f of fills) {
          l.applyFill(f);
          cash += (f.side === 'Sell' ? 1 : -1) * f.price * (f.qty / 1000);
          fees += f.fee;
        }
        const mark = m / 100;
        l.mark(mark, fills.at(-1)?.time ?? T0);
        const s = l.snapshot();
        expect(s.realisedPnl + s.unrealisedPnl).toBeCloseTo(cash + s.positionBase * mark, 6);
        expect(s.fees).toBeCloseTo(fees, 9);
        expect(s.equity).toBeCloseTo(s.realisedPnl + s.unrealisedPnl - s.fees, 9);
        expect(s.drawdown).toBeGreaterThanOrEqual(0);
        expect(s.peakEquity).toBeGreaterThanOrEqual(s.equity);
      }),
    );
  });

  it('realises a closed round trip as computed by hand', () => {
    const l = new PnlLedger(OPTS);
    l.applyFill(fill('Buy', 10, 60_000, 0.12, T0));
    l.applyFill(fill('Buy', 10, 60_100, 0.12, T0 + 1000));
    expect(l.snapshot().avgEntryPrice).toBe(60_050);
    l.mark(60_150, T0 + 1500);
    expect(l.snapshot().unrealisedPnl).toBeCloseTo(2.0, 9); // (60,150 − 60,050) · 0.02
    l.applyFill(fill('Sell', 20, 60_200, -0.024, T0 + 2000)); // a maker rebate
    const s = l.snapshot();
    expect(s.positionUnits).toBe(0);
    expect(s.avgEntryPrice).toBeNaN();
    expect(s.realisedPnl).toBeCloseTo(3.0, 9); // (60,200 − 60,050) · 0.02
    expect(s.fees).toBeCloseTo(0.216, 9);
    expect(s.lastRoundTrip).toEqual({
      openedAt: T0,
      closedAt: T0 + 2000,
      realised: expect.closeTo(3.0, 9) as number,
      fees: expect.closeTo(0.216, 9) as number,
      pnl: expect.closeTo(2.784, 9) as number,
    });
    expect(s.roundTrips).toEqual({ total: 1, wins: 1, losses: 0 });
    expect(s.equity).toBeCloseTo(2.784, 9);
  });

  it('closes a round trip and opens the next when the position flips through zero', () => {
    const l = new PnlLedger(OPTS);
    l.applyFill(fill('Buy', 10, 100, 0.05, T0)); // long 0.010 at 100
    l.applyFill(fill('Sell', 30, 110, 0.3, T0 + 1)); // sell 0.030 at 110: close 0.010, open short 0.020
    const s = l.snapshot();
    expect(s.positionUnits).toBe(-20);
    expect(s.avgEntryPrice).toBe(110);
    expect(s.realisedPnl).toBeCloseTo(0.1, 12); // (110 − 100) · 0.010
    // The closed trip carries its opening fee and a third of the flip's fee.
    expect(s.lastRoundTrip?.fees).toBeCloseTo(0.05 + 0.1, 12);
    expect(s.lastRoundTrip?.pnl).toBeCloseTo(0.1 - 0.15, 12);
    expect(s.consecutiveLosses).toBe(1);
    // Buying back 0.020 at 105 closes the short: (110 − 105) · 0.020 = 0.1, minus the 0.2 fee carried over.
    l.applyFill(fill('Buy', 20, 105, 0, T0 + 2));
    expect(l.snapshot().lastRoundTrip?.pnl).toBeCloseTo(0.1 - 0.2, 12);
    expect(l.snapshot().consecutiveLosses).toBe(2);
  });

  it('counts consecutive losing round trips, reset by a winner and untouched by break-even', () => {
    const l = new PnlLedger(OPTS);
    const trip = (entry: number, exit: number, fee = 0) => {
      l.applyFill(fill('Buy', 1, entry, fee));
      l.applyFill(fill('Sell', 1, exit, fee));
    };
    trip(100, 99);
    trip(100, 100, 0.01); // scratch, but the fees make it a loss
    trip(100, 98);
    expect(l.snapshot().consecutiveLosses).toBe(3);
    trip(100, 100); // exactly break-even
    expect(l.snapshot().consecutiveLosses).toBe(3);
    trip(100, 101);
    expect(l.snapshot().consecutiveLosses).toBe(0);
    expect(l.snapshot().roundTrips).toEqual({ total: 5, wins: 1, losses: 3 });
  });

  it('tracks peak equity and the drawdown from it', () => {
    const l = new PnlLedger(OPTS);
    l.applyFill(fill('Buy', 1000, 100)); // 1 BTC at 100
    l.mark(150, T0 + 1);
    l.mark(120, T0 + 2);
    let s = l.snapshot();
    expect(s.peakEquity).toBe(50);
    expect(s.equity).toBe(20);
    expect(s.drawdown).toBe(30);
    l.mark(160, T0 + 3);
    s = l.snapshot();
    expect(s.peakEquity).toBe(60);
    expect(s.drawdown).toBe(0);
    expect(l.mark(NaN, T0 + 4)).toBe(false);
    expect(l.mark(-1, T0 + 4)).toBe(false);
    expect(l.equityCurve().map((p) => p.equity)).toEqual([60]); // one minute, its last value
  });

  it('starts a new daily PnL at the UTC day boundary of the events', () => {
    const l = new PnlLedger(OPTS);
    const midnight = Date.UTC(2025, 0, 2);
    l.applyFill(fill('Buy', 1000, 100, 0, midnight - 60_000)); // 23:59 on Jan 1
    l.mark(110, midnight - 1);
    expect(l.snapshot().day).toBe('2025-01-01');
    expect(l.snapshot().dailyPnl).toBe(10);
    l.mark(105, midnight + 1); // first event of Jan 2: the day starts from equity 10
    let s = l.snapshot();
    expect(s.day).toBe('2025-01-02');
    expect(s.dailyPnl).toBe(-5);
    expect(s.equity).toBe(5);
    // A late event from the previous day does not move the day back.
    l.mark(100, midnight - 10);
    s = l.snapshot();
    expect(s.day).toBe('2025-01-02');
    expect(s.dailyPnl).toBe(-10);
    l.applyFill(fill('Sell', 1000, 120, 0, midnight + DAY + 5));
    s = l.snapshot();
    expect(s.day).toBe('2025-01-03');
    expect(s.dailyPnl).toBe(20);
  });

  it('seeds a position loaded from the exchange and refuses fills it already contains', () => {
    const l = PnlLedger.fromExchange({ sizeUnits: -50, avgPrice: 60_000, asOfMs: T0 }, OPTS);
    let s = l.snapshot();
    expect(s.positionUnits).toBe(-50);
    expect(s.avgEntryPrice).toBe(60_000);
    expect(s.unrealisedPnl).toBe(0);
    expect(l.applyFill(fill('Sell', 10, 60_000, 0, T0 - 5))).toBe('expired');
    expect(l.applyFill(fill('Sell', 10, 60_000, 0, T0))).toBe('expired');
    l.mark(59_000, T0 + 10);
    expect(l.snapshot().unrealisedPnl).toBeCloseTo(50, 9); // short 0.05 BTC, 1,000 lower
    expect(l.applyFill(fill('Buy', 50, 59_000, 0, T0 + 20))).toBe('applied');
    s = l.snapshot();
    expect(s.positionUnits).toBe(0);
    expect(s.realisedPnl).toBeCloseTo(50, 9);
    expect(s.roundTrips.wins).toBe(1);
    expect(() => PnlLedger.fromExchange({ sizeUnits: 5, avgPrice: 0, asOfMs: T0 }, OPTS)).toThrow(RangeError);
    expect(() => PnlLedger.fromExchange({ sizeUnits: 0.5, avgPrice: 1, asOfMs: T0 }, OPTS)).toThrow(
      RangeError,
    );
  });

  it('refuses malformed fills with a count, changing nothing', () => {
    const l = new PnlLedger(OPTS);
    const good = fill('Buy', 1, 100);
    for (const bad of [
      { ...good, execId: '' },
      { ...good, symbol: 'ETHUSDT' },
      { ...good, qty: 0 },
      { ...good, qty: 1.5 },
      { ...good, price: NaN },
      { ...good, price: 0 },
      { ...good, fee: Infinity },
      { ...good, time: NaN },
      { ...good, side: 'buy' as unknown as 'Buy' },
    ])
      expect(l.applyFill(bad)).toBe('invalid');
    const s = l.snapshot();
    expect(s.positionUnits).toBe(0);
    expect(s.fillsInvalid).toBe(9);
    expect(l.applyFill(good)).toBe('applied');
  });
});

describe('SeenIds', () => {
  it('bounds its memory and never lets a forgotten id count again', () => {
    const seen = new SeenIds(10);
    for (let i = 0; i < 100; i++) expect(seen.admit(`id${i}`, T0 + i)).toBe('new');
    expect(seen.size).toBeLessThanOrEqual(20);
    for (let i = 0; i < 100; i++) expect(seen.admit(`id${i}`, T0 + i)).not.toBe('new');
    expect(seen.admit('fresh', T0 + 1000)).toBe('new');
  });

  it('keeps today and yesterday, and forgets the day before behind the horizon', () => {
    const seen = new SeenIds(1000);
    seen.admit('d1', T0);
    seen.admit('d2', T0 + DAY);
    seen.admit('d3', T0 + 2 * DAY);
    expect(seen.admit('d2', T0 + DAY)).toBe('duplicate');
    expect(seen.admit('d3', T0 + 2 * DAY)).toBe('duplicate');
    expect(seen.admit('d1', T0)).toBe('expired');
    expect(seen.horizon).toBe(T0);
    expect(seen.size).toBe(2);
  });
});
