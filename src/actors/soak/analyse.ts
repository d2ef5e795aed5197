/**
 * The end of a soak: the resource analysis of resources.jsonl, the facts the harness gathered, the
 * ten criteria, and the verdict written as resources.analysis.json, verdict.json, an entry
 * appended to summary.txt, and report.html.
 */
import { access, appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { analyseSamples, type ResourceAnalysis } from '../../domain/soak/analysis.js';
import { evaluateCriteria, verdictOf, type SoakFacts } from '../../domain/soak/criteria.js';
import { reportHtml } from '../../domain/soak/report-html.js';
import { parseSamples, type ResourceSample } from '../../domain/soak/sample.js';
import { summaryText, verdictFile } from '../../domain/soak/verdict.js';
import type { AnalyseOutput, SoakContext } from '../../machines/soak.js';
import { keepArtifacts } from '../../adapters/system/artifacts.js';
import { dirSize } from '../../adapters/system/dir-size.js';
import { LogScanner } from '../../adapters/system/log-scan.js';
import { lintPaths } from '../../adapters/log/lint/lint.js';
import type { RunState } from './checkpoint.js';

const exists = (f: string) =>
  access(f).then(
    () => true,
    () => false,
  );

/** The last value a series had. */
function lastOf(
  samples: readonly ResourceSample[],
  pick: (s: ResourceSample) => number | null,
): number | null {
  for (let i = samples.length - 1; i >= 0; i--) {
    const v = pick(samples[i]!);
    if (v !== null) return v;
  }
  return null;
}

async function readSamples(file: string): Promise<ResourceSample[]> {
  try {
    return parseSamples(await readFile(file, 'utf8')).samples;
  } catch {
    return [];
  }
}

/**
 * Counts CRITICAL/FATAL lines in the bot's logs with the log linter (`npm run lint:logs`), which
 * also counts secrets (reported beside the criterion, which is about CRITICAL lines); falls back
 * to the built-in scan if the linter fails.
 */
async function checkLogs(run: RunState): Promise<{ critical: number | null; check: string }> {
  const files: string[] = [];
  for (const f of run.botLogs) if (await exists(f)) files.push(f);
  try {
    const s = await lintPaths(files, { nonAscii: false });
    const secrets = s.counts.secret ?? 0;
    return {
      critical: s.counts.critical ?? 0,
      check: `lint:logs over ${s.files} files, ${s.lines} lines: ${s.counts.critical ?? 0} critical, ${secrets} secrets`,
    };
  } catch (err) {
    run.scanner ??= new LogScanner();
    await run.scanner.scan(files);
    return {
      critical: run.scanner.found.length,
      check: `built-in scan (lint:logs failed: ${err instanceof Error ? err.message : String(err)})`,
    };
  }
}

/** Analyses a finished run and writes its verdict files. */
export async function analyseRun(
  run: RunState,
  ctx: SoakContext,
  o: { readonly command: string; readonly wallNow: () => number },
): Promise<AnalyseOutput> {
  const { dir, plan } = run;
  const resources = join(dir, 'resources.jsonl');
  const samples = await readSamples(resources);
  const analysis: ResourceAnalysis | null = samples.length === 0 ? null : analyseSamples(samples, plan.rule);
  await writeFile(join(dir, 'resources.analysis.json'), `${JSON.stringify(analysis, null, 2)}\n`);

  const logs = await checkLogs(run);

  await keepArtifacts(dir, plan.limits);
  const sizeNow = (await dirSize(dir)) / (1024 * 1024);
  const peak = Math.max(run.artifactsPeakMb ?? 0, analysis?.artifactsMb.max ?? 0, sizeNow);

  const required = ['resources.jsonl', 'resources.analysis.json', 'checkpoints.jsonl'];
  const missing: string[] = [];
  for (const f of required) if (!(await exists(join(dir, f)))) missing.push(f);

  const started = ctx.startedAt ?? run.startedAt;
  const ended = run.stoppedAt ?? run.clock.now();
  const stop = ctx.stop;
  const facts: SoakFacts = {
    plannedHours: plan.hours,
    ranHours: started === null ? 0 : Math.max(0, ended - started) / 3_600_000,
    endReason: ctx.endReason ?? 'abort',
    crash: ctx.crash,
    problem: ctx.problem,
    analysis,
    maxCpuAvgPct: plan.maxCpuAvgPct,
    artifactsCapMb: plan.limits.capMb,
    artifactsPeakMb: peak,
    reconnects: lastOf(samples, (s) => s.reconnects),
    giveUps: lastOf(samples, (s) => s.reconnect_give_ups),
    checkpointsRun: ctx.checkpoints.run,
    checkpointsUnrecovered: ctx.checkpoints.failed,
    orphans: stop?.orphans ?? null,
    // Samples (zombies lasting a sample interval) and checkpoints (after reaping): see harness.ts.
    zombies: run.zombiesMax,
    shutdown: {
      graceful: stop?.graceful ?? false,
      exit: stop?.exit ?? null,
      detail: stop?.detail ?? 'the bot was not stopped',
    },
    missingArtifacts: missing,
    criticalLines: logs.critical,
    logCheck: logs.check,
  };
  const criteria = evaluateCriteria(facts);
  const verdict = verdictOf(criteria);
  const at = new Date(run.clock.now()).toISOString();
  const notes = [
    `bot: ${run.bot?.description ?? 'not started'}`,
    `kill-switch halts seen at checkpoints: ${run.halts}${run.halts > 0 ? (plan.resetKillSwitch ? ' (each reset by the harness)' : ' (left halted)') : ''}`,
  ];
  const vf = verdictFile(verdict, criteria, facts, at, o.command, notes);
  const summary = summaryText(vf, analysis);
  await writeFile(join(dir, 'verdict.json'), `${JSON.stringify(vf, null, 2)}\n`);
  await appendFile(join(dir, 'summary.txt'), summary);
  await writeFile(join(dir, 'report.html'), reportHtml(vf, analysis, samples, run.checkpoints, summary));
  return { verdict, failed: vf.failed as AnalyseOutput['failed'] };
}
