/**
 * Tick-to-order: from a book frame arriving on the socket to the order request it causes being
 * written, with the bot running whole against the simulator on loopback (bench/lib/live-bot.ts).
 *
 * Attribution: the first create or amend written after a book frame, with no private or trade
 * frame in between, is that frame's; its latency is counted from the frame's arrival. A write
 * after a private frame (a fill, an ack) may be that frame's doing and is left out; so are the
 * further writes of the same requote (a batch is one request, the rest wait for it). The requote
 * throttle is set to 0 (strategy.requote_interval_ms) so that no write waits for a cool-down
 * timer, which is policy, not latency; the request budget is raised with the simulator's limit so
 * that the rate limiter does not hold writes back either.
 */
import { benchConfig, startLiveBot, until } from '../lib/live-bot.js';
import { quantileSorted, sig } from '../lib/stats.js';

export interface TickToOrderOptions {
  /** Measuring time, after the bot quotes. */
  readonly seconds: number;
  readonly orderEntry: 'rest' | 'ws';
  /**
   * Where the simulator runs. 'main': in the bot's thread, as the figure of record: a write to it
   * costs what a write towards a NIC costs, and its work and garbage share the bot's event loop
   * and heap, which can only lengthen the tail. 'worker': in a worker thread of its own heap; on
   * this VM every write then wakes that thread on the other vCPU inside the send call (about
   * 0.5 ms a write on the WebSocket, where the probe is after the send), which a venue across a
   * network never costs.
   */
  readonly sim: 'main' | 'worker';
}

export interface TickToOrderResult {
  readonly p50_ms: number | null;
  readonly p90_ms: number | null;
  readonly p99_ms: number | null;
  readonly max_ms: number | null;
  readonly samples: number;
  /** Writes not attributed to a book frame (after a private frame, or later writes of a requote). */
  readonly unattributed_writes: number;
  readonly book_frames: number;
  readonly seconds: number;
  readonly order_entry: 'rest' | 'ws';
  readonly sim: 'main' | 'worker';
}

export async function runTickToOrder(o: TickToOrderOptions): Promise<TickToOrderResult> {
  const config = benchConfig({
    symbols: ['BTCUSDT'],
    exchange: { order_entry: o.orderEntry },
    strategy: { requote_interval_ms: 0 },
    // Each order of a batch takes one from the budget: at ~8 requotes a second of up to 6 orders,
    // 50 a second was spent often enough to hold the quoter (paused.holding) in about 1 % of samples.
    limits: { max_requests_per_sec: 500 },
    sim: { symbols: ['BTCUSDT'], rate_limit_per_s: 1_000, volatility: 2 },
  });
  let lastBookAt = Number.NaN;
  let pending = false;
  let measuring = false;
  const samples: number[] = [];
  let unattributed = 0;
  let frames = 0;
  const bot = await startLiveBot(
    config,
    {
      bookFrame: (at) => {
        lastBookAt = at;
        pending = true;
        if (measuring) frames++;
      },
      privateFrame: () => {
        pending = false;
      },
      orderWrite: (at) => {
        if (!measuring) return;
        if (pending) samples.push(at - lastBookAt);
        else unattributed++;
        pending = false;
      },
    },
    o.sim,
  );
  try {
    await until(() => bot.quoting() && bot.openOrders() > 0, 60_000, 'the bot to quote');
    measuring = true;
    await new Promise((r) => setTimeout(r, o.seconds * 1000));
    measuring = false;
  } finally {
    await bot.close();
  }
  const sorted = Float64Array.from(samples).sort();
  const q = (p: number): number | null => (sorted.length === 0 ? null : sig(quantileSorted(sorted, p)));
  return {
    p50_ms: q(0.5),
    p90_ms: q(0.9),
    p99_ms: q(0.99),
    max_ms: q(1),
    samples: samples.length,
    unattributed_writes: unattributed,
    book_frames: frames,
    seconds: o.seconds,
    order_entry: o.orderEntry,
    sim: o.sim,
  };
}
