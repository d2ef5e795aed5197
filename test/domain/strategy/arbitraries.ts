/** Shared fast-check arbitraries for the strategy tests: instruments, markets, parameters. */
import fc from 'fast-check';
import { DEFAULT_INSTRUMENTS, toInstrument, type Instrument } from '../../../src/domain/instrument.js';
import type { QuoteParams } from '../../../src/domain/strategy/params.js';
import type { InventoryInput, MarketInput } from '../../../src/domain/strategy/quotes.js';

export const BTC = toInstrument(DEFAULT_INSTRUMENTS[0]!);
export const ETH = toInstrument(DEFAULT_INSTRUMENTS[1]!);
/** A coarse synthetic contract: tick 0.5 (5 units at 1 decimal), lot 0.05, min qty 0.10. */
export const COARSE = toInstrument({
  symbol: 'COARSEUSDT',
  baseCoin: 'COARSE',
  quoteCoin: 'USDT',
  tickSize: '0.5',
  qtyStep: '0.05',
  minOrderQty: '0.10',
  maxOrderQty: '5000.00',
  minNotionalValue: '5',
  minPrice: '0.5',
  maxPrice: '999999.5',
});

export const instrumentArb: fc.Arbitrary<Instrument> = fc.constantFrom(BTC, ETH, COARSE);

/** A two-sided, uncrossed top of book on the instrument's tick grid. */
export const marketArb = (inst: Instrument): fc.Arbitrary<MarketInput> =>
  fc
    .record({
      bidTicks: fc.integer({ min: 100, max: 2_000_000 }),
      spreadTicks: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 300 })),
      bidSize: fc.integer({ min: 1, max: 1_000_000 }),
      askSize: fc.integer({ min: 1, max: 1_000_000 }),
      volBps: fc.oneof(fc.constant(NaN), fc.double({ min: 0, max: 300, noNaN: true })),
    })
    .map((m) => ({
      bestBid: m.bidTicks * inst.tickUnits,
      bestAsk: (m.bidTicks + m.spreadTicks) * inst.tickUnits,
      bestBidSize: m.bidSize,
      bestAskSize: m.askSize,
      volBps: m.volBps,
    }));

export const paramsArb = (inst: Instrument): fc.Arbitrary<QuoteParams> =>
  fc
    .record({
      fairPrice: fc.constantFrom('mid' as const, 'microprice' as const),
      enableDynamicSpread: fc.boolean(),
      enableInventorySkew: fc.boolean(),
      minSpreadBps: fc.double({ min: 0, max: 50, noNaN: true }),
      extraSpreadBps: fc.double({ min: 0, max: 150, noNaN: true }),
      kVolaSpread: fc.double({ min: 0, max: 5, noNaN: true }),
      skewCoeff: fc.double({ min: 0, max: 100, noNaN: true }),
      sizeSkewCoeff: fc.double({ min: 0, max: 1, noNaN: true }),
      levelsPerSide: fc.integer({ min: 1, max: 20 }),
      levelSpacingCoeff: fc.double({ min: 0, max: 2, noNaN: true }),
      orderLots: fc.integer({ min: 1, max: 2_000 }),
      levelSizeMultiplier: fc.double({ min: 0.5, max: 2, noNaN: true }),
      maxActivePerSide: fc.integer({ min: 1, max: 20 }),
      maxPositionLots: fc.integer({ min: 0, max: 50_000 }),
      maxPositionUsd: fc.oneof(fc.constant(1e12), fc.double({ min: 0, max: 1e6, noNaN: true })),
    })
    .map((p): QuoteParams => ({
      fairPrice: p.fairPrice,
      enableDynamicSpread: p.enableDynamicSpread,
      enableInventorySkew: p.enableInventorySkew,
      minSpreadBps: p.minSpreadBps,
      maxSpreadBps: p.minSpreadBps + p.extraSpreadBps,
      kVolaSpread: p.kVolaSpread,
      skewCoeff: p.skewCoeff,
      sizeSkewCoeff: p.sizeSkewCoeff,
      levelsPerSide: p.levelsPerSide,
      levelSpacingCoeff: p.levelSpacingCoeff,
      orderSizeUnits: p.orderLots * inst.lotUnits,
      levelSizeMultiplier: p.levelSizeMultiplier,
      maxActivePerSide: p.maxActivePerSide,
      maxPositionUnits: p.maxPositionLots * inst.lotUnits,
      maxPositionUsd: p.maxPositionUsd,
    }));

export const inventoryArb = (inst: Instrument, params: QuoteParams): fc.Arbitrary<InventoryInput> =>
  fc.record({
    positionUnits: fc
      .integer({
        min: -2 * Math.max(1, params.maxPositionUnits / inst.lotUnits),
        max: 2 * Math.max(1, params.maxPositionUnits / inst.lotUnits),
      })
      .map((lots) => lots * inst.lotUnits),
    mode: fc.constantFrom('normal' as const, 'reducing' as const),
  });

/** An instrument with a market, parameters and an inventory that fit it. */
export const scenarioArb = instrumentArb.chain((inst) =>
  fc
    .tuple(fc.constant(inst), marketArb(inst), paramsArb(inst))
    .chain(([i, m, p]) => fc.tuple(fc.constant(i), fc.constant(m), fc.constant(p), inventoryArb(i, p))),
);
