/**
 * Reading recordings back: every part in order, bad lines reported with their file and line
 * number (and skipped unless the caller stops), and recordings that cannot be replayed refused
 * with a clear reason.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  readRecording,
  recordingFiles,
  RecordingError,
  RecordingLineError,
  type RecordedLine,
} from '../../../src/adapters/recorder/reader.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mm-read-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const header = (part = 1, session = 's') =>
  JSON.stringify({ type: 'header', v: 1, session, part, clock: 0, config: {} });
const frame = (t: number) => JSON.stringify({ t, ch: 'ws.public', s: 1, dir: 'in', raw: `{"n":${t}}` });

async function readAll(
  path: string,
  onBad: (e: RecordingLineError) => void = (e) => {
    throw e;
  },
): Promise<RecordedLine[]> {
  const out: RecordedLine[] = [];
  for await (const l of readRecording(await recordingFiles(path), onBad)) out.push(l);
  return out;
}

describe('readRecording', () => {
  it('reports a corrupt and a truncated line with their line numbers and goes on', async () => {
    const file = join(dir, 'rec.jsonl');
    await writeFile(
      file,
      [header(), frame(1), '{"t":2,"ch":"ws.pub', frame(3), '[1,2]', '{"no":"time"}', frame(4), ''].join(
        '\n',
      ),
    );
    const bad: RecordingLineError[] = [];
    const lines = await readAll(file, (e) => bad.push(e));
    expect(lines.map((l) => l.value['t'])).toEqual([undefined, 1, 3, 4]);
    expect(bad.map((e) => [e.file, e.line])).toEqual([
      ['rec.jsonl', 3],
      ['rec.jsonl', 5],
      ['rec.jsonl', 6],
    ]);
    expect(bad[0]!.message).toMatch(/^rec\.jsonl:3: not JSON \(truncated or corrupt\)/);
  });

  it('stops at the first bad line when the caller throws (replay --strict)', async () => {
    const file = join(dir, 'rec.jsonl');
    await writeFile(file, [header(), frame(1), 'garbage', frame(3)].join('\n'));
    await expect(readAll(file)).rejects.toMatchObject({ name: 'RecordingLineError', line: 3 });
  });

  it('reads a session directory part by part, gzipped or not, skipping repeated headers', async () => {
    const s = join(dir, 'sess');
    await mkdir(s);
    await writeFile(join(s, '0001.jsonl.gz'), gzipSync([header(1), frame(1), frame(2), ''].join('\n')));
    await writeFile(join(s, '0002.jsonl'), [header(2), frame(3), ''].join('\n'));
    const lines = await readAll(s);
    expect(lines.map((l) => [l.file, l.line, l.value['t'] ?? 'header'])).toEqual([
      ['0001.jsonl.gz', 1, 'header'],
      ['0001.jsonl.gz', 2, 1],
      ['0001.jsonl.gz', 3, 2],
      ['0002.jsonl', 2, 3],
    ]);
    // A part file alone brings the parts after it.
    expect(await recordingFiles(join(s, '0001.jsonl.gz'))).toEqual([
      join(s, '0001.jsonl.gz'),
      join(s, '0002.jsonl'),
    ]);
  });

  it('reads lines longer than a read chunk, with characters of several bytes wherever chunks end', async () => {
    // 300 KiB of 'é' and '€' (2 and 3 bytes): lines cross the 256 KiB chunks at every offset.
    const text = (i: number) => 'é€'.repeat(60_000 + i);
    const big = (t: number) => JSON.stringify({ t, ch: 'ws.public', s: 1, dir: 'in', raw: text(t) });
    const lines = [header(), big(1), frame(2), big(3), big(4)];
    for (const [name, body] of [
      ['0001.jsonl', lines.join('\n')],
      ['0001.jsonl.gz', gzipSync(lines.join('\n'))],
    ] as const) {
      const s = join(dir, name.replace(/\W/g, '-'));
      await mkdir(s);
      await writeFile(join(s, name), body);
      const read = await readAll(s);
      expect(read.map((l) => [l.line, l.value['t'] ?? 'header'])).toEqual([
        [1, 'header'],
        [2, 1],
        [3, 2],
        [4, 3],
        [5, 4],
      ]);
      // The last line has no newline after it: it is read whole all the same.
      expect(read.map((l) => l.value['raw'])).toEqual([undefined, text(1), '{"n":2}', text(3), text(4)]);
    }
  });

  it('reports a gzip file cut short after what could be read', async () => {
    const file = join(dir, '0001.jsonl.gz');
    const whole = gzipSync(
      Array.from({ length: 2_000 }, (_, i) => (i === 0 ? header() : frame(i))).join('\n'),
    );
    await writeFile(file, whole.subarray(0, Math.floor(whole.length / 2)));
    const bad: RecordingLineError[] = [];
    const lines = await readAll(file, (e) => bad.push(e));
    expect(lines.length).toBeGreaterThan(1);
    expect(bad.at(-1)!.reason).toMatch(/ends abruptly/);
  });

  it('refuses what cannot be replayed: no file, no header, a newer format, another session', async () => {
    await expect(recordingFiles(join(dir, 'missing'))).rejects.toBeInstanceOf(RecordingError);
    const noHeader = join(dir, 'a.jsonl');
    await writeFile(noHeader, `${frame(1)}\n`);
    await expect(readAll(noHeader)).rejects.toThrow(/does not start with a session header/);
    const newer = join(dir, 'b.jsonl');
    await writeFile(
      newer,
      `${JSON.stringify({ type: 'header', v: 99, session: 's', clock: 0, config: {} })}\n`,
    );
    await expect(readAll(newer)).rejects.toThrow(/format version 99, this replay reads up to 1/);
    const s = join(dir, 'mixed');
    await mkdir(s);
    await writeFile(join(s, '0001.jsonl'), `${header(1, 'x')}\n`);
    await writeFile(join(s, '0002.jsonl'), `${header(2, 'y')}\n`);
    await expect(readAll(s)).rejects.toThrow(/part of session y, not x/);
    const empty = join(dir, 'empty.jsonl');
    await writeFile(empty, '');
    await expect(readAll(empty)).rejects.toThrow(/empty recording/);
  });
});
