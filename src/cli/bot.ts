/**
 * `npm run bot`: the composition root. With no arguments it trades in paper mode against the
 * embedded simulator on a loopback port; `--config FILE` selects testnet, live or an external
 * simulator. It loads and checks the configuration (exit 2 on a bad one), builds the actor system,
 * handles signals (the first runs the shutdown machine; a second forces a best-effort cancel and
 * exit 130) and exits with the root's exit code. Every last-resort error is logged and leads to an
 * orderly shutdown: nothing kills the process silently.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { collectDefaultMetrics } from 'prom-client';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { wallClock } from '../adapters/clock.js';
import { createLogger, type Logger } from '../adapters/log/logger.js';
import { describeError, safePrint } from '../adapters/log/safe-print.js';
import { Metrics } from '../adapters/metrics/metrics.js';
import { credentials as makeCredentials, type Credentials } from '../adapters/secrets/secret.js';
import { loadSecret, SecretError } from '../adapters/secrets/load.js';
import { startEventLoopMonitor } from '../adapters/system/event-loop.js';
import { createStatusLine } from '../adapters/console/status-line.js';
import { startInspectorRelay, type InspectorRelay } from '../adapters/inspect/relay.js';
import { recorderFromConfig } from '../adapters/recorder/recorder.js';
import { BOT_VERSION } from '../adapters/recorder/version.js';
import { journalFromConfig } from '../adapters/journal/journal.js';
import { Runtime, type Endpoints } from '../actors/runtime.js';
import { buildSystem } from '../actors/system.js';
import { botStatus, statusText } from '../actors/status.js';
import { simOptionsFromConfig, startSimulator, type RunningSimulator } from '../sim/index.js';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.js';

const FLAGS = {
  config: { type: 'string', value: 'FILE', help: 'a YAML file merged over config/config.yaml' },
  inspect: { type: 'boolean', help: 'stream the machines to the Stately inspector through a loopback relay' },
  'inspect-port': { type: 'string', value: 'N', help: 'port of the inspector relay (default 8090)' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, FlagSpec>;

/** Beyond the bot's own shutdown deadline, the time left for the process to exit (DESIGN §6: 30 s + 10 s). */
const EXIT_MARGIN_MS = 10_000;

function fail(message: string, code: number): never {
  safePrint(message, process.stderr);
  process.exit(code);
}

function endpointsOf(config: Config): Endpoints {
  const e = config.exchange;
  return {
    rest: e.rest_url,
    wsPublic: e.ws_public_url,
    wsPrivate: e.ws_private_url,
    wsTrade: e.ws_trade_url,
  };
}

function venueCredentials(warn: (m: string) => void, live: boolean): Credentials {
  const source = { env: process.env, warn, warnIfVariable: live };
  const key = loadSecret('BYBIT_API_KEY', source);
  const secret = loadSecret('BYBIT_API_SECRET', source);
  if (key === undefined || secret === undefined)
    throw new SecretError(
      key === undefined ? 'BYBIT_API_KEY' : 'BYBIT_API_SECRET',
      'not found: set BYBIT_API_KEY_FILE and BYBIT_API_SECRET_FILE (or mount /run/secrets/bybit_api_key and bybit_api_secret)',
    );
  return { apiKey: key, apiSecret: secret };
}

async function main(argv: readonly string[]): Promise<void> {
  let flags;
  try {
    flags = parseFlags(argv, FLAGS);
  } catch (e) {
    if (e instanceof UsageError)
      fail(`${e.message}\n\n${usage('npm run bot --', 'Runs the market maker.', FLAGS)}`, 2);
    throw e;
  }
  if (flags.help === true) {
    process.stdout.write(
      usage(
        'npm run bot --',
        'Runs the market maker (paper mode on the embedded simulator by default).',
        FLAGS,
      ),
    );
    return;
  }
  let config: Config;
  try {
    config = loadConfig(flags.config);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message, 2);
    throw e;
  }
  // The inspector hands every machine event (orders, fills, positions) to a page embedding a
  // third-party web app: a development tool, never run with real money.
  if (flags.inspect === true && config.mode === 'live')
    fail(
      '--inspect is refused in live mode: it streams every machine event to stately.ai; use paper or testnet',
      2,
    );

  const tty = process.stdout.isTTY === true && config.monitoring.status_line;
  let logFile = config.log.file;
  if (tty && logFile === '') {
    mkdirSync('data/logs', { recursive: true });
    logFile = join('data', 'logs', 'bot.log');
  }
  const logger: Logger = createLogger({
    level: config.log.level,
    file: logFile,
    redaction: { orderIds: config.log.redact_order_ids },
  });
  const log = logger.child({ component: 'bot' });
  if (tty) process.stdout.write(`mm-bot ${config.mode}: logs in ${logFile}\n`);

  const clock = wallClock;
  const metrics = new Metrics();
  collectDefaultMetrics({ register: metrics.registry });

  let sim: RunningSimulator | undefined;
  let endpoints: Endpoints;
  let creds: Credentials;
  try {
    if (config.mode === 'paper') {
      sim = await startSimulator(simOptionsFromConfig(config.sim, clock, logger.child({ component: 'sim' })));
      endpoints = sim.urls;
      const account = sim.accounts[0]!;
      creds = makeCredentials(account.apiKey, account.apiSecret);
      log.info({ rest: sim.urls.rest }, 'paper mode: embedded simulator started');
    } else {
      endpoints = endpointsOf(config);
      creds = venueCredentials((m) => log.warn(m), config.mode === 'live');
    }
  } catch (e) {
    if (e instanceof SecretError) fail(e.message, 2);
    throw e;
  }

  let relay: InspectorRelay | undefined;
  let inspect;
  if (flags.inspect === true) {
    const port = Number(flags['inspect-port'] ?? '8090');
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      fail(`--inspect-port: expected a port number, found ${flags['inspect-port']}`, 2);
    relay = await startInspectorRelay(port);
    const { createWebSocketInspector } = await import('@statelyai/inspect');
    const inspector = createWebSocketInspector({ url: relay.wsUrl });
    inspect = inspector.inspect;
    process.stdout.write(`inspector: open ${relay.url} in a browser that can reach stately.ai\n`);
  }

  const recorder = recorderFromConfig(config, {
    logger: logger.child({ component: 'recorder' }),
    registry: metrics.registry,
    version: BOT_VERSION,
  });
  if (recorder !== undefined) {
    log.info({ path: recorder.path, dir: recorder.dir }, 'recording the session');
    if (tty) process.stdout.write(`recording to ${recorder.dir}\n`);
  }

  let journal;
  try {
    journal = journalFromConfig(config, {
      clock,
      metrics,
      logger: logger.child({ component: 'journal' }),
      env: process.env,
    });
  } catch (e) {
    if (e instanceof SecretError) fail(e.message, 2);
    throw e;
  }
  if (journal !== undefined) {
    const j = config.journal;
    log.info(j.url === '' ? { dataDir: j.data_dir } : { url: j.url, schema: j.schema }, 'trade journal');
    // A server opens (and migrates) in the background: one that is slow or down never delays
    // trading. The embedded database is opened first, before the event-loop monitor starts: its
    // first start in a fresh directory runs initdb in WebAssembly, which holds the event loop for
    // seconds and would otherwise trip the kill switch on event-loop lag. It resolves either way.
    if (j.url === '') await journal.start();
    else void journal.start();
  }

  const loop = startEventLoopMonitor();
  const rt = new Runtime({
    config,
    // The recorder notes the bot's timers that fire late, so that a replay fires them late too.
    clock: recorder === undefined ? clock : recorder.observeClock(clock),
    logger,
    metrics,
    endpoints,
    credentials: creds,
    inspect,
    eventLoopLagMs: () => loop.lagMs(),
    recorder,
    trades: journal,
  });
  const root = buildSystem(rt, { web: config.monitoring.enable_prometheus });
  const status = tty ? createStatusLine(process.stdout) : undefined;
  const statusTimer =
    status === undefined ? undefined : setInterval(() => status.update(statusText(botStatus(rt))), 1_000);
  statusTimer?.unref();

  let finishing = false;
  const finish = async (code: number): Promise<never> => {
    if (finishing) return new Promise<never>(() => undefined);
    finishing = true;
    if (statusTimer !== undefined) clearInterval(statusTimer);
    status?.done();
    try {
      if (rt.isStarted) {
        rt.started.market.stop();
        rt.started.orders.stop();
      }
      loop.stop();
      // Idempotent: after an orderly shutdown the flush step has closed them already.
      await rt.flushSinks(2_000);
      await rt.rest.close();
      await sim?.close();
      await relay?.close();
    } catch (err) {
      log.warn({ err }, 'error while releasing resources');
    }
    log.info({ exitCode: code }, 'exit');
    logger.flush?.();
    process.exit(code);
  };

  root.subscribe({
    complete: () => {
      const out = root.getSnapshot().output;
      log.info({ reason: out?.reason, verified: out?.verified }, 'stopped');
      if (tty)
        process.stdout.write(
          `\nstopped (${out?.reason ?? 'unknown'}), orders cancelled and verified: ${String(out?.verified)}\n`,
        );
      void finish(out?.exitCode ?? 1);
    },
    error: (err) => {
      metrics.unhandledErrors.inc({ kind: 'root' });
      log.fatal({ err }, 'the root actor failed');
      void forced(1);
    },
  });

  /** Best-effort: cancel everything of ours without verification, then exit. */
  const forced = async (code: number): Promise<void> => {
    log.warn('forced exit: best-effort cancel of every order of ours');
    const deadline = Date.now() + 3_000;
    await Promise.race([
      Promise.allSettled(config.symbols.map((s) => rt.rest.cancelAllOrders(s))),
      new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref()),
    ]);
    await finish(code);
  };

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      log.info({ signal }, 'shutting down');
      setTimeout(() => {
        log.error(
          { deadlineMs: config.shutdown.deadline_ms + EXIT_MARGIN_MS },
          'shutdown did not finish in time; forcing exit',
        );
        void forced(1);
      }, config.shutdown.deadline_ms + EXIT_MARGIN_MS).unref();
      root.send({ type: 'shutdown.request', reason: 'signal' });
    } else {
      log.warn({ signal }, 'second signal: forcing exit');
      void forced(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const lastResort = (kind: string) => (err: unknown) => {
    metrics.unhandledErrors.inc({ kind });
    log.fatal({ err }, `${kind}: shutting down`);
    root.send({ type: 'shutdown.request', reason: 'fatal' });
  };
  process.on('uncaughtException', lastResort('uncaught_exception'));
  process.on('unhandledRejection', lastResort('unhandled_rejection'));

  root.start();
}

main(process.argv.slice(2)).catch((err: unknown) => {
  safePrint(`mm-bot failed to start: ${describeError(err)}`, process.stderr);
  process.exit(1);
});
