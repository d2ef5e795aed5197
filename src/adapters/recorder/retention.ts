/**
 * Bounds the disk used by recordings: every part file of every session under the recordings
 * directory counts, and the oldest go first (session directories and part files are named so that
 * their names sort by time). Files being written are never deleted; a session directory left
 * empty is removed.
 */
import { readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** A part file's name: 0001.jsonl or 0001.jsonl.gz. */
export const PART_FILE = /^\d{4,}\.jsonl(\.gz)?$/;

export interface RecordingFile {
  readonly path: string;
  readonly bytes: number;
}

/** Every part file under `root`, oldest first. */
export async function listRecordingFiles(root: string): Promise<RecordingFile[]> {
  const out: RecordingFile[] = [];
  let sessions: string[];
  try {
    sessions = (await readdir(root, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return out;
  }
  for (const session of sessions) {
    const dir = join(root, session);
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => PART_FILE.test(n)).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      try {
        out.push({ path: join(dir, name), bytes: (await stat(join(dir, name))).size });
      } catch {
        // Deleted meanwhile (another pruning process): nothing to count.
      }
    }
  }
  return out;
}

/**
 * Deletes the oldest part files until the total is at most `maxTotalBytes`, sparing `keep`.
 * Returns the deleted paths.
 */
export async function pruneRecordings(
  root: string,
  maxTotalBytes: number,
  keep: ReadonlySet<string>,
): Promise<string[]> {
  const files = await listRecordingFiles(root);
  let total = files.reduce((s, f) => s + f.bytes, 0);
  const deleted: string[] = [];
  for (const f of files) {
    if (total <= maxTotalBytes) break;
    if (keep.has(f.path)) continue;
    try {
      await unlink(f.path);
      deleted.push(f.path);
      total -= f.bytes;
    } catch {
      // Already gone: it no longer counts either way.
    }
  }
  const dirs = new Set(deleted.map((p) => join(p, '..')));
  for (const dir of dirs) {
    try {
      if ((await readdir(dir)).length === 0) await rmdir(dir);
    } catch {
      // Not empty after all, or gone: leave it.
    }
  }
  return deleted;
}
