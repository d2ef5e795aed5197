/** Public market objects: instruments-info items (§3.11) and linear tickers (§3.14, §5.3). */
import { formatPrice, formatQty, type Instrument } from '../../domain/instrument.js';
import type { SymbolState } from '../engine/exchange.js';
import { formatFloat, formatMoney } from '../engine/money.js';
import type { DayStats } from '../server/market-stats.js';

/** Funding settles every 8 hours (fundingInterval 480). */
const FUNDING_MS = 8 * 3_600_000;

/** One linear instruments-info item. */
export function instrumentInfo(inst: Instrument, launchTime: number): Record<string, unknown> {
  return {
    symbol: inst.symbol,
    contractType: 'LinearPerpetual',
    status: 'Trading',
    baseCoin: inst.baseCoin,
    quoteCoin: inst.quoteCoin,
    launchTime: String(launchTime),
    deliveryTime: '0',
    deliveryFeeRate: '',
    priceScale: String(inst.priceDecimals),
    leverageFilter: { minLeverage: '1', maxLeverage: '100.00', leverageStep: '0.01' },
    priceFilter: { minPrice: inst.minPrice, maxPrice: inst.maxPrice, tickSize: inst.tickSize },
    lotSizeFilter: {
      maxOrderQty: inst.maxOrderQty,
      minOrderQty: inst.minOrderQty,
      qtyStep: inst.qtyStep,
      postOnlyMaxOrderQty: inst.maxOrderQty,
      maxMktOrderQty: inst.maxOrderQty,
      minNotionalValue: inst.minNotionalValue,
    },
    unifiedMarginTrade: true,
    fundingInterval: 480,
    settleCoin: inst.quoteCoin,
    copyTrading: 'both',
    upperFundingRate: '0.00375',
    lowerFundingRate: '-0.00375',
    isPreListing: false,
    preListingInfo: null,
    riskParameters: { priceLimitRatioX: '0.01', priceLimitRatioY: '0.02' },
    symbolType: '',
  };
}

/** The fields of a linear ticker, all strings (WS topic order, §12.3). */
export function tickerFields(s: SymbolState, stats: DayStats, now: number): Record<string, string> {
  const inst = s.inst;
  const prices: number[] = [];
  const sizes: number[] = [];
  s.book.bids.top(1, prices, sizes);
  const bid = prices[0];
  const bidSize = sizes[0];
  s.book.asks.top(1, prices, sizes);
  const ask = prices[0];
  const askSize = sizes[0];
  const pct = stats.prevPrice24h > 0 ? (s.lastPrice - stats.prevPrice24h) / stats.prevPrice24h : 0;
  const mark = formatPrice(inst, s.mark);
  const openInterest = 50_000 * 10 ** inst.qtyDecimals;
  return {
    symbol: inst.symbol,
    tickDirection: s.tickDirection,
    price24hPcnt: formatFloat(pct, 6),
    lastPrice: formatPrice(inst, s.lastPrice),
    prevPrice24h: formatPrice(inst, stats.prevPrice24h),
    highPrice24h: formatPrice(inst, stats.high),
    lowPrice24h: formatPrice(inst, stats.low),
    prevPrice1h: formatPrice(inst, stats.prevPrice1h),
    markPrice: mark,
    indexPrice: mark,
    openInterest: formatQty(inst, openInterest),
    openInterestValue: formatMoney(openInterest * s.mark * s.factor),
    turnover24h: formatMoney(stats.turnover),
    volume24h: formatQty(inst, stats.volume),
    nextFundingTime: String((Math.floor(now / FUNDING_MS) + 1) * FUNDING_MS),
    fundingRate: '0.0001',
    bid1Price: bid === undefined ? '' : formatPrice(inst, bid),
    bid1Size: bidSize === undefined ? '' : formatQty(inst, bidSize),
    ask1Price: ask === undefined ? '' : formatPrice(inst, ask),
    ask1Size: askSize === undefined ? '' : formatQty(inst, askSize),
    preOpenPrice: '',
    preQty: '',
    curPreListingPhase: '',
  };
}

/** The REST ticker list item (the WS fields plus the REST-only ones). */
export function restTicker(s: SymbolState, stats: DayStats, now: number): Record<string, string> {
  const f = tickerFields(s, stats, now);
  return {
    ...f,
    singleOpenInterest: f.openInterest!,
    singleOpenInterestValue: f.openInterestValue!,
    predictedDeliveryPrice: '',
    basisRate: '',
    basis: '',
    deliveryFeeRate: '',
    deliveryTime: '0',
    fundingIntervalHour: '8',
    fundingCap: '0.00375',
    basisRateYear: '',
  };
}
