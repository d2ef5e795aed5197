/**
 * Scans a git repository for secrets: the working tree (tracked files and untracked ones git does
 * not ignore) and the whole history (`git log -p --all`, streamed, added lines only), line by line
 * in constant memory. A finding in history is reported once per file and value, at the oldest
 * commit that added it; removing a secret in a later commit does not make it safe (it must be
 * rotated).
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BotError } from '../../errors.js';
import { readLines } from '../log/lint/line-reader.js';
import type { Allowlist } from './allowlist.js';
import { scanLine, type ScanRule } from './secret-rules.js';

export interface SecretFinding {
  /** `tree` for the working tree, else the commit that added it. */
  readonly where: 'tree' | { readonly commit: string };
  readonly path: string;
  readonly line: number;
  readonly column: number;
  readonly rule: ScanRule;
  readonly fingerprint: string;
}

export interface ScanOptions {
  readonly repo: string;
  readonly allowlist: Allowlist;
  readonly tree?: boolean;
  readonly history?: boolean;
  readonly onFinding?: (f: SecretFinding) => void;
}

export interface ScanSummary {
  readonly files: number;
  readonly commits: number;
  readonly findings: readonly SecretFinding[];
  /** Findings the allowlist allowed by fingerprint. */
  readonly allowed: number;
}

/** Longest line scanned; longer ones (minified or generated) are skipped. */
const MAX_LINE = 100 * 1024;

/** git failed: not a repository, no such directory, git missing. */
export class SecretScanError extends BotError {
  constructor(message: string) {
    super('MM_SECRET_SCAN_FAILED', message, 'give-up');
  }
}

function git(repo: string, args: readonly string[]): { out: Readable; done: Promise<void> } {
  const child = spawn('git', ['-C', repo, '-c', 'core.quotePath=false', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (e) => reject(new SecretScanError(`git could not be started: ${e.message}`)));
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new SecretScanError(`git ${args[0]} failed (exit ${code}): ${err.trim()}`)),
    );
  });
  return { out: child.stdout, done };
}

async function listTree(repo: string): Promise<string[]> {
  const { out, done } = git(repo, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  const chunks: Buffer[] = [];
  for await (const c of out as AsyncIterable<Buffer>) chunks.push(c);
  await done;
  return [
    ...new Set(
      Buffer.concat(chunks)
        .toString('utf8')
        .split('\0')
        .filter((p) => p !== ''),
    ),
  ].sort();
}

const isBinary = (text: string): boolean => text.includes('\0');

export async function scanRepository(options: ScanOptions): Promise<ScanSummary> {
  const { repo, allowlist } = options;
  const findings: SecretFinding[] = [];
  let allowed = 0;
  let files = 0;
  let commits = 0;
  const report = (f: SecretFinding) => {
    if (allowlist.allows(f.fingerprint)) {
      allowed++;
      return;
    }
    findings.push(f);
    options.onFinding?.(f);
  };

  if (options.tree !== false) {
    for (const path of await listTree(repo)) {
      if (allowlist.skipsPath(path)) continue;
      let stream: Readable;
      try {
        stream = createReadStream(join(repo, path), { highWaterMark: 64 * 1024 });
        files++;
        for await (const item of readLines(stream, MAX_LINE)) {
          if (item.kind !== 'line') continue;
          if (isBinary(item.text)) break;
          for (const m of scanLine(item.text)) report({ where: 'tree', path, line: item.line, ...m });
        }
      } catch (e) {
        // Listed but gone (deleted since) or not a file: nothing to scan.
        if (!['ENOENT', 'EISDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
      }
    }
  }

  if (options.history !== false) {
    // Oldest first, so a value is reported at the commit that introduced it.
    const { out, done } = git(repo, [
      'log',
      '-p',
      '--all',
      '--reverse',
      '--no-color',
      '--no-ext-diff',
      '--no-renames',
      '-U0',
      '--format=commit %H',
    ]);
    const seen = new Set<string>();
    let commit = '';
    let path: string | undefined;
    let binary = false;
    let newLine = 0;
    for await (const item of readLines(out, MAX_LINE)) {
      if (item.kind !== 'line') continue;
      const text = item.text;
      if (text.startsWith('commit ') && /^commit [0-9a-f]{40}$/.test(text)) {
        commit = text.slice(7);
        commits++;
        path = undefined;
      } else if (text.startsWith('diff --git ')) {
        path = undefined;
        binary = false;
      } else if (text.startsWith('+++ ')) {
        path = text === '+++ /dev/null' ? undefined : text.slice(6);
        if (path !== undefined && allowlist.skipsPath(path)) path = undefined;
      } else if (text.startsWith('Binary files ')) binary = true;
      else if (text.startsWith('@@ ')) {
        const m = /^@@ -\S+ \+(\d+)/.exec(text);
        newLine = m === null ? 0 : Number(m[1]);
      } else if (text.startsWith('+') && path !== undefined && !binary) {
        for (const m of scanLine(text.slice(1))) {
          const key = `${path}\0${m.fingerprint}`;
          if (seen.has(key)) continue;
          seen.add(key);
          report({ where: { commit }, path, line: newLine, ...m });
        }
        newLine++;
      }
    }
    await done;
  }
  return { files, commits, findings, allowed };
}
