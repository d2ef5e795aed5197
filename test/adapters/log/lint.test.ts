import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readLines, type LineItem } from '../../../src/adapters/log/lint/line-reader.js';
import { IncrementalLinter, lintPaths, lintStream } from '../../../src/adapters/log/lint/lint.js';

const run = promisify(execFile);

async function collect(chunks: readonly Buffer[], max: number): Promise<LineItem[]> {
  const out: LineItem[] = [];
  for await (const item of readLines(Readable.from(chunks), max)) out.push(item);
  return out;
}

/** `buf` cut at the given offsets. */
const cut = (buf: Buffer, at: number[]): Buffer[] => {
  const points = [...new Set(at.map((a) => a % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, buf.length]) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  return out.filter((b) => b.length > 0);
};

describe('readLines', () => {
  it('gives the lines of the text however the stream is chunked, \\r\\n and UTF-8 split across chunks included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }), { minLength: 1, maxLength: 20 }),
        fc.boolean(),
        fc.array(fc.nat(2_000), { maxLength: 10 }),
        async (lines, crlf, at) => {
          const clean = lines.map((l) => l.replace(/[\r\n]/g, ''));
          const text = clean.join(crlf ? '\r\n' : '\n');
          const items = await collect(cut(Buffer.from(text), at), 1_000_000);
          // A final newline ends the last line rather than starting an empty one.
          const expected = clean.at(-1) === '' ? clean.slice(0, -1) : clean;
          expect(items.map((i) => (i.kind === 'line' ? i.text : '?'))).toEqual(expected);
          expect(items.map((i) => i.line)).toEqual(expected.map((_, n) => n + 1));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports a line over the limit by its size and line number, and goes on after it', async () => {
    const long = 'x'.repeat(250_000);
    const items = await collect(cut(Buffer.from(`a\n${long}\nb`), [10, 70_000, 140_000, 249_999]), 100_000);
    expect(items).toEqual([
      { kind: 'line', line: 1, text: 'a', bytes: 1 },
      { kind: 'long', line: 2, bytes: 250_000 },
      { kind: 'line', line: 3, text: 'b', bytes: 1, open: true },
    ]);
  });
});

describe('lint', () => {
  it('flags non-ASCII (unless allowed), secrets and CRITICAL/FATAL lines with file:line, never repeating the secret', async () => {
    const text = [
      'quiet line',
      '{"level":"fatal","msg":"root failed"}',
      'CRITICAL disk full',
      'auth with key XyZ123abcDEF456ghi',
      'price 100 €',
      '{"level":60}',
    ].join('\n');
    const { findings, counts } = await lintStream('app.log', Readable.from([Buffer.from(text)]));
    expect(
      findings.map((f) => `${f.file}:${f.line}${f.column === undefined ? '' : `:${f.column}`} ${f.rule}`),
    ).toEqual([
      'app.log:2 critical',
      'app.log:3 critical',
      'app.log:4 secret',
      'app.log:5:11 non-ascii',
      'app.log:6 critical',
    ]);
    expect(counts).toEqual({ critical: 3, secret: 1, 'non-ascii': 1 });
    expect(JSON.stringify(findings)).not.toContain('XyZ123abcDEF456ghi');
    const allowed = await lintStream('app.log', Readable.from([Buffer.from(text)]), { nonAscii: false });
    expect(allowed.counts['non-ascii']).toBeUndefined();
  });

  it('walks directories for log files, gzipped rotations included, and starts at an offset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-lint-'));
    mkdirSync(join(dir, 'old'));
    writeFileSync(join(dir, 'bot.log'), 'ok\nFATAL one\n');
    writeFileSync(join(dir, 'old', 'bot.log.1.gz'), gzipSync('ok\nok\nFATAL two\n'));
    writeFileSync(join(dir, 'notes.md'), 'FATAL ignored: not a log file\n');
    const all = await lintPaths([dir]);
    expect(all.files).toBe(2);
    expect(all.findings.map((f) => `${f.file.slice(dir.length + 1)}:${f.line}`)).toEqual([
      'bot.log:2',
      'old/bot.log.1.gz:3',
    ]);
    const tail = await lintPaths([join(dir, 'bot.log')], { start: 3 });
    expect(tail.findings.map((f) => f.line)).toEqual([1]);
  });

  it('lints a growing file a piece at a time, whole lines only, numbering from the start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-lint-inc-'));
    const file = join(dir, 'bot.log');
    const linter = new IncrementalLinter();
    expect(await linter.scan([file])).toEqual([]); // not there yet
    writeFileSync(file, 'ok\nFATAL one\nFATAL half-writ');
    expect((await linter.scan([file])).map((f) => f.line)).toEqual([2]);
    appendFileSync(file, 'ten\r\nok\n');
    expect((await linter.scan([file])).map((f) => [f.line, f.excerpt])).toEqual([[3, 'FATAL half-written']]);
    expect(await linter.scan([file])).toEqual([]);
    appendFileSync(file, `${'z'.repeat(200_000)}\npassword=hunter22x\n`);
    expect((await linter.scan([file])).map((f) => `${f.line} ${f.rule}`)).toEqual([
      '5 line-too-long',
      '6 secret',
    ]);
    writeFileSync(file, 'CRITICAL after rotation\n'); // replaced by a shorter file: read from its start
    expect((await linter.scan([file])).map((f) => f.line)).toEqual([1]);
  });

  it('runs as npm run lint:logs: exit 1 with findings, 0 when clean, 2 on a usage error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-lint-cli-'));
    writeFileSync(join(dir, 'clean.log'), 'all quiet\n');
    writeFileSync(join(dir, 'bad.log'), `ok\n${'y'.repeat(200_000)}\npassword=hunter22x\n`);
    const cli = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'src/cli/lint-logs.ts', ...args]).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    const clean = await cli(join(dir, 'clean.log'));
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/1 files, 1 lines, 10 bytes: clean/);
    const bad = await cli(dir);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`${join(dir, 'bad.log')}:2 line-too-long (200000 bytes`);
    expect(bad.stdout).toContain(`${join(dir, 'bad.log')}:3 secret (key-value) | password=[REDACTED]`);
    expect(bad.stdout + bad.stderr).not.toContain('hunter22x');
    expect((await cli()).code).toBe(2);
    expect((await cli('--max-print', 'x', dir)).code).toBe(2);
  }, 60_000);
});
