/**
 * Market data of the quoted symbols: the order book per symbol (the hot path: frames are applied in
 * plain code, never through a machine), the volatility estimate, and one book machine per symbol
 * that turns edges (snapshot, gap, silence) into control events. Book machines get `book.activity`
 * at most every activityEveryMs (see activityInterval), which is all their stale watchdog needs.
 */
import { createActor, type Actor, type InspectionEvent, type Observer } from 'xstate';
import type { Clock } from '../../domain/clock.js';
import { pow10 } from '../../domain/decimal.js';
import type { Instrument } from '../../domain/instrument.js';
import { OrderBook, type BookLevels } from '../../domain/book/order-book.js';
import { EwmaVolatility } from '../../domain/strategy/volatility.js';
import type { MarketInput } from '../../domain/strategy/quotes.js';
import { bookMachine, type NotLiveReason, type ResyncReason } from '../../machines/book.js';
import type { WireBookFrame } from '../../adapters/bybit/wire/book-frame.js';
import type { Logger } from '../../adapters/log/logger.js';
import type { Metrics } from '../../adapters/metrics/metrics.js';

/** The longest interval between two `book.activity` events while frames arrive. */
const ACTIVITY_EVERY_MS = 500;

/**
 * How often a book machine hears `book.activity`: ACTIVITY_EVERY_MS, or a quarter of the stale
 * timeout when that is shorter. Throttling can only make the watchdog fire early, never late: with
 * the last activity sent at t, frames until just before t + interval, then silence, the book goes
 * stale at t + staleAfterMs, after at least 3/4 of staleAfterMs without data (default 2 000 ms:
 * 1 500 ms at worst). An xstate send costs about 3 µs (docs/limits.md); at Bybit's 20 ms push
 * interval, once per 500 ms instead of per 100 ms takes ~0.5 µs off every frame.
 */
export function activityInterval(staleAfterMs: number): number {
  return Math.min(ACTIVITY_EVERY_MS, staleAfterMs / 4);
}

export interface MarketDataDeps {
  readonly instruments: ReadonlyMap<string, Instrument>;
  readonly symbols: readonly string[];
  readonly depth: number;
  readonly staleAfterMs: number;
  readonly resyncTimeoutMs: number;
  readonly volHalfLifeS: number;
  readonly volHorizonS: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly inspect?: Observer<InspectionEvent> | ((e: InspectionEvent) => void) | undefined;
  /** The book moved (called per applied frame; the quoter throttles). */
  readonly onChanged: (symbol: string) => void;
  /** The book became live, or stopped being live. */
  readonly onLive: (symbol: string, live: boolean, reason?: NotLiveReason) => void;
  /** The book needs a fresh snapshot: resubscribe its topic. */
  readonly onResync: (symbol: string, topic: string, reason: ResyncReason) => void;
}

interface SymbolFeed {
  readonly symbol: string;
  readonly topic: string;
  readonly book: OrderBook;
  readonly vol: EwmaVolatility;
  readonly machine: Actor<typeof bookMachine>;
  readonly scale: number;
  lastUpdateAt: number;
  lastActivitySentAt: number;
  live: boolean;
}

export class MarketData {
  readonly #d: MarketDataDeps;
  readonly #feeds = new Map<string, SymbolFeed>();
  readonly #byTopic = new Map<string, SymbolFeed>();
  readonly #activityEveryMs: number;

  constructor(deps: MarketDataDeps) {
    this.#d = deps;
    this.#activityEveryMs = activityInterval(deps.staleAfterMs);
    for (const symbol of deps.symbols) {
      const inst = deps.instruments.get(symbol);
      if (inst === undefined) throw new Error(`no instrument for ${symbol}`);
      const topic = `orderbook.${deps.depth}.${symbol}`;
      const machine = createActor(
        bookMachine.provide({
          actions: {
            notifyLive: () => this.#setLive(symbol, true),
            notifyNotLive: (_, p: { symbol: string; reason: NotLiveReason }) =>
              this.#setLive(symbol, false, p.reason),
            requestResync: (_, p: { symbol: string; reason: ResyncReason }) => {
              deps.metrics.bookResyncs.inc({ symbol, reason: p.reason });
              deps.logger.warn({ symbol, reason: p.reason }, 'book resync requested');
              deps.onResync(symbol, topic, p.reason);
            },
          },
        }),
        {
          clock: deps.clock,
          input: { symbol, staleAfterMs: deps.staleAfterMs, resyncTimeoutMs: deps.resyncTimeoutMs },
          ...(deps.inspect === undefined ? {} : { inspect: deps.inspect }),
        },
      );
      const feed: SymbolFeed = {
        symbol,
        topic,
        book: new OrderBook({ instrument: inst, depth: deps.depth }),
        vol: new EwmaVolatility(deps.volHalfLifeS, deps.volHorizonS),
        machine,
        scale: pow10(inst.priceDecimals),
        // Age counts from start-up until the first frame, so a feed that never delivers is noticed.
        lastUpdateAt: deps.clock.now(),
        lastActivitySentAt: Number.NEGATIVE_INFINITY,
        live: false,
      };
      this.#feeds.set(symbol, feed);
      this.#byTopic.set(topic, feed);
    }
  }

  /** Starts the book machines. */
  start(): void {
    for (const f of this.#feeds.values()) f.machine.start();
  }

  stop(): void {
    for (const f of this.#feeds.values()) f.machine.stop();
  }

  /** The topics to subscribe on the public socket. */
  topics(): string[] {
    return [...this.#byTopic.keys()];
  }

  /** Applies a book frame from the public socket. */
  onBookFrame(frame: WireBookFrame): void {
    const f = this.#byTopic.get(frame.topic);
    if (f === undefined) return;
    const data = frame.data;
    const u = data.u;
    const seq = data.seq ?? Number.NaN;
    const wasValid = f.book.isValid;
    // Levels the scanner left inside the frame's text are read in place (no string per level).
    const packed = data.packed;
    const status =
      packed !== undefined
        ? frame.type === 'snapshot'
          ? f.book.applySnapshotPacked(packed, u, seq)
          : f.book.applyDeltaPacked(packed, u, seq)
        : frame.type === 'snapshot'
          ? f.book.applySnapshot(data.b, data.a, u, seq)
          : f.book.applyDelta(data.b, data.a, u, seq);
    const now = this.#d.clock.now();
    switch (status) {
      case 'ok':
      case 'reset': {
        f.lastUpdateAt = now;
        const mid = f.book.mid();
        if (Number.isFinite(mid)) f.vol.update(now, mid / f.scale);
        if (frame.type === 'snapshot' || status === 'reset') {
          f.lastActivitySentAt = now;
          f.machine.send({ type: 'book.snapshot' });
        } else if (now - f.lastActivitySentAt >= this.#activityEveryMs) {
          f.lastActivitySentAt = now;
          f.machine.send({ type: 'book.activity' });
        }
        if (f.live) this.#d.onChanged(f.symbol);
        return;
      }
      case 'gap':
      case 'crossed':
      case 'malformed':
        // Deltas on a book already known to be invalid just wait for the resync's snapshot.
        if (!wasValid) return;
        this.#d.logger.warn({ symbol: f.symbol, status, u }, 'book frame refused');
        f.machine.send({ type: 'book.invalid', reason: status });
        return;
    }
  }

  /** A book frame of one of our topics failed its schema: the book can no longer be trusted. */
  onRejectedTopic(topic: string): void {
    const f = this.#byTopic.get(topic);
    if (f === undefined) return;
    f.book.invalidate();
    f.machine.send({ type: 'book.invalid', reason: 'malformed' });
  }

  /** The public socket went live, or left live. */
  feed(up: boolean): void {
    for (const f of this.#feeds.values()) {
      if (!up) f.book.invalidate();
      f.machine.send({ type: up ? 'feed.up' : 'feed.down' });
    }
  }

  /** Called from the book machine's actions; other actors hear of it once that transition is over. */
  #setLive(symbol: string, live: boolean, reason?: NotLiveReason): void {
    const f = this.#feeds.get(symbol)!;
    f.live = live;
    queueMicrotask(() => this.#d.onLive(symbol, live, reason));
  }

  isLive(symbol: string): boolean {
    return this.#feeds.get(symbol)?.live ?? false;
  }

  /** The quote math's market input, or undefined when the book has no top. */
  marketInput(symbol: string): MarketInput | undefined {
    const f = this.#feeds.get(symbol);
    if (f === undefined || !f.book.isValid) return undefined;
    const bid = f.book.bestBid();
    const ask = f.book.bestAsk();
    if (!Number.isFinite(bid) || !Number.isFinite(ask)) return undefined;
    return {
      bestBid: bid,
      bestAsk: ask,
      bestBidSize: f.book.bestBidSize(),
      bestAskSize: f.book.bestAskSize(),
      volBps: f.vol.bps,
    };
  }

  /** Mid price in quote currency (NaN when unknown). */
  midPrice(symbol: string): number {
    const f = this.#feeds.get(symbol);
    if (f === undefined || !f.book.isValid) return Number.NaN;
    return f.book.mid() / f.scale;
  }

  /** Milliseconds since the last applied frame (Infinity before the first). */
  ageMs(symbol: string): number {
    const f = this.#feeds.get(symbol);
    if (f === undefined) return Number.POSITIVE_INFINITY;
    return this.#d.clock.now() - f.lastUpdateAt;
  }

  /** The oldest book age over all symbols. */
  maxAgeMs(): number {
    let age = 0;
    for (const s of this.#feeds.keys()) age = Math.max(age, this.ageMs(s));
    return age;
  }

  levels(symbol: string, n: number): BookLevels | undefined {
    return this.#feeds.get(symbol)?.book.levels(n);
  }

  /** The book machine's top-level state (syncing, live, stale, invalid). */
  bookState(symbol: string): string {
    const v = this.#feeds.get(symbol)?.machine.getSnapshot().value;
    if (v === undefined) return 'none';
    return typeof v === 'string' ? v : (Object.keys(v)[0] ?? 'none');
  }

  volBps(symbol: string): number {
    return this.#feeds.get(symbol)?.vol.bps ?? Number.NaN;
  }

  /** Refreshes the sampled market gauges (before a scrape). */
  sample(): void {
    for (const f of this.#feeds.values()) {
      const age = this.ageMs(f.symbol);
      this.#d.metrics.bookAge.set({ symbol: f.symbol }, Number.isFinite(age) ? age / 1000 : -1);
      const vol = f.vol.bps;
      if (Number.isFinite(vol)) this.#d.metrics.volatility.set({ symbol: f.symbol }, vol);
      const mid = f.book.mid();
      const spread = f.book.spread();
      if (f.book.isValid && mid > 0)
        this.#d.metrics.bookSpread.set({ symbol: f.symbol }, (spread / mid) * 1e4);
    }
  }
}
