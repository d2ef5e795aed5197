/**
 * Appends JSON lines to a file, one write per line with O_APPEND, so a reader (or a crash) never
 * sees half a line from us, and lines written before a crash stay on disk.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Appends one value as a JSON line; creates the folder on first use. */
export async function appendJsonLine(file: string, value: unknown): Promise<void> {
  const line = `${JSON.stringify(value)}\n`;
  try {
    await appendFile(file, line, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await mkdir(dirname(file), { recursive: true });
    await appendFile(file, line, 'utf8');
  }
}
