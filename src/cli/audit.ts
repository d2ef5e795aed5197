/**
 * `npm run audit`: runs `npm audit --json`, fails on any high or critical advisory that no
 * unexpired entry of audit-allowlist.json allows, and reports expired and unused entries. Exit 0
 * when clean, 1 on blocking advisories, 2 when the audit could not run (an unchecked tree is not
 * a pass) or on a usage or allowlist error.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describeFailure, safePrint } from '../adapters/log/safe-print.js';
import {
  AuditUnavailableError,
  judgeAudit,
  parseAuditAllowlist,
  parseAuditJson,
  SEVERITIES,
  type Advisory,
  type Severity,
} from '../adapters/security/audit.js';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.js';

const FLAGS = {
  level: {
    type: 'string',
    value: 'SEVERITY',
    help: 'lowest severity that fails: moderate, high (default) or critical',
  },
  allowlist: {
    type: 'string',
    value: 'FILE',
    help: 'exceptions with expiry dates (default: audit-allowlist.json)',
  },
  input: {
    type: 'string',
    value: 'FILE',
    help: 'judge a saved `npm audit --json` output instead of running npm',
  },
  production: { type: 'boolean', help: 'audit production dependencies only (npm audit --omit=dev)' },
  json: { type: 'boolean', help: 'print the verdict as JSON' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, FlagSpec>;

const COMMAND = 'npm run audit --';
const SUMMARY =
  'Audits the dependencies (npm audit) against audit-allowlist.json; fails on high or critical.';
/** npm audit asks the registry once; more than this means it hangs. */
const NPM_TIMEOUT_MS = 120_000;

function runNpmAudit(production: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const args = ['audit', '--json', ...(production ? ['--omit=dev'] : [])];
    const child = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), NPM_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new AuditUnavailableError(`npm could not be started: ${e.message}`)));
    // npm audit exits non-zero when it finds advisories: the JSON decides, not the exit code.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (out.trim() !== '') resolve(out);
      else
        reject(
          new AuditUnavailableError(
            `npm audit printed nothing (exit ${code ?? signal}): ${err.trim().split('\n').slice(-2).join(' ')}`,
          ),
        );
    });
  });
}

const line = (a: Advisory): string =>
  `${a.severity.padEnd(8)} ${a.package} ${a.range} ${a.id}${a.direct ? ' (direct)' : ''}: ${a.title} ${a.url}`;

async function main(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, FLAGS);
  if (flags.help === true) {
    process.stdout.write(usage(COMMAND, SUMMARY, FLAGS));
    return 0;
  }
  if (flags.positionals.length > 0) throw new UsageError(`unexpected argument ${flags.positionals[0]}`);
  const level = (flags.level ?? 'high') as Severity;
  if (!['moderate', 'high', 'critical'].includes(level))
    throw new UsageError(`--level: expected moderate, high or critical, found ${flags.level}`);
  const now = Date.now();
  const allowlistPath = flags.allowlist ?? 'audit-allowlist.json';
  let allowText = '{"exceptions":[]}';
  try {
    allowText = readFileSync(allowlistPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || flags.allowlist !== undefined) throw e;
  }
  const entries = parseAuditAllowlist(allowText, now, allowlistPath);
  const text =
    flags.input !== undefined
      ? readFileSync(flags.input, 'utf8')
      : await runNpmAudit(flags.production === true);
  const report = parseAuditJson(text);
  const verdict = judgeAudit(report, entries, now, level);
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify({ level, counts: report.counts, ...verdict })}\n`);
    return verdict.ok ? 0 : 1;
  }
  for (const a of verdict.blocking) safePrint(`FAIL  ${line(a)}`);
  for (const { advisory, entry } of verdict.allowed)
    safePrint(`allow ${line(advisory)} [until ${entry.expires}: ${entry.reason}]`);
  for (const e of verdict.expired)
    safePrint(
      `expired exception ${e.id}${e.package === undefined ? '' : ` (${e.package})`} on ${e.expires}: it no longer allows`,
    );
  for (const e of verdict.unused)
    safePrint(`unused exception ${e.id}: no advisory matches it any more; remove it`);
  const counts = SEVERITIES.filter((s) => report.counts[s] > 0).map((s) => `${report.counts[s]} ${s}`);
  safePrint(
    `audit: ${report.dependencies ?? '?'} dependencies, vulnerable packages: ${counts.join(', ') || 'none'}; ` +
      (verdict.ok
        ? `nothing at ${level} or above is unallowed`
        : `${verdict.blocking.length} advisories at ${level} or above block`),
    verdict.ok ? process.stdout : process.stderr,
  );
  return verdict.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError)
      safePrint(`${err.message}\n\n${usage(COMMAND, SUMMARY, FLAGS)}`, process.stderr);
    else safePrint(`audit failed: ${describeFailure(err)}`, process.stderr);
    process.exitCode = 2;
  },
);
