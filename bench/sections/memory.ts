/**
 * Memory: the bot process quoting against the simulator at as close to 10 times Bybit's message
 * rate as the simulator goes, its resident set sampled from /proc/<pid>/status. Bybit pushes
 * orderbook.50 at most every 20 ms, 50 frames/s per symbol; 10 times that is 500 frames/s. The
 * simulator's book changes only about 140 times a second per symbol even when it is asked to push
 * every 2 ms, so the bot quotes both of its symbols with the book pushed every 2 ms and 250
 * synthetic takers a second instead of 4 (trades, book changes, fills and private pushes); the rate
 * it really took, every frame the simulator sent it, is reported beside the figures (x_bybit:
 * against 50 frames/s). The slope
 * is a least-squares fit over the samples after the first fifth of the run (start-up and JIT
 * warm-up excluded), scaled to MB per hour.
 */
import { readFileSync } from 'node:fs';
import { wallClock } from '../../src/adapters/clock.js';
import { simOptionsFromConfig, startSimulator } from '../../src/sim/index.js';
import { ourOpenOrders, spawnBotProcess } from '../lib/bot-process.js';
import { benchConfig, until } from '../lib/live-bot.js';
import { sig, slope } from '../lib/stats.js';

export interface MemoryOptions {
  readonly seconds: number;
  readonly sampleMs: number;
}

export interface MemoryResult {
  /** RSS at the end of the run, MB. */
  readonly rss_mb: number | null;
  readonly rss_start_mb: number | null;
  readonly rss_peak_mb: number | null;
  readonly slope_mb_per_h: number | null;
  readonly seconds: number;
  /** Frames the simulator sent per second (all topics, both directions' pushes to the bot). */
  readonly frames_per_s: number | null;
  /** frames_per_s over Bybit's 50 orderbook.50 frames/s of one symbol. */
  readonly x_bybit: number | null;
  readonly push_interval_ms: number;
  readonly symbols: readonly string[];
  readonly samples: number;
  /** The bot still quoting and its shutdown clean at the end. */
  readonly healthy: boolean;
  /** What the end looked like: open orders before the signal, exit code, orders left after. */
  readonly end?: { readonly open: number; readonly exit: number | string; readonly left: number };
  /** The bot's warnings and errors (kill switch, halts, refusals), counted by message, at most 10. */
  readonly warnings?: Readonly<Record<string, number>>;
  readonly error?: string;
}

const BYBIT_PUSH_MS = 20;
const PUSH_MS = 2;
const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m === null ? Number.NaN : Number(m[1]) / 1024;
}

/** The bot's warn and error lines, counted by message (the ten most frequent). */
function warningsOf(log: string): Record<string, number> {
  const counts = new Map<string, number>();
  for (const line of log.split('\n')) {
    if (!/"level":"(warn|error|fatal)"/.test(line)) continue;
    const reason = /"reason":"([^"]*)"/.exec(line)?.[1];
    const msg =
      (/"msg":"([^"]*)"/.exec(line)?.[1] ?? line.slice(0, 80)) + (reason === undefined ? '' : `: ${reason}`);
    counts.set(msg, (counts.get(msg) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]).slice(0, 10));
}

export async function runMemory(o: MemoryOptions): Promise<MemoryResult> {
  const config = benchConfig({
    sim: {
      symbols: SYMBOLS,
      push_interval_ms: PUSH_MS,
      taker_rate_per_s: 250,
      rate_limit_per_s: 40,
    },
  });
  const sim = await startSimulator(simOptionsFromConfig(config.sim, wallClock));
  const bot = spawnBotProcess(sim, {
    symbols: SYMBOLS,
    // One order size for both: a multiple of ETHUSDT's 0.01 step, with room for it in the limits.
    strategy: { order_size: '0.01' },
    // Sixty times the takers pick the quotes off sixty times as often: the kill switch would halt
    // the bot within minutes, and the run would measure a bot that no longer trades.
    risk: { enable_kill_switch: false, max_position_base: '0.5', max_position_usd: 50_000 },
    limits: { max_requests_per_sec: 30 },
  });
  const t: number[] = [];
  const rss: number[] = [];
  let error: string | undefined;
  let healthy = false;
  let end: MemoryResult['end'];
  let warnings: Record<string, number> | undefined;
  let frames = Number.NaN;
  try {
    await until(
      () => ourOpenOrders(sim) >= 4 || bot.child.exitCode !== null,
      120_000,
      'the bot to quote',
      50,
    );
    if (bot.child.exitCode !== null)
      throw new Error(
        `the bot exited ${bot.child.exitCode}: ${bot.stderr().slice(-300)}${bot
          .log()
          .split('\n')
          .filter((l) => /"level":"(error|warn|fatal)"/.test(l))
          .join('\n')
          .slice(0, 800)}`,
      );
    const pid = bot.child.pid!;
    const t0 = performance.now();
    const f0 = sim.stats().framesSent;
    while (performance.now() - t0 < o.seconds * 1000) {
      if (bot.child.exitCode !== null)
        throw new Error(`the bot exited ${String(bot.child.exitCode)} during the run`);
      t.push((performance.now() - t0) / 1000);
      rss.push(rssMb(pid));
      await new Promise((r) => setTimeout(r, o.sampleMs));
    }
    frames = (sim.stats().framesSent - f0) / ((performance.now() - t0) / 1000);
    const open = ourOpenOrders(sim);
    bot.child.kill('SIGTERM');
    const { code } = await bot.exited;
    end = { open, exit: code, left: ourOpenOrders(sim) };
    healthy = open > 0 && code === 0 && end.left === 0;
    warnings = warningsOf(bot.log());
  } catch (e) {
    error = (e as Error).message;
  } finally {
    if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
    bot.cleanup();
    await sim.close();
  }
  const from = Math.floor(t.length / 5);
  const perS = slope(t.slice(from), rss.slice(from));
  return {
    rss_mb: rss.length === 0 ? null : sig(rss[rss.length - 1]!),
    rss_start_mb: rss.length === 0 ? null : sig(rss[from]!),
    rss_peak_mb: rss.length === 0 ? null : sig(Math.max(...rss)),
    slope_mb_per_h: sig(perS * 3600),
    seconds: o.seconds,
    frames_per_s: sig(frames),
    x_bybit: sig(frames / (1000 / BYBIT_PUSH_MS), 2),
    push_interval_ms: PUSH_MS,
    symbols: SYMBOLS,
    samples: rss.length,
    healthy,
    ...(end === undefined ? {} : { end }),
    ...(warnings === undefined ? {} : { warnings }),
    ...(error === undefined ? {} : { error }),
  };
}
