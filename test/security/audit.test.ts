import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  AuditUnavailableError,
  judgeAudit,
  parseAuditAllowlist,
  parseAuditJson,
  type AuditAllowEntry,
} from '../../src/adapters/security/audit.js';

const run = promisify(execFile);
const fixture = (name: string) => join('test/fixtures/security', name);
const read = (name: string) => readFileSync(fixture(name), 'utf8');
const day = (d: string) => Date.parse(`${d}T12:00:00Z`);
const NOW = day('2026-11-29');

describe('parseAuditJson', () => {
  it('reads the advisories of a report, once each, with the dependency they come through', () => {
    const report = parseAuditJson(read('npm-audit-vulnerable.json'));
    expect(report.counts).toEqual({ info: 0, low: 1, moderate: 1, high: 2, critical: 1 });
    expect(report.dependencies).toBe(441);
    expect(report.advisories.map((a) => [a.id, a.package, a.severity, a.direct])).toEqual([
      ['GHSA-jrc7-96c5-q579', 'maplibre-gl', 'critical', true],
      ['GHSA-rc47-6667-2j5j', 'http-cache-semantics', 'high', false],
      ['GHSA-mwcw-c2x4-8c55', 'nanoid', 'moderate', false],
      ['GHSA-v6h2-p8h4-qcjw', 'brace-expansion', 'low', false],
    ]);
    expect(report.advisories[1]!.effects).toEqual(['make-fetch-happen']);
    expect(parseAuditJson(read('npm-audit-clean.json')).advisories).toEqual([]);
  });

  it('refuses what is not a report: the registry error recorded here, cut-short JSON, another format', () => {
    expect(() => parseAuditJson(read('npm-audit-registry-405.json'))).toThrow(
      /npm audit failed: HTTP 405: 405 Method Not Allowed/,
    );
    const cut = read('npm-audit-vulnerable.json').slice(0, 500);
    expect(() => parseAuditJson(cut)).toThrow(AuditUnavailableError);
    expect(() => parseAuditJson('{"advisories":{},"metadata":{}}')).toThrow(
      /not an npm audit report \(version 2\): auditReportVersion/,
    );
    try {
      parseAuditJson('');
    } catch (e) {
      expect((e as AuditUnavailableError).code).toBe('MM_AUDIT_UNAVAILABLE');
    }
  });
});

describe('judgeAudit', () => {
  const report = parseAuditJson(read('npm-audit-vulnerable.json'));
  const entry = (over: Partial<AuditAllowEntry> = {}): AuditAllowEntry => ({
    id: 'GHSA-rc47-6667-2j5j',
    reason: 'only reached by the dev registry mock; fix pending upstream',
    expires: '2026-12-31',
    ...over,
  });

  it('fails on high and critical advisories, reporting lower ones without failing', () => {
    const v = judgeAudit(report, [], NOW);
    expect(v.ok).toBe(false);
    expect(v.blocking.map((a) => a.package)).toEqual(['maplibre-gl', 'http-cache-semantics']);
    expect(v.below.map((a) => a.package)).toEqual(['nanoid', 'brace-expansion']);
    expect(judgeAudit(report, [], NOW, 'critical').blocking.map((a) => a.package)).toEqual(['maplibre-gl']);
    expect(judgeAudit(parseAuditJson(read('npm-audit-clean.json')), [], NOW).ok).toBe(true);
  });

  it('lets an unexpired entry allow its advisory, through the whole expiry day and not a day more', () => {
    const critical = entry({ id: 'GHSA-jrc7-96c5-q579', package: 'maplibre-gl' });
    const both = [entry(), critical];
    expect(judgeAudit(report, both, NOW)).toMatchObject({ ok: true, expired: [], unused: [] });
    expect(judgeAudit(report, both, Date.parse('2026-12-31T23:59:59Z')).ok).toBe(true);
    const after = judgeAudit(report, both, Date.parse('2027-01-01T00:00:00Z'));
    expect(after.ok).toBe(false);
    expect(new Set(after.expired)).toEqual(new Set(both));
    expect(after.blocking).toHaveLength(2);
  });

  it('matches the package when an entry names one, and reports entries nothing matches', () => {
    const wrongPackage = entry({ package: 'make-fetch-happen' });
    const stale = entry({ id: 'GHSA-aaaa-bbbb-cccc' });
    const v = judgeAudit(report, [wrongPackage, stale], NOW);
    expect(v.blocking.map((a) => a.package)).toContain('http-cache-semantics');
    expect(v.unused).toEqual([wrongPackage, stale]);
  });
});

describe('parseAuditAllowlist', () => {
  it('takes entries with an id, a reason and a date, and refuses one without, or too far ahead', () => {
    const ok = {
      exceptions: [
        { id: 'GHSA-rc47-6667-2j5j', reason: 'dev-only path, tracked in #12', expires: '2027-02-01' },
      ],
    };
    expect(parseAuditAllowlist(JSON.stringify(ok), NOW)).toEqual(ok.exceptions);
    const bad = (e: object) => () =>
      parseAuditAllowlist(JSON.stringify({ exceptions: [e] }), NOW, 'list.json');
    expect(bad({ id: 'GHSA-rc47-6667-2j5j', reason: 'dev-only path', expires: 'soon' })).toThrow(
      /^list.json: exceptions.0.expires: a date as YYYY-MM-DD$/,
    );
    expect(bad({ id: 'GHSA-rc47-6667-2j5j', expires: '2027-01-01' })).toThrow(/exceptions.0.reason/);
    expect(bad({ id: 'CVE-2022-25881', reason: 'dev-only path here', expires: '2027-01-01' })).toThrow(
      /exceptions.0.id/,
    );
    expect(bad({ id: 'GHSA-rc47-6667-2j5j', reason: 'dev-only path here', expires: '2029-01-01' })).toThrow(
      /expires 2029-01-01, more than 366 days ahead/,
    );
    expect(() => parseAuditAllowlist('{', NOW)).toThrow(
      expect.objectContaining({ code: 'MM_SECURITY_ALLOWLIST_INVALID' }),
    );
  });
});

describe('npm run audit', () => {
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/cli/audit.ts', ...args]).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it('exits 1 on blocking advisories, 0 once allowed, 2 when the audit could not run', async () => {
    const failed = await cli(
      '--input',
      fixture('npm-audit-vulnerable.json'),
      '--allowlist',
      '/dev/null/none',
    );
    expect(failed.code).toBe(2); // a named allowlist that cannot be read is an error, not "no exceptions"
    const dir = mkdtempSync(join(tmpdir(), 'mm-audit-'));
    const allowlist = join(dir, 'audit-allowlist.json');
    writeFileSync(allowlist, JSON.stringify({ exceptions: [] }));
    const blocked = await cli('--input', fixture('npm-audit-vulnerable.json'), '--allowlist', allowlist);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain('FAIL  critical maplibre-gl <=6.4.0 GHSA-jrc7-96c5-q579 (direct)');
    expect(blocked.stderr).toMatch(/2 advisories at high or above block/);
    const future = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const reason = 'fixture: reviewed, not reachable from the bot';
    writeFileSync(
      allowlist,
      JSON.stringify({
        exceptions: [
          { id: 'GHSA-jrc7-96c5-q579', reason, expires: future },
          { id: 'GHSA-rc47-6667-2j5j', reason, expires: future },
        ],
      }),
    );
    const allowed = await cli('--input', fixture('npm-audit-vulnerable.json'), '--allowlist', allowlist);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/nothing at high or above is unallowed/);
    const unavailable = await cli(
      '--input',
      fixture('npm-audit-registry-405.json'),
      '--allowlist',
      allowlist,
    );
    expect(unavailable.code).toBe(2);
    expect(unavailable.stderr).toContain('MM_AUDIT_UNAVAILABLE');
    expect((await cli('--level', 'low')).code).toBe(2);
  }, 60_000);
});
