/**
 * Building blocks shared by the wire schemas. Bybit sends prices, sizes and fees as decimal
 * strings and they stay strings here: the domain converts them exactly (domain/decimal.ts).
 */
import { z } from 'zod';

/** The forms below as patterns, for the hand-written checks that mirror them (private-fast.ts). */
export const DECIMAL_PATTERN = /^-?\d+(\.\d+)?$/;
export const OPTIONAL_DECIMAL_PATTERN = /^(-?\d+(\.\d+)?)?$/;
export const MS_PATTERN = /^\d{1,16}$/;

/** A plain decimal string such as "109378.80", "0", "-0.00125" (no exponent, no sign on zero needed). */
export const decimalString = z.string().regex(DECIMAL_PATTERN, 'a decimal string');

/** A decimal string, or "" where Bybit leaves a value unset (avgPrice before a fill, liqPrice...). */
export const optionalDecimalString = z.string().regex(OPTIONAL_DECIMAL_PATTERN, 'a decimal string or ""');

/** Milliseconds as a digit string ("1737725795593"), the form of createdTime, execTime... */
export const msString = z.string().regex(MS_PATTERN, 'milliseconds as a digit string');

/** Milliseconds as a number, or as a digit string converted to a number. */
export const msNumber = z.union([z.number().int().nonnegative(), msString.transform(Number)]);

/** A request id as echoed: a string, or a number turned into its string. */
export const echoedId = z.union([z.string(), z.number().transform(String)]);

export const side = z.enum(['Buy', 'Sell']);
