/**
 * The verdict of a soak in its three forms: verdict.json (machine-readable), the block appended
 * to summary.txt (what a person reads first) — both built here from the same facts — and
 * report.html (report-html.ts).
 */
import type { ResourceAnalysis } from './analysis.js';
import type { Criterion, SoakFacts, Verdict } from './criteria.js';

/** What verdict.json holds. */
export interface VerdictFile {
  readonly verdict: Verdict;
  /** When the verdict was reached (ISO, the run's clock). */
  readonly at: string;
  readonly command: string;
  readonly plannedHours: number;
  readonly ranHours: number;
  readonly wallHours: number;
  readonly endReason: SoakFacts['endReason'];
  /**
   * Each criterion; `name`/`passed` are what the soak workflow reads, `id`/`title`/`pass` the
   * same facts under the harness's own names.
   */
  readonly criteria: readonly (Criterion & { readonly name: string; readonly passed: boolean })[];
  readonly failed: readonly string[];
  readonly checkpoints: { readonly run: number; readonly unrecovered: number };
  readonly leakRule: string;
  /** Facts beside the criteria (kill-switch halts, the accelerated clock ...). */
  readonly notes: readonly string[];
}

/** Builds verdict.json's content. */
export function verdictFile(
  verdict: Verdict,
  criteria: readonly Criterion[],
  facts: SoakFacts,
  at: string,
  command: string,
  notes: readonly string[] = [],
): VerdictFile {
  return {
    verdict,
    at,
    command,
    plannedHours: facts.plannedHours,
    ranHours: facts.ranHours,
    wallHours: facts.analysis?.wallHours ?? 0,
    endReason: facts.endReason,
    criteria: criteria.map((c) => ({ ...c, name: c.id, passed: c.pass })),
    failed: criteria.filter((c) => !c.pass).map((c) => c.id),
    checkpoints: { run: facts.checkpointsRun, unrecovered: facts.checkpointsUnrecovered },
    leakRule: facts.analysis?.ruleText ?? '',
    notes,
  };
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const num = (v: number | null, digits = 1, unit = ''): string =>
  v === null ? 'n/a' : `${v.toFixed(digits)}${unit}`;

/** Resource lines of the summary. */
function resourceLines(a: ResourceAnalysis): string[] {
  return [
    `samples         ${a.samples} over ${a.durationHours.toFixed(3)} h (wall ${a.wallHours.toFixed(3)} h)`,
    `RSS             avg ${num(a.rssMb.avg)} MB, max ${num(a.rssMb.max)} MB; slope ${num(a.rss.slopeMbPerHour, 2)} MB/h, R² ${num(a.rss.r2, 3)}; ${a.rss.reason}`,
    `heap used       avg ${num(a.heapUsedMb.avg)} MB, max ${num(a.heapUsedMb.max)} MB; slope ${num(a.heap.slopeMbPerHour, 2)} MB/h, R² ${num(a.heap.r2, 3)}; ${a.heap.reason}`,
    `CPU (bot)       avg ${num(a.cpuProcessPct.avg)} %, p95 ${num(a.cpuProcessPct.p95)} %, max ${num(a.cpuProcessPct.max)} % of one core`,
    `CPU (host)      avg ${num(a.cpuSystemPct.avg)} %, p95 ${num(a.cpuSystemPct.p95)} % of all cores`,
    `event-loop lag  p99 avg ${num(a.eventLoopLagMs.avg, 2)} ms, max ${num(a.eventLoopLagMs.max, 2)} ms`,
    `artifacts       peak ${num(a.artifactsMb.max, 2)} MB`,
    `fds / threads   max ${num(a.openFds.max, 0)} / ${num(a.threads.max, 0)}`,
  ];
}

/** The block appended to summary.txt. */
export function summaryText(v: VerdictFile, analysis: ResourceAnalysis | null): string {
  const lines = [
    `=== soak ${v.at}: ${v.verdict} ===`,
    `command         ${v.command}`,
    `ran             ${v.ranHours.toFixed(3)} h of ${Number(v.plannedHours.toPrecision(4))} h planned (end: ${v.endReason}); checkpoints ${v.checkpoints.run}, unrecovered ${v.checkpoints.unrecovered}`,
    ...(analysis === null ? ['resources       no samples'] : resourceLines(analysis)),
    `leak rule       ${v.leakRule}`,
    ...v.notes.map((n) => `note            ${n}`),
    '',
    'criterion                                       result  measured (threshold)',
    ...v.criteria.map(
      (c) => `${pad(c.title, 47)} ${c.pass ? 'PASS' : 'FAIL'}    ${c.value} (${c.threshold})`,
    ),
    '',
    `verdict: ${v.verdict}${v.failed.length > 0 ? ` (failed: ${v.failed.join(', ')})` : ''}`,
    '',
  ];
  return `${lines.join('\n')}\n`;
}
