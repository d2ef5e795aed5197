/**
 * Runs `npm run bot`'s entry point as a child process against a simulator owned by the test, so a
 * test can signal or kill it and then look at what it left on the exchange.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { mergeConfig } from '../../src/config/load.js';
import type { RunningSimulator } from '../../src/sim/index.js';

export interface BotProcess {
  readonly child: ChildProcess;
  readonly dir: string;
  readonly logFile: string;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  stderr(): string;
  log(): string;
}

/** Writes a configuration for an external simulator and starts the bot with it. */
export function spawnBot(
  sim: RunningSimulator,
  overrides: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = {},
): BotProcess {
  const dir = mkdtempSync(join(tmpdir(), 'mm-bot-'));
  const logFile = join(dir, 'bot.log');
  const base = {
    mode: 'external',
    exchange: {
      rest_url: sim.urls.rest,
      ws_public_url: sim.urls.wsPublic,
      ws_private_url: sim.urls.wsPrivate,
      ws_trade_url: sim.urls.wsTrade,
      reconcile_interval_s: 2,
    },
    monitoring: { enable_prometheus: false, status_line: false },
    log: { level: 'debug', file: logFile },
    websocket: { base_reconnect_delay_ms: 100, ping_interval_ms: 2_000, pong_timeout_ms: 1_000 },
    strategy: { requote_interval_ms: 50 },
  };
  const config = mergeConfig(base, overrides);
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, stringify(config));
  const account = sim.accounts[0]!;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bot.ts', '--config', configFile], {
    env: {
      ...process.env,
      BYBIT_API_KEY: account.apiKey,
      BYBIT_API_SECRET: account.apiSecret,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout?.resume();
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return {
    child,
    dir,
    logFile,
    exited,
    stderr: () => err,
    log: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
  };
}
