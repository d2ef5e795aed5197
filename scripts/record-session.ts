/**
 * Records a session of the whole bot against the embedded simulator, faster than real time: both
 * run on one accelerated clock (simulated time = wall time × speed) over real loopback sockets, so
 * an hour of BTCUSDT market making is recorded in minutes. The recording is what `npm run bot`
 * writes in paper mode, ready for `npm run replay` (docs/replay.md: the replay speed figure was
 * measured on one made this way).
 *
 *   node --import tsx scripts/record-session.ts --minutes 60 --speed 10 --dir data/recordings/btc-1h
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { waitFor } from 'xstate';
import { DEFAULTS_PATH, mergeConfig, validateConfig } from '../src/config/load.js';
import type { Clock, TimerId } from '../src/domain/clock.js';
import { createLogger } from '../src/adapters/log/logger.js';
import { Metrics } from '../src/adapters/metrics/metrics.js';
import { Recorder } from '../src/adapters/recorder/recorder.js';
import { BOT_VERSION } from '../src/adapters/recorder/version.js';
import { credentials } from '../src/adapters/secrets/secret.js';
import { Runtime } from '../src/actors/runtime.js';
import { buildSystem } from '../src/actors/system.js';
import { simOptionsFromConfig, startSimulator } from '../src/sim/index.js';
import { parseFlags, usage, type FlagSpec } from '../src/cli/args.js';

const FLAGS = {
  minutes: { type: 'string', value: 'N', help: 'simulated minutes to record (default 60)' },
  speed: { type: 'string', value: 'X', help: 'simulated time per wall time (default 10)' },
  dir: { type: 'string', value: 'DIR', help: 'recordings directory (default data/recordings)' },
  session: { type: 'string', value: 'NAME', help: 'session directory name (default: time and pid)' },
  seed: { type: 'string', value: 'N', help: "the simulator's and the bot's seed (default 42)" },
  volatility: {
    type: 'string',
    value: 'V',
    help: "the simulator's annualised volatility (default: sim.volatility)",
  },
  faults: {
    type: 'boolean',
    help: 'drop every socket a third of the way in, then refuse orders and rate-limit at half way',
  },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, FlagSpec>;

/** Simulated time runs `speed` times faster than the wall clock, from `start`. */
function acceleratedClock(speed: number, start = Date.now()): Clock {
  const t0 = performance.now();
  return {
    now: () => Math.floor(start + (performance.now() - t0) * speed),
    setTimeout: (fn: () => void, ms: number): TimerId => setTimeout(fn, Math.max(0, ms) / speed),
    clearTimeout: (id: TimerId) => clearTimeout(id as NodeJS.Timeout),
  };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help === true) {
    process.stdout.write(
      usage(
        'node --import tsx scripts/record-session.ts',
        'Records the bot against the simulator, accelerated.',
        FLAGS,
      ),
    );
    return;
  }
  const minutes = Number(flags.minutes ?? 60);
  const speed = Number(flags.speed ?? 10);
  const seed = Number(flags.seed ?? 42);
  if (!(minutes > 0) || !(speed >= 1) || !Number.isInteger(seed))
    throw new Error('--minutes > 0, --speed >= 1, integer --seed');
  const defaults = parseYaml(readFileSync(DEFAULTS_PATH, 'utf8')) as unknown;
  const config = validateConfig(
    mergeConfig(defaults, {
      instance: { seed },
      monitoring: { enable_prometheus: false, status_line: false },
      // A bot halted by a losing streak early on would quote nothing for the rest of the hour.
      risk: { max_consecutive_losses: 1_000 },
      sim: { seed },
    }),
    'record-session',
  );
  const clock = acceleratedClock(speed);
  const logger = createLogger({ level: 'warn', stream: process.stderr });
  const metrics = new Metrics();
  const volatility = flags.volatility === undefined ? config.sim.volatility : Number(flags.volatility);
  const sim = await startSimulator({ ...simOptionsFromConfig(config.sim, clock), seed, volatility });
  const recorder = new Recorder({
    root: flags.dir ?? config.recorder.dir,
    maxFileBytes: config.recorder.max_file_mb * 1024 * 1024,
    maxTotalBytes: config.recorder.max_total_mb * 1024 * 1024,
    version: BOT_VERSION,
    logger,
    registry: metrics.registry,
    ...(flags.session === undefined ? {} : { session: flags.session }),
  });
  const account = sim.accounts[0]!;
  const rt = new Runtime({
    config,
    clock: recorder.observeClock(clock),
    logger,
    metrics,
    endpoints: sim.urls,
    credentials: credentials(account.apiKey, account.apiSecret),
    eventLoopLagMs: () => 0,
    recorder,
  });
  const root = buildSystem(rt, { web: false });
  root.subscribe({ error: (err) => logger.error({ err }, 'root failed') });
  root.start();
  process.stderr.write(`recording ${minutes} simulated minutes at ${speed}x to ${recorder.dir}\n`);
  const startAt = clock.now();
  const endAt = startAt + minutes * 60_000;
  if (flags.faults === true) {
    clock.setTimeout(() => sim.faults.dropSockets('all'), (endAt - startAt) / 3);
    clock.setTimeout(
      () => {
        sim.faults.rejectOrders(2);
        sim.faults.rateLimitBurst(2);
      },
      (endAt - startAt) / 2,
    );
  }
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      if (clock.now() < endAt && root.getSnapshot().status === 'active') return;
      clearInterval(tick);
      resolve();
    }, 200);
  });
  root.send({ type: 'shutdown.request', reason: 'signal' });
  const done = await waitFor(root, (s) => s.status !== 'active', { timeout: 120_000 });
  if (rt.isStarted) {
    rt.started.market.stop();
    rt.started.orders.stop();
    const s = rt.started.portfolio.snapshot(config.symbols[0]!);
    process.stderr.write(`fills ${s?.fillsApplied ?? 0}, equity ${s?.equity.toFixed(4) ?? '?'} USDT\n`);
  }
  await rt.flushSinks(10_000);
  await rt.rest.close();
  await sim.close();
  process.stderr.write(`done (exit code ${String(done.output?.exitCode)}): ${recorder.dir}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
