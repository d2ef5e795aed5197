/**
 * The hot path as the bot runs it, and the generic pipeline it has to beat, each as a function that
 * takes one raw `orderbook.50` frame (a string) and ends with a quote decision.
 *
 * - bot: classifyInbound (the socket's single entry point) → MarketData.onBookFrame (the book, the
 *   volatility estimate, the book machine's throttled activity) → marketInput → computeQuotes.
 * - generic: JSON.parse, then every price and size through Number(), a Map per side plus a sorted
 *   price array (binary search and splice), then the same fair value and computeQuotes.
 */
import { SimClock, type Clock } from '../../src/domain/clock.js';
import { DEFAULT_INSTRUMENTS, toInstrument, type Instrument } from '../../src/domain/instrument.js';
import { loadConfig } from '../../src/config/load.js';
import { quoteParamsFromConfig, type QuoteParams } from '../../src/domain/strategy/params.js';
import { computeQuotes, type Quotes } from '../../src/domain/strategy/quotes.js';
import { EwmaVolatility } from '../../src/domain/strategy/volatility.js';
import { classifyInbound } from '../../src/adapters/bybit/wire/classify.js';
import { silentLogger } from '../../src/adapters/log/logger.js';
import { Metrics } from '../../src/adapters/metrics/metrics.js';
import { MarketData } from '../../src/actors/market/market-data.js';

/** One frame in, the quote decision out (the caller keeps a field of it so nothing is dead code). */
export type FramePipeline = (text: string) => Quotes | undefined;

/** The instrument and the default quoting parameters of a symbol. */
export function quoting(symbol: string): { instrument: Instrument; params: QuoteParams } {
  const spec = DEFAULT_INSTRUMENTS.find((s) => s.symbol === symbol);
  if (spec === undefined) throw new RangeError(`no instrument ${symbol}`);
  const instrument = toInstrument(spec);
  return { instrument, params: quoteParamsFromConfig(loadConfig(), instrument) };
}

/** A clock whose time the caller sets (the frame's own `ts`), with timers that never fire. */
class FrameClock implements Clock {
  t = 0;
  readonly #timers = new SimClock();
  now(): number {
    return this.t;
  }
  setTimeout = (fn: () => void, ms: number): unknown => this.#timers.setTimeout(fn, ms);
  clearTimeout = (id: unknown): void => this.#timers.clearTimeout(id);
}

const FLAT = { positionUnits: 0, mode: 'normal' } as const;

/**
 * MarketData for one symbol with the bot's book settings, started and its feed up, hearing nothing
 * back (no quoter): what the benches that run the bot's market-data path set up.
 */
export function liveMarketData(symbol: string, instrument: Instrument, clock: Clock): MarketData {
  const market = new MarketData({
    instruments: new Map([[symbol, instrument]]),
    symbols: [symbol],
    depth: 50,
    staleAfterMs: 2_000,
    resyncTimeoutMs: 5_000,
    volHalfLifeS: 60,
    volHorizonS: 5,
    clock,
    logger: silentLogger(),
    metrics: new Metrics(),
    onChanged: () => {},
    onLive: () => {},
    onResync: () => {},
  });
  market.start();
  market.feed(true);
  return market;
}

/** The bot's own hot path for one symbol. */
export function botPipeline(symbol: string): { run: FramePipeline; dispose: () => void } {
  const { instrument, params } = quoting(symbol);
  const clock = new FrameClock();
  const market = liveMarketData(symbol, instrument, clock);
  let t = 1_790_000_000_000;
  const run: FramePipeline = (text) => {
    const inbound = classifyInbound(text);
    if (inbound.kind !== 'book') return undefined;
    // 20 ms per frame, as Bybit pushes orderbook.50, whatever the frame says.
    clock.t = t += 20;
    market.onBookFrame(inbound.frame);
    const input = market.marketInput(symbol);
    return input === undefined ? undefined : computeQuotes(params, input, FLAT, instrument);
  };
  return { run, dispose: () => market.stop() };
}

/** One side of the generic book: size by price, and the prices kept sorted best first. */
class MapSide {
  readonly sizes = new Map<number, number>();
  readonly prices: number[] = [];
  constructor(private readonly bid: boolean) {}

  set(price: number, size: number): void {
    const had = this.sizes.has(price);
    if (size === 0) {
      if (!had) return;
      this.sizes.delete(price);
      this.prices.splice(this.#find(price), 1);
    } else {
      if (!had) this.prices.splice(this.#find(price), 0, price);
      this.sizes.set(price, size);
    }
  }

  clear(): void {
    this.sizes.clear();
    this.prices.length = 0;
  }

  trim(depth: number): void {
    while (this.prices.length > depth) this.sizes.delete(this.prices.pop()!);
  }

  /** Index of `price`, or where it would go, in best-first order. */
  #find(price: number): number {
    const p = this.prices;
    let lo = 0;
    let hi = p.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.bid ? p[mid]! > price : p[mid]! < price) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

interface ParsedFrame {
  type: string;
  data: { b: [string, string][]; a: [string, string][]; u: number };
}

/** The generic pipeline: JSON.parse, Number(), Map plus sorted array, then the same quote math. */
export function genericPipeline(symbol: string): { run: FramePipeline } {
  const { instrument, params } = quoting(symbol);
  const bids = new MapSide(true);
  const asks = new MapSide(false);
  const pScale = 10 ** instrument.priceDecimals;
  const qScale = 10 ** instrument.qtyDecimals;
  const vol = new EwmaVolatility(60, 5);
  let t = 1_790_000_000_000;
  const run: FramePipeline = (text) => {
    const f = JSON.parse(text) as ParsedFrame;
    if (f.type === 'snapshot') {
      bids.clear();
      asks.clear();
    }
    for (const [p, s] of f.data.b) bids.set(Number(p), Number(s));
    for (const [p, s] of f.data.a) asks.set(Number(p), Number(s));
    bids.trim(50);
    asks.trim(50);
    const bb = bids.prices[0];
    const ba = asks.prices[0];
    if (bb === undefined || ba === undefined) return undefined;
    const bestBid = Math.round(bb * pScale);
    const bestAsk = Math.round(ba * pScale);
    vol.update((t += 20), (bb + ba) / 2);
    return computeQuotes(
      params,
      {
        bestBid,
        bestAsk,
        bestBidSize: Math.round(bids.sizes.get(bb)! * qScale),
        bestAskSize: Math.round(asks.sizes.get(ba)! * qScale),
        volBps: vol.bps,
      },
      FLAT,
      instrument,
    );
  };
  return { run };
}
