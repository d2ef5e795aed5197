/**
 * Trading rules of one linear contract, as instruments-info reports them, with the derived
 * integer units used everywhere else: prices are integers of `priceUnit` = 10^-priceDecimals,
 * quantities integers of 10^-qtyDecimals.
 */
import { decimalsOf, formatScaled, parseScaled } from './decimal.js';

export interface InstrumentSpec {
  readonly symbol: string;
  readonly baseCoin: string;
  readonly quoteCoin: string;
  readonly tickSize: string;
  readonly qtyStep: string;
  readonly minOrderQty: string;
  readonly maxOrderQty: string;
  readonly minNotionalValue: string;
  readonly minPrice: string;
  readonly maxPrice: string;
}

export interface Instrument extends InstrumentSpec {
  /** Decimals printed for prices (priceScale). */
  readonly priceDecimals: number;
  /** Decimals printed for quantities. */
  readonly qtyDecimals: number;
  /** The tick size in scaled price units (0.10 at 2 decimals → 10). */
  readonly tickUnits: number;
  /** The quantity step in scaled quantity units. */
  readonly lotUnits: number;
  readonly minQtyUnits: number;
  readonly maxQtyUnits: number;
  readonly minNotional: number;
}

/** Derives the integer units of an instrument; throws on a spec that cannot be traded. */
export function toInstrument(spec: InstrumentSpec): Instrument {
  const priceDecimals = decimalsOf(spec.tickSize);
  const qtyDecimals = decimalsOf(spec.qtyStep);
  const tickUnits = parseScaled(spec.tickSize, priceDecimals);
  const lotUnits = parseScaled(spec.qtyStep, qtyDecimals);
  const minQtyUnits = parseScaled(spec.minOrderQty, qtyDecimals);
  const maxQtyUnits = parseScaled(spec.maxOrderQty, qtyDecimals);
  if (!(tickUnits > 0)) throw new RangeError(`${spec.symbol}: tick size must be > 0, was ${spec.tickSize}`);
  if (!(lotUnits > 0)) throw new RangeError(`${spec.symbol}: qty step must be > 0, was ${spec.qtyStep}`);
  if (!(minQtyUnits > 0))
    throw new RangeError(`${spec.symbol}: min order qty must be > 0, was ${spec.minOrderQty}`);
  return {
    ...spec,
    priceDecimals,
    qtyDecimals,
    tickUnits,
    lotUnits,
    minQtyUnits,
    maxQtyUnits,
    minNotional: Number(spec.minNotionalValue),
  };
}

/** Formats a price given in scaled units. */
export const formatPrice = (inst: Instrument, units: number): string =>
  formatScaled(units, inst.priceDecimals);
/** Formats a quantity given in scaled units. */
export const formatQty = (inst: Instrument, units: number): string => formatScaled(units, inst.qtyDecimals);
/** Parses a price string to scaled units (NaN when malformed). */
export const parsePrice = (inst: Instrument, s: string): number => parseScaled(s, inst.priceDecimals);
/** Parses a quantity string to scaled units (NaN when malformed). */
export const parseQty = (inst: Instrument, s: string): number => parseScaled(s, inst.qtyDecimals);

/** The real Bybit linear specs the simulator lists by default (docs/bybit-v5-protocol.md §3.11, §10). */
export const DEFAULT_INSTRUMENTS: readonly InstrumentSpec[] = [
  {
    symbol: 'BTCUSDT',
    baseCoin: 'BTC',
    quoteCoin: 'USDT',
    tickSize: '0.10',
    qtyStep: '0.001',
    minOrderQty: '0.001',
    maxOrderQty: '1190.000',
    minNotionalValue: '5',
    minPrice: '0.10',
    maxPrice: '1999999.80',
  },
  {
    symbol: 'ETHUSDT',
    baseCoin: 'ETH',
    quoteCoin: 'USDT',
    tickSize: '0.01',
    qtyStep: '0.01',
    minOrderQty: '0.01',
    maxOrderQty: '7240.00',
    minNotionalValue: '5',
    minPrice: '0.01',
    maxPrice: '199999.98',
  },
];
