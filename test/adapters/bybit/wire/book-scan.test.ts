import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseBookFrame,
  scanBookFrame,
  type WireBookFrame,
} from '../../../../src/adapters/bybit/wire/book-frame.js';
import { classifyInbound } from '../../../../src/adapters/bybit/wire/classify.js';
import { isRejection } from '../../../../src/adapters/bybit/wire/rejection.js';
import { fixture, fixtureNames } from './load-fixture.js';

const bookFixtures = fixtureNames()
  .filter((n) => n.startsWith('ws_orderbook'))
  .map(fixture);

/** A frame as plain data, whichever path read it. */
const plain = (f: WireBookFrame): unknown => JSON.parse(JSON.stringify(f));

/** What PackedLevels.digits holds for one price or size string, by its definition. */
function digitsOf(s: string): [number, number] {
  const all = s.replace('.', '');
  if (!/^\d*\.?\d*$/.test(s) || all.length === 0 || all.length > 15) return [Number.NaN, 0];
  const dot = s.indexOf('.');
  return [Number(all), dot < 0 ? 0 : s.length - dot - 1];
}

/** The scanner either declines, or gives exactly what JSON.parse and the validator give. */
function agrees(text: string): boolean {
  const scanned = scanBookFrame(text);
  if (scanned === undefined) return false;
  // BybitSocket relies on this: it decodes frames as Latin-1 and skips the UTF-8 check for those
  // the scanner reads.
  expect(/^[\x20-\x7e]*$/.test(text)).toBe(true);
  const parsed = parseBookFrame(text);
  if (isRejection(parsed)) throw new Error(`scanner accepted what the validator refuses: ${parsed.detail}`);
  expect(plain(scanned)).toEqual(plain(parsed));
  // The digits read ahead for the book are those of the strings (the fraction count means nothing
  // beside a NaN mantissa), at the index of each string's range.
  const packed = scanned.data.packed!;
  const shown = (m: number, f: number): string => (Number.isNaN(m) ? 'NaN' : `${m}/${f}`);
  const expected: string[] = [];
  const found: string[] = [];
  for (const [levels, at] of [
    [parsed.data.b, packed.bidsAt],
    [parsed.data.a, packed.asksAt],
  ] as const) {
    levels.forEach(([p, q], n) => {
      const k = at + 4 * n;
      expected.push(shown(...digitsOf(p)), shown(...digitsOf(q)));
      found.push(
        shown(packed.digits![k]!, packed.digits![k + 1]!),
        shown(packed.digits![k + 2]!, packed.digits![k + 3]!),
      );
    });
  }
  expect(found).toEqual(expected);
  expect(scanned.data.b).toEqual(parsed.data.b);
  expect(scanned.data.a).toEqual(parsed.data.a);
  expect(scanned.data.seq).toBe(parsed.data.seq);
  expect(scanned.cts).toBe(parsed.cts);
  return true;
}

const level = fc.tuple(
  fc.integer({ min: 1, max: 10_000_000 }).map((t) => (t / 10).toFixed(1)),
  fc.oneof(
    fc.constant('0'),
    fc.integer({ min: 1, max: 99_999 }).map((q) => (q / 1000).toFixed(3)),
  ),
);

/** Book frames in Bybit's compact form, keys after the topic in any order, optional ones dropped. */
const frames = fc
  .record({
    symbol: fc.constantFrom('BTCUSDT', 'ETHUSDT', 'AAPLUSDT', '1000PEPEUSDT'),
    depth: fc.constantFrom(1, 50, 200),
    type: fc.constantFrom('snapshot', 'delta'),
    ts: fc.integer({ min: 0, max: 2_000_000_000_000 }),
    cts: fc.option(fc.integer({ min: 0, max: 2_000_000_000_000 }), { nil: undefined }),
    u: fc.integer({ min: 0, max: 999_999_999_999 }),
    seq: fc.option(fc.integer({ min: 0, max: 999_999_999_999 }), { nil: undefined }),
    b: fc.array(level, { maxLength: 8 }),
    a: fc.array(level, { maxLength: 8 }),
    order: fc.shuffledSubarray(['type', 'ts', 'data', 'cts'], { minLength: 4, maxLength: 4 }),
    dataOrder: fc.shuffledSubarray(['s', 'b', 'a', 'u', 'seq'], { minLength: 5, maxLength: 5 }),
  })
  .map((f) => {
    const data: Record<string, unknown> = {};
    const values: Record<string, unknown> = { s: f.symbol, b: f.b, a: f.a, u: f.u, seq: f.seq };
    for (const k of f.dataOrder) data[k] = values[k];
    const frame: Record<string, unknown> = { topic: `orderbook.${f.depth}.${f.symbol}` };
    const top: Record<string, unknown> = { type: f.type, ts: f.ts, data, cts: f.cts };
    for (const k of f.order) frame[k] = top[k];
    return JSON.stringify(frame);
  });

/** Compact frames in Bybit's key order (topic, type, ts, data{s, b, a, u, seq}, cts). */
function canonicalFrames() {
  return fc
    .record({
      symbol: fc.constantFrom('BTCUSDT', 'ETHUSDT', '1000PEPEUSDT'),
      type: fc.constantFrom('snapshot', 'delta'),
      ts: fc.integer({ min: 0, max: 2_000_000_000_000 }),
      u: fc.integer({ min: 0, max: 999_999_999_999 }),
      seq: fc.integer({ min: 0, max: 999_999_999_999 }),
      b: fc.array(level, { maxLength: 8 }),
      a: fc.array(level, { maxLength: 8 }),
    })
    .map((f) =>
      JSON.stringify({
        topic: `orderbook.50.${f.symbol}`,
        type: f.type,
        ts: f.ts,
        data: { s: f.symbol, b: f.b, a: f.a, u: f.u, seq: f.seq },
        cts: f.ts,
      }),
    );
}

/** The same frames cut, spliced, or with a few characters replaced. */
const mutated = fc
  .tuple(
    fc.oneof(frames, fc.constantFrom(...bookFixtures), canonicalFrames()),
    fc.nat(),
    fc.nat(),
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 3 }),
      fc.constantFrom(' ', '\\"', '"', ',', '0', '-', '.5', 'e3', '[]', '{}', '"u":1,', '"s":"X",', 'é'),
    ),
  )
  .map(([t, i, j, s]) => {
    const a = i % (t.length + 1);
    const b = a + (j % 6);
    return t.slice(0, a) + s + t.slice(b);
  });

/** Mutations of the fast path's layout only: a wrong character at any place it checks. */
const mutatedCanonical = fc
  .tuple(
    canonicalFrames(),
    fc.nat(),
    fc.nat(),
    fc.constantFrom(' ', '"', ',', ':', '[', ']', '{', '}', '0', '-', '.', 'x', '\\'),
  )
  .map(([t, i, j, s]) => {
    const a = i % (t.length + 1);
    return t.slice(0, a) + s + t.slice(a + (j % 2));
  });

describe('scanBookFrame', () => {
  it('reads every real book frame that starts with its topic, as JSON.parse does', () => {
    let read = 0;
    for (const text of bookFixtures) if (agrees(text)) read++;
    expect(read).toBe(bookFixtures.filter((t) => t.startsWith('{"topic":"orderbook.')).length);
  });

  it('reads every compact frame, whatever the order of its keys', () => {
    fc.assert(
      fc.property(frames, (text) => {
        expect(agrees(text)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("reads frames in Bybit's own key order on its fast path, as JSON.parse does", () => {
    fc.assert(
      fc.property(canonicalFrames(), (text) => {
        expect(agrees(text)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('declines or agrees on every one-character change to a frame in that order', () => {
    fc.assert(
      fc.property(mutatedCanonical, (text) => {
        agrees(text);
      }),
      { numRuns: 5000 },
    );
  });

  it('declines or agrees on mutated frames, and classifyInbound answers as the validator does', () => {
    let declined = 0;
    fc.assert(
      fc.property(mutated, (text) => {
        if (!agrees(text)) declined++;
        const r = classifyInbound(text);
        const reference = parseBookFrame(text);
        if (r.kind === 'book') {
          expect(isRejection(reference)).toBe(false);
          expect(plain(r.frame)).toEqual(plain(reference as WireBookFrame));
        } else if (text.startsWith('{"topic":"orderbook.') && isRejection(reference)) {
          expect(r).toEqual(reference);
        }
      }),
      { numRuns: 4000 },
    );
    // The mutations must reach the fallback as well as the fast path.
    expect(declined).toBeGreaterThan(100);
  });

  it('declines whitespace, escapes, non-ASCII text, fractional or huge numbers, and repeated keys', () => {
    const base = fixture('ws_orderbook50_delta_linear');
    const variants = [
      base.replace('"type":', '"type" :'),
      `${base}\n`,
      base.replace('"BTCUSDT","b"', '"BTC\\u0055SDT","b"'),
      base.replace('"u":21111423', '"u":21111423.0'),
      base.replace('"u":21111423', '"u":2.1111423e7'),
      base.replace('"seq":457538796406', '"seq":4575387964060000'),
      base.replace('"seq":457538796406', '"seq":0457538796406'),
      base.replace('"ts":1758845431663', '"ts":"1758845431663"'),
      base.replace('"cts":1758845431662', '"cts":1758845431662,"cts":1'),
      base.replace('"u":21111423', '"u":21111423,"u":21111424'),
      base.replace('"0.027"', '"0.0٢7"'),
      base.replace('"data":{', '"data":{"x":1,'),
    ];
    for (const text of variants) {
      expect(scanBookFrame(text), text).toBeUndefined();
      // ...and the general path still reads (or refuses) them as before.
      const r = classifyInbound(text);
      const reference = parseBookFrame(text);
      if (isRejection(reference)) expect(r.kind).not.toBe('book');
      else expect(r.kind === 'book' && plain(r.frame)).toEqual(plain(reference));
    }
  });

  it('keeps the levels as ranges of the frame, cut into strings only when read', () => {
    const text = fixture('ws_orderbook50_delta_linear');
    const f = scanBookFrame(text)!;
    const p = f.data.packed!;
    expect(p.text).toBe(text);
    expect([p.bids, p.asks]).toEqual([2, 5]);
    const r = p.ranges;
    expect(text.slice(r[p.asksAt], r[p.asksAt + 1])).toBe('109148.00');
    expect(text.slice(r[p.asksAt + 2], r[p.asksAt + 3])).toBe('0');
    expect(f.data.b).toBe(f.data.b); // built once
  });
});
