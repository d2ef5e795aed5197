/**
 * Which artifact files to delete, decided from a listing alone (the disk work is the adapter's).
 * Step logs are named `<step>.<stamp>.log`; rotation keeps the newest `keep` per step (5 by
 * default, as the original's FSV_MAX_LOGS_PER_STEP). Above the trim threshold only the newest 2
 * per step are kept, and the copy of a previous run goes first. Files that belong to no step
 * (resources.jsonl, the bot's log, the report) are never deleted.
 */

/** A file of the artifacts folder. */
export interface ArtifactFile {
  /** Path relative to the artifacts folder, with forward slashes. */
  readonly path: string;
  readonly bytes: number;
  readonly mtimeMs: number;
}

/** Size thresholds of the artifacts folder, in MB. */
export interface ArtifactLimits {
  readonly warnMb: number;
  readonly trimMb: number;
  readonly capMb: number;
  /** Step logs kept per step in normal rotation. */
  readonly keepPerStep: number;
  /** Step logs kept per step once above trimMb. */
  readonly keepWhenTrimming: number;
}

export type ArtifactLevel = 'ok' | 'warn' | 'trim' | 'over_cap';

/** What to do with the folder. */
export interface RetentionPlan {
  readonly level: ArtifactLevel;
  readonly totalMb: number;
  /** Paths to delete, oldest first. */
  readonly remove: readonly string[];
  /** Size after the removals. */
  readonly afterMb: number;
}

const STEP_LOG = /^(?:.*\/)?([A-Za-z0-9_-]+)\.(\d{8}T\d{6,9}Z)(?:\.[a-z]+)?\.log$/;
const PREVIOUS = /^previous\//;

/** The step a file logs, or undefined when it is not a step log. */
export function stepOf(path: string): string | undefined {
  return STEP_LOG.exec(path)?.[1];
}

/** A timestamp usable in a step log name: 20240102T030405123Z. */
export function stepStamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[-:]/g, '').replace('.', '');
}

const MB = 1024 * 1024;

function newestFirst(a: ArtifactFile, b: ArtifactFile): number {
  return b.mtimeMs - a.mtimeMs || (a.path < b.path ? 1 : a.path > b.path ? -1 : 0);
}

function beyond(files: readonly ArtifactFile[], keep: number): ArtifactFile[] {
  const byStep = new Map<string, ArtifactFile[]>();
  for (const f of files) {
    const step = stepOf(f.path);
    if (step === undefined || PREVIOUS.test(f.path)) continue;
    const dir = f.path.includes('/') ? f.path.slice(0, f.path.lastIndexOf('/')) : '';
    const key = `${dir}/${step}`;
    const list = byStep.get(key) ?? [];
    list.push(f);
    byStep.set(key, list);
  }
  const out: ArtifactFile[] = [];
  for (const list of byStep.values()) out.push(...list.sort(newestFirst).slice(keep));
  return out;
}

/** Plans rotation and trimming of an artifacts folder. */
export function planRetention(files: readonly ArtifactFile[], limits: ArtifactLimits): RetentionPlan {
  const total = files.reduce((s, f) => s + f.bytes, 0) / MB;
  const level: ArtifactLevel =
    total >= limits.capMb
      ? 'over_cap'
      : total >= limits.trimMb
        ? 'trim'
        : total >= limits.warnMb
          ? 'warn'
          : 'ok';
  const remove = new Map<string, ArtifactFile>();
  for (const f of beyond(files, limits.keepPerStep)) remove.set(f.path, f);
  if (level === 'trim' || level === 'over_cap') {
    for (const f of files) if (PREVIOUS.test(f.path)) remove.set(f.path, f);
    for (const f of beyond(files, limits.keepWhenTrimming)) remove.set(f.path, f);
  }
  const removed = [...remove.values()].sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : 1));
  const freed = removed.reduce((s, f) => s + f.bytes, 0) / MB;
  return { level, totalMb: total, remove: removed.map((f) => f.path), afterMb: total - freed };
}
