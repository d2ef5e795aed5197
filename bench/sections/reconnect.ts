/**
 * Reconnect recovery: the simulator drops the bot's public socket (an abrupt close, as a network
 * cut looks), and the clock runs until the book is live again and quotes are back, i.e. the first
 * order create or amend written after the new session's snapshot arrived. The bot backs off
 * base + jitter before reconnecting (jitter uniform in [0, 30 %) of base, DESIGN §4); the delay it
 * chose is read from its ws_reconnect_delay_seconds histogram, so the overhead of a recovery,
 * recovery minus that delay, can be held against the 100 ms the issue allows on top of the backoff.
 */
import { benchConfig, startLiveBot, until, type LiveBot } from '../lib/live-bot.js';
import { quantile, sig } from '../lib/stats.js';

export interface ReconnectOptions {
  readonly drops: number;
  /** websocket.base_reconnect_delay_ms (the default configuration's 1000 unless told). */
  readonly baseDelayMs?: number;
}

export interface ReconnectResult {
  /** Median drop → quotes back, ms. */
  readonly recovery_ms: number | null;
  readonly recovery_max_ms: number | null;
  /** Median drop → the new session's snapshot arrived, ms. */
  readonly book_ms: number | null;
  /** Median and worst of (recovery − the backoff the bot chose), ms: the target is ≤ 100. */
  readonly overhead_ms: number | null;
  readonly overhead_max_ms: number | null;
  readonly backoff_base_ms: number;
  /** The backoff delays the bot chose, ms. */
  readonly backoff_ms: readonly number[];
  readonly drops: number;
  /** Whether the bot had pulled its quotes while the book was down, per drop. */
  readonly pulled: readonly boolean[];
}

/** Sum of the public socket's reconnect delays so far, in ms. */
async function delaySumMs(bot: LiveBot): Promise<number> {
  const m = bot.rt.d.metrics.registry.getSingleMetric('ws_reconnect_delay_seconds');
  if (m === undefined) return Number.NaN;
  const { values } = await m.get();
  let sum = 0;
  for (const v of values) {
    const name = (v as { metricName?: string }).metricName;
    if (name === 'ws_reconnect_delay_seconds_sum' && v.labels['ws_type'] === 'public') sum += v.value;
  }
  return sum * 1000;
}

export async function runReconnect(o: ReconnectOptions): Promise<ReconnectResult> {
  const base = o.baseDelayMs ?? 1_000;
  const config = benchConfig({
    symbols: ['BTCUSDT'],
    websocket: { base_reconnect_delay_ms: base },
    sim: { symbols: ['BTCUSDT'] },
  });
  let droppedAt = Number.NaN;
  let snapshotAt = Number.NaN;
  let backAt = Number.NaN;
  let minOrders = Number.POSITIVE_INFINITY;
  const bot = await startLiveBot(config, {
    bookFrame: (at, snapshot) => {
      if (snapshot && !Number.isNaN(droppedAt) && Number.isNaN(snapshotAt)) snapshotAt = at;
    },
    orderWrite: (at) => {
      if (!Number.isNaN(snapshotAt) && Number.isNaN(backAt)) backAt = at;
    },
  });
  const recovery: number[] = [];
  const book: number[] = [];
  const overhead: number[] = [];
  const delays: number[] = [];
  const pulled: boolean[] = [];
  try {
    for (let n = 0; n < o.drops; n++) {
      await until(() => bot.quoting() && bot.openOrders() > 0, 60_000, 'the bot to quote');
      const before = await delaySumMs(bot);
      droppedAt = performance.now();
      snapshotAt = Number.NaN;
      backAt = Number.NaN;
      minOrders = bot.openOrders();
      const watch = setInterval(() => (minOrders = Math.min(minOrders, bot.openOrders())), 10);
      bot.sim.dropSockets('public');
      try {
        await until(() => !Number.isNaN(backAt), 60_000, 'quotes back after a drop', 5);
      } finally {
        clearInterval(watch);
      }
      const delay = (await delaySumMs(bot)) - before;
      recovery.push(backAt - droppedAt);
      book.push(snapshotAt - droppedAt);
      delays.push(Math.round(delay));
      overhead.push(backAt - droppedAt - delay);
      pulled.push(minOrders === 0);
      droppedAt = Number.NaN;
    }
  } finally {
    await bot.close();
  }
  const med = (v: number[]): number | null => (v.length === 0 ? null : sig(quantile(v, 0.5)));
  const max = (v: number[]): number | null => (v.length === 0 ? null : sig(Math.max(...v)));
  return {
    recovery_ms: med(recovery),
    recovery_max_ms: max(recovery),
    book_ms: med(book),
    overhead_ms: med(overhead),
    overhead_max_ms: max(overhead),
    backoff_base_ms: base,
    backoff_ms: delays,
    drops: recovery.length,
    pulled,
  };
}
