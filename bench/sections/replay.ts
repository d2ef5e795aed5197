/**
 * Replay speed: a recording of the bot quoting against the simulator, `simulatedS` long, replayed
 * through the same actor system (src/actors/replay/run.ts) as fast as it goes; the figure is the
 * simulated time covered over the wall time taken.
 *
 * The recording is made here, by the real bot against the real simulator on loopback, with the
 * session recorder on, both on one clock that runs `SPEED` times faster than the wall clock (its
 * timers shortened to match), so an hour is recorded in minutes. What a replay costs is set by
 * the lines per simulated hour (frames pushed, requests made), which that clock leaves as they
 * are: the simulator pushes and the bot's timers, throttle and rate budget all run on it.
 *
 * The replay runs as `npm run replay` runs it: in a process of its own, started with the node
 * flags of that script (package.json), so the figure is what a user gets and the bench's own heap
 * (the recording run before it) does not weigh on it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor as xwaitFor } from 'xstate';
import type { Clock, TimerId } from '../../src/domain/clock.js';
import { createLogger, silentLogger } from '../../src/adapters/log/logger.js';
import { Metrics } from '../../src/adapters/metrics/metrics.js';
import { Recorder } from '../../src/adapters/recorder/recorder.js';
import { BOT_VERSION } from '../../src/adapters/recorder/version.js';
import { credentials } from '../../src/adapters/secrets/secret.js';
import { Runtime } from '../../src/actors/runtime.js';
import { buildSystem } from '../../src/actors/system.js';
import type { ReplaySummary } from '../../src/actors/replay/run.js';
import { simOptionsFromConfig, startSimulator } from '../../src/sim/index.js';
import { benchConfig } from '../lib/live-bot.js';
import { sig } from '../lib/stats.js';

/** How much faster than the wall clock the recording's clock runs. */
const SPEED = 20;

export interface ReplayBenchOptions {
  /** Length of the recording in simulated seconds (3600 for the hour). */
  readonly simulatedS: number;
  /** How many times the recording is replayed; the median replay is the figure. */
  readonly replays: number;
}

export interface ReplayBenchResult {
  /** Of the median replay (by wall time). */
  readonly x_realtime: number | null;
  /** Every replay's, in the order they ran. */
  readonly x_realtime_runs: readonly (number | null)[];
  readonly simulated_s: number | null;
  readonly wall_s: number | null;
  /** CPU time of the median replay's process (GC and gunzip threads included). */
  readonly cpu_s: number | null;
  readonly lines: number | null;
  readonly decisions: number | null;
  readonly divergences: number | null;
  readonly recording_mb: number | null;
  /** Wall time spent making the recording (not part of the figure). */
  readonly record_wall_s: number | null;
}

/** A clock `speed` times faster than the wall clock, from now. */
function fastClock(speed: number): Clock {
  const t0 = Date.now();
  const p0 = performance.now();
  return {
    // Whole milliseconds, as Date.now() gives (the wire carries integer times).
    now: () => Math.floor(t0 + (performance.now() - p0) * speed),
    setTimeout: (fn, ms): TimerId => setTimeout(fn, ms / speed),
    clearTimeout: (id: TimerId) => clearTimeout(id as NodeJS.Timeout),
  };
}

/** The node flags of `npm run replay` (package.json), up to its entry point. */
function replayNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  const words = (pkg.scripts['replay'] ?? '').split(/\s+/);
  const entry = words.indexOf('src/cli/replay.ts');
  if (words[0] !== 'node' || entry < 0) throw new Error(`npm run replay is not "node ... src/cli/replay.ts"`);
  return words.slice(1, entry);
}

/** Replays `dir` in a child process started with `nodeFlags` (npm run replay's); its summary. */
function replayInChild(dir: string, nodeFlags: readonly string[]): Promise<ReplaySummary> {
  const args = [...nodeFlags, 'bench/lib/replay-child.ts', dir];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`replay child failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as ReplaySummary);
    });
  });
}

function sizeOf(dir: string): number {
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) bytes += statSync(join(e.parentPath, e.name)).size;
  }
  return bytes;
}

/** Records `simulatedS` seconds of the bot quoting; returns the recordings directory. */
async function record(simulatedS: number, root: string): Promise<void> {
  const clock = fastClock(SPEED);
  const config = benchConfig({ symbols: ['BTCUSDT'], sim: { symbols: ['BTCUSDT'] } });
  const sim = await startSimulator(simOptionsFromConfig(config.sim, clock));
  const metrics = new Metrics();
  const recorder = new Recorder({
    root,
    maxFileBytes: 100 * 1024 * 1024,
    maxTotalBytes: 4 * 1024 * 1024 * 1024,
    version: BOT_VERSION,
    logger: silentLogger(),
    flushIntervalMs: 1_000,
  });
  const account = sim.accounts[0]!;
  const rt = new Runtime({
    config,
    clock,
    logger: process.env['BENCH_DEBUG'] ? createLogger({ level: 'info' }) : silentLogger(),
    metrics,
    endpoints: sim.urls,
    credentials: credentials(account.apiKey, account.apiSecret),
    eventLoopLagMs: () => 0,
    recorder,
  });
  const rootActor = buildSystem(rt, { web: false });
  rootActor.start();
  try {
    await new Promise((r) => setTimeout(r, (simulatedS * 1000) / SPEED));
    rootActor.send({ type: 'shutdown.request', reason: 'signal' });
    await xwaitFor(rootActor, (s) => s.status !== 'active', { timeout: 60_000 });
  } finally {
    if (rt.isStarted) {
      rt.started.market.stop();
      rt.started.orders.stop();
    }
    await recorder.close(10_000);
    await rt.rest.close();
    await sim.close();
  }
}

export async function runReplay(o: ReplayBenchOptions): Promise<ReplayBenchResult> {
  const root = mkdtempSync(join(tmpdir(), 'mm-bench-replay-'));
  try {
    const r0 = performance.now();
    await record(o.simulatedS, root);
    const recordWallS = (performance.now() - r0) / 1000;
    const [session] = readdirSync(root);
    if (session === undefined) throw new Error('the recorder wrote no session');
    const dir = join(root, session);
    // The same recording replayed `replays` times, one after the other: the median is the figure.
    const nodeFlags = replayNodeFlags();
    const runs: ReplaySummary[] = [];
    for (let i = 0; i < o.replays; i++) runs.push(await replayInChild(dir, nodeFlags));
    const byWall = [...runs].sort((a, b) => a.wallMs - b.wallMs);
    const summary = byWall[(byWall.length - 1) >> 1]!;
    return {
      x_realtime: sig(summary.simulatedMs / summary.wallMs),
      x_realtime_runs: runs.map((r) => sig(r.simulatedMs / r.wallMs)),
      simulated_s: sig(summary.simulatedMs / 1000),
      wall_s: sig(summary.wallMs / 1000),
      cpu_s: sig(summary.cpuMs / 1000),
      lines: summary.lines,
      decisions: summary.decisions,
      divergences: summary.divergences,
      recording_mb: sig(sizeOf(dir) / 1024 / 1024),
      record_wall_s: sig(recordWallS),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
