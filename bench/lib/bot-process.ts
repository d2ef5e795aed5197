/**
 * `npm run bot`'s entry point as a child process against a simulator owned by the bench (mode
 * external), so the bench can signal it and then judge it by what it left on the exchange.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { mergeConfig } from '../../src/config/load.js';
import type { RunningSimulator } from '../../src/sim/index.js';

export interface BotChild {
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal's name), and performance.now() at the exit. */
  readonly exited: Promise<{ code: number | string; at: number }>;
  log(): string;
  stderr(): string;
  /** Removes the scratch directory (configuration and log). */
  cleanup(): void;
}

/** Starts the bot process with a configuration for `sim`, merged with `overrides`. */
export function spawnBotProcess(sim: RunningSimulator, overrides: Record<string, unknown> = {}): BotChild {
  const dir = mkdtempSync(join(tmpdir(), 'mm-bench-'));
  const logFile = join(dir, 'bot.log');
  const base = {
    mode: 'external',
    exchange: {
      rest_url: sim.urls.rest,
      ws_public_url: sim.urls.wsPublic,
      ws_private_url: sim.urls.wsPrivate,
      ws_trade_url: sim.urls.wsTrade,
    },
    monitoring: { enable_prometheus: false, status_line: false },
    log: { level: 'info', file: logFile },
    recorder: { enabled: false },
    journal: { enabled: false },
  };
  const file = join(dir, 'config.yaml');
  writeFileSync(file, stringify(mergeConfig(base, overrides)));
  const account = sim.accounts[0]!;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bot.ts', '--config', file], {
    env: { ...process.env, BYBIT_API_KEY: account.apiKey, BYBIT_API_SECRET: account.apiSecret },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | string; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code: code ?? signal ?? -1, at: performance.now() })),
  );
  return {
    child,
    exited,
    log: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
    stderr: () => err,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Our open orders (orderLinkId prefix `mm-`) on the simulator. */
export function ourOpenOrders(sim: RunningSimulator, prefix = 'mm-'): number {
  return sim.exchange
    .openOrders(sim.accounts[0]!.apiKey)
    .filter((o) => String(o.orderLinkId).startsWith(prefix)).length;
}
