/**
 * Records an `orderbook.50` stream from the simulator, exactly as it goes out on the wire: the
 * simulator runs on a SimClock (so the stream is the same for a given seed, and as long as we
 * like), a plain `ws` client on loopback subscribes, and the bench advances the clock one push
 * interval at a time, waiting for the frames to arrive before the next batch.
 */
import { WebSocket } from 'ws';
import { SimClock } from '../../src/domain/clock.js';
import { startSimulator } from '../../src/sim/index.js';

/** What to record. */
export interface StreamOptions {
  /** Number of frames (the snapshot included). */
  readonly frames: number;
  readonly seed: number;
  readonly symbol?: string;
  /** Annualised volatility of the calm regime (0.6 is the paper default). */
  readonly volatility?: number;
  /** Synthetic takers per second. */
  readonly takerRatePerS?: number;
}

/** A recorded stream: the snapshot first, then deltas with contiguous `u`. */
export interface RecordedStream {
  readonly symbol: string;
  readonly topic: string;
  readonly frames: readonly string[];
}

const PUSH_MS = 20;
/** Push ticks simulated before waiting for the client to catch up. */
const BATCH = 500;

/** Records `frames` frames of `orderbook.50.<symbol>` from a seeded simulator. */
export async function recordBookStream(o: StreamOptions): Promise<RecordedStream> {
  const symbol = o.symbol ?? 'BTCUSDT';
  const topic = `orderbook.50.${symbol}`;
  const clock = new SimClock(1_790_000_000_000);
  const sim = await startSimulator({
    clock,
    seed: o.seed,
    symbols: [symbol],
    startPrices: { [symbol]: symbol.startsWith('BTC') ? 60_000 : 3_000 },
    pushIntervalMs: PUSH_MS,
    volatility: o.volatility ?? 0.6,
    takerRatePerS: o.takerRatePerS ?? 4,
    makerFeeRate: -0.00005,
    takerFeeRate: 0.00055,
    initialBalanceUsdt: 100_000,
    rateLimitPerS: 10,
  });
  const frames: string[] = [];
  const ws = new WebSocket(sim.urls.wsPublic, { perMessageDeflate: false });
  let wake: (() => void) | undefined;
  ws.on('message', (data: Buffer) => {
    const text = data.toString();
    if (text.startsWith('{"topic":"orderbook.') && frames.length < o.frames) frames.push(text);
    wake?.();
  });
  const waitFor = (cond: () => boolean): Promise<void> =>
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (cond()) {
          wake = undefined;
          resolve();
        }
      };
      wake = check;
      check();
    });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ req_id: 'bench', op: 'subscribe', args: [topic] }));
    await waitFor(() => frames.length >= 1);
    while (frames.length < o.frames) {
      const sentBefore = sim.stats().framesSent;
      for (let i = 0; i < BATCH; i++) clock.advanceBy(PUSH_MS);
      const expected = frames.length + (sim.stats().framesSent - sentBefore);
      await waitFor(() => frames.length >= Math.min(o.frames, expected));
    }
  } finally {
    ws.terminate();
    await sim.close();
  }
  return { symbol, topic, frames };
}
