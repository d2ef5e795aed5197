import { describe, expect, it } from 'vitest';
import { describeError, describeFailure, safePrint } from '../../../src/adapters/log/safe-print.js';

const collector = () => {
  const out: string[] = [];
  return { out, target: { write: (t: string) => out.push(t) } };
};

describe('safePrint', () => {
  it('prints redacted text with one trailing newline', () => {
    const { out, target } = collector();
    safePrint('login as ops@example.com with password: hunter22', target);
    safePrint('done\n', target);
    expect(out).toEqual(['login as [REDACTED] with password: [REDACTED]\n', 'done\n']);
  });

  it('describes an error by its redacted stack', () => {
    const text = describeError(new Error('auth refused for key XyZ123abcDEF456ghi'));
    expect(text).toMatch(/^Error: auth refused for key \[REDACTED\]\n\s+at /);
    expect(describeError('plain token=abc123def')).toBe('plain token=[REDACTED]');
  });

  it('describes bad input by code and message, and a bug by its stack', () => {
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/x'"), {
      code: 'ENOENT',
    });
    expect(describeFailure(enoent)).toBe("ENOENT: no such file or directory, open '/x'");
    const coded = Object.assign(new Error('password=hunter22x refused'), { code: 'MM_X' });
    expect(describeFailure(coded)).toBe('MM_X: password=[REDACTED] refused');
    expect(describeFailure(new TypeError('x is undefined'))).toMatch(/^TypeError: x is undefined\n\s+at /);
  });
});
