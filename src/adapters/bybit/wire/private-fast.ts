/**
 * The busy private pushes (an order, a position and a wallet push per order change, an execution
 * per fill) checked by hand, field for field what their zod schemas in private.ts check. zod
 * builds a copy of every object and carries each unknown key across one at a time, which made it
 * the largest part of reading a private push; these checks read the parsed frame in place and
 * return it as is. A push they do not accept goes to zod, so a rejection still says what zod says;
 * a push they accept zod accepts too (test/adapters/bybit/wire/private-fast.test.ts holds them to
 * that, field by field and on mutated real frames).
 */
import { DECIMAL_PATTERN, MS_PATTERN, OPTIONAL_DECIMAL_PATTERN } from './primitives.js';
import type { WireExecutionPush, WireOrderPush, WirePositionPush, WireWalletPush } from './private.js';

type Check = (v: unknown) => boolean;

/** A field: its key, its check, and whether it may be absent. */
export type FieldSpec = readonly [key: string, check: Check, optional: boolean];

const str: Check = (v) => typeof v === 'string';
const nonEmpty: Check = (v) => typeof v === 'string' && v.length > 0;
const dec: Check = (v) => typeof v === 'string' && DECIMAL_PATTERN.test(v);
const optDec: Check = (v) => typeof v === 'string' && OPTIONAL_DECIMAL_PATTERN.test(v);
const ms: Check = (v) => typeof v === 'string' && MS_PATTERN.test(v);
const bool: Check = (v) => typeof v === 'boolean';
const num: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const int: Check = (v) => Number.isSafeInteger(v);
const side: Check = (v) => v === 'Buy' || v === 'Sell';
const positionSide: Check = (v) => v === 'Buy' || v === 'Sell' || v === '';

const required = (key: string, check: Check): FieldSpec => [key, check, false];
const optional = (key: string, check: Check): FieldSpec => [key, check, true];

/** orderSchema's fields. */
export const ORDER_FIELDS: readonly FieldSpec[] = [
  optional('category', str),
  required('symbol', nonEmpty),
  required('orderId', nonEmpty),
  required('orderLinkId', str),
  required('side', side),
  required('orderStatus', nonEmpty),
  required('orderType', str),
  required('timeInForce', str),
  required('price', dec),
  required('qty', dec),
  required('avgPrice', optDec),
  required('leavesQty', dec),
  optional('leavesValue', optDec),
  required('cumExecQty', dec),
  required('cumExecValue', dec),
  optional('cumExecFee', optDec),
  required('cancelType', str),
  required('rejectReason', str),
  optional('reduceOnly', bool),
  optional('positionIdx', int),
  required('createdTime', ms),
  required('updatedTime', ms),
];

/** executionSchema's fields. */
export const EXECUTION_FIELDS: readonly FieldSpec[] = [
  optional('category', str),
  required('symbol', nonEmpty),
  required('orderId', nonEmpty),
  required('orderLinkId', str),
  required('side', side),
  required('execId', nonEmpty),
  required('execType', str),
  required('execPrice', dec),
  required('execQty', dec),
  optional('execValue', optDec),
  required('execFee', dec),
  optional('feeRate', optDec),
  required('execTime', ms),
  required('isMaker', bool),
  optional('orderPrice', optDec),
  optional('orderQty', optDec),
  optional('leavesQty', optDec),
  optional('seq', num),
];

/** positionSchema's fields. */
export const POSITION_FIELDS: readonly FieldSpec[] = [
  optional('category', str),
  required('symbol', nonEmpty),
  required('side', positionSide),
  required('size', dec),
  required('positionIdx', int),
  optional('entryPrice', optDec),
  optional('markPrice', optDec),
  optional('positionValue', optDec),
  optional('unrealisedPnl', optDec),
  optional('cumRealisedPnl', optDec),
  optional('liqPrice', str),
  optional('leverage', str),
  optional('updatedTime', str),
  optional('seq', num),
];

/** walletCoinSchema's fields. */
export const WALLET_COIN_FIELDS: readonly FieldSpec[] = [
  required('coin', nonEmpty),
  required('equity', optDec),
  required('walletBalance', optDec),
  optional('unrealisedPnl', optDec),
  optional('cumRealisedPnl', optDec),
  optional('availableToWithdraw', optDec),
  optional('locked', optDec),
];

/** walletSchema's fields, but for `coin` (an array of coins, checked apart). */
export const WALLET_FIELDS: readonly FieldSpec[] = [
  required('accountType', str),
  required('totalEquity', optDec),
  optional('totalAvailableBalance', optDec),
  optional('totalWalletBalance', optDec),
  optional('totalInitialMargin', optDec),
  optional('totalMaintenanceMargin', optDec),
];

/** The envelope's fields, but for `data`. */
export const ENVELOPE_FIELDS: readonly FieldSpec[] = [
  required('id', str),
  required('topic', str),
  required('creationTime', num),
];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether `v` is an object whose `fields` pass (unknown keys pass through, as looseObject lets them). */
export function fieldsPass(v: unknown, fields: readonly FieldSpec[]): v is Record<string, unknown> {
  if (!isRecord(v)) return false;
  for (const [key, check, isOptional] of fields) {
    const x = v[key];
    if (x === undefined ? !isOptional : !check(x)) return false;
  }
  return true;
}

function itemsPass(v: unknown, pass: (item: unknown) => boolean): boolean {
  if (!Array.isArray(v)) return false;
  for (const item of v) if (!pass(item)) return false;
  return true;
}

function envelopeOf(frame: Record<string, unknown>, item: (v: unknown) => boolean): boolean {
  return fieldsPass(frame, ENVELOPE_FIELDS) && itemsPass(frame['data'], item);
}

const orderPasses = (v: unknown) => fieldsPass(v, ORDER_FIELDS);
const executionPasses = (v: unknown) => fieldsPass(v, EXECUTION_FIELDS);
const positionPasses = (v: unknown) => fieldsPass(v, POSITION_FIELDS);
const coinPasses = (v: unknown) => fieldsPass(v, WALLET_COIN_FIELDS);
const walletPasses = (v: unknown) => fieldsPass(v, WALLET_FIELDS) && itemsPass(v['coin'], coinPasses);

/** The frame as an order push, or undefined for zod to look at. */
export function fastOrderPush(frame: Record<string, unknown>): WireOrderPush | undefined {
  return envelopeOf(frame, orderPasses) ? (frame as WireOrderPush) : undefined;
}

/** The frame as an execution push, or undefined for zod to look at. */
export function fastExecutionPush(frame: Record<string, unknown>): WireExecutionPush | undefined {
  return envelopeOf(frame, executionPasses) ? (frame as WireExecutionPush) : undefined;
}

/** The frame as a position push, or undefined for zod to look at. */
export function fastPositionPush(frame: Record<string, unknown>): WirePositionPush | undefined {
  return envelopeOf(frame, positionPasses) ? (frame as WirePositionPush) : undefined;
}

/** The frame as a wallet push, or undefined for zod to look at. */
export function fastWalletPush(frame: Record<string, unknown>): WireWalletPush | undefined {
  return envelopeOf(frame, walletPasses) ? (frame as WireWalletPush) : undefined;
}
