/**
 * Where the bot under soak runs. A real-time soak runs it as a child process, exactly as
 * `npm run bot` does (childHost); the accelerated soak runs the same Runtime and actor system in
 * the harness's process on the simulated clock (inProcessHost), so simulated hours pass in
 * minutes. Either way the harness reaches it only through its web endpoint and its exit.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { Config } from '../../config/schema.js';
import type { Clock } from '../../domain/clock.js';
import { createLogger } from '../../adapters/log/logger.js';
import { Metrics } from '../../adapters/metrics/metrics.js';
import { credentials } from '../../adapters/secrets/secret.js';
import { freePort, spawnLogged, type ChildExit } from '../../adapters/system/child.js';
import { killTree } from '../../adapters/system/process-table.js';
import type { RunningSimulator } from '../../sim/index.js';
import { Runtime } from '../runtime.js';
import { buildSystem } from '../system.js';
import { botConfig } from './bot-config.js';

/** A bot that was started. */
export interface StartedBot {
  /** The process whose resources are sampled. */
  readonly pid: number;
  /** Its web endpoint (/readyz, /status, /metrics). */
  readonly url: string;
  /** Its log files. */
  readonly logs: readonly string[];
  /** Resolves when it has ended. */
  readonly exited: Promise<ChildExit>;
  exit(): ChildExit | undefined;
  /** Asks for the graceful shutdown (SIGTERM, or its in-process equivalent). */
  terminate(): void;
  /** Ends it at once (the whole process tree). */
  kill(): Promise<void>;
  /** How it runs, for the report. */
  readonly description: string;
  /** The admin token of its web endpoint. */
  readonly adminToken: string;
}

/** What a host is given to start the bot. */
export interface HostStart {
  readonly config: Config;
  readonly sim: RunningSimulator;
  readonly dir: string;
  /** Step-log stamp of this run. */
  readonly stamp: string;
  readonly clock: Clock;
}

/** Writes a fresh admin token for the bot's web endpoint (owner-only file). */
async function adminToken(dir: string): Promise<{ file: string; token: string }> {
  const token = randomBytes(24).toString('hex');
  const file = join(dir, 'admin-token');
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return { file, token };
}

export type BotHost = (s: HostStart) => Promise<StartedBot>;

/** The entry point of the bot. */
const BOT_ENTRY = resolve(import.meta.dirname, '../../cli/bot.ts');

/** The bot as a child process: `command` (default this repository's bot) plus `--config FILE`. */
export function childHost(command?: readonly string[]): BotHost {
  return async ({ config, sim, dir, stamp }) => {
    const logFile = join(dir, `bot.${stamp}.log`);
    const consoleLog = join(dir, `bot-console.${stamp}.log`);
    const metricsPort = await freePort();
    const admin = await adminToken(dir);
    const configFile = join(dir, 'bot-config.yaml');
    await writeFile(
      configFile,
      stringify(
        botConfig(config, {
          urls: sim.urls,
          metricsPort,
          logFile,
          artifactsDir: dir,
          adminTokenFile: admin.file,
        }),
      ),
    );
    const account = sim.accounts[0]!;
    const argv = [...(command ?? [process.execPath, '--import', 'tsx', BOT_ENTRY]), '--config', configFile];
    const child = await spawnLogged(argv, {
      logFile: consoleLog,
      env: { ...process.env, BYBIT_API_KEY: account.apiKey, BYBIT_API_SECRET: account.apiSecret },
    });
    return {
      pid: child.pid,
      url: `http://127.0.0.1:${metricsPort}`,
      logs: [logFile, consoleLog],
      exited: child.exited,
      exit: () => child.exit(),
      terminate: () => {
        child.process.kill('SIGTERM');
      },
      kill: () => killTree(child.pid, 'SIGKILL'),
      description: `child process ${child.pid}`,
      adminToken: admin.token,
    };
  };
}

/**
 * The bot in this process, on the harness's clock: the Runtime and actor system `npm run bot`
 * builds, against the simulator over loopback sockets, its web endpoint on a free port.
 */
export const inProcessHost: BotHost = async ({ config, sim, dir, stamp, clock }) => {
  const logFile = join(dir, `bot.${stamp}.log`);
  const metricsPort = await freePort();
  const admin = await adminToken(dir);
  const conf = botConfig(config, {
    urls: sim.urls,
    metricsPort,
    logFile,
    artifactsDir: dir,
    adminTokenFile: admin.file,
  }) as unknown as Config;
  const logger = createLogger({ level: conf.log.level, file: logFile });
  const account = sim.accounts[0]!;
  const rt = new Runtime({
    config: conf,
    clock,
    logger,
    metrics: new Metrics(),
    endpoints: sim.urls,
    credentials: credentials(account.apiKey, account.apiSecret),
    eventLoopLagMs: () => 0,
  });
  const root = buildSystem(rt, { web: true });
  let ended: ChildExit | undefined;
  let release: (e: ChildExit) => void = () => undefined;
  const exited = new Promise<ChildExit>((r) => (release = r));
  const finish = async (e: ChildExit): Promise<void> => {
    if (ended !== undefined) return;
    ended = e;
    if (rt.isStarted) {
      rt.started.market.stop();
      rt.started.orders.stop();
    }
    await rt.rest.close().catch(() => undefined);
    release(e);
  };
  root.subscribe({
    complete: () => void finish({ code: root.getSnapshot().output?.exitCode ?? 1, signal: null }),
    error: () => void finish({ code: 1, signal: null }),
  });
  root.start();
  return {
    pid: process.pid,
    url: `http://127.0.0.1:${metricsPort}`,
    logs: [logFile],
    exited,
    exit: () => ended,
    terminate: () => root.send({ type: 'shutdown.request', reason: 'signal' }),
    kill: async () => {
      if (root.getSnapshot().status === 'active') root.stop();
      await finish({ code: null, signal: 'SIGKILL' });
    },
    description: 'in this process, on the simulated clock',
    adminToken: admin.token,
  };
};
