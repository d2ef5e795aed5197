/**
 * The hot path: one raw `orderbook.50` frame (a string) in, the quote decision out, on one core
 * (bench/lib/pipelines.ts). Frames are recorded from the simulator (bench/lib/sim-stream.ts) and
 * replayed in order, round and round (each pass starts again from the snapshot, which is part of
 * the stream as it is of a real subscription).
 *
 * Two tinybench tasks per pipeline and round:
 * - throughput: each iteration runs a batch of frames, timed in process CPU time, so that other
 *   processes on a shared machine inflate it less than wall time would;
 * - latency: each iteration runs one frame, timed on the wall clock (hrtime, the timer's own cost
 *   subtracted); its p50 and p99 are per-frame figures and do include preemption.
 * Rounds repeat both; the figures are the median of the rounds with their range.
 */
import { Bench, type TimestampProvider } from 'tinybench';
import { botPipeline, genericPipeline, type FramePipeline } from './lib/pipelines.js';
import { recordBookStream, type RecordedStream } from './lib/sim-stream.js';
import { cpuMicros, load1, quantile, repeated, sig, type Repeated } from './lib/stats.js';

/** How long each part runs. */
export interface HotPathOptions {
  readonly frames: number;
  readonly rounds: number;
  /** Per task and round, ms. */
  readonly timeMs: number;
  readonly seed: number;
}

const BATCH = 256;

/** Process CPU time as tinybench's clock (milliseconds). */
const cpuClock: TimestampProvider = {
  name: 'process-cpu',
  fn: () => cpuMicros() / 1000,
  fromMs: (ms) => ms,
  toMs: (v) => Number(v),
};

/** What a stream looks like: level changes per delta and bytes per frame. */
export interface StreamMix {
  readonly frames: number;
  readonly volatility: number;
  readonly mean_changes: number;
  readonly p50_changes: number;
  readonly p90_changes: number;
  readonly p99_changes: number;
  readonly mean_bytes: number;
}

function mixOf(s: RecordedStream, volatility: number): StreamMix {
  const changes: number[] = [];
  let bytes = 0;
  for (const f of s.frames.slice(1)) {
    const d = (JSON.parse(f) as { data: { b: unknown[]; a: unknown[] } }).data;
    changes.push(d.b.length + d.a.length);
    bytes += f.length;
  }
  const n = Math.max(1, changes.length);
  return {
    frames: s.frames.length,
    volatility,
    mean_changes: sig(changes.reduce((a, b) => a + b, 0) / n)!,
    p50_changes: quantile(changes, 0.5),
    p90_changes: quantile(changes, 0.9),
    p99_changes: quantile(changes, 0.99),
    mean_bytes: Math.round(bytes / n),
  };
}

/** Throughput and per-frame latency of one pipeline over rounds. */
export interface PipelineFigures {
  readonly framesPerS: Repeated;
  readonly p50Us: Repeated;
  readonly p99Us: Repeated;
}

let sink = 0;

function measure(
  name: string,
  make: () => { run: FramePipeline; dispose?: () => void },
  frames: readonly string[],
  o: HotPathOptions,
): PipelineFigures {
  const fps: number[] = [];
  const p50: number[] = [];
  const p99: number[] = [];
  for (let r = 0; r < o.rounds; r++) {
    const p = make();
    let i = 0;
    const n = frames.length;
    const one = (): void => {
      const q = p.run(frames[i]!);
      if (q !== undefined) sink += q.bids.length;
      i = i + 1 === n ? 0 : i + 1;
    };
    const batch = new Bench({
      name: `${name} throughput`,
      time: o.timeMs,
      warmupTime: Math.min(500, o.timeMs / 2),
      timestampProvider: cpuClock,
    }).add(name, () => {
      for (let k = 0; k < BATCH; k++) one();
    });
    batch.runSync();
    const perBatchMs =
      batch.tasks[0]!.result.state === 'completed' ? batch.tasks[0]!.result.latency.mean : NaN;
    fps.push((BATCH * 1000) / perBatchMs);
    const single = new Bench({
      name: `${name} latency`,
      time: o.timeMs,
      warmupTime: Math.min(200, o.timeMs / 4),
      timestampProvider: 'hrtimeNow',
      subtractTimerOverhead: true,
    }).add(name, one);
    single.runSync();
    const res = single.tasks[0]!.result;
    if (res.state === 'completed') {
      p50.push(res.latency.p50 * 1000);
      p99.push(res.latency.p99 * 1000);
    }
    p.dispose?.();
  }
  return { framesPerS: repeated(fps), p50Us: repeated(p50), p99Us: repeated(p99) };
}

/** JSON.parse alone over the same frames: the floor a JSON.parse-based pipeline cannot go under. */
function parseOnly(frames: readonly string[], o: HotPathOptions): Repeated {
  const out: number[] = [];
  for (let r = 0; r < o.rounds; r++) {
    let i = 0;
    const b = new Bench({ time: o.timeMs, warmupTime: 100, timestampProvider: cpuClock }).add('parse', () => {
      for (let k = 0; k < BATCH; k++) {
        sink += (JSON.parse(frames[i]!) as { data: { u: number } }).data.u & 1;
        i = i + 1 === frames.length ? 0 : i + 1;
      }
    });
    b.runSync();
    const res = b.tasks[0]!.result;
    if (res.state === 'completed') out.push((BATCH * 1000) / res.latency.mean);
  }
  return repeated(out);
}

/** The hot-path figures (results.json `hot_path`). */
export interface HotPathResult {
  readonly frames_per_s: number | null;
  readonly frames_per_s_range: readonly [number | null, number | null];
  readonly p50_us: number | null;
  readonly p50_us_range: readonly [number | null, number | null];
  readonly p99_us: number | null;
  readonly p99_us_range: readonly [number | null, number | null];
  readonly generic_frames_per_s: number | null;
  readonly generic_p99_us: number | null;
  readonly json_parse_frames_per_s: number | null;
  readonly speedup_vs_generic: number | null;
  readonly mix: StreamMix;
  readonly paper_mix: {
    readonly frames_per_s: number | null;
    readonly p50_us: number | null;
    readonly p99_us: number | null;
    readonly generic_frames_per_s: number | null;
    readonly mix: StreamMix;
  };
  readonly rounds: number;
  readonly load_avg: readonly [number, number];
}

const range = (r: Repeated, digits = 3): readonly [number | null, number | null] => [
  sig(r.min, digits),
  sig(r.max, digits),
];

/** Typical frames: a calm simulated market, whose deltas carry 2 to 8 level changes as Bybit's do. */
export const TYPICAL_VOLATILITY = 0.05;
/** The paper default (config sim.volatility): a busier market with a long tail of large deltas. */
export const PAPER_VOLATILITY = 0.6;

/** Runs the hot-path benchmark. */
export async function runHotPath(o: HotPathOptions): Promise<HotPathResult> {
  const loadBefore = load1();
  const typical = await recordBookStream({ frames: o.frames, seed: o.seed, volatility: TYPICAL_VOLATILITY });
  const paper = await recordBookStream({ frames: o.frames, seed: o.seed, volatility: PAPER_VOLATILITY });
  const symbol = typical.symbol;
  const bot = measure('bot', () => botPipeline(symbol), typical.frames, o);
  const generic = measure('generic', () => genericPipeline(symbol), typical.frames, o);
  const parse = parseOnly(typical.frames, o);
  const botPaper = measure('bot', () => botPipeline(symbol), paper.frames, o);
  const genericPaper = measure('generic', () => genericPipeline(symbol), paper.frames, o);
  if (sink === 0.5) console.log('');
  return {
    frames_per_s: sig(bot.framesPerS.median),
    frames_per_s_range: range(bot.framesPerS),
    p50_us: sig(bot.p50Us.median),
    p50_us_range: range(bot.p50Us),
    p99_us: sig(bot.p99Us.median),
    p99_us_range: range(bot.p99Us),
    generic_frames_per_s: sig(generic.framesPerS.median),
    generic_p99_us: sig(generic.p99Us.median),
    json_parse_frames_per_s: sig(parse.median),
    speedup_vs_generic: sig(bot.framesPerS.median / generic.framesPerS.median),
    mix: mixOf(typical, TYPICAL_VOLATILITY),
    paper_mix: {
      frames_per_s: sig(botPaper.framesPerS.median),
      p50_us: sig(botPaper.p50Us.median),
      p99_us: sig(botPaper.p99Us.median),
      generic_frames_per_s: sig(genericPaper.framesPerS.median),
      mix: mixOf(paper, PAPER_VOLATILITY),
    },
    rounds: o.rounds,
    load_avg: [loadBefore, load1()],
  };
}
