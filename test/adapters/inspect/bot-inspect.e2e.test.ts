/**
 * `npm run bot -- --inspect` as an operator runs it (a child process against the simulator): the
 * relay comes up on loopback, a browser that connects after the start still receives every
 * machine (root, feeds, books, risk, quoter and the order machines), nothing it relays carries the
 * API key or secret, and live mode refuses the flag.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { stringify } from 'yaml';
import type { RunningSimulator } from '../../../src/sim/index.js';
import { startTestSim, testConfig } from '../../helpers/bot-harness.js';

const WAIT = { timeout: 60_000, interval: 100 };

let sim: RunningSimulator | undefined;
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await sim?.close();
  sim = undefined;
});

interface Run {
  readonly child: ChildProcess;
  readonly exited: Promise<number | string>;
  stdout(): string;
  stderr(): string;
}

function runBot(config: Record<string, unknown>, env: NodeJS.ProcessEnv): Run {
  const dir = mkdtempSync(join(tmpdir(), 'mm-inspect-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    stringify({
      log: { level: 'info', file: join(dir, 'bot.log') },
      monitoring: { enable_prometheus: false, status_line: false },
      journal: { data_dir: join(dir, 'journal') },
      recorder: { dir: join(dir, 'recordings') },
      ...config,
    }),
  );
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/bot.ts', '--config', file, '--inspect', '--inspect-port', '0'],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return { child, exited, stdout: () => out, stderr: () => err };
}

/** The id of the machine a registration describes (its definition's root id). */
function definitionId(message: Record<string, unknown>): string | undefined {
  try {
    const def = JSON.parse(String(message['definition'])) as { id?: unknown };
    return typeof def.id === 'string' ? def.id : undefined;
  } catch {
    return undefined;
  }
}

describe('npm run bot -- --inspect', { timeout: 120_000 }, () => {
  it('relays every machine to a browser that connects late, and no secret', async () => {
    sim = await startTestSim(testConfig());
    const account = sim.accounts[0]!;
    const bot = runBot(
      {
        mode: 'external',
        exchange: {
          rest_url: sim.urls.rest,
          ws_public_url: sim.urls.wsPublic,
          ws_private_url: sim.urls.wsPrivate,
          ws_trade_url: sim.urls.wsTrade,
        },
        strategy: { requote_interval_ms: 50 },
        // Neither a stall of this shared machine nor a run of losing trades in the fast test market
        // may trip the kill switch before the browser looks.
        risk: { max_event_loop_lag_ms: 30_000, max_consecutive_losses: 1_000 },
      },
      { BYBIT_API_KEY: account.apiKey, BYBIT_API_SECRET: account.apiSecret },
    );
    const relay = await vi.waitFor(() => {
      const m = /inspector: open (http:\/\/127\.0\.0\.1:\d+) /.exec(bot.stdout());
      expect(m, `stdout: ${bot.stdout()}\nstderr: ${bot.stderr()}`).not.toBeNull();
      return m![1]!;
    }, WAIT);
    // The page embeds the inspector and posts to it only.
    const page = await (await fetch(relay)).text();
    expect(page).toContain('<iframe id="ui" src="https://stately.ai/inspect">');
    expect(page).not.toContain("postMessage(m, '*')");

    // The bot quotes before the "browser" opens.
    await vi.waitFor(() => expect(sim!.exchange.openOrders(account.apiKey).length).toBeGreaterThan(0), WAIT);
    const browser = new WebSocket(relay.replace(/^http/, 'ws'));
    const texts: string[] = [];
    browser.on('message', (d: Buffer) => texts.push(d.toString('utf8')));
    const machines = () =>
      new Set(
        texts
          .map((t) => JSON.parse(t) as Record<string, unknown>)
          .filter((m) => m['type'] === '@xstate.actor')
          .map(definitionId),
      );
    await vi.waitFor(() => {
      expect([...machines()]).toEqual(
        expect.arrayContaining(['root', 'connection', 'book', 'risk', 'quoter', 'order']),
      );
      // Live traffic follows: events and snapshots.
      expect(texts.some((t) => t.includes('"@xstate.snapshot"'))).toBe(true);
    }, WAIT);
    for (const secret of [account.apiKey, account.apiSecret])
      expect(texts.filter((t) => t.includes(secret))).toEqual([]);
    browser.close();

    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(sim.exchange.openOrders(account.apiKey)).toEqual([]);
  });

  it('is refused in live mode', async () => {
    // Refused before any key is read or any connection made.
    const bot = runBot(
      {
        mode: 'live',
        exchange: {
          rest_url: 'https://api.bybit.com',
          ws_public_url: 'wss://stream.bybit.com/v5/public/linear',
          ws_private_url: 'wss://stream.bybit.com/v5/private',
          ws_trade_url: 'wss://stream.bybit.com/v5/trade',
        },
      },
      {},
    );
    expect(await bot.exited).toBe(2);
    expect(bot.stderr()).toMatch(/--inspect is refused in live mode/);
  });
});
