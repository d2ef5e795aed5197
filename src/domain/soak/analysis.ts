/**
 * The resource analysis of a soak (resources.analysis.json): the leak rule on RSS and on heap,
 * CPU average and p95, event-loop lag, disk peak and growth, and the process counters, computed
 * from the samples alone so the same file can be analysed again later (`npm run monitor --
 * --analyze FILE`).
 */
import { detectLeak, describeLeakRule, type LeakResult, type LeakRule } from './leak.js';
import type { ResourceSample } from './sample.js';
import { finite, max, mean, min, percentile } from './stats.js';

/** Average, p95 and maximum of a series (null when it has no values). */
export interface SeriesSummary {
  readonly avg: number | null;
  readonly p95: number | null;
  readonly max: number | null;
  readonly min: number | null;
  readonly last: number | null;
}

/** What resources.analysis.json holds. */
export interface ResourceAnalysis {
  readonly samples: number;
  readonly firstTimestampMs: number | null;
  readonly lastTimestampMs: number | null;
  /** Hours covered, on the run's clock. */
  readonly durationHours: number;
  readonly wallHours: number;
  readonly rule: LeakRule;
  readonly ruleText: string;
  readonly rss: LeakResult;
  readonly heap: LeakResult;
  /** Either series shows a leak (the original's field name). */
  readonly leakDetected: boolean;
  readonly rssMb: SeriesSummary;
  readonly heapUsedMb: SeriesSummary;
  readonly cpuProcessPct: SeriesSummary;
  readonly cpuSystemPct: SeriesSummary;
  readonly eventLoopLagMs: SeriesSummary;
  readonly artifactsMb: SeriesSummary;
  readonly systemAvailableMb: SeriesSummary;
  readonly openFds: SeriesSummary;
  readonly threads: SeriesSummary;
  /** Most zombies seen in one sample; null when no sample could count them. */
  readonly zombiesMax: number | null;
  readonly diskWriteMb: number | null;
  readonly netTxMb: number | null;
  readonly netRxMb: number | null;
}

function summarise(values: readonly (number | null)[]): SeriesSummary {
  const v = finite(values);
  return {
    avg: mean(v),
    p95: percentile(v, 95),
    max: max(v),
    min: min(v),
    last: v.length > 0 ? v[v.length - 1]! : null,
  };
}

function growth(values: readonly (number | null)[]): number | null {
  const v = finite(values);
  return v.length >= 2 ? v[v.length - 1]! - v[0]! : null;
}

/** Analyses samples (in any order) under a leak rule. */
export function analyseSamples(input: readonly ResourceSample[], rule: LeakRule): ResourceAnalysis {
  const samples = [...input].sort((a, b) => a.elapsed_s - b.elapsed_s);
  const first = samples[0];
  const last = samples[samples.length - 1];
  const points = (pick: (s: ResourceSample) => number | null) =>
    samples.flatMap((s) => {
      const mb = pick(s);
      return mb === null ? [] : [{ hours: s.elapsed_s / 3600, mb }];
    });
  const rss = detectLeak(
    'rss',
    points((s) => s.rss_mb),
    rule,
  );
  const heap = detectLeak(
    'heap',
    points((s) => s.heap_used_mb),
    rule,
  );
  const zombies = finite(samples.map((s) => s.zombies));
  return {
    samples: samples.length,
    firstTimestampMs: first?.timestamp_ms ?? null,
    lastTimestampMs: last?.timestamp_ms ?? null,
    durationHours: first !== undefined && last !== undefined ? (last.elapsed_s - first.elapsed_s) / 3600 : 0,
    wallHours:
      first !== undefined && last !== undefined ? (last.wall_elapsed_s - first.wall_elapsed_s) / 3600 : 0,
    rule,
    ruleText: describeLeakRule(rule),
    rss,
    heap,
    leakDetected: rss.leak || heap.leak,
    rssMb: summarise(samples.map((s) => s.rss_mb)),
    heapUsedMb: summarise(samples.map((s) => s.heap_used_mb)),
    cpuProcessPct: summarise(samples.map((s) => s.cpu_process_pct)),
    cpuSystemPct: summarise(samples.map((s) => s.cpu_system_pct)),
    eventLoopLagMs: summarise(samples.map((s) => s.event_loop_lag_p99_ms)),
    artifactsMb: summarise(samples.map((s) => s.artifacts_mb)),
    systemAvailableMb: summarise(samples.map((s) => s.system_available_mb)),
    openFds: summarise(samples.map((s) => s.open_fds)),
    threads: summarise(samples.map((s) => s.threads)),
    zombiesMax: max(zombies),
    diskWriteMb: growth(samples.map((s) => s.disk_write_mb)),
    netTxMb: growth(samples.map((s) => s.net_tx_mb)),
    netRxMb: growth(samples.map((s) => s.net_rx_mb)),
  };
}
