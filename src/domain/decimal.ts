/**
 * Exact decimal handling for prices and sizes. Bybit sends every price and quantity as a decimal
 * string; we keep them as integers scaled by a fixed number of decimals (the instrument's price or
 * quantity precision), so that rounding to ticks and lots is exact and property tests can check
 * equality. A hand-written digit parser is used because it is about 2x faster than `+s` on the
 * hot path (docs/limits.md) and lets us reject malformed input instead of producing NaN silently.
 */

const POW10 = [
  1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 1e10, 1e11, 1e12,
];

/** Returns 10^d for the small d used by instruments. */
export function pow10(d: number): number {
  return POW10[d] ?? 10 ** d;
}

/** Counts the decimals of a step such as "0.10" (2) or "1" (0). */
export function decimalsOf(step: string): number {
  const dot = step.indexOf('.');
  return dot < 0 ? 0 : step.length - dot - 1;
}

/**
 * Parses a decimal string into an integer scaled by 10^decimals ("109378.8", 2 → 10937880).
 * Returns NaN for anything that is not a plain decimal, or that carries more decimals than
 * `decimals` with a non-zero digit (which would lose precision).
 */
export function parseScaled(s: string, decimals: number): number {
  return parseScaledAt(s, 0, s.length, decimals);
}

/**
 * Parses text[start, end) as `parseScaled(text.slice(start, end), decimals)`, without making the
 * slice: the book reads prices and sizes in place in the frame they arrived in.
 */
export function parseScaledAt(text: string, start: number, end: number, decimals: number): number {
  if (end <= start) return NaN;
  let i = start;
  let neg = false;
  if (text.charCodeAt(i) === 45 /* - */) {
    neg = true;
    i++;
    if (i === end) return NaN;
  }
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c === -2 /* . */) break;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
    digits++;
  }
  let frac = 0;
  if (i < end) {
    i++; // skip '.'
    if (i === end && digits === 0) return NaN;
    for (; i < end; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return NaN;
      if (frac < decimals) {
        v = v * 10 + c;
        frac++;
      } else if (c !== 0) {
        return NaN;
      }
    }
  } else if (digits === 0) {
    return NaN;
  }
  for (; frac < decimals; frac++) v *= 10;
  if (!Number.isSafeInteger(v)) return NaN;
  return neg ? -v : v;
}

/**
 * Scales a plain decimal already read as its digits, giving what parseScaled gives for its text:
 * `mantissa` is every digit of it as one integer (at most 15 digits, so exact) and `fractionDigits`
 * the count of them after the dot ("60000.10" is 6000010 and 2). NaN when the value is not a safe
 * integer at this scale, or would lose a non-zero digit.
 */
export function scaleDigits(mantissa: number, fractionDigits: number, decimals: number): number {
  if (fractionDigits <= decimals) {
    const v = mantissa * pow10(decimals - fractionDigits);
    return Number.isSafeInteger(v) ? v : NaN;
  }
  const excess = pow10(fractionDigits - decimals);
  return mantissa % excess === 0 ? mantissa / excess : NaN;
}

/** Formats an integer scaled by 10^decimals as a fixed decimal string (10937880, 2 → "109378.80"). */
export function formatScaled(v: number, decimals: number): string {
  if (decimals === 0) return String(v);
  const neg = v < 0;
  const a = neg ? -v : v;
  const p = pow10(decimals);
  const int = Math.floor(a / p);
  const frac = String(a - int * p).padStart(decimals, '0');
  return `${neg ? '-' : ''}${int}.${frac}`;
}

/** Parses a decimal string to a float, or NaN when it is not a plain decimal. */
export function parseDecimal(s: string): number {
  if (s.length === 0) return NaN;
  const v = Number(s);
  return Number.isFinite(v) ? v : NaN;
}
