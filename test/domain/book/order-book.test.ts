import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatScaled } from '../../../src/domain/decimal.js';
import { DEFAULT_INSTRUMENTS, toInstrument } from '../../../src/domain/instrument.js';
import { OrderBook, type BookStatus, type WireLevel } from '../../../src/domain/book/order-book.js';

const BTC = toInstrument(DEFAULT_INSTRUMENTS[0]!); // tick 0.10 = 10 units at 2 decimals, lot 0.001

/** A price string for a tick index, sometimes unpadded as spot prints it ("100.5" vs "100.50"). */
const px = (tick: number, short = false): string => {
  const s = formatScaled(tick * BTC.tickUnits, BTC.priceDecimals);
  return short ? s.replace(/0$/, '') : s;
};
const qty = (lots: number): string => formatScaled(lots, BTC.qtyDecimals);
const lv = (tick: number, lots: number): WireLevel => [px(tick), qty(lots)];

/** The naive reference: a Map per side, sorted on demand. */
class ReferenceBook {
  bids = new Map<number, number>();
  asks = new Map<number, number>();
  valid = false;
  u = NaN;
  constructor(readonly depth: number) {}

  snapshot(bids: [number, number][], asks: [number, number][], u: number): BookStatus {
    this.bids.clear();
    this.asks.clear();
    return this.apply(bids, asks, u);
  }

  delta(bids: [number, number][], asks: [number, number][], u: number): BookStatus {
    if (u === 1) {
      const s = this.snapshot(bids, asks, u);
      return s === 'ok' ? 'reset' : s;
    }
    if (!this.valid || u !== this.u + 1) {
      this.valid = false;
      return 'gap';
    }
    return this.apply(bids, asks, u);
  }

  top(side: 'bid' | 'ask', n: number): [number, number][] {
    const m = side === 'bid' ? this.bids : this.asks;
    return [...m.entries()].sort((a, b) => (side === 'bid' ? b[0] - a[0] : a[0] - b[0])).slice(0, n);
  }

  private apply(bids: [number, number][], asks: [number, number][], u: number): BookStatus {
    for (const [m, levels] of [
      [this.bids, bids],
      [this.asks, asks],
    ] as const) {
      for (const [p, s] of levels) {
        if (s === 0) m.delete(p);
        else m.set(p, s);
      }
    }
    for (const side of ['bid', 'ask'] as const) {
      const m = side === 'bid' ? this.bids : this.asks;
      const keep = new Set(this.top(side, this.depth).map(([p]) => p));
      for (const p of [...m.keys()]) if (!keep.has(p)) m.delete(p);
    }
    this.u = u;
    const bb = this.top('bid', 1)[0]?.[0] ?? NaN;
    const ba = this.top('ask', 1)[0]?.[0] ?? NaN;
    this.valid = !(bb >= ba);
    return this.valid ? 'ok' : 'crossed';
  }
}

type Frame = {
  kind: 'snapshot' | 'delta' | 'gap' | 'reset';
  bids: [number, number][];
  asks: [number, number][];
};

/** Ticks around a centre that moves; bids mostly below it and asks above, a few crossing. */
const frameArb = (centre: number): fc.Arbitrary<Frame> => {
  const side = (lo: number, hi: number, withZeros: boolean) =>
    fc.array(
      fc.tuple(
        fc.integer({ min: centre + lo, max: centre + hi }),
        withZeros
          ? fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 }))
          : fc.integer({ min: 1, max: 5000 }),
      ),
      { maxLength: 12 },
    );
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('snapshot' as const),
        bids: side(-30, -1, false),
        asks: side(0, 30, false),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('snapshot' as const),
        bids: side(-3000, -1, false),
        asks: side(0, 3000, false),
      }),
    },
    // Narrow ranges make deltas hit existing levels often (replace, delete the best or the worst).
    {
      weight: 12,
      arbitrary: fc.record({
        kind: fc.constant('delta' as const),
        bids: side(-30, -1, true),
        asks: side(0, 30, true),
      }),
    },
    // Far levels force the ladder to re-base or grow.
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('delta' as const),
        bids: side(-9000, -1, true),
        asks: side(0, 9000, true),
      }),
    },
    // Occasionally a level lands on the other side of the touch.
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('delta' as const),
        bids: side(-5, 10, true),
        asks: side(-10, 5, true),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('gap' as const),
        bids: side(-30, -1, true),
        asks: side(0, 30, true),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('reset' as const),
        bids: side(-30, -1, false),
        asks: side(0, 30, false),
      }),
    },
  );
};

const scenarioArb = fc
  .tuple(
    fc.constantFrom(1, 5, 50, 200),
    // Each segment quotes around its own centre, so the book jumps between them.
    fc.array(fc.integer({ min: -200_000, max: 200_000 }), { minLength: 1, maxLength: 4 }),
  )
  .chain(([depth, jumps]) =>
    fc.tuple(
      fc.constant(depth),
      fc.tuple(...jumps.map((j) => fc.array(frameArb(1_000_000 + j), { minLength: 1, maxLength: 40 }))),
      fc.boolean(),
    ),
  );

describe('OrderBook', () => {
  it('matches a naive Map book after every frame of random snapshot/delta sequences', () => {
    const seen: Partial<Record<BookStatus, number>> = {};
    fc.assert(
      fc.property(scenarioArb, ([depth, segments, shortPrices]) => {
        const book = new OrderBook({ instrument: BTC, depth });
        const ref = new ReferenceBook(depth);
        let u = 1000;
        for (const frames of segments) {
          for (const f of frames) {
            const toWire = (ls: [number, number][]): WireLevel[] =>
              ls.map(([t, s], i) => [px(t, shortPrices && i % 2 === 0), qty(s)]);
            let got: BookStatus;
            let want: BookStatus;
            if (f.kind === 'snapshot') {
              u += 7;
              got = book.applySnapshot(toWire(f.bids), toWire(f.asks), u, u * 3);
              want = ref.snapshot(f.bids, f.asks, u);
            } else {
              if (f.kind === 'reset') u = 1;
              else u += f.kind === 'gap' ? 2 : 1;
              got = book.applyDelta(toWire(f.bids), toWire(f.asks), u, u * 3);
              want = ref.delta(f.bids, f.asks, u);
            }
            expect(got).toBe(want);
            seen[got] = (seen[got] ?? 0) + 1;
            expect(book.isValid).toBe(ref.valid);
            if (ref.valid) {
              const bb = ref.top('bid', 1)[0];
              const ba = ref.top('ask', 1)[0];
              expect(book.bestBid()).toBe(bb ? bb[0] * BTC.tickUnits : NaN);
              expect(book.bestAsk()).toBe(ba ? ba[0] * BTC.tickUnits : NaN);
              expect(book.bestBidSize()).toBe(bb ? bb[1] : NaN);
              expect(book.bestAskSize()).toBe(ba ? ba[1] : NaN);
              expect(book.lastU).toBe(u);
              const levels = book.levels(depth);
              expect(levels.bids.map((l) => [l.price / BTC.tickUnits, l.size])).toEqual(
                ref.top('bid', depth),
              );
              expect(levels.asks.map((l) => [l.price / BTC.tickUnits, l.size])).toEqual(
                ref.top('ask', depth),
              );
              expect(book.bidCount).toBeLessThanOrEqual(depth);
              expect(book.askCount).toBeLessThanOrEqual(depth);
            }
          }
        }
      }),
      { numRuns: 150 },
    );
    // The generator reaches every status, so the comparison covers each path.
    for (const s of ['ok', 'gap', 'crossed', 'reset'] as const) expect(seen[s] ?? 0).toBeGreaterThan(10);
  });

  it('reads a real Bybit snapshot and delta (protocol doc §12)', () => {
    const book = new OrderBook({ instrument: BTC, depth: 50 });
    expect(
      book.applySnapshot(
        [
          ['86723.40', '0.194'],
          ['86723.30', '0.002'],
          ['86722.30', '0.001'],
        ],
        [
          ['86723.50', '5.959'],
          ['86723.60', '0.320'],
          ['86723.80', '0.870'],
        ],
        173678160,
        814547787693,
      ),
    ).toBe('ok');
    expect(book.bestBid()).toBe(8672340);
    expect(book.bestAsk()).toBe(8672350);
    expect(book.spread()).toBe(10);
    expect(book.mid()).toBe(8672345);
    // (ask·bidSize + bid·askSize) / (bidSize + askSize), in price units
    expect(book.microprice()).toBeCloseTo((8672350 * 194 + 8672340 * 5959) / (194 + 5959), 6);
    expect(book.applyDelta([['86723.40', '0']], [['86723.50', '1.000']], 173678161, 814547787700)).toBe('ok');
    expect(book.bestBid()).toBe(8672330);
    expect(book.bestBidSize()).toBe(2);
    expect(book.bestAskSize()).toBe(1000);
    expect(book.lastU).toBe(173678161);
    expect(book.lastSeq).toBe(814547787700);
    expect(book.updateCount).toBe(2);
  });

  it('treats u = 1 as a service restart that replaces the book', () => {
    const book = new OrderBook({ instrument: BTC, depth: 50 });
    book.applySnapshot([lv(1000, 1), lv(999, 2)], [lv(1001, 3)], 500, 1);
    expect(book.applyDelta([lv(2000, 5)], [lv(2002, 6)], 1, 2)).toBe('reset');
    expect(book.isValid).toBe(true);
    expect(book.levels(10)).toEqual({
      bids: [{ price: 20000, size: 5 }],
      asks: [{ price: 20020, size: 6 }],
    });
    expect(book.applyDelta([], [lv(2001, 1)], 2, 3)).toBe('ok');
    expect(book.bestAsk()).toBe(20010);
  });

  it('reports a gap for a delta before any snapshot, a skipped or repeated u, and stays invalid', () => {
    const book = new OrderBook({ instrument: BTC, depth: 50 });
    expect(book.applyDelta([lv(100, 1)], [], 5, 1)).toBe('gap');
    expect(book.isValid).toBe(false);
    expect(book.isInitialised).toBe(false);
    book.applySnapshot([lv(100, 1)], [lv(101, 1)], 10, 1);
    expect(book.applyDelta([lv(100, 2)], [], 10, 2)).toBe('gap'); // repeated u
    expect(book.applyDelta([lv(100, 3)], [], 11, 3)).toBe('gap'); // invalid until a snapshot
    expect(book.bestBidSize()).toBe(1); // nothing was applied
    expect(book.applySnapshot([lv(100, 4)], [lv(101, 1)], 20, 4)).toBe('ok');
    expect(book.applyDelta([lv(100, 5)], [], 22, 5)).toBe('gap'); // skipped u
    expect(book.isValid).toBe(false);
  });

  it('reports a crossed or locked book and invalidates it', () => {
    const book = new OrderBook({ instrument: BTC, depth: 50 });
    book.applySnapshot([lv(100, 1)], [lv(102, 1)], 1, 1);
    expect(book.applyDelta([lv(102, 1)], [], 2, 2)).toBe('crossed'); // locked counts
    expect(book.isValid).toBe(false);
    expect(book.applySnapshot([lv(103, 1)], [lv(102, 1)], 9, 9)).toBe('crossed');
    expect(book.applySnapshot([lv(101, 1)], [lv(102, 1)], 9, 9)).toBe('ok');
  });

  it('keeps only the best `depth` levels of each side', () => {
    const book = new OrderBook({ instrument: BTC, depth: 50 });
    const bids = Array.from({ length: 60 }, (_, i) => lv(10_000 - i, i + 1));
    const asks = Array.from({ length: 60 }, (_, i) => lv(10_011 + i, i + 1));
    expect(book.applySnapshot(bids, asks, 1, 1)).toBe('ok');
    expect(book.bidCount).toBe(50);
    expect(book.askCount).toBe(50);
    const l = book.levels(100);
    expect(l.bids.at(-1)?.price).toBe((10_000 - 49) * 10);
    expect(l.asks.at(-1)?.price).toBe((10_011 + 49) * 10);
    // A better bid pushes the worst one (9951) out; the "0" Bybit sends for it later is a no-op.
    expect(book.applyDelta([lv(10_001, 7)], [], 2, 2)).toBe('ok');
    expect(book.bidCount).toBe(50);
    expect(book.levels(100).bids.at(-1)?.price).toBe(9_952 * 10);
    expect(book.applyDelta([lv(9_951, 0)], [], 3, 3)).toBe('ok');
    expect(book.bidCount).toBe(50);
    // A level below a full window is trimmed straight away.
    expect(book.applyDelta([lv(9_950, 9)], [], 4, 4)).toBe('ok');
    expect(book.levels(100).bids.some((x) => x.price === 9_950 * 10)).toBe(false);
    expect(book.applyDelta([lv(9_999, 0)], [], 5, 5)).toBe('ok');
    expect(book.bidCount).toBe(49);
    expect(book.bestBid()).toBe(10_001 * 10);
  });

  it('refuses malformed prices and sizes, then waits for a snapshot', () => {
    const bad: [string, string][] = [
      ['abc', '1.000'],
      ['100.00', '-1'],
      ['100.00', '1e3'],
      ['100.05', '1.000'], // off the 0.10 tick grid
      ['100.001', '1.000'], // more decimals than the price scale
      ['0', '1.000'],
      ['-100.00', '1.000'],
      ['100.00', '0.0001'], // finer than the lot
      ['', '1'],
      ['100.00', ''],
    ];
    for (const level of bad) {
      const book = new OrderBook({ instrument: BTC, depth: 50 });
      book.applySnapshot([lv(900, 1)], [lv(1100, 1)], 1, 1);
      expect(book.applyDelta([level], [], 2, 2), String(level)).toBe('malformed');
      expect(book.isValid).toBe(false);
      expect(book.applyDelta([lv(900, 2)], [], 3, 3)).toBe('gap');
      expect(book.applySnapshot([lv(900, 1)], [lv(1100, 1)], 10, 10)).toBe('ok');
    }
    const book = new OrderBook({ instrument: BTC, depth: 50 });
    expect(book.applySnapshot([['x', '1']], [], 1, 1)).toBe('malformed');
    expect(book.isInitialised).toBe(false);
    const notStrings = [[100, 1] as unknown as WireLevel, null as unknown as WireLevel];
    for (const level of notStrings) expect(book.applySnapshot([level], [], 1, 1)).toBe('malformed');
    expect(book.applySnapshot([lv(900, 1)], [lv(1100, 1)], 1.5, 1)).toBe('malformed');
  });

  it('follows the price far away by re-basing its window', () => {
    const book = new OrderBook({ instrument: BTC, depth: 50 });
    book.applySnapshot([lv(600_000, 1)], [lv(600_001, 1)], 1, 1);
    expect(
      book.applyDelta([lv(600_000, 0), lv(1_800_000, 2)], [lv(600_001, 0), lv(1_800_010, 3)], 2, 2),
    ).toBe('ok');
    expect(book.bestBid()).toBe(18_000_000);
    expect(book.bestAsk()).toBe(18_000_100);
    // A sparse side wider than the initial window grows it.
    expect(book.applyDelta([lv(1_790_000, 4), lv(1_780_000, 5)], [lv(1_830_000, 6)], 3, 3)).toBe('ok');
    expect(book.levels(5).bids.map((l) => l.size)).toEqual([2, 4, 5]);
    expect(book.levels(5).asks.map((l) => l.size)).toEqual([3, 6]);
    expect(book.depthSizes(2)).toEqual({ bid: 6, ask: 9 });
    // The allocation-free copy respects the capacity of typed arrays.
    const prices = new Float64Array(2);
    const sizes = new Float64Array(2);
    expect(book.copyLevels('bid', 10, prices, sizes)).toBe(2);
    expect([...prices]).toEqual([18_000_000, 17_900_000]);
    expect([...sizes]).toEqual([2, 4]);
  });

  it('reads NaN for every price of an empty side', () => {
    const book = new OrderBook({ instrument: BTC, depth: 50 });
    expect(book.applySnapshot([lv(100, 1)], [], 1, 1)).toBe('ok');
    expect(book.bestBid()).toBe(1000);
    for (const v of [book.bestAsk(), book.bestAskSize(), book.mid(), book.microprice(), book.spread()])
      expect(v).toBeNaN();
    expect(book.levels(3).asks).toEqual([]);
  });
});
