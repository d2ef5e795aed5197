/**
 * What the repository scan calls a secret. It reuses redact()'s patterns (one source) but only the
 * rules that hold in source code: a private key, a token with a known prefix (AWS, GitHub, Slack,
 * Stripe, Google, npm, PyPI), a Telegram bot token, a JWT, a password in a URL, and a literal
 * assigned to a secret's name (`apiSecret: 'k3y...'`, `PASSWORD="..."`). redact()'s shape rule,
 * which takes any random-looking token for a secret, would flag every hash and fixture in a
 * repository and is left out.
 */
import { createHash } from 'node:crypto';
import {
  JWT,
  PLACEHOLDER,
  PRIVATE_KEY,
  PROVIDER_TOKEN,
  SECRET_KEYS,
  TELEGRAM,
  URL_CREDENTIALS,
} from '../log/redact.js';

export type ScanRule =
  'private-key' | 'provider-token' | 'telegram-token' | 'jwt' | 'url-credentials' | 'assigned-secret';

export interface ScanMatch {
  readonly rule: ScanRule;
  /** 1-based column where the secret starts. */
  readonly column: number;
  /** sha256 of the secret, in hex: what an allowlist names instead of the secret itself. */
  readonly fingerprint: string;
}

const PEM_HEADER = new RegExp(PRIVATE_KEY.source.slice(0, PRIVATE_KEY.source.indexOf('[\\s\\S]')), 'g');

/** A secret's name, then `:` or `=`, then a quoted literal of 8 or more characters. */
const ASSIGNED = new RegExp(
  String.raw`(?<![A-Za-z0-9])(?:[A-Za-z0-9]*[_-])?(?:${SECRET_KEYS})["']?\s*[:=]\s*(["'\x60])([^"'\x60\s]{8,})\1`,
  'gi',
);
/**
 * A literal that is code or a reference, not a value: identifiers, paths, URLs, `$VAR` and
 * `$__file{...}` references, template interpolations and `<placeholders>`.
 */
const NOT_A_VALUE =
  /^(?:[a-z]+(?:[A-Z][a-z]*)*|[A-Z_]+|\/[\w./-]*|\.{0,2}\/.*|https?:\/\/\S*|\$.*|process\.env\..*|.*\$\{.*|.*[<>].*)$/;

export const fingerprint = (secret: string): string =>
  createHash('sha256').update(secret, 'utf8').digest('hex');

function* matches(re: RegExp, line: string, group = 0): Generator<{ index: number; value: string }> {
  re.lastIndex = 0;
  for (const m of line.matchAll(re)) {
    const value = m[group];
    if (value === undefined) continue;
    yield { index: (m.index ?? 0) + m[0].indexOf(value), value };
  }
}

/** The secrets in one line of source (usually none). */
export function scanLine(line: string): ScanMatch[] {
  const out: ScanMatch[] = [];
  // One finding per value: a token assigned to a secret's name is found by two rules.
  const add = (rule: ScanRule, index: number, value: string) => {
    const fp = fingerprint(value);
    if (!out.some((m) => m.fingerprint === fp)) out.push({ rule, column: index + 1, fingerprint: fp });
  };
  if (line.includes('PRIVATE KEY-----'))
    for (const m of matches(PEM_HEADER, line)) add('private-key', m.index, m.value);
  for (const m of matches(PROVIDER_TOKEN, line)) add('provider-token', m.index, m.value);
  if (line.includes(':')) for (const m of matches(TELEGRAM, line)) add('telegram-token', m.index, m.value);
  if (line.includes('eyJ')) for (const m of matches(JWT, line)) add('jwt', m.index, m.value);
  if (line.includes('://'))
    for (const m of matches(URL_CREDENTIALS, line, 2))
      if (!PLACEHOLDER.test(m.value) && !m.value.startsWith('$') && m.value !== '[REDACTED]')
        add('url-credentials', m.index, m.value);
  if (/[:=]/.test(line))
    for (const m of matches(ASSIGNED, line, 2))
      if (!PLACEHOLDER.test(m.value) && !NOT_A_VALUE.test(m.value) && !m.value.startsWith('[REDACTED'))
        add('assigned-secret', m.index, m.value);
  return out;
}
