import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { globToRegExp, parseAllowlist } from '../../src/adapters/security/allowlist.js';
import { fingerprint, scanLine } from '../../src/adapters/security/secret-rules.js';

const run = promisify(execFile);

// Planted values are built at run time, so this file holds no secret-shaped literal itself.
const AWS_KEY = ['AKIA', 'Q7TZ', 'M2LX', 'P9RB', 'K4WD'].join('');
const DB_PASSWORD = ['pa55', 'W0rd', '-9xQ'].join('');
const FIXTURE_TOKEN = ['ghp_', 'Fx7'.repeat(12)].join('');

describe('secret rules', () => {
  it('finds service tokens, URL passwords and literals assigned to secret names, by fingerprint', () => {
    expect(scanLine(`const key = "${AWS_KEY}";`).map((m) => m.rule)).toEqual(['provider-token']);
    expect(scanLine(`url: postgres://mm:${DB_PASSWORD}@db:5432/mm`)).toEqual([
      { rule: 'url-credentials', column: 20, fingerprint: fingerprint(DB_PASSWORD) },
    ]);
    expect(scanLine(`  apiSecret: '${DB_PASSWORD}',`).map((m) => m.rule)).toEqual(['assigned-secret']);
    expect(scanLine(`PASSWORD="${DB_PASSWORD}"`).map((m) => m.rule)).toEqual(['assigned-secret']);
  });

  it('leaves code, references and placeholders alone', () => {
    for (const line of [
      'password: z.string(),',
      "apiSecret: 'apiSecret',",
      "password: '$__file{/run/secrets/postgres_password}',",
      'token: `${prefix}-${seq}`,',
      "secret: '<your secret here>',",
      "BYBIT_API_KEY_FILE: '/run/secrets/bybit_api_key',",
      'postgres://mm:${POSTGRES_PASSWORD}@db/mm',
      'password: [REDACTED]',
    ])
      expect(scanLine(line)).toEqual([]);
  });
});

describe('allowlist', () => {
  it('matches path globs and fingerprints, and names the line of a bad entry', () => {
    expect(globToRegExp('test/**/*.ts').test('test/a/b/c.ts')).toBe(true);
    expect(globToRegExp('test/**/*.ts').test('test/c.ts')).toBe(true);
    expect(globToRegExp('test/*.ts').test('test/a/c.ts')).toBe(false);
    const list = parseAllowlist(`# fixtures\npath fixtures/**\nsecret ${fingerprint('x')}  # why\n`);
    expect(list.skipsPath('fixtures/a/b.json')).toBe(true);
    expect(list.skipsPath('src/a.ts')).toBe(false);
    expect(list.allows(fingerprint('x'))).toBe(true);
    expect(() => parseAllowlist('path a\nsecret abc\n', 'list')).toThrow(
      /^list:2: a secret entry is the 64-digit/,
    );
    expect(() => parseAllowlist('allow everything', 'list')).toThrow(/^list:1: expected "path <glob>"/);
  });
});

describe('npm run scan:secrets on a repository with planted secrets', () => {
  it('finds a secret only history holds and one in an untracked file; the allowlist clears them', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'mm-scan-'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args]);
    git('init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'README.md'), 'no secrets here\n');
    mkdirSync(join(repo, 'fixtures'));
    writeFileSync(join(repo, 'fixtures', 'frame.json'), `{"token":"${FIXTURE_TOKEN}"}\n`);
    writeFileSync(join(repo, 'deploy.sh'), `#!/bin/sh\nexport AWS_ACCESS_KEY_ID=${AWS_KEY}\n`);
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    // The key is removed from the tree: it stays in history, and the scan must still find it.
    writeFileSync(join(repo, 'deploy.sh'), '#!/bin/sh\n');
    git('commit', '-q', '-am', 'remove the key');
    const commit = git('rev-list', '--max-parents=0', 'HEAD').toString().trim();
    writeFileSync(join(repo, 'notes.txt'), `db at postgres://mm:${DB_PASSWORD}@10.0.0.5/mm\n`);
    writeFileSync(join(repo, '.gitignore'), 'ignored.env\n');
    writeFileSync(join(repo, 'ignored.env'), `PASSWORD="${DB_PASSWORD}x"\n`);

    const scan = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'src/cli/scan-secrets.ts', '--repo', repo, ...args]).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    const found = await scan();
    expect(found.code).toBe(1);
    const lines = found.stdout.trim().split('\n');
    expect(lines).toEqual([
      `fixtures/frame.json:1:11 provider-token secret ${fingerprint(FIXTURE_TOKEN)}`,
      `notes.txt:1:21 url-credentials secret ${fingerprint(DB_PASSWORD)}`,
      `${commit.slice(0, 12)} deploy.sh:2:26 provider-token secret ${fingerprint(AWS_KEY)}`,
      `${commit.slice(0, 12)} fixtures/frame.json:1:11 provider-token secret ${fingerprint(FIXTURE_TOKEN)}`,
    ]);
    expect(found.stderr).toMatch(/4 findings/);
    for (const value of [AWS_KEY, DB_PASSWORD, FIXTURE_TOKEN])
      expect(found.stdout + found.stderr).not.toContain(value);

    appendFileSync(join(repo, '.secrets-allowlist'), 'path fixtures/**  # recorded frames\n');
    appendFileSync(
      join(repo, '.secrets-allowlist'),
      `secret ${fingerprint(DB_PASSWORD)}  # a local dev password\n`,
    );
    const history = await scan();
    expect(history.code).toBe(1);
    expect(history.stdout.trim().split('\n')).toEqual([
      `${commit.slice(0, 12)} deploy.sh:2:26 provider-token secret ${fingerprint(AWS_KEY)}`,
    ]);
    expect((await scan('--no-history')).code).toBe(0);
    appendFileSync(join(repo, '.secrets-allowlist'), `secret ${fingerprint(AWS_KEY)}  # revoked, rotated\n`);
    const clean = await scan();
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/scan:secrets: \d+ files, 2 commits: clean \(2 allowed by the allowlist\)/);
    const missing = await scan('--repo', join(repo, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^scan:secrets failed: MM_SECRET_SCAN_FAILED: git ls-files failed/);
    rmSync(repo, { recursive: true, force: true });
  }, 60_000);
});

describe('this repository', () => {
  it('passes npm run scan:secrets, working tree and history (fixtures are in .secrets-allowlist)', async () => {
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli/scan-secrets.ts']).then(
      (ok) => ({ code: 0, ...ok }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    // On failure the findings name file, line and fingerprint: allowlist a fixture, rotate a secret.
    expect(r.stdout + r.stderr).toMatch(/clean/);
    expect(r.code).toBe(0);
  }, 60_000);
});
