import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseBookFrame, type WireBookFrame } from '../../../../src/adapters/bybit/wire/book-frame.js';
import { isRejection, type FrameRejection } from '../../../../src/adapters/bybit/wire/rejection.js';
import { orderbookFrameSchema } from '../../../../src/adapters/bybit/wire/public.js';
import { fixture } from './load-fixture.js';

const snapshot = (): Record<string, unknown> =>
  JSON.parse(fixture('ws_orderbook50_snapshot')) as Record<string, unknown>;
const data = (f: Record<string, unknown>) => f['data'] as Record<string, unknown>;

function rejected(text: string): FrameRejection {
  const r = parseBookFrame(text);
  expect(isRejection(r), JSON.stringify(r)).toBe(true);
  return r as FrameRejection;
}

function accepted(text: string): WireBookFrame {
  const r = parseBookFrame(text);
  if (isRejection(r)) throw new Error(`rejected: ${r.detail}`);
  return r;
}

describe('parseBookFrame', () => {
  it('accepts a real snapshot and returns the wire strings untouched', () => {
    const f = accepted(fixture('ws_orderbook50_snapshot'));
    expect(f.data.b[1]).toEqual(['86723.30', '0.002']);
    expect(f.data.a[1]).toEqual(['86723.60', '0.320']);
  });

  it('accepts ts as a numeric string and converts it', () => {
    const f = snapshot();
    f['ts'] = '1790134712130';
    expect(accepted(JSON.stringify(f)).ts).toBe(1790134712130);
  });

  it.each<[string, (f: Record<string, unknown>) => void, RegExp]>([
    ['missing u', (f) => delete data(f)['u'], /data\.u/],
    ['u as a string', (f) => (data(f)['u'] = '173678160'), /data\.u/],
    ['fractional u', (f) => (data(f)['u'] = 1.5), /data\.u/],
    ['non-string price', (f) => (data(f)['b'] = [[86723.4, '0.194']]), /data\.b\[0\]/],
    ['non-string size', (f) => (data(f)['a'] = [['86723.50', 5.959]]), /data\.a\[0\]/],
    ['a level of three', (f) => (data(f)['a'] = [['1', '2', '3']]), /pair/],
    ['bids not an array', (f) => (data(f)['b'] = {}), /data\.b/],
    ['missing asks', (f) => delete data(f)['a'], /data\.a/],
    ['wrong type', (f) => (f['type'] = 'update'), /type/],
    ['ts not numeric', (f) => (f['ts'] = 'soon'), /ts/],
    ['cts not a number', (f) => (f['cts'] = '1790134712126'), /cts/],
    ['missing data', (f) => delete f['data'], /data/],
    ['missing symbol', (f) => delete data(f)['s'], /data\.s/],
    ['symbol of another book', (f) => (data(f)['s'] = 'ETHUSDT'), /match the topic/],
    ['symbol that is only a suffix of the topic', (f) => (data(f)['s'] = 'USDT'), /match the topic/],
  ])('rejects %s with a reason naming the field', (_name, mutate, detail) => {
    const f = snapshot();
    mutate(f);
    const r = rejected(JSON.stringify(f));
    expect(r.reason).toBe('invalid_book');
    expect(r.detail).toMatch(detail);
    expect(r.topic).toBe('orderbook.50.BTCUSDT');
  });

  it.each<[string, string, string]>([
    ['empty text', '', 'empty'],
    ['truncated JSON', fixture('ws_orderbook50_snapshot').slice(0, 80), 'not_json'],
    ['binary garbage', '\u0000\u00ff\u0001\ufffd\u0089PNG', 'not_json'],
    ['a JSON array', '[1,2,3]', 'not_object'],
    ['JSON null', 'null', 'not_object'],
    ['a JSON string', '"orderbook.50.BTCUSDT"', 'not_object'],
    ['another topic', fixture('ws_publictrade_snapshot_linear'), 'invalid_book'],
  ])('rejects %s', (_name, text, reason) => {
    expect(rejected(text).reason).toBe(reason);
  });

  it('agrees with the zod twin on generated frames', () => {
    const decimal = fc
      .tuple(fc.nat({ max: 1_000_000 }), fc.nat({ max: 999 }))
      .map(([i, f]) => `${i}.${String(f).padStart(3, '0')}`);
    const levels = fc.array(fc.tuple(decimal, decimal), { maxLength: 20 });
    const frame = fc.record({
      type: fc.constantFrom('snapshot', 'delta'),
      ts: fc.oneof(fc.nat(), fc.nat().map(String)),
      symbol: fc.constantFrom('BTCUSDT', 'ETHUSDT', 'SOLUSDT'),
      depth: fc.constantFrom(1, 50, 200, 1000),
      b: levels,
      a: levels,
      u: fc.nat(),
      seq: fc.nat(),
    });
    fc.assert(
      fc.property(frame, (g) => {
        const text = JSON.stringify({
          topic: `orderbook.${g.depth}.${g.symbol}`,
          type: g.type,
          ts: g.ts,
          data: { s: g.symbol, b: g.b, a: g.a, u: g.u, seq: g.seq },
          cts: 1,
        });
        const hand = accepted(text);
        expect(hand).toEqual(orderbookFrameSchema.parse(JSON.parse(text)));
        expect(hand.ts).toBe(Number(g.ts));
      }),
    );
  });
});
