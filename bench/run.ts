/**
 * `npm run bench [-- --quick] [--out FILE] [--only a,b]`: every benchmark of the bot, printed as a
 * table and written to bench/results.json. The full mode is the one whose figures are quoted
 * (docs/benchmarks.md); the quick mode runs each section for seconds, to show in CI that the
 * benchmark still works (test/bench/bench-quick.test.ts), and its figures mean little.
 *
 * Sections run one after the other, never side by side, so that they do not load the machine for
 * each other; each one's failure is recorded in its place and the others still run. The results
 * file is rewritten after each section, so an interrupted run keeps what it measured.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseFlags, usage, UsageError, type FlagSpec } from '../src/cli/args.js';
import { runHotPath } from './hot-path.js';
import { recordBookStream } from './lib/sim-stream.js';
import { load1 } from './lib/stats.js';
import { runPeers } from './peers/index.js';
import { runMemory } from './sections/memory.js';
import { runReconnect } from './sections/reconnect.js';
import { runReplay } from './sections/replay.js';
import { runShutdown } from './sections/shutdown.js';
import { runTickToOrder } from './sections/tick-to-order.js';
import { printTable, targetsOf, type Results } from './lib/report.js';

const FLAGS = {
  quick: {
    type: 'boolean',
    help: 'seconds per section instead of minutes (CI); figures are indicative only',
  },
  out: { type: 'string', value: 'FILE', help: 'where to write the results (default bench/results.json)' },
  only: {
    type: 'string',
    value: 'LIST',
    help: `run only these sections, comma-separated: ${'hot_path,peers,tick_to_order,replay,shutdown,reconnect,memory'}`,
  },
  'memory-s': {
    type: 'string',
    value: 'N',
    help: 'length of the memory run in seconds (full mode default 3600, an hour)',
  },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, FlagSpec>;

const SECTIONS = ['hot_path', 'peers', 'tick_to_order', 'replay', 'shutdown', 'reconnect', 'memory'] as const;
type Section = (typeof SECTIONS)[number];

const COMMAND = 'npm run bench --';
const SUMMARY =
  'Benchmarks the hot path, tick-to-order, replay, shutdown, reconnect, memory and the SDKs side by side.';

async function main(argv: readonly string[]): Promise<number> {
  let flags;
  try {
    flags = parseFlags(argv, FLAGS);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n\n${usage(COMMAND, SUMMARY, FLAGS)}`);
      return 2;
    }
    throw e;
  }
  if (flags.help === true) {
    process.stdout.write(usage(COMMAND, SUMMARY, FLAGS));
    return 0;
  }
  const quick = flags.quick === true;
  const out = resolve(flags.out ?? 'bench/results.json');
  const only = flags.only === undefined ? [...SECTIONS] : flags.only.split(',').map((s) => s.trim());
  for (const s of only) {
    if (!(SECTIONS as readonly string[]).includes(s)) {
      process.stderr.write(`unknown section ${s}; the sections are ${SECTIONS.join(', ')}\n`);
      return 2;
    }
  }
  const memoryS = flags['memory-s'] === undefined ? (quick ? 5 : 3_600) : Number(flags['memory-s']);
  if (!(memoryS > 0)) {
    process.stderr.write(`--memory-s must be a positive number of seconds, found ${flags['memory-s']}\n`);
    return 2;
  }
  const started = performance.now();
  const results: Results = {
    meta: {
      mode: quick ? 'quick' : 'full',
      command: `npm run bench${argv.length === 0 ? '' : ` -- ${argv.join(' ')}`}`,
      date: new Date().toISOString(),
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      load_avg_start: loadavg().map((x) => Math.round(x * 100) / 100),
      duration_s: 0,
    },
  };
  const save = (): void => {
    results.meta.duration_s = Math.round((performance.now() - started) / 100) / 10;
    results.targets = targetsOf(results);
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  };
  const run = async (section: Section, fn: () => Promise<unknown>): Promise<void> => {
    if (!only.includes(section)) return;
    const t0 = performance.now();
    process.stderr.write(`bench: ${section} (load ${load1()})...\n`);
    try {
      (results as Record<string, unknown>)[section] = await fn();
    } catch (e) {
      (results as Record<string, unknown>)[section] = { error: (e as Error).message ?? String(e) };
    }
    process.stderr.write(`bench: ${section} took ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    save();
  };

  await run('hot_path', () =>
    runHotPath(
      quick
        ? { frames: 1_000, rounds: 1, timeMs: 100, seed: 7 }
        : { frames: 20_000, rounds: 5, timeMs: 1_000, seed: 7 },
    ),
  );
  await run('peers', async () => {
    const stream = await recordBookStream({ frames: quick ? 1_000 : 5_000, seed: 7, volatility: 0.05 });
    const r = await runPeers({ stream, passes: quick ? 3 : 12, rounds: quick ? 1 : 3 });
    results.peers_load_avg = r.load_avg;
    return r.peers;
  });
  await run('tick_to_order', async () => {
    // About 7 samples a second: 180 s gives some 1,300, so that the p99 rests on a dozen of the
    // slowest rather than on 4 (two 60 s runs on one machine read 1.09 and 2.13 ms).
    const rest = await runTickToOrder({ seconds: quick ? 3 : 180, orderEntry: 'rest', sim: 'main' });
    const ws = await runTickToOrder({ seconds: quick ? 3 : 60, orderEntry: 'ws', sim: 'main' });
    const worker = {
      rest: await runTickToOrder({ seconds: quick ? 3 : 30, orderEntry: 'rest', sim: 'worker' }),
      ws: await runTickToOrder({ seconds: quick ? 3 : 30, orderEntry: 'ws', sim: 'worker' }),
    };
    return { ...rest, ws, sim_in_worker: worker };
  });
  await run('replay', () => runReplay({ simulatedS: quick ? 60 : 3_600, replays: quick ? 1 : 3 }));
  await run('shutdown', () => runShutdown(quick ? { runs: 1, quoteMs: 500 } : { runs: 20, quoteMs: 2_000 }));
  await run('reconnect', () => runReconnect({ drops: quick ? 1 : 10 }));
  await run('memory', () => runMemory({ seconds: memoryS, sampleMs: quick ? 500 : 5_000 }));
  save();
  printTable(results, process.stdout);
  process.stdout.write(`\nwritten to ${out}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
