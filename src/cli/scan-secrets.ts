/**
 * `npm run scan:secrets`: scans the working tree and the git history for secrets (private keys,
 * service tokens, passwords in URLs, literals assigned to secret names), with `.secrets-allowlist`
 * for test fixtures. Exit 0 when clean, 1 on findings, 2 on a usage or git error. Findings name the
 * place and the value's fingerprint, never the value.
 */
import { join } from 'node:path';
import { describeFailure, safePrint } from '../adapters/log/safe-print.js';
import { loadAllowlist } from '../adapters/security/allowlist.js';
import { scanRepository, type SecretFinding } from '../adapters/security/secret-scan.js';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.js';

const FLAGS = {
  repo: { type: 'string', value: 'DIR', help: 'the repository to scan (default: the current directory)' },
  allowlist: { type: 'string', value: 'FILE', help: 'allowlist file (default: <repo>/.secrets-allowlist)' },
  'no-history': { type: 'boolean', help: 'scan the working tree only' },
  'no-tree': { type: 'boolean', help: 'scan the git history only' },
  json: { type: 'boolean', help: 'print findings and the summary as JSON lines' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, FlagSpec>;

const COMMAND = 'npm run scan:secrets --';
const SUMMARY = 'Scans the working tree and the git history for secrets.';

const describe = (f: SecretFinding): string =>
  `${f.where === 'tree' ? '' : `${f.where.commit.slice(0, 12)} `}${f.path}:${f.line}:${f.column} ${f.rule} ` +
  `secret ${f.fingerprint}`;

async function main(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, FLAGS);
  if (flags.help === true) {
    process.stdout.write(usage(COMMAND, SUMMARY, FLAGS));
    return 0;
  }
  if (flags.positionals.length > 0) throw new UsageError(`unexpected argument ${flags.positionals[0]}`);
  const repo = flags.repo ?? process.cwd();
  const allowlist = loadAllowlist(flags.allowlist ?? join(repo, '.secrets-allowlist'));
  const summary = await scanRepository({
    repo,
    allowlist,
    tree: flags['no-tree'] !== true,
    history: flags['no-history'] !== true,
    // Written as they are: a finding holds a path, a rule and a fingerprint, never the value, and
    // redaction would hide the fingerprint (64 hex digits look like a secret).
    onFinding: (f) => process.stdout.write(`${flags.json === true ? JSON.stringify(f) : describe(f)}\n`),
  });
  const n = summary.findings.length;
  const line =
    `scan:secrets: ${summary.files} files, ${summary.commits} commits: ` +
    (n === 0 ? 'clean' : `${n} findings`) +
    (summary.allowed > 0 ? ` (${summary.allowed} allowed by the allowlist)` : '');
  if (flags.json === true)
    process.stdout.write(
      `${JSON.stringify({ summary: { files: summary.files, commits: summary.commits, findings: n, allowed: summary.allowed } })}\n`,
    );
  else safePrint(line, n === 0 ? process.stdout : process.stderr);
  if (n > 0 && flags.json !== true)
    safePrint(
      'A secret that reached git must be rotated: removing it from the tree leaves it in history. ' +
        'A test fixture may be allowlisted with "secret <fingerprint>" or "path <glob>" in .secrets-allowlist.',
      process.stderr,
    );
  return n === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError)
      safePrint(`${err.message}\n\n${usage(COMMAND, SUMMARY, FLAGS)}`, process.stderr);
    else safePrint(`scan:secrets failed: ${describeFailure(err)}`, process.stderr);
    process.exitCode = 2;
  },
);
