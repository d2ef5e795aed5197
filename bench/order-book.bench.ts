/**
 * Order-book hot path benchmark: `node --import tsx bench/order-book.bench.ts`.
 *
 * Input (untimed): a seeded generator evolves a "true" 50-level BTCUSDT book the way
 * docs/limits.md did (per change: 50 % size updates, 20 % deletions, 30 % insertions at a
 * geometric distance from the touch, a few inside the spread; levels pushed out of the top 50 are
 * sent as "0"), 5 changes per side per delta, plus a slow drift of the price so the ladder has to
 * re-base. Each delta is serialised as a Bybit `orderbook.50` frame; 5 distinct levels per side
 * (docs/limits.md's "5 levels per side" case) plus the "0"s for levels pushed out of the top 50.
 *
 * Timed: (1) applyDelta on the already-parsed level arrays, per delta; (2) the whole hot path per
 * frame: JSON.parse of the frame string, applyDelta, fair price, volatility update and
 * computeQuotes, with per-frame p50/p99 from process.hrtime.bigint() (its own cost, ~40-80 ns,
 * is included). Bulk figures are process CPU time (process.cpuUsage), so that other processes on
 * a shared machine inflate them less than wall time would; the per-frame percentiles are wall time
 * and do include preemption.
 */
import { formatScaled } from '../src/domain/decimal.js';
import { DEFAULT_INSTRUMENTS, toInstrument } from '../src/domain/instrument.js';
import { createRng } from '../src/domain/random.js';
import { OrderBook, type WireLevel } from '../src/domain/book/order-book.js';
import { fairPrice, topOf } from '../src/domain/strategy/fair-price.js';
import { quoteParamsFromConfig } from '../src/domain/strategy/params.js';
import { computeQuotes } from '../src/domain/strategy/quotes.js';
import { EwmaVolatility } from '../src/domain/strategy/volatility.js';

const BTC = toInstrument(DEFAULT_INSTRUMENTS[0]!);
const DEPTH = 50;
const DELTAS = 20_000;
const CHANGES_PER_SIDE = 5;

interface Frame {
  readonly json: string;
  readonly b: WireLevel[];
  readonly a: WireLevel[];
  readonly u: number;
  readonly seq: number;
}

function generate(seed: number): { snapshot: Frame; deltas: Frame[] } {
  const rng = createRng(seed);
  const bids = new Map<number, number>();
  const asks = new Map<number, number>();
  let mid = 600_000; // in ticks: 60,000.0
  for (let i = 0; i < DEPTH; i++) {
    bids.set(mid - 1 - i * (1 + rng.int(3)), 1 + rng.int(2000));
    asks.set(mid + i * (1 + rng.int(3)), 1 + rng.int(2000));
  }
  const px = (t: number) => formatScaled(t * BTC.tickUnits, BTC.priceDecimals);
  const qty = (q: number) => formatScaled(q, BTC.qtyDecimals);
  const best = (m: Map<number, number>, bid: boolean) => {
    let x = bid ? -Infinity : Infinity;
    for (const k of m.keys()) x = bid ? Math.max(x, k) : Math.min(x, k);
    return x;
  };
  const sorted = (m: Map<number, number>, bid: boolean) =>
    [...m.keys()].sort((x, y) => (bid ? y - x : x - y));
  const frame = (b: WireLevel[], a: WireLevel[], u: number, type: string): Frame => {
    const json = JSON.stringify({
      topic: 'orderbook.50.BTCUSDT',
      type,
      ts: 1_758_845_431_663 + u,
      data: { s: 'BTCUSDT', b, a, u, seq: 457_538_796_406 + u * 3 },
      cts: 1_758_845_431_662 + u,
    });
    return { json, b, a, u, seq: 457_538_796_406 + u * 3 };
  };
  let u = 21_111_423;
  const snapshot = frame(
    sorted(bids, true).map((t) => [px(t), qty(bids.get(t)!)] as const),
    sorted(asks, false).map((t) => [px(t), qty(asks.get(t)!)] as const),
    u,
    'snapshot',
  );
  const deltas: Frame[] = [];
  for (let n = 0; n < DELTAS; n++) {
    // A slow random walk of the touch forces occasional re-basing of the ladder window.
    mid += rng.next() < 0.5 ? -1 : 1;
    const changes = { b: new Map<number, number>(), a: new Map<number, number>() };
    for (const bid of [true, false]) {
      const side = bid ? bids : asks;
      const out = bid ? changes.b : changes.a;
      // Exactly CHANGES_PER_SIDE distinct levels per side (a repeat of a price just overwrites it).
      for (let k = 0; out.size < CHANGES_PER_SIDE && k < 100; k++) {
        const r = rng.next();
        const levels = sorted(side, bid);
        if (r < 0.5 && levels.length > 0) {
          const t = levels[Math.min(levels.length - 1, Math.floor(-Math.log(1 - rng.next()) * 8))]!;
          const q = 1 + rng.int(3000);
          side.set(t, q);
          out.set(t, q);
        } else if (r < 0.7 && levels.length > 5) {
          const t = levels[rng.int(levels.length)]!;
          side.delete(t);
          out.set(t, 0);
        } else {
          const other = bid ? best(asks, false) : best(bids, true);
          const touch = bid ? best(bids, true) : best(asks, false);
          const dist = Math.floor(-Math.log(1 - rng.next()) * 6) - (rng.next() < 0.07 ? 1 : 0);
          let t = bid ? Math.min(touch, mid) - dist : Math.max(touch, mid) + dist;
          if (bid && t >= other) t = other - 1;
          if (!bid && t <= other) t = other + 1;
          const q = 1 + rng.int(3000);
          side.set(t, q);
          out.set(t, q);
        }
      }
      // Bybit keeps the top 50 and sends "0" for what falls out.
      for (const t of sorted(side, bid).slice(DEPTH)) {
        side.delete(t);
        out.set(t, 0);
      }
    }
    u++;
    const wire = (m: Map<number, number>, bid: boolean) =>
      sorted(m, bid).map((t) => [px(t), qty(m.get(t)!)] as const);
    deltas.push(frame(wire(changes.b, true), wire(changes.a, false), u, 'delta'));
  }
  return { snapshot, deltas };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number) => x.toFixed(0).padStart(6);

/** CPU time of this process in ns (user + system). */
const cpuNs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};

function trials(label: string, run: () => number, warmup = 3, timed = 7): void {
  const results: number[] = [];
  for (let i = 0; i < warmup + timed; i++) {
    const r = run();
    if (i >= warmup) results.push(r);
  }
  console.log(
    `${label.padEnd(58)} median ${fmt(median(results))} ns   (min ${fmt(Math.min(...results))}, max ${fmt(Math.max(...results))})`,
  );
}

const { snapshot, deltas } = generate(42);
const changes = deltas.reduce((s, d) => s + d.b.length + d.a.length, 0) / deltas.length;
console.log(
  `${deltas.length} deltas, ${changes.toFixed(1)} level changes per delta on average, depth ${DEPTH}`,
);

let sink = 0;
const book = new OrderBook({ instrument: BTC, depth: DEPTH });

// Check once that the stream applies cleanly before timing it.
book.applySnapshot(snapshot.b, snapshot.a, snapshot.u, snapshot.seq);
for (const d of deltas) {
  const s = book.applyDelta(d.b, d.a, d.u, d.seq);
  if (s !== 'ok') throw new Error(`delta u=${d.u} gave ${s}`);
}

trials('applyDelta (parsed arrays), ns per delta', () => {
  book.applySnapshot(snapshot.b, snapshot.a, snapshot.u, snapshot.seq);
  const t0 = cpuNs();
  for (const d of deltas) {
    book.applyDelta(d.b, d.a, d.u, d.seq);
    sink += book.mid();
  }
  return (cpuNs() - t0) / deltas.length;
});

trials('JSON.parse alone, ns per frame', () => {
  const t0 = cpuNs();
  for (const d of deltas) sink += (JSON.parse(d.json) as { data: { u: number } }).data.u;
  return (cpuNs() - t0) / deltas.length;
});

trials('JSON.parse + applyDelta, ns per frame', () => {
  book.applySnapshot(snapshot.b, snapshot.a, snapshot.u, snapshot.seq);
  const t0 = cpuNs();
  for (const f of deltas) {
    const d = (JSON.parse(f.json) as { data: { b: WireLevel[]; a: WireLevel[]; u: number; seq: number } })
      .data;
    book.applyDelta(d.b, d.a, d.u, d.seq);
    sink += book.mid();
  }
  return (cpuNs() - t0) / deltas.length;
});

const params = quoteParamsFromConfig(
  {
    strategy: {
      fair_price: 'microprice',
      enable_dynamic_spread: true,
      enable_inventory_skew: true,
      min_spread_bps: 2,
      max_spread_bps: 25,
      k_vola_spread: 0.95,
      vola_half_life_s: 60,
      vola_horizon_s: 5,
      skew_coeff: 10,
      size_skew_coeff: 0.5,
      levels_per_side: 3,
      level_spacing_coeff: 0.4,
      order_size: '0.001',
      level_size_multiplier: 1,
      refresh_tolerance_bps: 1,
      requote_interval_ms: 100,
      post_only: true,
    },
    risk: {
      enable_kill_switch: true,
      max_position_base: '0.05',
      max_position_usd: 5000,
      reduce_only_ratio: 0.8,
      daily_max_loss_usd: 300,
      max_drawdown_usd: 600,
      max_consecutive_losses: 5,
      max_stale_market_data_ms: 60000,
      max_reject_rate: 0.5,
      reject_rate_window: 50,
      max_event_loop_lag_ms: 2000,
      exit_on_halt: false,
    },
    limits: { max_active_per_side: 10, max_requests_per_sec: 8 },
  },
  BTC,
);

interface WireFrame {
  data: { b: WireLevel[]; a: WireLevel[]; u: number; seq: number };
  ts: number;
}

const perFrame = new Float64Array(deltas.length);
const pipeline = (record: boolean): number => {
  book.applySnapshot(snapshot.b, snapshot.a, snapshot.u, snapshot.seq);
  const vol = new EwmaVolatility(60);
  const t0 = cpuNs();
  for (let i = 0; i < deltas.length; i++) {
    const s0 = record ? process.hrtime.bigint() : 0n;
    const msg = JSON.parse(deltas[i]!.json) as WireFrame;
    const d = msg.data;
    book.applyDelta(d.b, d.a, d.u, d.seq);
    const top = topOf(book);
    vol.update(msg.ts, fairPrice('mid', top));
    const q = computeQuotes(params, { ...top, volBps: vol.bps }, { positionUnits: 7, mode: 'normal' }, BTC);
    sink += q.bids.length;
    if (record) perFrame[i] = Number(process.hrtime.bigint() - s0);
  }
  return (cpuNs() - t0) / deltas.length;
};
trials('parse + apply + fair + vol + computeQuotes, ns per frame', () => pipeline(false));

// Per-frame latency distribution over several passes (after the warm-up above).
const all: number[] = [];
for (let pass = 0; pass < 5; pass++) {
  pipeline(true);
  all.push(...perFrame);
}
all.sort((a, b) => a - b);
const pct = (p: number) => all[Math.min(all.length - 1, Math.floor(p * all.length))]!;
console.log(
  `per-frame hot path over ${all.length} frames: p50 ${fmt(pct(0.5))} ns, p99 ${fmt(pct(0.99))} ns, p99.9 ${fmt(pct(0.999))} ns, max ${fmt(all.at(-1)!)} ns`,
);
console.log(`throughput ≈ ${Math.round(1e9 / median([...all]))} frames/s at the median (one core)`);
if (sink === 42) console.log('');
