/**
 * `npm run lint:logs -- <dir|files>`: checks log files line by line, in constant memory, for
 * characters outside ASCII, secrets (the patterns of redact()) and CRITICAL/FATAL lines, printing
 * each finding as file:line. Exit 0 when clean, 1 on findings, 2 on a usage or read error.
 */
import { lintPaths, MAX_LINE_BYTES, type LintFinding } from '../adapters/log/lint/lint.js';
import { describeFailure, safePrint } from '../adapters/log/safe-print.js';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.js';

const FLAGS = {
  'allow-non-ascii': { type: 'boolean', help: 'do not flag characters outside ASCII' },
  'no-critical': { type: 'boolean', help: 'do not flag CRITICAL and FATAL lines' },
  'order-ids': { type: 'boolean', help: 'also flag order ids (UUIDs, orderId/orderLinkId values)' },
  'max-line-bytes': {
    type: 'string',
    value: 'N',
    help: `longest line checked; longer ones are reported (default ${MAX_LINE_BYTES})`,
  },
  'max-print': {
    type: 'string',
    value: 'N',
    help: 'print at most N findings (all are counted; default 200)',
  },
  json: { type: 'boolean', help: 'print findings and the summary as JSON lines' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, FlagSpec>;

const SUMMARY =
  'Checks log files (directories are walked; .gz included) for non-ASCII, secrets and CRITICAL/FATAL lines.';

const integerAtLeast = (min: number, name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name}: expected an integer of at least ${min}, found ${value}`);
  return n;
};

const formatFinding = (f: LintFinding): string =>
  `${f.file}:${f.line}${f.column === undefined ? '' : `:${f.column}`} ${f.rule} (${f.detail})` +
  (f.excerpt === '' ? '' : ` | ${f.excerpt}`);

async function main(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, FLAGS);
  if (flags.help === true) {
    process.stdout.write(usage('npm run lint:logs -- <dir|file>...', SUMMARY, FLAGS));
    return 0;
  }
  if (flags.positionals.length === 0) throw new UsageError('name at least one log file or directory');
  const maxPrint = integerAtLeast(0, 'max-print', flags['max-print'], 200);
  const maxLineBytes = integerAtLeast(1, 'max-line-bytes', flags['max-line-bytes'], MAX_LINE_BYTES);
  let printed = 0;
  const summary = await lintPaths(flags.positionals, {
    maxLineBytes,
    nonAscii: flags['allow-non-ascii'] !== true,
    critical: flags['no-critical'] !== true,
    redact: { orderIds: flags['order-ids'] === true },
    onFinding: (f) => {
      if (printed++ >= maxPrint) return;
      safePrint(flags.json === true ? JSON.stringify(f) : formatFinding(f));
    },
  });
  const total = Object.values(summary.counts).reduce((a, b) => a + b, 0);
  if (flags.json === true)
    safePrint(
      JSON.stringify({
        summary: {
          files: summary.files,
          lines: summary.lines,
          bytes: summary.bytes,
          findings: summary.counts,
        },
      }),
    );
  else {
    if (total > maxPrint) safePrint(`... ${total - maxPrint} more findings not printed (--max-print)`);
    const byRule = Object.entries(summary.counts).map(([rule, n]) => `${n} ${rule}`);
    safePrint(
      `lint:logs: ${summary.files} files, ${summary.lines} lines, ${summary.bytes} bytes: ` +
        (total === 0 ? 'clean' : `${total} findings (${byRule.join(', ')})`),
      total === 0 ? process.stdout : process.stderr,
    );
  }
  return total === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError)
      safePrint(
        `${err.message}\n\n${usage('npm run lint:logs -- <dir|file>...', SUMMARY, FLAGS)}`,
        process.stderr,
      );
    else safePrint(`lint:logs failed: ${describeFailure(err)}`, process.stderr);
    process.exitCode = 2;
  },
);
