import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { z } from 'zod';
import {
  ENVELOPE_FIELDS,
  EXECUTION_FIELDS,
  fastExecutionPush,
  fastOrderPush,
  fastPositionPush,
  fastWalletPush,
  ORDER_FIELDS,
  POSITION_FIELDS,
  WALLET_COIN_FIELDS,
  WALLET_FIELDS,
  type FieldSpec,
} from '../../../../src/adapters/bybit/wire/private-fast.js';
import {
  executionPushSchema,
  executionSchema,
  orderPushSchema,
  orderSchema,
  positionPushSchema,
  positionSchema,
  walletCoinSchema,
  walletPushSchema,
  walletSchema,
} from '../../../../src/adapters/bybit/wire/private.js';
import { fixture } from './load-fixture.js';

type Shape = Record<string, z.ZodType>;

/** Values of every kind the wire could bring, and the edges of each check. */
const VALUES: unknown[] = [
  '',
  ' ',
  'Buy',
  'Sell',
  'buy',
  'New',
  'BTCUSDT',
  '0',
  '-0',
  '1',
  '-1',
  '109378.80',
  '-0.00125',
  '1.',
  '.5',
  '1e5',
  '+1',
  '1.2.3',
  '0x10',
  ' 1',
  '1 ',
  '١٢',
  '1737725795593',
  '12345678901234567',
  '1234567890123456',
  'abc',
  0,
  1,
  -1,
  1.5,
  2 ** 53,
  2 ** 53 - 1,
  -(2 ** 53),
  1e300,
  true,
  false,
  null,
  [],
  ['1'],
  {},
  { a: 1 },
];

const specs: [string, readonly FieldSpec[], Shape, string[]][] = [
  ['order', ORDER_FIELDS, orderSchema.shape, []],
  ['execution', EXECUTION_FIELDS, executionSchema.shape, []],
  ['position', POSITION_FIELDS, positionSchema.shape, []],
  ['wallet coin', WALLET_COIN_FIELDS, walletCoinSchema.shape, []],
  ['wallet', WALLET_FIELDS, walletSchema.shape, ['coin']],
  ['envelope', ENVELOPE_FIELDS, orderPushSchema.shape, ['data']],
];

describe('the hand-written private push checks match their zod schemas', () => {
  for (const [name, fields, shape, apart] of specs) {
    it(`${name}: the same keys, the same optional ones, the same verdict on every value`, () => {
      expect(fields.map(([k]) => k).sort()).toEqual(
        Object.keys(shape)
          .filter((k) => !apart.includes(k))
          .sort(),
      );
      for (const [key, check, optional] of fields) {
        const field = shape[key]!;
        expect({ key, optional }).toEqual({ key, optional: field.safeParse(undefined).success });
        for (const v of VALUES)
          expect({ key, v, accepted: check(v) }).toEqual({ key, v, accepted: field.safeParse(v).success });
      }
    });
  }
});

const pushes = [
  {
    fast: fastOrderPush,
    schema: orderPushSchema,
    frames: ['ws_order_new_linear', 'ws_order_cancelled_linear'],
  },
  {
    fast: fastExecutionPush,
    schema: executionPushSchema,
    frames: ['ws_execution_fill_linear', 'ws_execution_two-fills_linear'],
  },
  { fast: fastPositionPush, schema: positionPushSchema, frames: ['ws_position_linear'] },
  { fast: fastWalletPush, schema: walletPushSchema, frames: ['ws_wallet_unified', 'ws_wallet_spot'] },
] as const;

/** Sets (or with `undefined`, deletes) `key` in the object at `path` of `frame`, in place. */
function mutate(
  frame: Record<string, unknown>,
  path: (string | number)[],
  key: string,
  value: unknown,
): void {
  let at: unknown = frame;
  for (const p of path) {
    if (typeof at !== 'object' || at === null) return;
    at = (at as Record<string | number, unknown>)[p];
  }
  if (typeof at !== 'object' || at === null) return;
  const o = at as Record<string, unknown>;
  if (value === undefined) delete o[key];
  else o[key] = value;
}

describe('on real frames with fields changed or removed', () => {
  for (const { fast, schema, frames } of pushes) {
    it(`${frames[0].split('_')[1]}: accepts exactly what zod accepts, and hands over what zod would`, () => {
      const texts = frames.map(fixture);
      const keys = [
        ...new Set([
          ...ENVELOPE_FIELDS.map(([k]) => k),
          'data',
          ...[ORDER_FIELDS, EXECUTION_FIELDS, POSITION_FIELDS, WALLET_FIELDS, WALLET_COIN_FIELDS].flatMap(
            (f) => f.map(([k]) => k),
          ),
          'coin',
          'unknownKey',
        ]),
      ];
      const seen = { accepted: 0, refused: 0 };
      const paths: (string | number)[][] = [[], ['data', 0], ['data', 1], ['data', 0, 'coin', 0]];
      const edit = fc.record({
        path: fc.constantFrom(...paths),
        key: fc.constantFrom(...keys),
        value: fc.oneof(fc.constantFrom(...VALUES, undefined), fc.jsonValue({ maxDepth: 1 })),
      });
      fc.assert(
        fc.property(fc.constantFrom(...texts), fc.array(edit, { maxLength: 3 }), (text, edits) => {
          const frame = JSON.parse(text) as Record<string, unknown>;
          for (const e of edits) mutate(frame, e.path, e.key, e.value);
          const expected = schema.safeParse(structuredClone(frame));
          const got = fast(frame);
          expect(got !== undefined).toBe(expected.success);
          if (got !== undefined) expect(got).toEqual(expected.data);
          seen[got !== undefined ? 'accepted' : 'refused']++;
        }),
        { numRuns: 1500 },
      );
      // Both verdicts are tried often, or the property says little.
      expect(seen.accepted).toBeGreaterThan(100);
      expect(seen.refused).toBeGreaterThan(100);
    });
  }

  it('the fixtures themselves pass the fast checks', () => {
    for (const { fast, frames } of pushes)
      for (const name of frames)
        expect(fast(JSON.parse(fixture(name)) as Record<string, unknown>)).toBeDefined();
  });
});
