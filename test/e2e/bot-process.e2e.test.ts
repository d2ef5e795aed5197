/**
 * The bot as a process: signals, crashes and bad input, judged by what it leaves on the exchange.
 */
import { afterEach, describe, expect, it, onTestFailed, vi } from 'vitest';
import type { RunningSimulator } from '../../src/sim/index.js';
import { startTestSim, testConfig } from '../helpers/bot-harness.js';
import { spawnBot, type BotProcess } from '../helpers/bot-process.js';

const WAIT = { timeout: 30_000, interval: 50 };

let sim: RunningSimulator | undefined;
const procs: BotProcess[] = [];

afterEach(async () => {
  for (const p of procs.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await sim?.close();
  sim = undefined;
});

function ours(s: RunningSimulator, prefix = 'mm-'): string[] {
  return s.exchange
    .openOrders(s.accounts[0]!.apiKey)
    .map((o) => String(o.orderLinkId))
    .filter((id) => id.startsWith(prefix));
}

/** The run part of an orderLinkId (`mm-<run>-<seq>`). */
const runOf = (id: string) => id.split('-')[1];

function start(
  s: RunningSimulator,
  overrides: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = {},
): BotProcess {
  const p = spawnBot(s, overrides, env);
  procs.push(p);
  onTestFailed(() => {
    console.log(p.stderr());
    console.log(p.log().split('\n').slice(-60).join('\n'));
  });
  return p;
}

async function quoting(s: RunningSimulator): Promise<void> {
  await vi.waitFor(() => {
    const sides = new Set(s.exchange.openOrders(s.accounts[0]!.apiKey).map((o) => String(o.side)));
    expect(sides).toEqual(new Set(['Buy', 'Sell']));
  }, WAIT);
}

describe('the bot process', { timeout: 120_000 }, () => {
  it('exits 0 on SIGTERM with a request in flight, leaving no order of ours', async () => {
    sim = await startTestSim(testConfig());
    const bot = start(sim);
    await quoting(sim);
    // The next REST request answers late: it is still in flight when the signal comes.
    sim.faults.restSlow(1, 1_500);
    await vi.waitFor(() => expect(sim!.faults.pendingRestDelays).toBe(0), WAIT);
    const t0 = performance.now();
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    const seconds = (performance.now() - t0) / 1000;
    expect(seconds).toBeLessThan(40);
    expect(ours(sim)).toEqual([]);
    expect(bot.log()).toContain('"step":"cancelOrders","outcome":"ok"');
  });

  it('after a SIGKILL with orders resting, the next start sweeps them away', async () => {
    sim = await startTestSim(testConfig());
    const first = start(sim, { exchange: { enable_dcp: false } });
    await quoting(sim);
    first.child.kill('SIGKILL');
    await first.exited;
    const orphans = ours(sim);
    expect(orphans.length).toBeGreaterThan(0);
    const second = start(sim, { exchange: { enable_dcp: false } });
    await vi.waitFor(() => {
      const open = ours(sim!);
      expect(open.length).toBeGreaterThan(0);
      // Only the new run's orders rest: every orphan was cancelled by the start-up sweep.
      expect(open.filter((id) => orphans.includes(id))).toEqual([]);
      expect(new Set(open.map(runOf)).size).toBe(1);
    }, WAIT);
    expect(second.log()).toContain('start-up sweep found open orders of ours');
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    expect(ours(sim)).toEqual([]);
  });

  it('after a SIGKILL, the venue disconnect-cancel-all (DCP) cancels what was left', async () => {
    sim = await startTestSim(testConfig());
    const bot = start(sim, { exchange: { enable_dcp: true, dcp_window_s: 3 } });
    await quoting(sim);
    expect(bot.log()).toContain('disconnect-cancel-all armed');
    bot.child.kill('SIGKILL');
    await bot.exited;
    expect(ours(sim).length).toBeGreaterThan(0);
    await vi.waitFor(() => expect(ours(sim!)).toEqual([]), { timeout: 20_000, interval: 100 });
  });

  it('refuses a bad configuration before anything starts, naming the key (exit 2)', async () => {
    sim = await startTestSim(testConfig());
    const bot = start(sim, {
      risk: { max_consecutive_losses: 'five' },
      strategy: { enable_dynamic_spred: true },
    });
    expect(await bot.exited).toBe(2);
    expect(bot.stderr()).toContain('risk.max_consecutive_losses: expected a number, found the string "five"');
    expect(bot.stderr()).toContain('strategy.enable_dynamic_spred');
    expect(ours(sim)).toEqual([]);
  });

  it('refuses to start without credentials outside paper mode (exit 2)', async () => {
    sim = await startTestSim(testConfig());
    const bot = start(sim, {}, { BYBIT_API_KEY: '', BYBIT_API_SECRET: '' });
    expect(await bot.exited).toBe(2);
    expect(bot.stderr()).toMatch(/BYBIT_API_KEY refused: not found/);
  });
});
