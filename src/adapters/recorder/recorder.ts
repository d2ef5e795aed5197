/**
 * The session recorder (DESIGN §7): every inbound and outbound WebSocket frame, every REST call
 * with its answers, socket lifecycle events and the events sent to the actor system from outside,
 * as JSONL under `<dir>/<session>/` (format.ts, docs/replay.md). Secrets never reach it: the
 * sockets hand over auth frames already redacted, and the REST observer never sees a header we send.
 *
 * The hot path is one string concatenation and an array push per frame; the disk work happens in
 * large appends off that path (writer.ts).
 */
import { createHash } from 'node:crypto';
import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import type { RestAttempt, RestCallRecord, RestObserver } from '../bybit/rest/client.js';
import type { Config } from '../../config/schema.js';
import type { Clock, TimerId } from '../../domain/clock.js';
import type { Logger } from '../log/logger.js';
import {
  RECORDING_VERSION,
  controlLine,
  gapLine,
  headerLine,
  restRequestLine,
  restResponseLine,
  timerLine,
  wsEventLine,
  wsFrameLine,
  type Channel,
  type SessionHeader,
} from './format.js';
import { RecordingWriter } from './writer.js';

/**
 * A socket lifecycle event worth replaying. `closing` marks a close the bot asked for itself: the
 * `close` that follows it is the bot's doing, not the venue's.
 */
export type SocketEventName = 'open' | 'connect_failed' | 'heartbeat_timeout' | 'closing' | 'close';

/** What one socket session reports to the recorder. */
export interface SocketTap {
  /** A frame in or out, as text (auth frames arrive redacted). */
  frame(dir: 'in' | 'out', text: string, at: number): void;
  event(ev: SocketEventName, at: number, detail?: Readonly<Record<string, string | number>>): void;
}

/** What the session is: written in every part's header. */
export interface SessionInfo {
  readonly mode: string;
  readonly seed: number;
  readonly symbols: readonly string[];
  /** The bot's clock when its runtime was built. */
  readonly clock: number;
  readonly config: unknown;
}

/** The recorder as the runtime uses it. */
export interface SessionRecorder {
  /** The session's directory. */
  readonly dir: string;
  /** The file being written. */
  readonly path: string;
  /** Writes the session header; lines before it are held back. */
  start(info: SessionInfo): void;
  /** A tap for the next session (connection) of a socket kind. */
  socket(kind: 'public' | 'private' | 'trade'): SocketTap;
  readonly rest: RestObserver;
  /** An event sent to the actor `to` from outside the system. */
  control(to: string, event: unknown, at: number): void;
  /**
   * The bot's clock, observed: every timer that fires later than due is recorded with the time it
   * fired. Give it to the Runtime (not to the simulator: the venue's timers are not the bot's).
   */
  observeClock(clock: Clock): Clock;
  /** Flushes and closes within the time given (the shutdown's flush step). */
  close(timeoutMs: number): Promise<void>;
}

export interface RecorderOptions {
  /** The recordings directory. */
  readonly root: string;
  readonly maxFileBytes: number;
  readonly maxTotalBytes: number;
  /** Version of the bot (package.json). */
  readonly version: string;
  readonly logger: Logger;
  /** Where the recorder's metrics go (the bot's registry). */
  readonly registry?: Registry;
  readonly flushIntervalMs?: number;
  /** Session id (the directory name); by default the wall time and the process id. */
  readonly session?: string;
  readonly wallNow?: () => number;
  readonly monoNow?: () => number;
  /** Writer tuning, for tests. */
  readonly chunkBytes?: number;
  readonly maxBufferedBytes?: number;
}

/** sha256 of a value as canonical JSON (object keys sorted). */
export function configHash(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (typeof v === 'object' && v !== null)
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    return v;
  };
  return `sha256:${createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('hex')}`;
}

/**
 * A session id that sorts by time (UTC): 20250131-120000-123-p4242. Digits in runs, so that the
 * log's secret redaction reads it as numbers, not as a random token, and the path stays visible.
 */
export function sessionId(wallMs: number, pid: number): string {
  const iso = new Date(wallMs).toISOString(); // 2025-01-31T12:00:00.123Z
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${iso.slice(20, 23)}-p${pid}`;
}

interface RecorderMetrics {
  readonly lines: Counter;
  readonly bytes: Counter;
  readonly dropped: Counter;
  readonly errors: Counter;
  readonly deleted: Counter;
}

function recorderMetrics(registry: Registry | undefined, buffered: () => number): RecorderMetrics {
  const registers = registry === undefined ? [] : [registry];
  const counter = (name: string, help: string) => new Counter({ name, help, registers });
  new Gauge({
    name: 'mm_recorder_buffered_bytes',
    help: 'Recording text waiting in memory for the next append',
    registers,
    collect() {
      this.set(buffered());
    },
  });
  return {
    lines: counter('mm_recorder_lines_total', 'Lines appended to recording files'),
    bytes: counter('mm_recorder_bytes_total', 'Bytes appended to recording files (before gzip)'),
    dropped: counter('mm_recorder_dropped_total', 'Recording lines dropped (buffer full or a failed write)'),
    errors: counter('mm_recorder_write_errors_total', 'Failed appends to recording files'),
    deleted: counter('mm_recorder_files_deleted_total', 'Recording files deleted to bound the disk used'),
  };
}

const CHANNEL = { public: 'ws.public', private: 'ws.private', trade: 'ws.trade' } as const;

/** Records one session. Build it with Recorder.create; nothing touches the disk before the first append. */
export class Recorder implements SessionRecorder {
  readonly session: string;
  readonly #writer: RecordingWriter;
  readonly #wall: () => number;
  readonly #mono: () => number;
  readonly #metrics: RecorderMetrics;
  readonly #version: string;
  readonly #sessions = { public: 0, private: 0, trade: 0 };
  readonly #timer: NodeJS.Timeout;
  #header: Omit<SessionHeader, 'part'> | undefined;
  #held: string[] = [];
  #lastT = 0;
  #closed = false;
  readonly rest: RestObserver;

  constructor(options: RecorderOptions) {
    this.#wall = options.wallNow ?? Date.now;
    this.#mono = options.monoNow ?? (() => performance.now());
    this.#version = options.version;
    this.session = options.session ?? sessionId(this.#wall(), process.pid);
    this.#metrics = recorderMetrics(options.registry, () => this.#writer.bufferedBytes);
    this.#writer = new RecordingWriter({
      root: options.root,
      session: this.session,
      maxFileBytes: options.maxFileBytes,
      maxTotalBytes: options.maxTotalBytes,
      logger: options.logger,
      headerFor: (part) => headerLine({ ...this.#headerOrDefault(), part }),
      gapLine: (n) => gapLine(this.#lastT, this.#wall(), this.#mono(), n),
      ...(options.chunkBytes === undefined ? {} : { chunkBytes: options.chunkBytes }),
      ...(options.maxBufferedBytes === undefined ? {} : { maxBufferedBytes: options.maxBufferedBytes }),
      onWrite: (bytes, lines) => {
        this.#metrics.bytes.inc(bytes);
        this.#metrics.lines.inc(lines);
      },
      onDrop: (n) => this.#metrics.dropped.inc(n),
      onError: () => this.#metrics.errors.inc(),
      onDelete: (paths) => this.#metrics.deleted.inc(paths.length),
    });
    this.#timer = setInterval(() => void this.#writer.flush(), options.flushIntervalMs ?? 1_000);
    this.#timer.unref();
    const line = (l: string) => this.#line(l);
    const wall = this.#wall;
    const mono = this.#mono;
    this.rest = {
      request: (c: RestCallRecord) =>
        line(restRequestLine(c.start, wall(), mono(), c.id, c.method, c.path, c.req)),
      response: (c: RestCallRecord, attempts: readonly RestAttempt[], outcome: string, at: number) =>
        line(restResponseLine(at, wall(), mono(), c.id, c.method, c.path, c.req, c.start, attempts, outcome)),
    };
  }

  get dir(): string {
    return this.#writer.dir;
  }

  get path(): string {
    return this.#writer.path;
  }

  #headerOrDefault(): Omit<SessionHeader, 'part'> {
    return (
      this.#header ?? {
        type: 'header',
        v: RECORDING_VERSION,
        session: this.session,
        app: 'mm-bot',
        version: this.#version,
        mode: 'unknown',
        configHash: '',
        seed: 0,
        symbols: [],
        clock: 0,
        wall: this.#wall(),
        mono: this.#mono(),
        config: null,
      }
    );
  }

  start(info: SessionInfo): void {
    this.#header = {
      type: 'header',
      v: RECORDING_VERSION,
      session: this.session,
      app: 'mm-bot',
      version: this.#version,
      mode: info.mode,
      configHash: configHash(info.config),
      seed: info.seed,
      symbols: info.symbols,
      clock: info.clock,
      wall: this.#wall(),
      mono: this.#mono(),
      config: info.config,
    };
    this.#lastT = info.clock;
    this.#writer.compressLeftovers();
    const held = this.#held;
    this.#held = [];
    for (const l of held) this.#writer.write(l);
  }

  #line(l: string): void {
    if (this.#closed) return;
    if (this.#header === undefined) this.#held.push(l);
    else this.#writer.write(l);
  }

  socket(kind: 'public' | 'private' | 'trade'): SocketTap {
    const s = ++this.#sessions[kind];
    const ch: Channel = CHANNEL[kind];
    return {
      frame: (dir, text, at) => {
        this.#lastT = at;
        this.#line(wsFrameLine(at, this.#wall(), this.#mono(), ch, s, dir, text));
      },
      event: (ev, at, detail) => this.#line(wsEventLine(at, this.#wall(), this.#mono(), ch, s, ev, detail)),
    };
  }

  control(to: string, event: unknown, at: number): void {
    this.#line(controlLine(at, this.#wall(), this.#mono(), to, event));
  }

  observeClock(clock: Clock): Clock {
    return {
      now: () => clock.now(),
      setTimeout: (fn: () => void, ms: number) => {
        const due = clock.now() + (Number.isFinite(ms) && ms > 0 ? ms : 0);
        return clock.setTimeout(() => {
          const at = clock.now();
          if (at > due) this.#line(timerLine(at, this.#wall(), this.#mono(), due, ms));
          fn();
        }, ms);
      },
      clearTimeout: (id: TimerId) => clock.clearTimeout(id),
    };
  }

  /** Appends what is buffered now (tests; the timer and the shutdown do it otherwise). */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  async close(timeoutMs: number): Promise<void> {
    if (this.#closed) return;
    if (this.#header === undefined && this.#held.length > 0) {
      // Closed before start(): keep what was seen under a placeholder header rather than lose it.
      this.#header = this.#headerOrDefault();
      for (const l of this.#held) this.#writer.write(l);
      this.#held = [];
    }
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#writer.close(timeoutMs);
  }
}

/** The recorder the configuration asks for (recorder.enabled: auto records in paper mode only). */
export function recorderFromConfig(
  config: { readonly mode: string; readonly recorder: Config['recorder'] },
  deps: { readonly logger: Logger; readonly registry?: Registry; readonly version: string },
): Recorder | undefined {
  const r = config.recorder;
  const on = r.enabled === 'auto' ? config.mode === 'paper' : r.enabled;
  if (!on) return undefined;
  return new Recorder({
    root: r.dir,
    maxFileBytes: r.max_file_mb * 1024 * 1024,
    maxTotalBytes: r.max_total_mb * 1024 * 1024,
    flushIntervalMs: r.flush_interval_ms,
    version: deps.version,
    logger: deps.logger,
    ...(deps.registry === undefined ? {} : { registry: deps.registry }),
  });
}
