/**
 * What the log linter looks for in one line: characters outside ASCII (logs are read in terminals,
 * grep and tools that mangle them), secrets by the patterns of redact() (the one source of
 * patterns), and CRITICAL or FATAL lines (the words in capitals, or pino's fatal level).
 */
import { findSecrets, redact, type RedactOptions } from '../redact.js';

/** The rules a finding can come from. */
export type LintRule = 'non-ascii' | 'secret' | 'critical' | 'line-too-long';

export interface LintFinding {
  readonly file: string;
  readonly line: number;
  /** 1-based column of the first offending character, where there is one. */
  readonly column?: number;
  readonly rule: LintRule;
  /** What fired, in words (the redaction rule for a secret, the character for non-ASCII). */
  readonly detail: string;
  /** The start of the line, redacted: a finding never repeats the secret it found. */
  readonly excerpt: string;
}

export interface LintRules {
  /** Flag characters outside ASCII (default true). */
  readonly nonAscii?: boolean;
  /** Flag secrets (default true). */
  readonly secrets?: boolean;
  /** Flag CRITICAL and FATAL lines (default true). */
  readonly critical?: boolean;
  /** Options of the secret patterns (order ids). */
  readonly redact?: RedactOptions;
}

// eslint-disable-next-line no-control-regex -- ASCII is exactly \x00-\x7f
const NON_ASCII = /[^\x00-\x7f]/;
const CRITICAL = /\bCRITICAL\b|\bFATAL\b|"level":\s*"(?:fatal|critical)"|"level":\s*60\b/;
const EXCERPT_CHARS = 160;

const excerpt = (text: string, options: RedactOptions): string => {
  const clean = redact(text.length > 4 * EXCERPT_CHARS ? text.slice(0, 4 * EXCERPT_CHARS) : text, options);
  return clean.length > EXCERPT_CHARS ? `${clean.slice(0, EXCERPT_CHARS)}...` : clean;
};

const codePoint = (ch: string): string =>
  `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** The findings of one line (most lines: none, at the cost of a few regex tests). */
export function checkLine(file: string, line: number, text: string, rules: LintRules = {}): LintFinding[] {
  const found: LintFinding[] = [];
  const redactOptions = rules.redact ?? {};
  if (rules.nonAscii !== false) {
    const m = NON_ASCII.exec(text);
    if (m !== null)
      found.push({
        file,
        line,
        column: m.index + 1,
        rule: 'non-ascii',
        detail: codePoint(String.fromCodePoint(text.codePointAt(m.index)!)),
        excerpt: excerpt(text, redactOptions),
      });
  }
  if (rules.secrets !== false) {
    const secrets = findSecrets(text, redactOptions);
    if (secrets.length > 0)
      found.push({
        file,
        line,
        rule: 'secret',
        detail: [...new Set(secrets)].join(', '),
        excerpt: excerpt(text, redactOptions),
      });
  }
  if (rules.critical !== false && CRITICAL.test(text))
    found.push({
      file,
      line,
      rule: 'critical',
      detail: 'CRITICAL or FATAL',
      excerpt: excerpt(text, redactOptions),
    });
  return found;
}
