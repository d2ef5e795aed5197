import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classifyInbound } from '../../../../src/adapters/bybit/wire/classify.js';
import { REJECT_REASONS } from '../../../../src/adapters/bybit/wire/rejection.js';
import { fixture, fixtureNames } from './load-fixture.js';

const KINDS = new Set([
  'book',
  'publicTrade',
  'ticker',
  'private',
  'reply',
  'pong',
  'tradeResponse',
  'rejected',
]);
const REASONS = new Set<string>(REJECT_REASONS);

function wellFormed(text: string): void {
  const r = classifyInbound(text);
  expect(KINDS.has(r.kind)).toBe(true);
  if (r.kind === 'rejected') {
    expect(REASONS.has(r.reason)).toBe(true);
    expect(r.detail.length).toBeGreaterThan(0);
    // A rejection describes the problem; it never echoes the frame.
    if (text.length > 40) expect(r.detail).not.toContain(text);
  }
}

const texts = fixtureNames().map(fixture);

describe('classifyInbound never throws', () => {
  it('on arbitrary strings, including lone surrogates and control characters', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), wellFormed), { numRuns: 2000 });
  });

  it('on arbitrary JSON values', () => {
    fc.assert(fc.property(fc.json({ maxDepth: 4 }), wellFormed), { numRuns: 2000 });
  });

  it('on real frames cut, spliced or with a character replaced', () => {
    const mutated = fc
      .tuple(fc.constantFrom(...texts), fc.nat(), fc.nat(), fc.string({ unit: 'binary', maxLength: 3 }))
      .map(([t, i, j, s]) => {
        const a = i % (t.length + 1);
        const b = a + (j % 8);
        return t.slice(0, a) + s + t.slice(b);
      });
    fc.assert(fc.property(mutated, wellFormed), { numRuns: 3000 });
  });

  it('on objects carrying a real topic or op with arbitrary fields', () => {
    const topicOrOp = fc.oneof(
      fc
        .constantFrom(
          'orderbook.50.BTCUSDT',
          'publicTrade.BTCUSDT',
          'tickers.BTCUSDT',
          'order',
          'order.linear',
          'execution',
          'execution.fast',
          'position',
          'wallet',
          'dcp',
          'kline.1.BTCUSDT',
        )
        .map((topic) => ({ topic })),
      fc
        .constantFrom('ping', 'pong', 'auth', 'subscribe', 'order.create', 'order.cancel-batch')
        .map((op) => ({ op })),
    );
    const obj = fc
      .tuple(
        topicOrOp,
        fc.dictionary(
          fc.constantFrom(
            'type',
            'data',
            'ts',
            'success',
            'retCode',
            'ret_msg',
            'args',
            'reqId',
            'req_id',
            'id',
            'creationTime',
          ),
          fc.jsonValue(),
        ),
      )
      .map(([head, rest]) => JSON.stringify({ ...rest, ...head }));
    fc.assert(fc.property(obj, wellFormed), { numRuns: 1000 });
  });
});

describe('classifyInbound rejects with a reason, or reads refusals', () => {
  it.each<[string, string, string]>([
    ['empty text', '', 'empty'],
    ['truncated JSON', '{"topic":"orderbook.50.BTCUSDT","type":"sn', 'not_json'],
    ['binary garbage', '\u0089PNG\r\n\u001a\n\u0000\u0000', 'not_json'],
    ['a number', '42', 'not_object'],
    ['an unknown topic', '{"topic":"kline.1.BTCUSDT","data":[]}', 'unknown_topic'],
    ['an object with neither topic nor op', '{"hello":"world"}', 'unknown_message'],
    [
      'a book frame without u',
      fixture('ws_orderbook50_snapshot').replace('"u":173678160,', ''),
      'invalid_book',
    ],
    [
      'a trade with a numeric price',
      fixture('ws_publictrade_snapshot_linear').replace('"109378.90"', '109378.9'),
      'invalid_public_trade',
    ],
    [
      'a ticker snapshot without lastPrice',
      fixture('ws_tickers_snapshot_xrpusdt').replace('"lastPrice":"3.3280",', ''),
      'invalid_ticker',
    ],
    [
      'an order without orderId',
      fixture('ws_order_new_linear').replace('"orderId":"e09b7733-3df0-4684-b866-f5a802fb7ee2",', ''),
      'invalid_private',
    ],
    [
      'an execution with a non-decimal qty',
      fixture('ws_execution_fill_linear').replace('"execQty":"0.003"', '"execQty":"three"'),
      'invalid_private',
    ],
    ['a reply with a string success', '{"success":"true","ret_msg":"","op":"subscribe"}', 'invalid_reply'],
    ['a pong with args not an array', '{"op":"pong","args":"1"}', 'invalid_pong'],
    [
      'a trade response without retMsg',
      '{"reqId":"1","retCode":0,"op":"order.create","data":{}}',
      'invalid_trade_response',
    ],
  ])('%s', (_name, text, reason) => {
    const r = classifyInbound(text);
    expect(r.kind).toBe('rejected');
    if (r.kind === 'rejected') expect(r.reason).toBe(reason);
  });

  it('reads a decode-error refusal (§4.1) as an anonymous failed reply', () => {
    const r = classifyInbound(
      '{"success":false,"ret_msg":"Failed to decode incoming data:readObjectStart: expect { or n, but found h","conn_id":"c1","op":""}',
    );
    expect(r).toMatchObject({ kind: 'reply', reply: { op: undefined, reqId: undefined, success: false } });
  });

  it('names the topic of a rejected topic frame', () => {
    const r = classifyInbound(fixture('ws_order_new_linear').replace('"side":"Buy"', '"side":"Up"'));
    expect(r).toMatchObject({ kind: 'rejected', reason: 'invalid_private', topic: 'order' });
    if (r.kind === 'rejected') expect(r.detail).toMatch(/side/);
  });
});
