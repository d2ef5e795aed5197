/**
 * Where the hot path's time goes: `node --import tsx bench/breakdown.ts`. The same recorded
 * simulator stream as `npm run bench`'s hot path, through pipelines that stop at successive stages,
 * each timed in process CPU time per frame over several rounds (the first three are warm-up):
 *
 * - parse: JSON.parse alone (what a JSON.parse-based pipeline cannot go under);
 * - classify: classifyInbound, the socket's entry point (the scanner, no JSON.parse);
 * - classify+book: and the levels applied to the OrderBook in place;
 * - +quotes: and computeQuotes on the book's top;
 * - market, no time: MarketData.onBookFrame + marketInput + computeQuotes, the clock standing still
 *   (no volatility update, no book-machine activity event);
 * - market, frames every N ms: the same with the clock moving N ms per frame; the book machine hears
 *   `book.activity` at most every 500 ms of clock time (activityInterval in market-data.ts, for the
 *   default 2 s stale timeout), so every 500/N frames; 20 ms is Bybit's push interval for
 *   orderbook.50, so that line is the bot as it runs;
 * - generic: the JSON.parse + Map + sorted array pipeline the bot has to beat.
 */
import { classifyInbound } from '../src/adapters/bybit/wire/classify.js';
import { SimClock } from '../src/domain/clock.js';
import { OrderBook } from '../src/domain/book/order-book.js';
import { computeQuotes } from '../src/domain/strategy/quotes.js';
import { genericPipeline, liveMarketData, quoting } from './lib/pipelines.js';
import { recordBookStream } from './lib/sim-stream.js';
import { cpuMicros } from './lib/stats.js';

const SYMBOL = 'BTCUSDT';
const ROUNDS = 15;
const WARMUP = 3;
const FLAT = { positionUnits: 0, mode: 'normal' } as const;

let sink = 0;
const { instrument, params } = quoting(SYMBOL);

function market(stepMs: number): (text: string) => void {
  const timers = new SimClock(1);
  let t = 1;
  const m = liveMarketData(SYMBOL, instrument, {
    now: () => t,
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
  });
  return (text) => {
    const r = classifyInbound(text);
    if (r.kind !== 'book') return;
    t += stepMs;
    m.onBookFrame(r.frame);
    const input = m.marketInput(SYMBOL);
    if (input !== undefined) sink += computeQuotes(params, input, FLAT, instrument).bids.length;
  };
}

function bookOnly(withQuotes: boolean): (text: string) => void {
  const b = new OrderBook({ instrument, depth: 50 });
  return (text) => {
    const r = classifyInbound(text);
    if (r.kind !== 'book') return;
    const d = r.frame.data;
    const p = d.packed!;
    if (r.frame.type === 'snapshot') b.applySnapshotPacked(p, d.u, 0);
    else b.applyDeltaPacked(p, d.u, 0);
    if (!withQuotes) {
      sink += b.bestBid();
      return;
    }
    const input = {
      bestBid: b.bestBid(),
      bestAsk: b.bestAsk(),
      bestBidSize: b.bestBidSize(),
      bestAskSize: b.bestAskSize(),
      volBps: 5,
    };
    sink += computeQuotes(params, input, FLAT, instrument).bids.length;
  };
}

const stages: Record<string, () => (text: string) => void> = {
  parse: () => (f) => {
    sink += (JSON.parse(f) as { data: { u: number } }).data.u & 1;
  },
  classify: () => (f) => {
    const r = classifyInbound(f);
    sink += r.kind === 'book' ? r.frame.data.u & 1 : 0;
  },
  'classify+book': () => bookOnly(false),
  '+quotes': () => bookOnly(true),
  'market, no time': () => market(0),
  'market, frames every 20 ms': () => market(20),
  'market, frames every 4 ms': () => market(4),
  'market, frames every 1 ms': () => market(1),
  generic: () => {
    const g = genericPipeline(SYMBOL);
    return (f) => {
      sink += g.run(f)?.bids.length ?? 0;
    };
  },
};

const stream = await recordBookStream({ frames: 5_000, seed: 7, volatility: 0.05 });
const names = Object.keys(stages);
const runs = new Map(names.map((n) => [n, stages[n]!()]));
const perFrame = new Map<string, number[]>(names.map((n) => [n, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const name of names) {
    const run = runs.get(name)!;
    const t0 = cpuMicros();
    for (const f of stream.frames) run(f);
    perFrame.get(name)!.push(((cpuMicros() - t0) * 1000) / stream.frames.length);
  }
}
console.log(`ns per frame over ${stream.frames.length} frames, ${ROUNDS - WARMUP} rounds: median (min)`);
for (const name of names) {
  const v = perFrame
    .get(name)!
    .slice(WARMUP)
    .sort((a, b) => a - b);
  console.log(
    `${name.padEnd(28)} ${Math.round(v[v.length >> 1]!)
      .toString()
      .padStart(6)} (${Math.round(v[0]!)})`,
  );
}
if (sink === 0.5) console.log('');
