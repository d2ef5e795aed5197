/**
 * The secret scan's allowlist (`.secrets-allowlist` at the repository root): one entry a line,
 * `#` starts a comment.
 *
 *     path test/fixtures/**          files never scanned (globs: `*` within a name, `**` across)
 *     secret 5e884898da28...         a finding allowed by its fingerprint (sha256 of the value),
 *                                    so the allowlist never holds the secret itself
 *
 * Every entry should say in its comment why the value is not a secret (a test fixture, a
 * published example key).
 */
import { readFileSync } from 'node:fs';
import { BotError } from '../../errors.js';

export interface Allowlist {
  /** Whether `path` (relative, with `/`) is never scanned. */
  skipsPath(path: string): boolean;
  /** Whether a finding with this fingerprint is allowed. */
  allows(fingerprint: string): boolean;
}

/** A glob as a regex: `**` spans directories, `*` and `?` stay within a name. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** A malformed allowlist entry, named by file and line. */
export class AllowlistError extends BotError {
  constructor(message: string) {
    super('MM_SECURITY_ALLOWLIST_INVALID', message, 'give-up');
  }
}

/** Parses allowlist text; `source` names it in errors. */
export function parseAllowlist(text: string, source = '.secrets-allowlist'): Allowlist {
  const paths: RegExp[] = [];
  const secrets = new Set<string>();
  for (const [n, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const m = /^(path|secret)\s+(\S+)$/.exec(line);
    if (m === null)
      throw new AllowlistError(
        `${source}:${n + 1}: expected "path <glob>" or "secret <sha256>", found ${JSON.stringify(raw.trim())}`,
      );
    if (m[1] === 'path') paths.push(globToRegExp(m[2]!));
    else if (/^[0-9a-f]{64}$/.test(m[2]!)) secrets.add(m[2]!);
    else
      throw new AllowlistError(`${source}:${n + 1}: a secret entry is the 64-digit hex sha256 of the value`);
  }
  return {
    skipsPath: (path) => paths.some((re) => re.test(path)),
    allows: (fp) => secrets.has(fp),
  };
}

/** Reads the allowlist file; a missing file allows nothing. */
export function loadAllowlist(path: string): Allowlist {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return parseAllowlist('', path);
    throw e;
  }
  return parseAllowlist(text, path);
}
