import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSecret, SecretError } from '../../../src/adapters/secrets/load.js';

const dir = mkdtempSync(join(tmpdir(), 'mm-secrets-'));
const file = (name: string, text: string, mode = 0o600) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
};
const none = join(dir, 'no-such-dir');

describe('loadSecret', () => {
  it('reads a secret file named by <NAME>_FILE, dropping one trailing newline', () => {
    const s = loadSecret('BYBIT_API_KEY', {
      env: { BYBIT_API_KEY_FILE: file('k', 'abc123\n') },
      secretsDir: none,
    });
    expect(s?.reveal()).toBe('abc123');
    expect(String(s)).toBe('[REDACTED]');
  });

  it('refuses an empty file or one with stray content, naming the secret', () => {
    expect(() =>
      loadSecret('BYBIT_API_KEY', { env: { BYBIT_API_KEY_FILE: file('e', '') }, secretsDir: none }),
    ).toThrow(/BYBIT_API_KEY: .* is empty/);
    expect(() =>
      loadSecret('BYBIT_API_KEY', { env: { BYBIT_API_KEY_FILE: file('two', 'a\nb\n') }, secretsDir: none }),
    ).toThrow(SecretError);
  });

  it('warns when others can read the file', () => {
    const warnings: string[] = [];
    loadSecret('BYBIT_API_SECRET', {
      env: { BYBIT_API_SECRET_FILE: file('open', 'xyz', 0o644) },
      secretsDir: none,
      warn: (m) => warnings.push(m),
    });
    expect(warnings[0]).toMatch(/can be read by other users/);
  });

  it('falls back to the Docker secrets directory, then to the variable, else undefined', () => {
    const docker = mkdtempSync(join(tmpdir(), 'mm-run-secrets-'));
    writeFileSync(join(docker, 'bybit_api_key'), 'from-docker');
    expect(loadSecret('BYBIT_API_KEY', { env: {}, secretsDir: docker })?.reveal()).toBe('from-docker');
    expect(
      loadSecret('BYBIT_API_KEY', { env: { BYBIT_API_KEY: 'from-env' }, secretsDir: none })?.reveal(),
    ).toBe('from-env');
    expect(loadSecret('BYBIT_API_KEY', { env: {}, secretsDir: none })).toBeUndefined();
  });
});
