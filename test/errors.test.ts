import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BotError, errorCodes, isRetryable, RateLimitedError, UnreachableError } from '../src/errors.js';

describe('error catalogue', () => {
  it('lists every code in the table of docs/errors.md, and nothing else', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    // The first section's table; the HTTP causes listed further down are not codes of the catalogue.
    const catalogue = doc.split('\n## ')[0]!;
    const documented = [...catalogue.matchAll(/^\| `(MM_[A-Z_]+)`/gm)].map((m) => m[1]);
    expect(new Set(documented)).toEqual(new Set(Object.keys(errorCodes)));
  });

  it('carries the code, the disposition and the payload facts as fields', () => {
    const e = new RateLimitedError(750, '/v5/order/create');
    expect(e).toBeInstanceOf(BotError);
    expect(e).toMatchObject({ code: 'MM_EXCHANGE_RATE_LIMITED', disposition: 'retry', retryAfterMs: 750 });
    expect(e.name).toBe('RateLimitedError');
    expect(isRetryable(e)).toBe(true);
    // A request that was sent and got no answer has an unknown outcome: reconcile, never retry blindly.
    expect(new UnreachableError('/v5/order/create', true).disposition).toBe('reconcile');
    expect(new UnreachableError('/v5/order/create', false).disposition).toBe('retry');
  });
});
