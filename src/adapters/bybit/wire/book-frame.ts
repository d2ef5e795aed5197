/**
 * The hot-path validator for `orderbook.{depth}.{symbol}` frames (protocol doc §5.1). Book frames
 * arrive up to every 10 ms per topic, so this is hand-written instead of zod: one JSON.parse, a
 * walk over the fields the book reads, and the parsed object itself handed back (no copy). Price
 * and size stay the wire strings; the order book converts them and reports malformed numbers.
 */
import { rejection, type FrameRejection } from './rejection.js';

/** One `[price, size]` level exactly as sent; size "0" deletes the level. */
export type WireLevel = readonly [price: string, size: string];

/** A validated order-book frame. */
export interface WireBookFrame {
  /** `orderbook.{depth}.{symbol}`. */
  readonly topic: string;
  readonly type: 'snapshot' | 'delta';
  /** Publish time (ms); a numeric string on the wire is converted to a number. */
  readonly ts: number;
  /** Matching-engine time (ms); absent on old spot frames. */
  readonly cts?: number;
  readonly data: {
    readonly s: string;
    /** Bids, best (highest) first. */
    readonly b: readonly WireLevel[];
    /** Asks, best (lowest) first. */
    readonly a: readonly WireLevel[];
    /** Update id, contiguous per topic; 1 means the stream restarted. */
    readonly u: number;
    /** Engine-wide cross sequence. */
    readonly seq?: number;
  };
}

const BOOK_PREFIX = 'orderbook.';
const DOT = 46;

/** Parses and validates one book frame from its text. */
export function parseBookFrame(text: string): WireBookFrame | FrameRejection {
  if (text.length === 0) return rejection('empty', 'empty frame');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return rejection('not_json', 'not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return rejection('not_object', 'not a JSON object');
  }
  return validateBookFrame(value as Record<string, unknown>);
}

/**
 * Validates an already-parsed object as a book frame. On success it returns the same object
 * (a numeric-string `ts` is replaced by its number in place).
 */
export function validateBookFrame(frame: Record<string, unknown>): WireBookFrame | FrameRejection {
  const topic = frame['topic'];
  if (typeof topic !== 'string' || !topic.startsWith(BOOK_PREFIX)) {
    return rejection(
      'invalid_book',
      'topic is not orderbook.*',
      typeof topic === 'string' ? topic : undefined,
    );
  }
  const type = frame['type'];
  if (type !== 'snapshot' && type !== 'delta') return bad('type is not snapshot or delta', topic);
  const ts = frame['ts'];
  if (typeof ts !== 'number') {
    if (typeof ts !== 'string' || !isDigits(ts)) return bad('ts is not a number', topic);
    frame['ts'] = Number(ts);
  }
  const cts = frame['cts'];
  if (cts !== undefined && typeof cts !== 'number') return bad('cts is not a number', topic);
  const data = frame['data'];
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    return bad('data is not an object', topic);
  const d = data as Record<string, unknown>;
  const s = d['s'];
  if (typeof s !== 'string' || s.length === 0) return bad('data.s is not a symbol', topic);
  // The symbol must be the topic's last segment: a frame for another book must never be applied.
  if (!topic.endsWith(s) || topic.charCodeAt(topic.length - s.length - 1) !== DOT) {
    return bad('data.s does not match the topic', topic);
  }
  const u = d['u'];
  if (typeof u !== 'number' || !Number.isSafeInteger(u) || u < 0)
    return bad('data.u is not an integer', topic);
  const seq = d['seq'];
  if (seq !== undefined && typeof seq !== 'number') return bad('data.seq is not a number', topic);
  const levelsProblem = checkLevels(d['b'], 'data.b') ?? checkLevels(d['a'], 'data.a');
  if (levelsProblem !== undefined) return bad(levelsProblem, topic);
  return frame as unknown as WireBookFrame;
}

function checkLevels(levels: unknown, name: string): string | undefined {
  if (!Array.isArray(levels)) return `${name} is not an array`;
  for (let i = 0; i < levels.length; i++) {
    const level: unknown = levels[i];
    if (!Array.isArray(level) || level.length !== 2) return `${name}[${i}] is not a [price, size] pair`;
    if (typeof level[0] !== 'string' || typeof level[1] !== 'string') {
      return `${name}[${i}] holds a non-string price or size`;
    }
  }
  return undefined;
}

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 16) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const bad = (detail: string, topic: string): FrameRejection => rejection('invalid_book', detail, topic);
