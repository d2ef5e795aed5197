/**
 * Compresses a closed recording file next to itself (`0001.jsonl` → `0001.jsonl.gz`) and removes
 * the original once the compressed copy is complete. zlib runs on libuv's thread pool, so this
 * never holds up the event loop. An interrupted compression leaves the original untouched.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** Gzips `path` to `path.gz` and deletes `path`; returns the new path. */
export async function gzipFile(path: string, signal?: AbortSignal): Promise<string> {
  const target = `${path}.gz`;
  const tmp = `${target}.tmp`;
  try {
    await pipeline(
      createReadStream(path),
      createGzip({ level: 6 }),
      createWriteStream(tmp),
      ...(signal === undefined ? [] : [{ signal }]),
    );
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await unlink(path);
  return target;
}
