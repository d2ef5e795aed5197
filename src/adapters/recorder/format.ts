/**
 * The recording format (docs/replay.md): JSONL, one line per fact, in the order the facts happened.
 * Every part file opens with the session header; every other line carries the bot's clock time
 * `t` (what replay schedules by), the wall time `w` and a monotonic time `m` (ms, for incident
 * analysis), and its channel `ch`. Raw payloads are kept as the exact text that crossed the wire,
 * JSON-escaped into `raw`/`body`/`req`, so a malformed frame is recorded as faithfully as a good one.
 *
 * Lines are built by concatenation rather than JSON.stringify of an object: this runs once per
 * inbound frame, and escaping one string is the only work it needs.
 */

import type { RestAttempt } from '../bybit/rest/client.js';

/** Version of the line format; a reader refuses a header with a newer one. */
export const RECORDING_VERSION = 1;

/** Channels of the lines after the header. */
export type Channel = 'ws.public' | 'ws.private' | 'ws.trade' | 'rest' | 'control' | 'timer' | 'gap';

/** The first line of every part file. */
export interface SessionHeader {
  readonly type: 'header';
  readonly v: number;
  /** The session's id (its directory name). */
  readonly session: string;
  /** 1 for the first file of the session. */
  readonly part: number;
  readonly app: 'mm-bot';
  /** package.json version of the bot that recorded. */
  readonly version: string;
  readonly mode: string;
  /** sha256 of the configuration as canonical JSON. */
  readonly configHash: string;
  readonly seed: number;
  readonly symbols: readonly string[];
  /** The bot's clock when its runtime was built (orderLinkIds derive from it). */
  readonly clock: number;
  /** Wall and monotonic time of the same instant. */
  readonly wall: number;
  readonly mono: number;
  /** The whole configuration the bot ran with (it holds no secrets: those come from files). */
  readonly config: unknown;
}

const q = (s: string): string => JSON.stringify(s);

/** Rounds a monotonic reading to microseconds (the line stays short). */
const mono = (m: number): number => Math.round(m * 1000) / 1000;

/** The common prefix of every timed line. */
function stamp(t: number, w: number, m: number, ch: Channel): string {
  return `{"t":${t},"w":${w},"m":${mono(m)},"ch":"${ch}"`;
}

/** A WebSocket frame in or out of session `s` of a socket kind. */
export function wsFrameLine(
  t: number,
  w: number,
  m: number,
  ch: Channel,
  s: number,
  dir: 'in' | 'out',
  raw: string,
): string {
  return `${stamp(t, w, m, ch)},"s":${s},"dir":"${dir}","raw":${q(raw)}}\n`;
}

/** A lifecycle event of socket session `s`: open, connect_failed, heartbeat_timeout, close. */
export function wsEventLine(
  t: number,
  w: number,
  m: number,
  ch: Channel,
  s: number,
  ev: string,
  detail?: Readonly<Record<string, string | number>>,
): string {
  let extra = '';
  if (detail !== undefined)
    for (const [k, v] of Object.entries(detail)) extra += `,${q(k)}:${typeof v === 'number' ? v : q(v)}`;
  return `${stamp(t, w, m, ch)},"s":${s},"ev":${q(ev)}${extra}}\n`;
}

/** A REST call as it leaves: `req` is the query string (GET) or the JSON body (POST) as sent. */
export function restRequestLine(
  t: number,
  w: number,
  m: number,
  call: number,
  method: string,
  path: string,
  req: string,
): string {
  return `${stamp(t, w, m, 'rest')},"dir":"out","call":${call},"method":"${method}","path":${q(path)},"req":${q(req)}}\n`;
}

/** A REST call once it is over, with every attempt; `start` is the clock time of the first send. */
export function restResponseLine(
  t: number,
  w: number,
  m: number,
  call: number,
  method: string,
  path: string,
  req: string,
  start: number,
  attempts: readonly RestAttempt[],
  outcome: string,
): string {
  return (
    `${stamp(t, w, m, 'rest')},"dir":"in","call":${call},"method":"${method}","path":${q(path)},` +
    `"req":${q(req)},"start":${start},"outcome":${q(outcome)},"attempts":${JSON.stringify(attempts)}}\n`
  );
}

/** An event sent to the actor system from outside it (a signal's shutdown request, say). */
export function controlLine(t: number, w: number, m: number, to: string, event: unknown): string {
  return `${stamp(t, w, m, 'control')},"to":${q(to)},"event":${JSON.stringify(event)}}\n`;
}

/**
 * A timer of the bot that fired later than it was due (the event loop was busy): armed for `ms`,
 * due at `due`, fired at `t`. Replay fires it at `t` too, so that the bot sees what it saw live.
 */
export function timerLine(t: number, w: number, m: number, due: number, ms: number): string {
  return `${stamp(t, w, m, 'timer')},"due":${due},"ms":${ms}}\n`;
}

/** Marks lines the recorder had to drop (its buffer was full): replay reports the hole. */
export function gapLine(t: number, w: number, m: number, dropped: number): string {
  return `${stamp(t, w, m, 'gap')},"dropped":${dropped}}\n`;
}

/** The header line of a part. */
export function headerLine(h: SessionHeader): string {
  return `${JSON.stringify(h)}\n`;
}
