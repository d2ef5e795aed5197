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
    ).toThrow(/^BYBIT_API_KEY refused: .* is empty$/);
    expect(() =>
      loadSecret('BYBIT_API_KEY', { env: { BYBIT_API_KEY_FILE: file('two', 'a\nb\n') }, secretsDir: none }),
    ).toThrow(SecretError);
  });

  it('refuses stray content: surrounding or inner whitespace, a BOM, control characters, a directory', () => {
    const cases: [string, RegExp][] = [
      [' abc123', /whitespace around the value/],
      ['abc123 \n', /whitespace around the value/],
      ['abc 123', /printable ASCII/],
      ['\uFEFFabc123', /byte-order mark/],
      ['abc\u0007123', /control characters/],
      ['abc123\n\n', /several lines/],
    ];
    for (const [i, [text, why]] of cases.entries())
      expect(() =>
        loadSecret('BYBIT_API_SECRET', {
          env: { BYBIT_API_SECRET_FILE: file(`bad${i}`, text) },
          secretsDir: none,
        }),
      ).toThrow(why);
    expect(() => loadSecret('BYBIT_API_KEY', { env: { BYBIT_API_KEY_FILE: dir }, secretsDir: none })).toThrow(
      /is not a regular file/,
    );
    expect(() =>
      loadSecret('BYBIT_API_KEY', { env: { BYBIT_API_KEY_FILE: join(dir, 'absent') }, secretsDir: none }),
    ).toThrow(/cannot read .*absent \(ENOENT\)/);
    expect(() =>
      loadSecret('BYBIT_API_KEY', { env: { BYBIT_API_KEY: 'has space' }, secretsDir: none }),
    ).toThrow(/the variable BYBIT_API_KEY holds whitespace/);
  });

  it('accepts inner spaces in a password when told to, and a CRLF ending', () => {
    const s = loadSecret(
      'POSTGRES_PASSWORD',
      { env: { POSTGRES_PASSWORD_FILE: file('pw', 'correct horse battery\r\n') }, secretsDir: none },
      { allowSpaces: true },
    );
    expect(s?.reveal()).toBe('correct horse battery');
  });

  it('never puts the content of a refused file in the error', () => {
    const content = 'Zq9sEcretValue77 trailing';
    try {
      loadSecret('BYBIT_API_SECRET', {
        env: { BYBIT_API_SECRET_FILE: file('leak', content) },
        secretsDir: none,
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SecretError);
      expect((e as Error).message).not.toContain('Zq9sEcretValue77');
      expect((e as SecretError).code).toBe('MM_SECRET_INVALID');
    }
  });

  it('warns when the file is group-writable, and when both the file and the variable are set', () => {
    const warnings: string[] = [];
    loadSecret('BYBIT_API_SECRET', {
      env: { BYBIT_API_SECRET_FILE: file('gw', 'xyz', 0o620), BYBIT_API_SECRET: 'other' },
      secretsDir: none,
      warn: (m) => warnings.push(m),
    });
    expect(warnings).toEqual([
      expect.stringMatching(/both BYBIT_API_SECRET_FILE and BYBIT_API_SECRET are set; using the file/),
      expect.stringMatching(/can be changed by other users \(mode 620\)/),
    ]);
  });

  it('warns about a variable when told to (live trading), and not otherwise', () => {
    const warnings: string[] = [];
    const env = { BYBIT_API_KEY: 'from-env-123' };
    loadSecret('BYBIT_API_KEY', { env, secretsDir: none, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    loadSecret('BYBIT_API_KEY', {
      env,
      secretsDir: none,
      warn: (m) => warnings.push(m),
      warnIfVariable: true,
    });
    expect(warnings).toEqual([
      'BYBIT_API_KEY comes from the environment; outside local development put it in the file BYBIT_API_KEY_FILE names',
    ]);
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
