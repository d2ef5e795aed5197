/**
 * Money is an integer number of 1e-8 USDT (Bybit prints fees and balances with 8 decimals). A fill's
 * value, price units × qty units, converts exactly; a fee is rounded once, to the nearest unit, when
 * it is charged. Plain numbers stay exact up to 2^53 units, about 90 million USDT per value.
 */
import type { Instrument } from '../../domain/instrument.js';
import { pow10 } from '../../domain/decimal.js';

export const MONEY_DECIMALS = 8;
export const MONEY_ONE = 100_000_000;

/** The factor that turns price units × qty units into money units for an instrument. */
export function valueFactor(inst: Instrument): number {
  const d = MONEY_DECIMALS - inst.priceDecimals - inst.qtyDecimals;
  if (d < 0) throw new RangeError(`${inst.symbol}: too many decimals for 1e-8 money units`);
  return pow10(d);
}

/** The fee on a value at a rate, rounded to a money unit (negative for a rebate). */
export const feeOf = (value: number, rate: number): number => Math.round(value * rate);

/** Converts a float USDT amount to money units. */
export const toMoney = (usdt: number): number => Math.round(usdt * MONEY_ONE);

/** Formats money units as a decimal string with trailing zeros removed ("0.00125696", "25.293", "0"). */
export function formatMoney(m: number): string {
  const neg = m < 0;
  const a = neg ? -m : m;
  const int = Math.floor(a / MONEY_ONE);
  let frac = String(a - int * MONEY_ONE).padStart(MONEY_DECIMALS, '0');
  let end = frac.length;
  while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
  frac = frac.slice(0, end);
  const body = frac.length > 0 ? `${int}.${frac}` : String(int);
  return neg && a !== 0 ? `-${body}` : body;
}

/** Formats a float with at most `decimals` decimals, trailing zeros removed. */
export function formatFloat(v: number, decimals: number): string {
  if (!Number.isFinite(v)) return '0';
  const s = v.toFixed(decimals);
  if (s.indexOf('.') < 0) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  const out = s.slice(0, end);
  return out === '-0' ? '0' : out;
}
