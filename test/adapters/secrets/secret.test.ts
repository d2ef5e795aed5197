import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { credentials, Secret } from '../../../src/adapters/secrets/secret.js';

const VALUE = 'CanaryXy7Qk2Lm9Pz4Rt';

describe('Secret', () => {
  it('prints as [REDACTED] through every way a value becomes text', () => {
    const s = new Secret(VALUE);
    const creds = credentials(VALUE, VALUE);
    const forms = [
      String(s),
      s.toString(),
      // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- the point of the test
      `${s}`,
      'k=' + (s as unknown as string),
      JSON.stringify(s),
      JSON.stringify({ creds }),
      inspect(s),
      inspect({ creds }, { depth: 5, showHidden: true }),
      JSON.stringify({ ...s }),
      Object.keys(s).join(','),
    ];
    for (const text of forms) expect(text).not.toContain(VALUE);
    expect(String(s)).toBe('[REDACTED]');
    expect(JSON.stringify(s)).toBe('"[REDACTED]"');
    expect(inspect(s)).toBe('[REDACTED]');
  });

  it('gives the value only through reveal(), and cannot be changed', () => {
    const s = new Secret(VALUE);
    expect(s.reveal()).toBe(VALUE);
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('compares a candidate without revealing it', () => {
    const s = new Secret(VALUE);
    expect(s.matches(VALUE)).toBe(true);
    expect(s.matches(`${VALUE}x`)).toBe(false);
    expect(s.matches('')).toBe(false);
  });
});
