/**
 * `npm run monitor -- --pid N`: the resource monitor for any process. A sample every
 * `--interval-s` seconds (default soak.sample_interval_s, 60; down to 1) of the process (CPU,
 * RSS, VMS, threads, open fds, children and zombies) and the host (CPU, available memory, disk
 * and network I/O), appended to artifacts/soak/resources.jsonl. With --metrics-url it also reads
 * heap, event-loop lag, reconnects and PnL from the process's Prometheus endpoint. It stops when
 * the process ends or on SIGINT/SIGTERM, then writes the analysis (leak regression, CPU, disk)
 * next to the samples: resources.analysis.json. `--analyze FILE` analyses an existing file only.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { wallClock } from '../adapters/clock.js';
import { ResourceSampler } from '../adapters/system/resource-sampler.js';
import { processExists } from '../adapters/system/process-stats.js';
import { analyseSamples } from '../domain/soak/analysis.js';
import { leakRuleFor, type SoakSettings } from '../domain/soak/plan.js';
import { parseSamples } from '../domain/soak/sample.js';
import { startMonitor } from '../actors/monitor.js';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.js';

const FLAGS = {
  pid: { type: 'string', value: 'N', help: 'the process to watch' },
  'interval-s': {
    type: 'string',
    value: 'S',
    help: 'seconds between samples, 1 to 3600 (default soak.sample_interval_s)',
  },
  out: {
    type: 'string',
    value: 'FILE',
    help: 'JSONL file samples are appended to (default <soak.artifacts_dir>/resources.jsonl)',
  },
  'artifacts-dir': {
    type: 'string',
    value: 'DIR',
    help: 'folder whose size is sampled (default soak.artifacts_dir)',
  },
  'metrics-url': {
    type: 'string',
    value: 'URL',
    help: 'Prometheus endpoint of the process, e.g. http://127.0.0.1:8000/metrics',
  },
  analyze: { type: 'string', value: 'FILE', help: 'analyse an existing resources.jsonl and exit' },
  config: {
    type: 'string',
    value: 'FILE',
    help: 'a YAML file merged over config/config.yaml (its soak section)',
  },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, FlagSpec>;

const SUMMARY =
  'Samples the resources of a process into resources.jsonl until it ends (or Ctrl-C), then writes\n' +
  'resources.analysis.json beside it: RSS and heap slope (MB/h) with the leak rule, CPU average and p95.';

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function numberFlag(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < min || v > max)
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, was ${JSON.stringify(raw)}`);
  return v;
}

/** Analyses a samples file and writes `<name>.analysis.json` beside it; returns a one-line summary. */
async function analyseFile(file: string, soak: SoakSettings): Promise<string> {
  const { samples, issues } = parseSamples(await readFile(file, 'utf8'));
  const first = samples[0];
  const last = samples[samples.length - 1];
  const hours =
    first !== undefined && last !== undefined
      ? Math.max((last.elapsed_s - first.elapsed_s) / 3600, 1e-6)
      : 1e-6;
  const intervalS = samples.length > 1 ? (hours * 3600) / (samples.length - 1) : soak.sample_interval_s;
  const analysis = analyseSamples(samples, leakRuleFor(soak, hours, intervalS));
  const out = join(dirname(file), file.replace(/^.*[\\/]/, '').replace(/\.jsonl$/, '') + '.analysis.json');
  await writeFile(out, `${JSON.stringify({ ...analysis, badLines: issues }, null, 2)}\n`);
  const slope = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(2)} MB/h`);
  return (
    `${samples.length} samples over ${hours.toFixed(3)} h (${issues.length} bad lines); ` +
    `RSS ${slope(analysis.rss.slopeMbPerHour)} (${analysis.rss.reason}); ` +
    `CPU avg ${analysis.cpuProcessPct.avg?.toFixed(1) ?? 'n/a'} %, p95 ${analysis.cpuProcessPct.p95?.toFixed(1) ?? 'n/a'} %; ` +
    `analysis in ${out}`
  );
}

async function main(argv: readonly string[]): Promise<void> {
  let flags;
  let intervalS: number | undefined;
  let pid: number | undefined;
  try {
    flags = parseFlags(argv, FLAGS);
    if (flags.help === true) {
      process.stdout.write(usage('npm run monitor --', SUMMARY, FLAGS));
      process.exit(0);
    }
    if (flags.positionals.length > 0) throw new UsageError(`unexpected argument ${flags.positionals[0]!}`);
    intervalS = numberFlag('interval-s', flags['interval-s'], 1, 3600);
    pid = numberFlag('pid', flags.pid, 1, 2 ** 31 - 1);
    if (pid !== undefined && !Number.isInteger(pid))
      throw new UsageError(`--pid must be an integer, was ${flags.pid}`);
    if (pid === undefined && flags.analyze === undefined)
      throw new UsageError('--pid N (or --analyze FILE) is required');
  } catch (e) {
    if (e instanceof UsageError)
      fail(`monitor: ${e.message}\n\n${usage('npm run monitor --', SUMMARY, FLAGS)}`, 2);
    throw e;
  }
  let config;
  try {
    config = loadConfig(flags.config);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message, 2);
    fail(`monitor: cannot load configuration: ${(e as Error).message}`, 2);
  }
  const soak = config.soak;
  if (flags.analyze !== undefined) {
    try {
      process.stdout.write(`${await analyseFile(flags.analyze, soak)}\n`);
    } catch (e) {
      fail(`monitor: cannot analyse ${flags.analyze}: ${(e as Error).message}`, 1);
    }
    return;
  }
  if (pid === undefined || !processExists(pid)) fail(`monitor: no process with pid ${String(pid)}`, 1);
  const artifactsDir = flags['artifacts-dir'] ?? soak.artifacts_dir;
  const out = flags.out ?? join(artifactsDir, 'resources.jsonl');
  const metricsUrl = flags['metrics-url'];
  const clock = wallClock;
  const sampler = new ResourceSampler({
    pid,
    clock,
    startedAt: clock.now(),
    wallNow: () => Date.now(),
    artifactsDir,
    ...(metricsUrl === undefined
      ? {}
      : {
          appMetrics: async () => {
            const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) });
            return res.ok ? res.text() : undefined;
          },
        }),
  });
  const every = (intervalS ?? soak.sample_interval_s) * 1000;
  process.stdout.write(`monitor: watching pid ${pid} every ${every / 1000} s into ${out}\n`);
  let finishing = false;
  const finish = async (why: string): Promise<void> => {
    if (finishing) return;
    finishing = true;
    await monitor.stop();
    process.stdout.write(`monitor: ${why}; ${monitor.count()} samples\n`);
    try {
      if (monitor.count() > 0) process.stdout.write(`monitor: ${await analyseFile(out, soak)}\n`);
      process.exit(0);
    } catch (e) {
      fail(`monitor: analysis failed: ${(e as Error).message}`, 1);
    }
  };
  const monitor = startMonitor({
    sampler,
    clock,
    intervalMs: every,
    out,
    onGone: (p) => void finish(`process ${p} ended`),
    onError: (err) =>
      process.stderr.write(`monitor: sample failed: ${err instanceof Error ? err.message : String(err)}\n`),
  });
  process.on('SIGINT', () => void finish('stopped by SIGINT'));
  process.on('SIGTERM', () => void finish('stopped by SIGTERM'));
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`monitor: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
