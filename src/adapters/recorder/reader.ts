/**
 * Reads a recording back, line by line, from a session directory (every part in order) or from one
 * file (that part and the later parts of its session), gzipped or not. Every line comes with its
 * file and line number. A line that is not a JSON object, or lacks what every line has, is a
 * RecordingLineError: the caller reports it and goes on, or stops (replay --strict).
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { BotError } from '../../errors.js';
import { RECORDING_VERSION, type SessionHeader } from './format.js';
import { PART_FILE } from './retention.js';

/** A line of a recording that cannot be used, with where it is. */
export class RecordingLineError extends BotError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super('MM_RECORDING_LINE_INVALID', `${file}:${line}: ${reason}`, 'give-up');
  }
}

/** A recording that cannot be read at all (missing, empty, no header, a newer format). */
export class RecordingError extends BotError {
  constructor(message: string) {
    super('MM_RECORDING_UNREADABLE', message, 'give-up');
  }
}

/** One line of a recording, parsed. */
export interface RecordedLine {
  readonly file: string;
  readonly line: number;
  readonly value: Record<string, unknown>;
}

/** The files of a recording, in order. */
export async function recordingFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new RecordingError(`${path}: no such file or directory`);
  }
  if (info.isDirectory()) {
    const parts = (await readdir(path)).filter((n) => PART_FILE.test(n)).sort();
    if (parts.length === 0) throw new RecordingError(`${path}: no recording files (0001.jsonl...) in it`);
    return parts.map((n) => join(path, n));
  }
  const name = basename(path);
  if (!PART_FILE.test(name)) return [path];
  // A part file: it and the parts after it (a later part alone has no start-up to replay).
  const dir = dirname(path);
  const number = (n: string) => Number(n.slice(0, n.indexOf('.')));
  const from = number(name);
  const later = (await readdir(dir)).filter((n) => PART_FILE.test(n) && number(n) > from);
  // One number may exist twice while its gzip is being finished: prefer the complete .gz.
  const byNumber = new Map<number, string>();
  for (const n of later.sort()) if (!byNumber.has(number(n)) || n.endsWith('.gz')) byNumber.set(number(n), n);
  return [path, ...[...byNumber.entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => join(dir, n))];
}

/** Checks a header line; throws RecordingError when it cannot be replayed. */
export function checkHeader(value: Record<string, unknown>, where: string): SessionHeader {
  if (value['type'] !== 'header')
    throw new RecordingError(`${where}: the first line is not a session header`);
  const v = value['v'];
  if (typeof v !== 'number' || v > RECORDING_VERSION)
    throw new RecordingError(
      `${where}: recording format version ${String(v)}, this replay reads up to ${RECORDING_VERSION}`,
    );
  if (typeof value['clock'] !== 'number' || typeof value['session'] !== 'string' || value['config'] === null)
    throw new RecordingError(`${where}: the header lacks its session, clock or configuration`);
  return value as unknown as SessionHeader;
}

/**
 * Yields every usable line of the files in order; a bad line goes to `onBad` (which may throw to
 * stop). Repeated headers of later parts are skipped after checking they belong to the session.
 */
export async function* readRecording(
  files: readonly string[],
  onBad: (e: RecordingLineError) => void,
): AsyncGenerator<RecordedLine> {
  for await (const batch of readRecordingBatches(files, onBad)) yield* batch;
}

/**
 * The same lines as readRecording, a read chunk at a time: one await per 64 KiB rather than one
 * per line, which is what lets a replay run hundreds of times faster than real time.
 */
export async function* readRecordingBatches(
  files: readonly string[],
  onBad: (e: RecordingLineError) => void,
): AsyncGenerator<RecordedLine[]> {
  let session: string | undefined;
  for (const file of files) {
    const name = basename(file);
    const input = createReadStream(file, { highWaterMark: 256 * 1024 });
    const source = file.endsWith('.gz') ? input.pipe(createGunzip({ chunkSize: 256 * 1024 })) : input;
    input.on('error', (e: Error) => source.destroy(e));
    let n = 0;
    // The bytes after the last newline read: the start of a line the next chunk ends.
    let rest: Buffer | undefined;
    let failed: unknown;
    const parse = (text: string, out: RecordedLine[]): void => {
      n++;
      if (text === '' || text === '\r') return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        onBad(new RecordingLineError(name, n, `not JSON (truncated or corrupt): ${excerpt(text)}`));
        return;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        onBad(new RecordingLineError(name, n, `not a JSON object: ${excerpt(text)}`));
        return;
      }
      const v = value as Record<string, unknown>;
      if (v['type'] === 'header') {
        const h = checkHeader(v, `${name}:${n}`);
        if (session === undefined) session = h.session;
        else if (h.session !== session)
          throw new RecordingError(`${name}:${n}: part of session ${h.session}, not ${session}`);
        else return;
      } else if (session === undefined) {
        throw new RecordingError(`${name}:${n}: the recording does not start with a session header`);
      } else if (typeof v['t'] !== 'number' || typeof v['ch'] !== 'string') {
        onBad(new RecordingLineError(name, n, `no time "t" or channel "ch": ${excerpt(text)}`));
        return;
      }
      out.push({ file: name, line: n, value: v });
    };
    try {
      // Lines are cut from the bytes and decoded one by one: a newline byte is never part of a
      // multi-byte UTF-8 character, and this skips decoding each chunk into one string to cut up.
      for await (const chunk of source as AsyncIterable<Buffer>) {
        const out: RecordedLine[] = [];
        let from = 0;
        let nl = chunk.indexOf(10);
        if (rest !== undefined) {
          if (nl < 0) {
            rest = Buffer.concat([rest, chunk]);
            continue;
          }
          parse(Buffer.concat([rest, chunk.subarray(0, nl)]).toString('utf8'), out);
          rest = undefined;
          from = nl + 1;
          nl = chunk.indexOf(10, from);
        }
        for (; nl >= 0; nl = chunk.indexOf(10, from)) {
          parse(chunk.toString('utf8', from, nl), out);
          from = nl + 1;
        }
        if (from < chunk.length) rest = Buffer.from(chunk.subarray(from));
        if (out.length > 0) yield out;
      }
    } catch (e) {
      // A stream error (a gzip file cut short, a read failure) ends this file; our own errors stop.
      if (e instanceof RecordingLineError || e instanceof RecordingError) throw e;
      failed = e;
    }
    // The last line without its newline: complete if the file is, else what was cut short.
    const last: RecordedLine[] = [];
    if (rest !== undefined) parse(rest.toString('utf8'), last);
    if (last.length > 0) yield last;
    if (failed !== undefined)
      onBad(
        new RecordingLineError(
          name,
          n + 1,
          `the file ends abruptly (${(failed as Error).message}); what follows is lost`,
        ),
      );
  }
  if (session === undefined) throw new RecordingError(`${files.join(', ')}: empty recording`);
}

function excerpt(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);
}
