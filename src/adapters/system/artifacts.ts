/**
 * Keeps the artifacts folder in bounds: rotation of step logs and trimming by size, as planned by
 * domain/soak/retention.ts, applied to the disk. Also moves a previous run's files aside when a
 * new run starts in the same folder, so its resources.jsonl is not appended to (and nothing is
 * lost: one previous run is kept under previous/, and trimmed first when space runs short).
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { planRetention, type ArtifactLimits, type RetentionPlan } from '../../domain/soak/retention.js';
import { listFiles } from './dir-size.js';

/** Applies rotation and trimming to `dir`; returns the plan that was carried out. */
export async function keepArtifacts(dir: string, limits: ArtifactLimits): Promise<RetentionPlan> {
  const plan = planRetention(await listFiles(dir), limits);
  for (const p of plan.remove) await rm(join(dir, p), { force: true });
  return plan;
}

/**
 * Moves everything in `dir` (but previous/ itself) to `dir/previous/`, replacing an older copy.
 * Returns how many files were moved.
 */
export async function setAsidePreviousRun(dir: string): Promise<number> {
  const files = (await listFiles(dir)).filter((f) => !f.path.startsWith('previous/'));
  if (files.length === 0) return 0;
  const previous = join(dir, 'previous');
  await rm(previous, { recursive: true, force: true });
  for (const f of files) {
    const to = join(previous, f.path);
    await mkdir(dirname(to), { recursive: true });
    await rename(join(dir, f.path), to);
  }
  return files.length;
}
