/**
 * `npm run soak -- --hours H`: the stability run. The simulator runs in this process under the
 * chaos schedule, the bot as a child process against it; resources are sampled into
 * artifacts/soak/resources.jsonl, a checkpoint every soak.checkpoint_interval_min compares the bot
 * with the venue, and at the end the ten criteria are judged: summary.txt, verdict.json,
 * resources.analysis.json and report.html. Exit 0 only on PASS (1 on FAIL, 2 on bad flags or
 * configuration). Ctrl-C stops the run early (still analysed, and a FAIL); a second Ctrl-C kills
 * everything at once.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { wallClock } from '../adapters/clock.js';
import { planSoak } from '../domain/soak/plan.js';
import { runSoak } from '../actors/soak/harness.js';
import { createProgress } from '../actors/soak/progress.js';
import { AcceleratedClock, driveClock } from '../actors/soak/accelerated.js';
import { inProcessHost, type StartedBot } from '../actors/soak/bot-host.js';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.js';

/** Simulated seconds per wall second of the accelerated soak, by default. */
const DEFAULT_SPEED = 100;
/** The simulator's book push period in the accelerated soak (simulated ms). */
const ACCELERATED_PUSH_MS = 500;

const DEFAULT_CONFIG = fileURLToPath(new URL('../../config/examples/soak.yaml', import.meta.url));

const FLAGS = {
  hours: { type: 'string', value: 'H', help: 'how long to run (default soak.hours, 24)' },
  minutes: {
    type: 'string',
    value: 'M',
    help: 'how long to run, in minutes (short runs; instead of --hours)',
  },
  config: {
    type: 'string',
    value: 'FILE',
    help: 'a YAML file merged over config/config.yaml (default config/examples/soak.yaml)',
  },
  'artifacts-dir': {
    type: 'string',
    value: 'DIR',
    help: 'where the artifacts go (default soak.artifacts_dir)',
  },
  'sample-interval-s': { type: 'string', value: 'S', help: 'seconds between resource samples, 1 to 3600' },
  'checkpoint-min': { type: 'string', value: 'M', help: 'minutes between checkpoints' },
  accelerated: {
    type: 'boolean',
    help: 'bot and simulator in this process on a simulated clock: simulated hours in minutes',
  },
  speed: {
    type: 'string',
    value: 'N',
    help: 'with --accelerated: at most N simulated seconds per wall second (default 100)',
  },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, FlagSpec>;

const SUMMARY =
  'Soaks the bot against the simulator under a chaos schedule, watches its resources, checks it\n' +
  'against the venue every few minutes, and judges the ten success criteria. Exit 0 only on PASS.';

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function positive(name: string, raw: string | undefined, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v <= 0 || v > max)
    throw new UsageError(`--${name} must be a number above 0 and at most ${max}, was ${JSON.stringify(raw)}`);
  return v;
}

async function main(argv: readonly string[]): Promise<void> {
  let flags;
  let hours: number | undefined;
  let sampleS: number | undefined;
  let checkpointMin: number | undefined;
  let speed: number | undefined;
  try {
    flags = parseFlags(argv, FLAGS);
    if (flags.help === true) {
      process.stdout.write(usage('npm run soak --', SUMMARY, FLAGS));
      process.exit(0);
    }
    if (flags.positionals.length > 0) throw new UsageError(`unexpected argument ${flags.positionals[0]!}`);
    if (flags.hours !== undefined && flags.minutes !== undefined)
      throw new UsageError('give --hours or --minutes, not both');
    hours = positive('hours', flags.hours, 168);
    const minutes = positive('minutes', flags.minutes, 168 * 60);
    if (minutes !== undefined) hours = minutes / 60;
    sampleS = positive('sample-interval-s', flags['sample-interval-s'], 3600);
    if (sampleS !== undefined && sampleS < 1) throw new UsageError('--sample-interval-s must be at least 1');
    checkpointMin = positive('checkpoint-min', flags['checkpoint-min'], 1440);
    speed = positive('speed', flags.speed, 10_000);
    if (speed !== undefined && flags.accelerated !== true)
      throw new UsageError('--speed goes with --accelerated');
  } catch (e) {
    if (e instanceof UsageError) fail(`soak: ${e.message}\n\n${usage('npm run soak --', SUMMARY, FLAGS)}`, 2);
    throw e;
  }
  const configFile = flags.config ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined);
  let config;
  try {
    config = loadConfig(configFile, {
      // Accelerated, every simulated push costs real time: fewer of them keep the event loop up.
      ...(flags.accelerated === true ? { sim: { push_interval_ms: ACCELERATED_PUSH_MS } } : {}),
      soak: {
        ...(sampleS === undefined ? {} : { sample_interval_s: sampleS }),
        ...(checkpointMin === undefined ? {} : { checkpoint_interval_min: checkpointMin }),
      },
    });
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message, 2);
    fail(`soak: cannot load configuration: ${(e as Error).message}`, 2);
  }
  let plan;
  try {
    plan = planSoak(config.soak, {
      ...(hours === undefined ? {} : { hours }),
      ...(flags['artifacts-dir'] === undefined ? {} : { artifactsDir: flags['artifacts-dir'] }),
      ...(flags.accelerated === true ? { stepTimeScale: speed ?? DEFAULT_SPEED } : {}),
    });
  } catch (e) {
    fail((e as Error).message, 2);
  }
  const accelerated = flags.accelerated === true;
  const factor = speed ?? DEFAULT_SPEED;
  const simClock = accelerated ? new AcceleratedClock(Date.now()) : undefined;
  const clock = simClock ?? wallClock;
  const progress = createProgress({
    out: process.stdout,
    clock,
    durationMs: plan.durationMs,
    refreshMs: accelerated ? 1000 * factor : 1000,
  });
  const abort = new AbortController();
  let signals = 0;
  let bot: StartedBot | undefined;
  const onSignal = (signal: string) => {
    signals++;
    if (signals === 1) {
      progress.note(`${signal}: stopping the run early (the bot is stopped, then the run is analysed)`);
      abort.abort();
    } else {
      progress.note(`${signal} again: killing the bot's process tree and exiting`);
      void (bot?.kill() ?? Promise.resolve()).finally(() => process.exit(130));
    }
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  progress.note(
    `soak of ${Number(plan.hours.toPrecision(4))} h (${(plan.hours * 60).toFixed(1)} min), sample every ${plan.sampleIntervalMs / 1000} s, ` +
      `checkpoint every ${(plan.checkpointIntervalMs / 60_000).toFixed(2)} min, artifacts in ${plan.artifactsDir}`,
  );
  const out = await runSoak({
    config,
    plan,
    clock,
    progress,
    command: `npm run soak -- ${argv.join(' ')}`.trim(),
    signal: abort.signal,
    onBot: (b) => (bot = b),
    ...(simClock === undefined
      ? {}
      : {
          host: inProcessHost,
          drive: async (stop: () => boolean) => {
            const s = await driveClock(simClock, factor, stop);
            progress.note(
              `accelerated: ${(s.simulatedMs / 3_600_000).toFixed(2)} simulated hours in ${(s.wallMs / 60_000).toFixed(2)} wall minutes ` +
                `(${(s.simulatedMs / s.wallMs).toFixed(0)}×, ${s.fired} timers)`,
            );
          },
        }),
  });
  process.stdout.write(
    `verdict: ${out.verdict}${out.failedCriteria.length > 0 ? ` (failed: ${out.failedCriteria.join(', ')})` : ''}; ` +
      `see ${plan.artifactsDir}/summary.txt and report.html\n`,
  );
  process.exit(out.verdict === 'PASS' ? 0 : 1);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`soak: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
