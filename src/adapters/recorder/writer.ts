/**
 * The recorder's file writer: lines gather in memory and go to disk in large appends (a megabyte,
 * or every flush interval), one write in flight at a time, never rewriting what is written (the
 * original recorder re-read and rewrote its whole file on every flush: O(n²) over a day). A file
 * past its size is closed and a new part started; closed parts are gzipped and the oldest files
 * deleted past the total. Memory is bounded too: when the disk cannot keep up, new lines are
 * dropped, counted, and a `gap` line marks the hole in the file (the original dropped silently).
 *
 * Nothing here throws at the caller: a failing disk is logged and counted, and the bot trades on.
 */
import { rmSync } from 'node:fs';
import { mkdir, open, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { gzipFile } from './gzip.js';
import { listRecordingFiles, pruneRecordings } from './retention.js';

export interface WriterOptions {
  /** The recordings directory (retention counts every session in it). */
  readonly root: string;
  /** This session's directory name under root. */
  readonly session: string;
  readonly maxFileBytes: number;
  readonly maxTotalBytes: number;
  /** The header line that opens part `n`. */
  readonly headerFor: (part: number) => string;
  /** The line that marks `n` dropped lines. */
  readonly gapLine: (dropped: number) => string;
  readonly logger: Logger;
  /** Buffered text that triggers an append (default 1 MiB). */
  readonly chunkBytes?: number;
  /** Buffered text beyond which lines are dropped (default 64 MiB). */
  readonly maxBufferedBytes?: number;
  /** Called after each append with what it wrote, and when lines are dropped or files deleted. */
  readonly onWrite?: (bytes: number, lines: number) => void;
  readonly onDrop?: (lines: number) => void;
  readonly onError?: () => void;
  readonly onDelete?: (paths: readonly string[]) => void;
}

const pad = (n: number): string => String(n).padStart(4, '0');

/** An uncompressed part of another session untouched this long is a leftover to gzip. */
const LEFTOVER_AGE_MS = 10 * 60_000;

/** Appends lines to the rotating part files of one session. */
export class RecordingWriter {
  readonly #o: WriterOptions;
  readonly #dir: string;
  readonly #chunkBytes: number;
  readonly #maxBuffered: number;
  #lines: string[] = [];
  #buffered = 0;
  #dropped = 0;
  #part = 0;
  #file: FileHandle | undefined;
  #path: string | undefined;
  #fileBytes = 0;
  #writing: Promise<void> | undefined;
  #closed = false;
  readonly #background = new Set<Promise<unknown>>();
  /** Files being gzipped: a compression cut short at close leaves its .tmp, removed at once. */
  readonly #compressing = new Set<string>();
  #lastErrorLog = Number.NEGATIVE_INFINITY;

  constructor(options: WriterOptions) {
    this.#o = options;
    this.#dir = join(options.root, options.session);
    this.#chunkBytes = options.chunkBytes ?? 1024 * 1024;
    this.#maxBuffered = options.maxBufferedBytes ?? 64 * 1024 * 1024;
  }

  /** The session's directory. */
  get dir(): string {
    return this.#dir;
  }

  /** The file being written (the next one to be opened before the first append). */
  get path(): string {
    return this.#path ?? join(this.#dir, `${pad(this.#part + 1)}.jsonl`);
  }

  /** Lines waiting in memory. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** Queues one line (ending in a newline). Never blocks, never throws. */
  write(line: string): void {
    if (this.#closed) return;
    if (this.#buffered + line.length > this.#maxBuffered) {
      this.#dropped++;
      this.#o.onDrop?.(1);
      return;
    }
    this.#lines.push(line);
    this.#buffered += line.length;
    if (this.#buffered >= this.#chunkBytes && this.#writing === undefined) void this.flush();
  }

  /** Appends what is buffered; resolves once it is on disk (or failed and was counted). */
  flush(): Promise<void> {
    this.#writing ??= this.#drain().finally(() => {
      this.#writing = undefined;
    });
    return this.#writing;
  }

  async #drain(): Promise<void> {
    while (this.#lines.length > 0 || this.#dropped > 0) {
      let lines = this.#lines;
      this.#lines = [];
      this.#buffered = 0;
      if (this.#dropped > 0) {
        lines = [this.#o.gapLine(this.#dropped), ...lines];
        this.#dropped = 0;
      }
      const text = lines.join('');
      try {
        const file = await this.#current();
        const data = Buffer.from(text, 'utf8');
        await file.appendFile(data);
        this.#fileBytes += data.length;
        this.#o.onWrite?.(data.length, lines.length);
        if (this.#fileBytes >= this.#o.maxFileBytes) await this.#rotate();
      } catch (err) {
        this.#o.onDrop?.(lines.length);
        this.#o.onError?.();
        this.#logError(err, lines.length);
      }
    }
  }

  async #current(): Promise<FileHandle> {
    if (this.#file !== undefined) return this.#file;
    await mkdir(this.#dir, { recursive: true });
    this.#part++;
    this.#path = join(this.#dir, `${pad(this.#part)}.jsonl`);
    // 'a': append only; an existing file (a restarted session id) is never overwritten.
    const file = await open(this.#path, 'a');
    const header = Buffer.from(this.#o.headerFor(this.#part), 'utf8');
    await file.appendFile(header);
    this.#file = file;
    this.#fileBytes = header.length;
    return file;
  }

  /** Closes the current part; compresses it and prunes old files in the background. */
  async #rotate(): Promise<void> {
    const file = this.#file;
    const path = this.#path;
    this.#file = undefined;
    if (file === undefined || path === undefined) return;
    await file.close();
    this.#track(this.#compressAndPrune(path));
  }

  async #compressAndPrune(path: string, signal?: AbortSignal): Promise<void> {
    this.#compressing.add(path);
    try {
      await gzipFile(path, signal);
    } catch (err) {
      if (!signal?.aborted)
        this.#o.logger.warn({ err, path }, 'recording file could not be gzipped; kept as is');
    } finally {
      this.#compressing.delete(path);
    }
    await this.#prune();
  }

  /**
   * Gzips the closed parts an earlier process left uncompressed (it was stopped while compressing
   * its last part) and removes what such an interrupted compression left; in the background.
   */
  compressLeftovers(): void {
    this.#track(
      (async () => {
        const before = Date.now() - LEFTOVER_AGE_MS;
        for (const f of await listRecordingFiles(this.#o.root)) {
          if (this.#closed || f.path.endsWith('.gz') || dirname(f.path) === this.#dir) continue;
          // A part written to lately may be another running bot's: never touched.
          const mtime = (await stat(f.path).catch(() => undefined))?.mtimeMs ?? Date.now();
          if (mtime > before) continue;
          await rm(`${f.path}.gz.tmp`, { force: true });
          await this.#compressAndPrune(f.path);
        }
      })().catch((err: unknown) => this.#o.logger.warn({ err }, 'old recordings could not be gzipped')),
    );
  }

  async #prune(): Promise<void> {
    const keep = new Set(this.#path === undefined ? [] : [this.#path]);
    try {
      const deleted = await pruneRecordings(this.#o.root, this.#o.maxTotalBytes, keep);
      if (deleted.length > 0) {
        this.#o.onDelete?.(deleted);
        this.#o.logger.info({ deleted }, 'old recordings deleted to stay within recorder.max_total_mb');
      }
    } catch (err) {
      this.#o.logger.warn({ err }, 'recordings could not be pruned');
    }
  }

  #track(p: Promise<unknown>): void {
    this.#background.add(p);
    void p.finally(() => this.#background.delete(p));
  }

  #logError(err: unknown, lines: number): void {
    const now = performance.now();
    if (now - this.#lastErrorLog < 10_000) return;
    this.#lastErrorLog = now;
    this.#o.logger.error({ err, lines, path: this.#path }, 'recording write failed; lines dropped');
  }

  /**
   * Flushes, closes the last part and gzips it, and waits for compressions in progress, all within
   * `timeoutMs`; what does not finish in time is left as it is (an uncompressed last part is
   * still a valid recording). Resolves whatever happens.
   */
  async close(timeoutMs: number): Promise<void> {
    if (this.#closed) return;
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        abort.abort();
        resolve();
      }, timeoutMs);
    });
    const work = (async () => {
      await this.flush();
      this.#closed = true;
      const file = this.#file;
      const path = this.#path;
      this.#file = undefined;
      if (file !== undefined && path !== undefined) {
        await file.close();
        this.#path = undefined;
        this.#track(this.#compressAndPrune(path, abort.signal));
      }
      await Promise.allSettled([...this.#background]);
    })().catch((err: unknown) => this.#o.logger.error({ err }, 'recording could not be closed cleanly'));
    await Promise.race([work, deadline]);
    clearTimeout(timer);
    this.#closed = true;
    // The process may exit right after: what an aborted compression wrote must not outlive it.
    for (const path of this.#compressing) rmSync(`${path}.gz.tmp`, { force: true });
  }
}
