/**
 * The built-in log check: counts CRITICAL and FATAL lines (the words in capitals, or pino's fatal
 * level) in log files, reading only what was appended since the previous scan, line by line, so a
 * day of logs costs one pass in constant memory. Used when `npm run lint:logs` is not available.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/** A CRITICAL or FATAL line: where it is and how it starts. */
export interface CriticalLine {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

const CRITICAL = /\bCRITICAL\b|\bFATAL\b|"level":\s*"fatal"|"level":\s*60\b/;

/** Whether a log line is critical. */
export function isCriticalLine(line: string): boolean {
  return CRITICAL.test(line);
}

/** Scans files incrementally; remembers where each one was read up to. */
export class LogScanner {
  readonly #pos = new Map<string, { bytes: number; lines: number }>();
  readonly found: CriticalLine[] = [];

  /** Scans what was appended to each file since the last call; returns the new critical lines. */
  async scan(files: readonly string[]): Promise<CriticalLine[]> {
    const fresh: CriticalLine[] = [];
    for (const file of files) {
      let size: number;
      try {
        size = (await stat(file)).size;
      } catch {
        continue;
      }
      const pos = this.#pos.get(file) ?? { bytes: 0, lines: 0 };
      if (size < pos.bytes) pos.bytes = pos.lines = 0; // truncated or replaced: start over
      if (size === pos.bytes) continue;
      // Read whole lines only: a line being written now is picked up by the next scan.
      const stream = createReadStream(file, { start: pos.bytes, end: size - 1 });
      const rl = createInterface({ input: stream, crlfDelay: Infinity });
      let consumed = pos.bytes;
      let lines = pos.lines;
      let pending = size - pos.bytes;
      for await (const line of rl) {
        const bytes = Buffer.byteLength(line, 'utf8') + 1;
        if (bytes > pending) break; // the unterminated last line
        pending -= bytes;
        consumed += bytes;
        lines++;
        if (isCriticalLine(line)) fresh.push({ file, line: lines, text: line.slice(0, 200) });
      }
      this.#pos.set(file, { bytes: consumed, lines });
    }
    this.found.push(...fresh);
    return fresh;
  }
}
