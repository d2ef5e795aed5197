/**
 * Shutdown: SIGTERM to the bot process while it quotes against the simulator, to its exit. A run
 * counts only if the bot exited 0, logged its cancel-all as verified, and the simulator holds no
 * order of ours afterwards (checked here, on the exchange's own book of orders). Each run is a
 * fresh process; the bot quotes for `quoteMs` first, so orders rest and requotes are in flight.
 */
import { wallClock } from '../../src/adapters/clock.js';
import { simOptionsFromConfig, startSimulator } from '../../src/sim/index.js';
import { ourOpenOrders, spawnBotProcess } from '../lib/bot-process.js';
import { benchConfig, until } from '../lib/live-bot.js';
import { quantile, sig } from '../lib/stats.js';

export interface ShutdownOptions {
  readonly runs: number;
  readonly quoteMs: number;
}

export interface ShutdownResult {
  readonly p50_s: number | null;
  readonly p99_s: number | null;
  readonly max_s: number | null;
  readonly runs: number;
  /** Runs that did not end clean (exit code, unverified cancel, or orders left): each is described. */
  readonly failures: readonly string[];
}

export async function runShutdown(o: ShutdownOptions): Promise<ShutdownResult> {
  const config = benchConfig({ sim: { symbols: ['BTCUSDT'] } });
  const sim = await startSimulator(simOptionsFromConfig(config.sim, wallClock));
  const times: number[] = [];
  const failures: string[] = [];
  try {
    for (let n = 0; n < o.runs; n++) {
      const bot = spawnBotProcess(sim, { symbols: ['BTCUSDT'], strategy: { requote_interval_ms: 50 } });
      try {
        await until(
          () => ourOpenOrders(sim) >= 2 || bot.child.exitCode !== null,
          120_000,
          'the bot process to quote',
          50,
        );
        if (bot.child.exitCode !== null) {
          failures.push(`run ${n}: exited ${bot.child.exitCode} before quoting: ${bot.stderr().slice(-300)}`);
          continue;
        }
        await new Promise((r) => setTimeout(r, o.quoteMs));
        const t0 = performance.now();
        bot.child.kill('SIGTERM');
        const { code, at } = await bot.exited;
        const left = ourOpenOrders(sim);
        const verified = /"step":"cancelOrders","outcome":"ok"/.test(bot.log());
        if (code !== 0 || left !== 0 || !verified) {
          failures.push(
            `run ${n}: exit ${code}, ${left} orders left, cancel ${verified ? '' : 'not '}verified`,
          );
        } else times.push((at - t0) / 1000);
      } finally {
        if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
        bot.cleanup();
      }
    }
  } finally {
    await sim.close();
  }
  const q = (p: number): number | null => (times.length === 0 ? null : sig(quantile(times, p)));
  return { p50_s: q(0.5), p99_s: q(0.99), max_s: q(1), runs: times.length, failures };
}
