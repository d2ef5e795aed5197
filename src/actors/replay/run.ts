/**
 * Replays a recorded session through the same actor system the bot runs (Runtime + buildSystem),
 * on a simulated clock, with the venue played back from the recording (rest.ts, socket.ts): the
 * seam is the runtime's `venue`, so no actor knows it is being replayed.
 *
 * The driver merges two time-ordered streams: the recording, read a window ahead of the clock,
 * and the clock's timers (recorded frames and answers are timers too, armed by the replayed venue).
 * It fires one timer at a time and lets every promise it settled run before the next one (until
 * the microtask queue holds nothing of the bot's), so the bot's asynchronous steps interleave as
 * they would live, and the same recording always gives the same decisions, byte for byte.
 *
 * The replay ends when the recording does: at its last line, or, when the recording holds a
 * shutdown request, once the replayed shutdown has finished (within SHUTDOWN_GRACE_MS).
 */
import { readFileSync } from 'node:fs';
import { promiseHooks } from 'node:v8';
import { parse as parseYaml } from 'yaml';
import type { AnyActorRef } from 'xstate';
import { DEFAULTS_PATH, mergeConfig, validateConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import { teeTradeLog, type TradeLog } from '../../adapters/journal/records.js';
import { silentLogger, type Logger } from '../../adapters/log/logger.js';
import { Metrics } from '../../adapters/metrics/metrics.js';
import type { SessionHeader } from '../../adapters/recorder/format.js';
import type { RecordingLineError } from '../../adapters/recorder/reader.js';
import { credentials } from '../../adapters/secrets/secret.js';
import { Runtime, type Venue } from '../runtime.js';
import { buildSystem } from '../system.js';
import { ReplayClock } from './clock.js';
import { DecisionLog } from './decisions.js';
import { ReplayRest } from './rest.js';
import { ReplaySocket } from './socket.js';
import { RecordingSource, type SocketKind } from './source.js';
import { VenueEcho } from './venue-echo.js';

/** How far ahead of the clock the recording is read. */
const LOOKAHEAD_MS = 30_000;
/** How long a recorded shutdown may run past the last line of the recording. */
const SHUTDOWN_GRACE_MS = 60_000;

export interface ReplayOptions {
  /** A session directory or a recording file. */
  readonly recording: string;
  /** Receives each line of the decisions log. */
  readonly out: (line: string) => void;
  /** Stop at the first unusable line (it is thrown) instead of skipping it. */
  readonly strict?: boolean;
  /** Hears of each unusable line (it is also in the decisions log). */
  readonly onBadLine?: (e: RecordingLineError) => void;
  /** Merged over the recorded configuration: replay yesterday's market with today's settings. */
  readonly configOverride?: unknown;
  readonly logger?: Logger;
  /** Also hand orders, fills and PnL to this log (the journal). */
  readonly trades?: TradeLog;
}

export interface ReplaySummary {
  readonly session: string;
  /** Lines read, unusable lines skipped. */
  readonly lines: number;
  readonly badLines: number;
  readonly decisions: number;
  readonly divergences: number;
  /** Simulated time covered, and the wall time it took. */
  readonly simulatedMs: number;
  readonly wallMs: number;
  /** CPU time of the process meanwhile (user + system): steadier than wall time on a shared machine. */
  readonly cpuMs: number;
  /** How the replay ended: the recorded shutdown ran to its end, or the recording ran out. */
  readonly end: 'shutdown' | 'eof';
  readonly exitCode: number | undefined;
}

const UNKNOWN_KEY = /^no such key/;

/**
 * The configuration a replay runs with: today's defaults, the recorded one, then the override.
 * Keys of the recorded configuration that this version of the bot no longer has are dropped (and
 * listed), so that an older recording stays replayable; any other problem is a ConfigError.
 */
export function replayConfig(
  header: SessionHeader,
  override?: unknown,
): { config: Config; droppedKeys: string[] } {
  const defaults = parseYaml(readFileSync(DEFAULTS_PATH, 'utf8')) as unknown;
  const recorded = structuredClone(header.config) as Record<string, unknown>;
  const droppedKeys: string[] = [];
  for (;;) {
    let merged = mergeConfig(defaults, recorded);
    if (override !== undefined) merged = mergeConfig(merged, override);
    try {
      return { config: validateConfig(merged, 'the recorded configuration'), droppedKeys };
    } catch (e) {
      const unknown = e instanceof ConfigError ? e.issues.filter((i) => UNKNOWN_KEY.test(i.expected)) : [];
      const removable = unknown.filter((i) => removeKey(recorded, i.key));
      if (removable.length === 0 || removable.length !== (e as ConfigError).issues.length) throw e;
      droppedKeys.push(...removable.map((i) => i.key));
    }
  }
}

/** Deletes a dotted key from a plain object; whether it was there. */
function removeKey(obj: Record<string, unknown>, key: string): boolean {
  const parts = key.split('.');
  let at: unknown = obj;
  for (const p of parts.slice(0, -1)) {
    if (typeof at !== 'object' || at === null) return false;
    at = (at as Record<string, unknown>)[p];
  }
  const last = parts[parts.length - 1]!;
  if (typeof at !== 'object' || at === null || !(last in at)) return false;
  delete (at as Record<string, unknown>)[last];
  return true;
}

/**
 * Counts what can queue microtasks: promises created or settled (V8's promise hooks: an `await` or
 * a `then` creates one) and queueMicrotask calls. A timer after which the count has not moved left
 * nothing to run, so the driver fires the next one without a macrotask turn; most timers of a
 * replay (market data frames) are like that, and the turn is what would cost most.
 */
function watchMicrotasks(): {
  readonly count: () => number;
  readonly settle: () => Promise<void>;
  readonly stop: () => void;
} {
  let n = 0;
  const bump = () => {
    n++;
  };
  const stops = [promiseHooks.onInit(bump), promiseHooks.onSettled(bump)] as (() => void)[];
  const original = globalThis.queueMicrotask;
  globalThis.queueMicrotask = (cb: () => void) => {
    n++;
    original(cb);
  };
  // settle's state lives here, not in a closure made per call (under tsx a named closure created
  // costs about 1 µs, and settle runs after most timers); the driver awaits one settle at a time.
  let seen = 0;
  let settled: (() => void) | undefined;
  const check = (): void => {
    if (n !== seen) {
      seen = n;
      original(check);
      return;
    }
    const resolve = settled;
    settled = undefined;
    resolve?.();
  };
  return {
    count: () => n,
    /**
     * Lets every promise settled by the last timer run: resolves once a microtask of its own finds
     * that nothing moved since its previous one (the queue held nothing else). Cheaper than a
     * macrotask turn per timer, which was a tenth of a replay's time.
     */
    settle: () =>
      new Promise<void>((resolve) => {
        settled = resolve;
        seen = n;
        original(check);
      }),
    stop: () => {
      for (const s of stops) s();
      globalThis.queueMicrotask = original;
    },
  };
}

/** Replays a recording; resolves with a summary once the decisions log is complete. */
export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  // The decisions log exists once the header is read; lines found bad before that wait for it.
  const sink: { log?: DecisionLog } = {};
  const early: RecordingLineError[] = [];
  let badLines = 0;
  const onBad = (e: RecordingLineError) => {
    badLines++;
    options.onBadLine?.(e);
    if (options.strict === true) throw e;
    if (sink.log === undefined) early.push(e);
    else sink.log.write('bad_line', { file: e.file, line: e.line, reason: e.reason });
  };
  const source = await RecordingSource.open(options.recording, onBad);
  const header = source.header;
  const { config, droppedKeys } = replayConfig(header, options.configOverride);
  const clock = new ReplayClock(header.clock);
  const log = new DecisionLog(clock, header.clock, options.out);
  sink.log = log;
  for (const e of early) log.write('bad_line', { file: e.file, line: e.line, reason: e.reason });
  log.write('replay', { session: header.session, version: header.version, symbols: header.symbols });
  if (droppedKeys.length > 0) log.divergence('config_keys_dropped', { keys: droppedKeys });

  const logger = options.logger ?? silentLogger();
  const metrics = new Metrics();
  const opened: Record<SocketKind, number> = { public: 0, private: 0, trade: 0 };
  let synthesized = 0;
  let rest: ReplayRest | undefined;
  const echo = new VenueEcho(clock);
  const venue = (rt: Runtime): Venue => {
    rest = new ReplayRest(
      {
        baseUrl: 'http://replay.invalid',
        credentials: rt.d.credentials,
        clock,
        metrics,
        logger: logger.child({ component: 'rest' }),
        pool: config.connection_pool,
        recvWindowMs: config.exchange.recv_window_ms,
        requestTimeoutMs: config.exchange.request_timeout_ms,
        maxRetries: config.exchange.max_retries,
      },
      { clock, source, decisions: log, echo },
    );
    return {
      rest,
      openSocket: (deps) => {
        const socket = new ReplaySocket(deps, {
          clock,
          decisions: log,
          session: source.sessions[deps.kind][opened[deps.kind]++],
          synthesizedId: () => `replay-ws-${++synthesized}`,
          onOrders: (orders) => echo.observed(orders),
          echo,
        });
        if (deps.kind === 'private') echo.attach(socket);
        return socket;
      },
    };
  };
  const rt = new Runtime({
    config,
    clock,
    logger,
    metrics,
    endpoints: {
      rest: 'http://replay.invalid',
      wsPublic: 'replay://public',
      wsPrivate: 'replay://private',
      wsTrade: 'replay://trade',
    },
    credentials: credentials('replay', 'replay'),
    inspect: log.inspect,
    inspectOrders: false,
    eventLoopLagMs: () => 0,
    venue,
    trades: teeTradeLog(log, options.trades),
  });
  const root = buildSystem(rt, { web: false });
  let rootError: unknown;
  root.subscribe({ error: (err) => (rootError = err) });

  clock.recordedFiring = (due, ms) => source.recordedFiring(due, ms);
  source.onControl = (t, to, event) => {
    clock.schedule(() => {
      log.write('control', { to, event });
      const target = (to === 'root' ? root : root.system.get(to)) as AnyActorRef | undefined;
      if (target !== undefined && root.getSnapshot().status === 'active') target.send(event);
    }, t - clock.now());
  };
  source.onGap = (t, dropped) => {
    clock.schedule(() => log.write('gap', { dropped }), t - clock.now());
  };

  // The start-up's first calls are made synchronously by start(): their answers must be filed.
  await source.fillTo(clock.now() + LOOKAHEAD_MS);
  const microtasks = watchMicrotasks();
  let end: number | undefined;
  try {
    root.start();
    for (;;) {
      const ahead = clock.now() + LOOKAHEAD_MS;
      if (source.mayHaveLinesTo(ahead) && !source.fillBuffered(ahead)) await source.fillTo(ahead);
      if (root.getSnapshot().status !== 'active') break;
      if (end === undefined && source.exhausted)
        end = source.sawShutdown ? source.lastT + SHUTDOWN_GRACE_MS : source.lastT;
      const due = clock.nextDue();
      const horizon = end ?? clock.now() + LOOKAHEAD_MS;
      if (due !== undefined && due <= horizon) {
        const before = microtasks.count();
        clock.fireNext();
        if (microtasks.count() !== before) await microtasks.settle();
        continue;
      }
      if (end !== undefined) break;
      // Nothing to do within the window: jump to just before the next recorded line.
      const next = await source.nextTime();
      if (next !== undefined) clock.advanceTo(next - LOOKAHEAD_MS);
    }
  } finally {
    microtasks.stop();
  }
  if (end !== undefined) clock.advanceTo(Math.min(end, Math.max(clock.now(), source.lastT)));

  const snapshot = root.getSnapshot();
  const finished = snapshot.status === 'done';
  if (snapshot.status === 'active') root.stop();
  if (rt.isStarted) {
    rt.started.market.stop();
    rt.started.orders.stop();
  }
  rest?.finish();
  await rt.rest.close();
  if (rootError !== undefined)
    log.write('error', { message: String((rootError as Error).message ?? rootError) });
  const out = finished ? snapshot.output : undefined;
  log.write('end', {
    reason: finished ? 'shutdown' : 'eof',
    ...(out === undefined ? {} : { exitCode: out.exitCode, shutdown: out.reason, verified: out.verified }),
    lines: source.lines,
    badLines,
    divergences: log.divergences,
  });
  await options.trades?.close?.(10_000);
  return {
    session: header.session,
    lines: source.lines,
    badLines,
    decisions: log.count,
    divergences: log.divergences,
    simulatedMs: clock.now() - header.clock,
    wallMs: performance.now() - started,
    cpuMs: ((c) => (c.user + c.system) / 1000)(process.cpuUsage(cpu0)),
    end: finished ? 'shutdown' : 'eof',
    exitCode: out?.exitCode,
  };
}

/**
 * Replays the recording at `path` (a session directory or one of its files): the entry point for
 * the CLI, the golden tests and the benchmarks (replay.x_realtime = simulatedMs / wallMs).
 */
export function replayRecording(
  path: string,
  options: Omit<ReplayOptions, 'recording'>,
): Promise<ReplaySummary> {
  return replay({ ...options, recording: path });
}
