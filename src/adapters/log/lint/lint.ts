/**
 * The log linter's programmatic API (`npm run lint:logs` and the soak harness call it): files and
 * directories are read as streams, line by line, in constant memory, gzipped rotations included;
 * a line over the length limit is reported and skipped, never held whole.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { readLines } from './line-reader.js';
import { checkLine, type LintFinding, type LintRules } from './rules.js';

export type { LintFinding, LintRule, LintRules } from './rules.js';

/** The default longest line kept: 100 KB. */
export const MAX_LINE_BYTES = 100 * 1024;

export interface LintOptions extends LintRules {
  /** Lines longer than this are reported and skipped (default 100 KB). */
  readonly maxLineBytes?: number;
  /** Hears every finding as it is made; findings are not kept when this is given. */
  readonly onFinding?: (finding: LintFinding) => void;
  /** Byte offset to start a file at (incremental scans; plain files only). */
  readonly start?: number;
}

export interface LintSummary {
  readonly files: number;
  readonly lines: number;
  readonly bytes: number;
  /** Findings by rule. */
  readonly counts: Readonly<Record<string, number>>;
  /** The findings, when no onFinding was given. */
  readonly findings: readonly LintFinding[];
}

/** What counts as a log file in a directory. */
const LOG_FILE = /\.(?:log|jsonl|ndjson|txt|out|err)(?:\.\d+)?(?:\.gz)?$/;

/** The files under the paths: files as given, directories walked for log files, sorted. */
export async function logFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && LOG_FILE.test(e.name)) out.push(p);
    }
  };
  for (const p of paths) {
    if ((await stat(p)).isDirectory()) await walk(p);
    else out.push(p);
  }
  return out;
}

class Tally {
  files = 0;
  lines = 0;
  bytes = 0;
  readonly counts: Record<string, number> = {};
  readonly findings: LintFinding[] = [];
  constructor(readonly options: LintOptions) {}
  add(f: LintFinding): void {
    this.counts[f.rule] = (this.counts[f.rule] ?? 0) + 1;
    if (this.options.onFinding !== undefined) this.options.onFinding(f);
    else this.findings.push(f);
  }
  summary(): LintSummary {
    return {
      files: this.files,
      lines: this.lines,
      bytes: this.bytes,
      counts: this.counts,
      findings: this.findings,
    };
  }
}

async function lintInto(tally: Tally, name: string, input: Readable): Promise<void> {
  const max = tally.options.maxLineBytes ?? MAX_LINE_BYTES;
  tally.files++;
  for await (const item of readLines(input, max, tally)) {
    tally.lines++;
    if (item.kind === 'long') {
      tally.add({
        file: name,
        line: item.line,
        rule: 'line-too-long',
        detail: `${item.bytes} bytes, over the limit of ${max}; skipped`,
        excerpt: '',
      });
      continue;
    }
    for (const f of checkLine(name, item.line, item.text, tally.options)) tally.add(f);
  }
}

/** Lints one stream (named `name` in findings). */
export async function lintStream(
  name: string,
  input: Readable,
  options: LintOptions = {},
): Promise<LintSummary> {
  const tally = new Tally(options);
  await lintInto(tally, name, input);
  return tally.summary();
}

function open(file: string, start: number | undefined): Readable {
  const raw = createReadStream(file, { highWaterMark: 64 * 1024, ...(start === undefined ? {} : { start }) });
  if (!file.endsWith('.gz')) return raw;
  const gunzip = createGunzip();
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}

/** Lints files and directories (walked for log files, gzipped ones included). */
export async function lintPaths(paths: readonly string[], options: LintOptions = {}): Promise<LintSummary> {
  const tally = new Tally(options);
  for (const file of await logFiles(paths)) await lintInto(tally, file, open(file, options.start));
  return tally.summary();
}

/**
 * Lints growing log files a piece at a time (the soak harness, during a run): each scan reads only
 * what was appended since the previous one, whole lines only (a line still being written waits
 * for the next scan), and numbers lines from the start of the file. A file that shrank was
 * replaced or truncated and is read again from its start.
 */
export class IncrementalLinter {
  readonly #options: LintOptions;
  readonly #pos = new Map<string, { bytes: number; lines: number }>();

  constructor(options: Omit<LintOptions, 'onFinding' | 'start'> = {}) {
    this.#options = options;
  }

  /** Lints what was appended to each file since the last call; returns the new findings. */
  async scan(files: readonly string[]): Promise<LintFinding[]> {
    const found: LintFinding[] = [];
    const max = this.#options.maxLineBytes ?? MAX_LINE_BYTES;
    for (const file of files) {
      let size: number;
      try {
        size = (await stat(file)).size;
      } catch {
        continue; // not there (yet): nothing to read
      }
      const pos = this.#pos.get(file) ?? { bytes: 0, lines: 0 };
      if (size < pos.bytes) pos.bytes = pos.lines = 0;
      if (size > pos.bytes) {
        const input = createReadStream(file, { start: pos.bytes, end: size - 1, highWaterMark: 64 * 1024 });
        for await (const item of readLines(input, max)) {
          if (item.open === true) break;
          pos.bytes += item.bytes + 1;
          pos.lines++;
          if (item.kind === 'long')
            found.push({
              file,
              line: pos.lines,
              rule: 'line-too-long',
              detail: `${item.bytes} bytes, over the limit of ${max}; skipped`,
              excerpt: '',
            });
          else found.push(...checkLine(file, pos.lines, item.text, this.#options));
        }
        input.destroy();
      }
      this.#pos.set(file, pos);
    }
    return found;
  }
}
