/**
 * The hot-path validator for `orderbook.{depth}.{symbol}` frames (protocol doc §5.1). Book frames
 * arrive up to every 10 ms per topic, so this is hand-written instead of zod: one JSON.parse, a
 * walk over the fields the book reads, and the parsed object itself handed back (no copy). Price
 * and size stay the wire strings; the order book converts them and reports malformed numbers.
 *
 * scanBookFrame is the faster twin for frames in the exact form Bybit (and the simulator) send:
 * compact JSON, topic first, plain ASCII strings. It reads the frame in one pass without
 * JSON.parse and without cutting out a string per level (the levels stay ranges of the text, with
 * their digits already read, see domain/book/packed-levels.ts). Anything outside that form, or
 * anything validateBookFrame would refuse, it declines, and the caller takes the JSON.parse path,
 * so the outcome for any input is exactly that of parseBookFrame. It accepts nothing but printable
 * ASCII, which BybitSocket relies on to skip a separate UTF-8 check.
 *
 * On this machine class a character loop costs about 3 ns a character, so the scanner touches
 * each character once where it can: the fixed text around a known topic is compared whole (native
 * string compare), and prices and sizes are read as numbers in the same walk that validates them.
 */
import type { PackedLevels } from '../../../domain/book/packed-levels.js';
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
    /**
     * The levels as ranges of the frame's text, when scanBookFrame read it. A consumer that can
     * apply these (OrderBook.applyDeltaPacked) creates no string per level; `b` and `a` are then
     * built on first access.
     */
    readonly packed?: PackedLevels;
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

// ---- the fast scanner -------------------------------------------------------------------------

/** How every frame the scanner reads begins (Bybit puts the topic first). */
const SCAN_HEAD = '{"topic":"orderbook.';
const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;
/** Integers of up to this many digits are exact doubles and safe integers. */
const MAX_INT_DIGITS = 15;

/**
 * The data of a scanned frame, which is also its packed levels (one object fewer per frame): `b`
 * and `a` are cut out of the text only when someone reads them.
 */
class ScannedBookData implements PackedLevels {
  readonly s: string;
  readonly u: number;
  readonly seq: number | undefined;
  readonly text: string;
  readonly ranges: number[];
  readonly digits: number[];
  readonly bidsAt: number;
  readonly bids: number;
  readonly asksAt: number;
  readonly asks: number;
  #b: readonly WireLevel[] | undefined;
  #a: readonly WireLevel[] | undefined;

  constructor(
    s: string,
    u: number,
    seq: number | undefined,
    text: string,
    ranges: number[],
    digits: number[],
    bidsAt: number,
    bids: number,
    asksAt: number,
    asks: number,
  ) {
    this.s = s;
    this.u = u;
    this.seq = seq;
    this.text = text;
    this.ranges = ranges;
    this.digits = digits;
    this.bidsAt = bidsAt;
    this.bids = bids;
    this.asksAt = asksAt;
    this.asks = asks;
  }

  get packed(): PackedLevels {
    return this;
  }

  get b(): readonly WireLevel[] {
    return (this.#b ??= cutLevels(this, this.bidsAt, this.bids));
  }

  get a(): readonly WireLevel[] {
    return (this.#a ??= cutLevels(this, this.asksAt, this.asks));
  }

  /** What JSON.parse would have given (for logs and JSON.stringify). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { s: this.s, b: this.b, a: this.a, u: this.u };
    if (this.seq !== undefined) out['seq'] = this.seq;
    return out;
  }
}

function cutLevels(p: PackedLevels, at: number, count: number): WireLevel[] {
  const { text, ranges: r } = p;
  const out = new Array<WireLevel>(count);
  for (let n = 0, k = at; n < count; n++, k += 4) {
    out[n] = [text.slice(r[k], r[k + 1]), text.slice(r[k + 2], r[k + 3])];
  }
  return out;
}

/** The last integer uintEnd read (a module variable, so reading a number allocates nothing). */
let scannedInt = 0;

/**
 * Reads a JSON string starting at the quote at `i` and returns the index of its closing quote, or
 * -1 unless every character is printable ASCII without escapes.
 */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1, n = text.length; j < n; j++) {
    const c = text.charCodeAt(j);
    // Prices and sizes are digits and a dot: one test for those before the others.
    if (c >= 46 /* . */ && c <= 57 /* 9 */) continue;
    if (c === QUOTE) return j;
    if (c < 0x20 || c === BACKSLASH || c > 0x7e) return -1;
  }
  return -1;
}

/**
 * Reads a non-negative JSON integer of at most MAX_INT_DIGITS digits at `i` into scannedInt and
 * returns the index after it, or -1 (no digit, a leading zero, a fraction or an exponent).
 */
function uintEnd(text: string, i: number): number {
  let c = text.charCodeAt(i) - 48;
  if (!(c >= 0 && c <= 9)) return -1;
  let v = c;
  let j = i + 1;
  for (let n = text.length; j < n; j++) {
    c = text.charCodeAt(j) - 48;
    if (!(c >= 0 && c <= 9)) break;
    if (v === 0 || j - i >= MAX_INT_DIGITS) return -1;
    v = v * 10 + c;
  }
  const next = text.charCodeAt(j);
  if (next === 46 /* . */ || next === 101 /* e */ || next === 69 /* E */) return -1;
  scannedInt = v;
  return j;
}

/** The digits decimalEnd last read (module variables, so reading a level allocates nothing). */
let scannedMantissa = 0;
let scannedFraction = 0;

/**
 * stringEnd for a price or size, which also reads it as a decimal while it walks the characters
 * (see PackedLevels.digits): scannedMantissa gets all its digits as one integer and
 * scannedFraction the count after the dot; the mantissa is NaN unless the string is digits with
 * at most one dot and at most MAX_INT_DIGITS digits. Accepts and refuses exactly what stringEnd
 * does.
 */
function decimalEnd(text: string, i: number): number {
  let m = 0;
  let dot = -1;
  let plain = true;
  for (let j = i + 1, len = text.length; j < len; j++) {
    const c = text.charCodeAt(j);
    if (c >= 48 /* 0 */ && c <= 57 /* 9 */) {
      m = m * 10 + (c - 48);
      continue;
    }
    if (c === DOT && dot < 0) {
      dot = j;
      continue;
    }
    if (c === QUOTE) {
      // Plain: every character was a digit but the one dot, so the digits are counted by position.
      const n = j - i - 1 - (dot < 0 ? 0 : 1);
      scannedMantissa = plain && n > 0 && n <= MAX_INT_DIGITS ? m : Number.NaN;
      scannedFraction = dot < 0 ? 0 : j - dot - 1;
      return j;
    }
    if (c < 0x20 || c === BACKSLASH || c > 0x7e) return -1;
    plain = false;
  }
  return -1;
}

/**
 * Reads an array of [price, size] string pairs at `i`, pushing four ranges per level and their
 * digits, and returns the index after it, or -1.
 */
function levelsEnd(text: string, i: number, ranges: number[], digits: number[]): number {
  if (text.charCodeAt(i) !== LBRACKET) return -1;
  i++;
  if (text.charCodeAt(i) === RBRACKET) return i + 1;
  for (;;) {
    if (text.charCodeAt(i) !== LBRACKET || text.charCodeAt(i + 1) !== QUOTE) return -1;
    i++;
    let e = decimalEnd(text, i);
    if (e < 0 || text.charCodeAt(e + 1) !== COMMA || text.charCodeAt(e + 2) !== QUOTE) return -1;
    ranges.push(i + 1, e);
    digits.push(scannedMantissa, scannedFraction);
    i = e + 2;
    e = decimalEnd(text, i);
    if (e < 0 || text.charCodeAt(e + 1) !== RBRACKET) return -1;
    ranges.push(i + 1, e);
    digits.push(scannedMantissa, scannedFraction);
    i = e + 2;
    const c = text.charCodeAt(i);
    if (c === RBRACKET) return i + 1;
    if (c !== COMMA) return -1;
    i++;
  }
}

/** Recently seen topics and symbols, so a steady stream reuses its strings. */
const interned: string[] = [];
const INTERNED_MAX = 16;

function intern(text: string, start: number, end: number): string {
  const len = end - start;
  for (let k = 0; k < interned.length; k++) {
    const s = interned[k] as string;
    if (s.length === len && at(text, start, s)) return s;
  }
  const s = text.slice(start, end);
  if (interned.length >= INTERNED_MAX) interned.shift();
  interned.push(s);
  return s;
}

/**
 * Whether `word` occurs in `text` at `start`. Compared a character at a time: for the short keys of
 * a frame this is several times cheaper than a startsWith call (measured: the scanner's eight
 * startsWith calls were about a third of its time).
 */
function at(text: string, start: number, word: string): boolean {
  if (start + word.length > text.length) return false;
  for (let k = 0; k < word.length; k++) if (text.charCodeAt(start + k) !== word.charCodeAt(k)) return false;
  return true;
}

/** Whether text[start, end) is `word`. */
function isKey(text: string, start: number, end: number, word: string): boolean {
  return end - start === word.length && at(text, start, word);
}

/** Bybit's own key order, after the topic: what scanCanonical expects at each step. */
const AFTER_TOPIC_DELTA = '","type":"delta","ts":';
const AFTER_TOPIC_SNAPSHOT = '","type":"snapshot","ts":';
const DATA_HEAD = ',"data":{"s":';
const BIDS_KEY = ',"b":';
const ASKS_KEY = ',"a":';
const U_KEY = ',"u":';
const SEQ_KEY = ',"seq":';
const CTS_KEY = '},"cts":';

/**
 * What the canonical form of one topic's frames begins with, for a topic the scanner has already
 * read and validated once: the text up to `ts`'s value for each type, and `data` up to the bids.
 * A frame that starts with these exact strings passes every check of the topic, the type and the
 * symbol that reading them would make, so they are compared whole (a string compare runs in
 * native code; a character loop costs about 3 ns a character on the machines we measured).
 */
interface TopicHeads {
  readonly topic: string;
  readonly symbol: string;
  /** Index of the quote that closes the topic. */
  readonly topicEnd: number;
  /** Index and code of the symbol's first character in the topic: a cheap test between topics. */
  readonly symbolAt: number;
  readonly symbolFirst: number;
  readonly delta: string;
  readonly snapshot: string;
  readonly data: string;
}

const heads: TopicHeads[] = [];
/** Topics remembered; past this many, the oldest is forgotten (and read the long way if it comes back). */
const HEADS_MAX = 64;

function headsOf(topic: string, symbol: string): TopicHeads {
  for (let k = 0; k < heads.length; k++) {
    const h = heads[k] as TopicHeads;
    if (h.topic === topic && h.symbol === symbol) return h;
  }
  const prefix = `${SCAN_HEAD}${topic.slice(BOOK_PREFIX.length)}`;
  const h: TopicHeads = {
    topic,
    symbol,
    topicEnd: prefix.length,
    symbolAt: prefix.length - symbol.length,
    symbolFirst: symbol.charCodeAt(0),
    delta: `${prefix}${AFTER_TOPIC_DELTA}`,
    snapshot: `${prefix}${AFTER_TOPIC_SNAPSHOT}`,
    data: `${DATA_HEAD}"${symbol}"${BIDS_KEY}`,
  };
  if (heads.length >= HEADS_MAX) heads.shift();
  heads.push(h);
  return h;
}

/**
 * Whether text[start, start + word.length) is `word`, compared natively (see TopicHeads).
 * lastIndexOf from `start` tries `start` first, as fast as comparing a slice, without making one;
 * it searches further back only when the word is not there, and the frame is then declined.
 */
function wordAt(text: string, start: number, word: string): boolean {
  return text.lastIndexOf(word, start) === start;
}

/**
 * The frame in exactly the layout Bybit and the simulator send, keys in their order (topic, type,
 * ts, data{s, b, a, u, seq}, cts): read with fixed-position comparisons instead of the key loop.
 * For a topic already seen, the topic, type and symbol are compared whole against its heads.
 * Anything else, a key missing, moved or added, it declines, and scanBookFrame's general loop
 * reads the frame; every value passes the same checks as there.
 */
function scanCanonical(text: string): WireBookFrame | undefined {
  // A topic not seen yet: read the topic, type and symbol, then remember their heads.
  const topicEnd = stringEnd(text, 9);
  if (topicEnd < 0) return undefined;
  let type: 'snapshot' | 'delta';
  let i: number;
  if (at(text, topicEnd, AFTER_TOPIC_DELTA)) {
    type = 'delta';
    i = topicEnd + AFTER_TOPIC_DELTA.length;
  } else if (at(text, topicEnd, AFTER_TOPIC_SNAPSHOT)) {
    type = 'snapshot';
    i = topicEnd + AFTER_TOPIC_SNAPSHOT.length;
  } else return undefined;
  if ((i = uintEnd(text, i)) < 0) return undefined;
  if (!at(text, i, DATA_HEAD)) return undefined;
  i += DATA_HEAD.length;
  if (text.charCodeAt(i) !== QUOTE) return undefined;
  const symEnd = stringEnd(text, i);
  if (symEnd < 0 || !at(text, symEnd + 1, BIDS_KEY)) return undefined;
  const symbol = symbolOf(text, 10, topicEnd, i + 1, symEnd);
  if (symbol === undefined) return undefined;
  const topicHeads = headsOf(intern(text, 10, topicEnd), symbol);
  return scanFromTs(
    text,
    (type === 'delta' ? topicHeads.delta : topicHeads.snapshot).length,
    topicHeads,
    type,
  );
}

/**
 * scanCanonical for a frame of a topic seen before: the frame, or null when it starts with the
 * topic's heads but is not in canonical form after them (only the general loop can read it), or
 * undefined when no heads match.
 */
function scanKnownTopic(text: string): WireBookFrame | null | undefined {
  for (let k = heads.length - 1; k >= 0; k--) {
    const h = heads[k] as TopicHeads;
    if (text.charCodeAt(h.topicEnd) !== QUOTE || text.charCodeAt(h.symbolAt) !== h.symbolFirst) continue;
    if (wordAt(text, 0, h.delta)) return scanFromTs(text, h.delta.length, h, 'delta') ?? null;
    if (wordAt(text, 0, h.snapshot)) return scanFromTs(text, h.snapshot.length, h, 'snapshot') ?? null;
  }
  return undefined;
}

// The keys after the levels, spelled out: at() reads its word as well as the text, and these
// four comparisons were a tenth of the scanner's time.

/** Whether `,"<letter>":` (ASKS_KEY, U_KEY) is at i. */
function letterKeyAt(text: string, i: number, letter: number): boolean {
  return (
    text.charCodeAt(i) === COMMA &&
    text.charCodeAt(i + 1) === QUOTE &&
    text.charCodeAt(i + 2) === letter &&
    text.charCodeAt(i + 3) === QUOTE &&
    text.charCodeAt(i + 4) === COLON
  );
}

/** Whether SEQ_KEY is at i. */
function seqKeyAt(text: string, i: number): boolean {
  return (
    text.charCodeAt(i) === COMMA &&
    text.charCodeAt(i + 1) === QUOTE &&
    text.charCodeAt(i + 2) === 115 /* s */ &&
    text.charCodeAt(i + 3) === 101 /* e */ &&
    text.charCodeAt(i + 4) === 113 /* q */ &&
    text.charCodeAt(i + 5) === QUOTE &&
    text.charCodeAt(i + 6) === COLON
  );
}

/** Whether CTS_KEY is at i. */
function ctsKeyAt(text: string, i: number): boolean {
  return (
    text.charCodeAt(i) === RBRACE &&
    text.charCodeAt(i + 1) === COMMA &&
    text.charCodeAt(i + 2) === QUOTE &&
    text.charCodeAt(i + 3) === 99 /* c */ &&
    text.charCodeAt(i + 4) === 116 /* t */ &&
    text.charCodeAt(i + 5) === 115 /* s */ &&
    text.charCodeAt(i + 6) === QUOTE &&
    text.charCodeAt(i + 7) === COLON
  );
}

/** The rest of scanCanonical, from `ts`'s value at `i`, once the frame's heads are known to match. */
function scanFromTs(
  text: string,
  i: number,
  h: TopicHeads,
  type: 'snapshot' | 'delta',
): WireBookFrame | undefined {
  if ((i = uintEnd(text, i)) < 0) return undefined;
  const ts = scannedInt;
  if (!wordAt(text, i, h.data)) return undefined;
  const ranges: number[] = [];
  const digits: number[] = [];
  if ((i = levelsEnd(text, i + h.data.length, ranges, digits)) < 0) return undefined;
  const asksAt = ranges.length;
  if (!letterKeyAt(text, i, 97 /* a */)) return undefined;
  if ((i = levelsEnd(text, i + ASKS_KEY.length, ranges, digits)) < 0) return undefined;
  if (!letterKeyAt(text, i, 117 /* u */) || (i = uintEnd(text, i + U_KEY.length)) < 0) return undefined;
  const u = scannedInt;
  if (!seqKeyAt(text, i) || (i = uintEnd(text, i + SEQ_KEY.length)) < 0) return undefined;
  const seq = scannedInt;
  if (!ctsKeyAt(text, i) || (i = uintEnd(text, i + CTS_KEY.length)) < 0) return undefined;
  const cts = scannedInt;
  if (i + 1 !== text.length || text.charCodeAt(i) !== RBRACE) return undefined;
  const data = new ScannedBookData(
    h.symbol,
    u,
    seq,
    text,
    ranges,
    digits,
    0,
    asksAt / 4,
    asksAt,
    (ranges.length - asksAt) / 4,
  );
  return { topic: h.topic, type, ts, data, cts };
}

/**
 * The symbol text[symStart, symEnd), interned, if it is the last segment of the topic
 * text[topicStart, topicEnd) (validateBookFrame's rule); undefined otherwise.
 */
function symbolOf(
  text: string,
  topicStart: number,
  topicEnd: number,
  symStart: number,
  symEnd: number,
): string | undefined {
  const symLen = symEnd - symStart;
  if (symStart < 0 || symLen === 0 || topicEnd - topicStart <= symLen) return undefined;
  if (text.charCodeAt(topicEnd - symLen - 1) !== DOT) return undefined;
  const symbol = intern(text, symStart, symEnd);
  return at(text, topicEnd - symLen, symbol) ? symbol : undefined;
}

/**
 * Reads a book frame in the exact form Bybit sends, without JSON.parse. Returns the frame when the
 * text is in that form and valid; returns undefined for everything else, which the caller must then
 * read with parseBookFrame (whose outcome it would have matched had it accepted).
 */
export function scanBookFrame(text: string): WireBookFrame | undefined {
  const known = scanKnownTopic(text);
  if (known !== null) {
    if (known !== undefined) return known;
    if (!at(text, 0, SCAN_HEAD)) return undefined;
    const canonical = scanCanonical(text);
    if (canonical !== undefined) return canonical;
  }
  // The topic's value starts at the quote after '{"topic":'.
  let e = stringEnd(text, 9);
  if (e < 0) return undefined;
  const topicStart = 10;
  const topicEnd = e;
  let i = e + 1;
  let type: 'snapshot' | 'delta' | undefined;
  let ts = -1;
  let cts = -1;
  let hasData = false;
  let symStart = -1;
  let symEnd = -1;
  let u = -1;
  let seq = -1;
  let bidsAt = -1;
  let asksAt = -1;
  let bids = 0;
  let asks = 0;
  const ranges: number[] = [];
  const digits: number[] = [];
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === RBRACE) break;
    if (c !== COMMA || text.charCodeAt(i + 1) !== QUOTE) return undefined;
    e = stringEnd(text, i + 1);
    if (e < 0 || text.charCodeAt(e + 1) !== COLON) return undefined;
    const k0 = i + 2;
    i = e + 2;
    if (isKey(text, k0, e, 'type')) {
      if (type !== undefined || text.charCodeAt(i) !== QUOTE) return undefined;
      e = stringEnd(text, i);
      if (isKey(text, i + 1, e, 'delta')) type = 'delta';
      else if (isKey(text, i + 1, e, 'snapshot')) type = 'snapshot';
      else return undefined;
      i = e + 1;
    } else if (isKey(text, k0, e, 'ts')) {
      if (ts >= 0 || (i = uintEnd(text, i)) < 0) return undefined;
      ts = scannedInt;
    } else if (isKey(text, k0, e, 'cts')) {
      if (cts >= 0 || (i = uintEnd(text, i)) < 0) return undefined;
      cts = scannedInt;
    } else if (isKey(text, k0, e, 'data')) {
      if (hasData || text.charCodeAt(i) !== LBRACE) return undefined;
      hasData = true;
      i++;
      if (text.charCodeAt(i) === RBRACE) return undefined; // no symbol: parseBookFrame says why
      for (let first = true; ; first = false) {
        if (!first) {
          const d = text.charCodeAt(i);
          if (d === RBRACE) break;
          if (d !== COMMA) return undefined;
          i++;
        }
        if (text.charCodeAt(i) !== QUOTE) return undefined;
        e = stringEnd(text, i);
        if (e < 0 || text.charCodeAt(e + 1) !== COLON) return undefined;
        const d0 = i + 1;
        i = e + 2;
        if (isKey(text, d0, e, 'b')) {
          if (bidsAt >= 0) return undefined;
          bidsAt = ranges.length;
          if ((i = levelsEnd(text, i, ranges, digits)) < 0) return undefined;
          bids = (ranges.length - bidsAt) / 4;
        } else if (isKey(text, d0, e, 'a')) {
          if (asksAt >= 0) return undefined;
          asksAt = ranges.length;
          if ((i = levelsEnd(text, i, ranges, digits)) < 0) return undefined;
          asks = (ranges.length - asksAt) / 4;
        } else if (isKey(text, d0, e, 'u')) {
          if (u >= 0 || (i = uintEnd(text, i)) < 0) return undefined;
          u = scannedInt;
        } else if (isKey(text, d0, e, 'seq')) {
          if (seq >= 0 || (i = uintEnd(text, i)) < 0) return undefined;
          seq = scannedInt;
        } else if (isKey(text, d0, e, 's')) {
          if (symStart >= 0 || text.charCodeAt(i) !== QUOTE || (e = stringEnd(text, i)) < 0) return undefined;
          symStart = i + 1;
          symEnd = e;
          i = e + 1;
        } else return undefined;
      }
      i++;
    } else return undefined;
  }
  if (i + 1 !== text.length) return undefined;
  if (type === undefined || ts < 0 || !hasData || u < 0 || bidsAt < 0 || asksAt < 0) return undefined;
  const symbol = symbolOf(text, topicStart, topicEnd, symStart, symEnd);
  if (symbol === undefined) return undefined;
  const data = new ScannedBookData(
    symbol,
    u,
    seq < 0 ? undefined : seq,
    text,
    ranges,
    digits,
    bidsAt,
    bids,
    asksAt,
    asks,
  );
  const topic = intern(text, topicStart, topicEnd);
  return cts < 0 ? { topic, type, ts, data } : { topic, type, ts, data, cts };
}
