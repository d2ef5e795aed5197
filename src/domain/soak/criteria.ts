/**
 * The ten success criteria of a soak (the original checklist's, made measurable). Each one is
 * judged from facts the harness gathered and reported as pass or fail with its measured value and
 * its threshold; the verdict is PASS only when all ten pass.
 */
import type { ResourceAnalysis } from './analysis.js';

/** Why the run stopped. */
export type EndReason = 'duration' | 'crash' | 'abort' | 'prepare_failed' | 'prepare_timeout';

/** What the harness measured, the input of the verdict. */
export interface SoakFacts {
  readonly plannedHours: number;
  /** Hours the bot ran, on the run's clock. */
  readonly ranHours: number;
  readonly endReason: EndReason;
  /** How the bot ended when it was not asked to (exit code or signal), if it did. */
  readonly crash: string | null;
  /** What went wrong before the run could start, if anything. */
  readonly problem: string | null;
  readonly analysis: ResourceAnalysis | null;
  readonly maxCpuAvgPct: number;
  readonly artifactsCapMb: number;
  /** Largest size of the artifacts folder seen (samples, checkpoints, the end). */
  readonly artifactsPeakMb: number | null;
  /** Reconnect attempts of every socket (ws_reconnect_attempts_total), if read. */
  readonly reconnects: number | null;
  /** Sockets that gave up (ws_max_reconnect_reached_total), if read. */
  readonly giveUps: number | null;
  readonly checkpointsRun: number;
  /** Checkpoints where, after the grace period, a feed was down or the bot disagreed with the venue. */
  readonly checkpointsUnrecovered: number;
  /** Open orders of ours on the venue after the bot stopped; null when they could not be read. */
  readonly orphans: number | null;
  /** Most zombie processes seen; null where the OS has none (Windows). */
  readonly zombies: number | null;
  readonly shutdown: {
    readonly graceful: boolean;
    /** Exit code or signal name, null when the bot did not exit. */
    readonly exit: number | string | null;
    readonly detail: string;
  };
  /** Artifacts that should exist but do not. */
  readonly missingArtifacts: readonly string[];
  /** CRITICAL or FATAL log lines found; null when the logs could not be read. */
  readonly criticalLines: number | null;
  /** Which check counted them: `npm run lint:logs` or the built-in scan. */
  readonly logCheck: string;
}

/** Identifiers of the ten criteria, in report order. */
export const criterionIds = [
  'full_duration',
  'memory_leak',
  'cpu_average',
  'artifacts_size',
  'reconnects_recovered',
  'orphan_orders',
  'zombie_processes',
  'graceful_shutdown',
  'artifacts_written',
  'critical_logs',
] as const;

export type CriterionId = (typeof criterionIds)[number];

/** One criterion with its measured value. */
export interface Criterion {
  readonly id: CriterionId;
  readonly title: string;
  readonly pass: boolean;
  readonly value: string;
  readonly threshold: string;
}

export type Verdict = 'PASS' | 'FAIL';

const mb = (v: number | null): string =>
  v === null ? 'n/a' : v >= 1024 ? `${(v / 1024).toFixed(2)} GB` : `${v.toFixed(1)} MB`;
/** Hours as a person reads them: minutes below an hour. */
const hours = (h: number): string => (h < 1 ? `${(h * 60).toFixed(1)} min` : `${h.toFixed(2)} h`);
const slope = (v: number | null): string => (v === null ? 'n/a' : `${v >= 0 ? '+' : ''}${v.toFixed(2)} MB/h`);

function leakValue(a: ResourceAnalysis): string {
  const one = (name: string, r: ResourceAnalysis['rss']): string =>
    r.enoughEvidence
      ? `${name} ${slope(r.slopeMbPerHour)} [${slope(r.ciLowMbPerHour)}, ${slope(r.ciHighMbPerHour)}]${r.leak ? ' LEAK' : ''}`
      : `${name} ${slope(r.slopeMbPerHour)} (not enough evidence: ${r.samples} samples over ${r.spanHours.toFixed(2)} h)`;
  return `${one('RSS', a.rss)}; ${one('heap', a.heap)}`;
}

/** Judges the ten criteria. */
export function evaluateCriteria(f: SoakFacts): Criterion[] {
  const a = f.analysis;
  const crit = (
    id: CriterionId,
    title: string,
    pass: boolean,
    value: string,
    threshold: string,
  ): Criterion => ({
    id,
    title,
    pass,
    value,
    threshold,
  });
  const cpuAvg = a?.cpuProcessPct.avg ?? null;
  const endText =
    f.endReason === 'duration'
      ? 'ran the planned time'
      : f.endReason === 'crash'
        ? `crashed (${f.crash ?? 'unknown exit'})`
        : f.endReason === 'abort'
          ? 'stopped early by the operator'
          : `did not start (${f.problem ?? f.endReason})`;
  return [
    crit(
      'full_duration',
      'Ran the full time without a crash',
      f.endReason === 'duration' && f.crash === null,
      `${hours(f.ranHours)} of ${hours(f.plannedHours)}: ${endText}`,
      `${hours(f.plannedHours)}, no crash`,
    ),
    crit(
      'memory_leak',
      'RSS (and heap) slope under the leak threshold',
      a !== null && a.rss.enoughEvidence && a.heap.enoughEvidence && !a.rss.leak && !a.heap.leak,
      a === null ? 'no samples' : leakValue(a),
      a === null ? 'no leak' : `no leak by the rule: ${a.ruleText}`,
    ),
    crit(
      'cpu_average',
      'CPU on average under the limit',
      cpuAvg !== null && cpuAvg < f.maxCpuAvgPct,
      cpuAvg === null
        ? 'no CPU samples'
        : `${cpuAvg.toFixed(1)} % of one core on average (p95 ${(a?.cpuProcessPct.p95 ?? 0).toFixed(1)} %)`,
      `< ${f.maxCpuAvgPct} %`,
    ),
    crit(
      'artifacts_size',
      'Artifacts under the cap',
      f.artifactsPeakMb !== null && f.artifactsPeakMb < f.artifactsCapMb,
      `peak ${mb(f.artifactsPeakMb)}`,
      `< ${mb(f.artifactsCapMb)}`,
    ),
    crit(
      'reconnects_recovered',
      'Every reconnect recovered',
      f.giveUps === 0 && f.checkpointsUnrecovered === 0 && f.checkpointsRun > 0,
      `${f.reconnects ?? 'n/a'} reconnect attempts, ${f.giveUps ?? 'n/a'} gave up; ` +
        `${f.checkpointsRun - f.checkpointsUnrecovered} of ${f.checkpointsRun} checkpoints live and in step with the venue`,
      '0 gave up, every checkpoint live and in step',
    ),
    crit(
      'orphan_orders',
      'Zero orphan orders',
      f.orphans === 0,
      f.orphans === null ? 'could not be checked' : `${f.orphans} open orders of ours after the stop`,
      '0',
    ),
    crit(
      'zombie_processes',
      'Zero zombie processes',
      f.zombies === null || f.zombies === 0,
      f.zombies === null ? 'n/a (the OS has no zombies)' : `${f.zombies} at most`,
      '0',
    ),
    crit(
      'graceful_shutdown',
      'Graceful shutdown completed',
      f.shutdown.graceful,
      f.shutdown.detail,
      'exit 0 on SIGTERM within the deadline, every order cancelled and verified',
    ),
    crit(
      'artifacts_written',
      'Artifacts written',
      f.missingArtifacts.length === 0,
      f.missingArtifacts.length === 0 ? 'all present' : `missing: ${f.missingArtifacts.join(', ')}`,
      'resources.jsonl, resources.analysis.json, summary.txt, checkpoints.jsonl',
    ),
    crit(
      'critical_logs',
      'No CRITICAL log line',
      f.criticalLines === 0,
      f.criticalLines === null
        ? `logs could not be read (${f.logCheck})`
        : `${f.criticalLines} CRITICAL/FATAL lines (${f.logCheck})`,
      '0',
    ),
  ];
}

/** PASS only when every criterion passes. */
export function verdictOf(criteria: readonly Criterion[]): Verdict {
  return criteria.length > 0 && criteria.every((c) => c.pass) ? 'PASS' : 'FAIL';
}
