/**
 * The recording as the replay consumes it: read ahead a window of recorded time, with every line
 * filed where it will be asked for. REST calls wait per endpoint for the bot to make them (rest.ts
 * matches them); socket frames and lifecycle events wait per connection session for the replayed
 * socket of that session (socket.ts); control events and gaps are handed to the driver as they are
 * read. A line that does not have what its channel needs is reported like a corrupt one.
 */
import type { RestAttempt } from '../../adapters/bybit/rest/client.js';
import type { SessionHeader } from '../../adapters/recorder/format.js';
import {
  checkHeader,
  readRecordingBatches,
  recordingFiles,
  RecordingError,
  RecordingLineError,
  type RecordedLine,
} from '../../adapters/recorder/reader.js';

/** A REST call of the recorded session, from its `in` line. */
export interface RecordedCall {
  /** `METHOD path`. */
  readonly key: string;
  readonly method: string;
  readonly path: string;
  /** Query string or JSON body as sent. */
  readonly req: string;
  /** Clock time of the first send and of the end of the call. */
  readonly start: number;
  readonly end: number;
  readonly attempts: readonly RestAttempt[];
  /** 'ok' or the code of the error the call threw. */
  readonly outcome: string;
  readonly line: number;
}

export type SocketKind = 'public' | 'private' | 'trade';

/** One recorded frame or lifecycle event of a socket session. */
export type SessionEvent =
  | { readonly kind: 'frame'; readonly t: number; readonly dir: 'in' | 'out'; readonly raw: string }
  | {
      readonly kind: 'event';
      readonly t: number;
      readonly ev: string;
      readonly code: number;
      readonly reason: string;
    };

/** The recorded frames and events of one connection session, in order. */
export class SocketSession {
  readonly events: SessionEvent[] = [];
  /** Set by the replayed socket of this session: called when the source appends to `events`. */
  onAppend: (() => void) | undefined;
}

const KINDS: Record<string, SocketKind> = {
  'ws.public': 'public',
  'ws.private': 'private',
  'ws.trade': 'trade',
};

interface Held {
  on: boolean;
  readonly errors: RecordingLineError[];
}

interface Ahead {
  readonly r?: IteratorResult<RecordedLine[]>;
  readonly error?: Error;
  readonly bad: readonly RecordingLineError[];
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

export class RecordingSource {
  readonly header: SessionHeader;
  /** Recorded calls not yet matched, per `METHOD path`, in the order they ended. */
  readonly calls = new Map<string, RecordedCall[]>();
  readonly sessions: Record<SocketKind, SocketSession[]> = { public: [], private: [], trade: [] };
  /** Late firings of the bot's timers, by `due|ms`, in the order they fired. */
  readonly #timers = new Map<string, number[]>();
  /** Called for each control line (an event sent to the actor system from outside). */
  onControl: ((t: number, to: string, event: { type: string }) => void) | undefined;
  /** Called for each gap line (lines the recorder had to drop). */
  onGap: ((t: number, dropped: number) => void) | undefined;
  /** Whether the recording holds a shutdown request (a signal's, or a fatal error's). */
  sawShutdown = false;
  #iter: AsyncGenerator<RecordedLine[]>;
  #batch: RecordedLine[] = [];
  #at = 0;
  #next: RecordedLine | undefined;
  #exhausted = false;
  #lastT: number;
  #lines = 0;
  readonly #onBad: (e: RecordingLineError) => void;
  /** Bad lines the reader met while reading ahead: reported when their batch is taken. */
  readonly #held: Held;
  /** The next batch, asked for as soon as the last one was taken (see #readAhead). */
  #ahead: Promise<Ahead> | undefined;

  private constructor(
    header: SessionHeader,
    iter: AsyncGenerator<RecordedLine[]>,
    batch: RecordedLine[],
    onBad: (e: RecordingLineError) => void,
    held: Held,
  ) {
    this.header = header;
    this.#iter = iter;
    this.#batch = batch;
    this.#onBad = onBad;
    this.#held = held;
    this.#lastT = header.clock;
    this.#readAhead();
  }

  /** Opens a recording (a session directory or a file) and reads its header. */
  static async open(path: string, onBad: (e: RecordingLineError) => void): Promise<RecordingSource> {
    const files = await recordingFiles(path);
    const held: Held = { on: false, errors: [] };
    const iter = readRecordingBatches(files, (e) => {
      if (held.on) held.errors.push(e);
      else onBad(e);
    });
    const first = await iter.next();
    if (first.done === true || first.value.length === 0) throw new RecordingError(`${path}: empty recording`);
    const [head, ...rest] = first.value;
    const header = checkHeader(head!.value, `${head!.file}:${head!.line}`);
    held.on = true;
    return new RecordingSource(header, iter, rest, onBad, held);
  }

  /** No line is left to read. */
  get exhausted(): boolean {
    return this.#exhausted && this.#next === undefined;
  }

  /** The time of the last line read. */
  get lastT(): number {
    return this.#lastT;
  }

  /** Lines read so far (the header included). */
  get lines(): number {
    return this.#lines + 1;
  }

  /** When the bot's timer due at `due` (armed for `ms`) fired in the recorded session, if late. */
  recordedFiring(due: number, ms: number): number | undefined {
    const key = `${due}|${ms}`;
    const list = this.#timers.get(key);
    const t = list?.shift();
    if (list !== undefined && list.length === 0) this.#timers.delete(key);
    return t;
  }

  /** Whether fillTo(limit) may have lines to file (false when the next line is known to be later). */
  mayHaveLinesTo(limit: number): boolean {
    if (this.#next !== undefined) return (this.#next.value['t'] as number) <= limit;
    return !this.#exhausted;
  }

  /** The time of the next line not yet read, if known. */
  async nextTime(): Promise<number | undefined> {
    await this.#peek();
    return this.#next?.value['t'] as number | undefined;
  }

  /**
   * Files every line up to recorded time `limit` that is read already; false when it needs the
   * reader (then fillTo). Most calls need nothing from the disk, and an await per fired timer costs.
   */
  fillBuffered(limit: number): boolean {
    for (;;) {
      let l = this.#next;
      if (l === undefined) {
        if (this.#at >= this.#batch.length) return this.#exhausted;
        l = this.#batch[this.#at++]!;
      }
      if ((l.value['t'] as number) > limit) {
        this.#next = l;
        return true;
      }
      this.#next = undefined;
      this.#file(l);
    }
  }

  /** Reads and files every line up to recorded time `limit`. */
  async fillTo(limit: number): Promise<void> {
    for (;;) {
      await this.#peek();
      const l = this.#next;
      if (l === undefined || (l.value['t'] as number) > limit) return;
      this.#next = undefined;
      this.#file(l);
    }
  }

  async #peek(): Promise<void> {
    while (this.#next === undefined && !this.#exhausted) {
      if (this.#at < this.#batch.length) {
        this.#next = this.#batch[this.#at++];
        return;
      }
      this.#readAhead();
      const got = await this.#ahead!;
      this.#ahead = undefined;
      // Reported here, where the reader would have met them without reading ahead: the decisions
      // log must not depend on when the disk answered.
      for (const e of got.bad) this.#onBad(e);
      if (got.error !== undefined) throw got.error;
      if (got.r?.done !== false) this.#exhausted = true;
      else {
        this.#batch = got.r.value;
        this.#at = 0;
        this.#readAhead();
      }
    }
  }

  /**
   * Asks the reader for the next batch now, so that decompressing and parsing it (gunzip runs on
   * libuv's thread pool) overlap with the replay of this one instead of stalling the next #peek.
   */
  #readAhead(): void {
    if (this.#ahead !== undefined || this.#exhausted) return;
    this.#ahead = this.#iter.next().then(
      (r): Ahead => ({ r, bad: this.#held.errors.splice(0) }),
      (e: unknown): Ahead => ({
        error: e instanceof Error ? e : new Error(String(e)),
        bad: this.#held.errors.splice(0),
      }),
    );
  }

  #bad(l: RecordedLine, reason: string): void {
    this.#onBad(new RecordingLineError(l.file, l.line, reason));
  }

  #file(l: RecordedLine): void {
    this.#lines++;
    const v = l.value;
    const t = v['t'] as number;
    if (t > this.#lastT) this.#lastT = t;
    const ch = v['ch'] as string;
    const kind = KINDS[ch];
    if (kind !== undefined) {
      const s = v['s'];
      if (!Number.isInteger(s) || (s as number) < 1)
        return this.#bad(l, `${ch} line without a session number "s"`);
      let event: SessionEvent;
      if (isStr(v['ev'])) {
        event = {
          kind: 'event',
          t,
          ev: v['ev'],
          code: isNum(v['code']) ? v['code'] : 1006,
          reason: isStr(v['reason']) ? v['reason'] : isStr(v['error']) ? v['error'] : '',
        };
      } else if ((v['dir'] === 'in' || v['dir'] === 'out') && isStr(v['raw'])) {
        event = { kind: 'frame', t, dir: v['dir'], raw: v['raw'] };
      } else return this.#bad(l, `${ch} line with neither a frame (dir, raw) nor an event (ev)`);
      const list = this.sessions[kind];
      while (list.length < (s as number)) list.push(new SocketSession());
      const session = list[(s as number) - 1]!;
      session.events.push(event);
      session.onAppend?.();
      return;
    }
    switch (ch) {
      case 'rest': {
        if (v['dir'] === 'out') return;
        const { method, path, req, start, attempts, outcome } = v;
        if (
          v['dir'] !== 'in' ||
          !isStr(method) ||
          !isStr(path) ||
          !isStr(req) ||
          !isNum(start) ||
          !Array.isArray(attempts) ||
          !isStr(outcome)
        )
          return this.#bad(l, 'rest line without method, path, req, start, attempts and outcome');
        const key = `${method} ${path}`;
        const call: RecordedCall = {
          key,
          method,
          path,
          req,
          start,
          end: t,
          attempts: attempts as RestAttempt[],
          outcome,
          line: l.line,
        };
        const list = this.calls.get(key);
        if (list === undefined) this.calls.set(key, [call]);
        else list.push(call);
        return;
      }
      case 'control': {
        const event = v['event'] as { type?: unknown } | undefined;
        if (!isStr(v['to']) || typeof event !== 'object' || event === null || !isStr(event.type))
          return this.#bad(l, 'control line without "to" and an event with a type');
        if (event.type === 'shutdown.request') this.sawShutdown = true;
        this.onControl?.(t, v['to'], event as { type: string });
        return;
      }
      case 'timer': {
        const { due, ms } = v;
        if (!isNum(due) || !isNum(ms)) return this.#bad(l, 'timer line without "due" and "ms"');
        const key = `${due}|${ms}`;
        const list = this.#timers.get(key);
        if (list === undefined) this.#timers.set(key, [t]);
        else list.push(t);
        return;
      }
      case 'gap':
        this.onGap?.(t, isNum(v['dropped']) ? v['dropped'] : 0);
        return;
      default:
        return this.#bad(l, `unknown channel ${JSON.stringify(ch)}`);
    }
  }
}
