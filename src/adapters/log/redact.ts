/**
 * Free-text redaction: the one module that takes secrets out of text the bot writes (log
 * messages, error messages and stacks, console output) and that the log linter uses to find them.
 *
 * Two kinds of rule. Context rules trust where a value sits: whatever follows `password=`,
 * `"apiSecret":`, `X-BAPI-SIGN:`, `Bearer`, a URL's `user:` or the key and signature slots of a WS
 * auth frame is a secret, whatever it looks like. Shape rules catch a bare value by its look:
 * Bybit keys and secrets (18 and 36 alphanumerics), hex runs of 32 and more, base64 and other
 * random-looking tokens, JWTs, Telegram bot tokens, e-mail addresses and public IP addresses
 * (loopback, private and link-local ranges are kept). Order ids (UUIDs and the values of
 * orderId/orderLinkId) only when asked.
 *
 * A shape rule has to tell a random token from an identifier without context, so it has a
 * documented blind spot (docs/security.md): an alphanumeric run that has no digit and reads as
 * camelCase words is taken for an identifier unless it is exactly 18 or 36 characters long, and a
 * token shorter than 16 characters is never a secret by shape. Everything replaced becomes
 * `[REDACTED]`, so redacting twice changes nothing.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** What every redacted value becomes (the same censor pino's path redaction writes). */
export const REDACTED = '[REDACTED]';

/** The rule that found a secret (for the log linter's report). */
export type RedactRule =
  | 'private-key'
  | 'url-credentials'
  | 'ws-auth'
  | 'bearer'
  | 'telegram-token'
  | 'jwt'
  | 'provider-token'
  | 'key-value'
  | 'order-id'
  | 'email'
  | 'ipv4'
  | 'ipv6'
  | 'token';

export interface RedactOptions {
  /** Also redact order ids: UUIDs and the values of orderId, orderLinkId, order_id, order_link_id. */
  readonly orderIds?: boolean;
}

/** Called once per value replaced. */
export type OnRedact = (rule: RedactRule) => void;

export const PRIVATE_KEY =
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;

export const URL_CREDENTIALS = /\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s:/@]*:)([^\s@/]+)@/g;

/** `"args":["<key>",<expires>,"<signature>"]` of a WS auth frame, plain or JSON-escaped. */
const WS_AUTH =
  /(\\?["']?args\\?["']?\s*:\s*\[\s*\\?["'])([^"'\\]*)(\\?["']\s*,\s*\d+\s*,\s*\\?["'])([^"'\\]*)(?=\\?["'])/g;

const BEARER = /\b((?:[Bb]earer|BEARER|[Bb]asic|BASIC)\s+)([A-Za-z0-9._~+/=:-]{8,})/g;

export const TELEGRAM = /(?<![A-Za-z0-9])(bot)?\d{6,12}:[A-Za-z0-9_-]{30,}/g;

export const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

/**
 * Tokens of other services by their documented prefixes: AWS access key ids, GitHub, Slack,
 * Stripe live keys, Google API keys, npm and PyPI tokens.
 */
export const PROVIDER_TOKEN =
  /\b(?:(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,}|xox[abprs]-[A-Za-z0-9-]{10,}|[sr]k_live_[A-Za-z0-9]{20,}|AIza[0-9A-Za-z_-]{35}|npm_[A-Za-z0-9]{36}|pypi-[A-Za-z0-9_-]{50,})/g;

/**
 * Key names whose value is a secret. Matched case-insensitively; the boundary checks in code make
 * `apiSecret`, `BYBIT_API_SECRET`, `X-BAPI-SIGN` and `db.password` match while `design`,
 * `tokens` and `passwordFile` (a path, not a secret) do not.
 */
export const SECRET_KEYS =
  'passphrase|password|passwd|api[_-]?secret|api[_-]?key|access[_-]?key|secret[_-]?key|private[_-]?key|' +
  'client[_-]?secret|secret|access[_-]?token|refresh[_-]?token|auth[_-]?token|admin[_-]?token|token|' +
  'authorization|credentials?|signature|sign';
const ORDER_KEYS = 'order[_-]?link[_-]?id|order[_-]?id';

/** A value after `key[:=]`: escaped-quoted, quoted, or bare (stop characters allowed inside). */
const VALUE =
  String.raw`(\\"[^"]*?\\"|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` +
  String.raw`(?:(?:Bearer|Basic)\s+)?[^\s"'\\&,;)\]}>[{][^\s"'\\&,;)\]}>]*(?:[,;)\]}>]+[^\s"'\\&,;)\]}>]+)*)`;
const keyValue = (keys: string): RegExp =>
  new RegExp(String.raw`(${keys})(?![A-Za-z0-9_])(\\?["'])?(\s*[:=]\s*)` + VALUE, 'gi');
const SECRET_KV = keyValue(SECRET_KEYS);
const ORDER_KV = keyValue(ORDER_KEYS);

/** Values that are placeholders, not secrets: left alone so redacting twice changes nothing. */
export const PLACEHOLDER =
  /^(?:\*+|x{3,}|\.{3}|\u2026|\[?redacted\]?|<[^<>]*>|\$\{[^}]*\}|null|true|false|undefined|none|)$/i;

const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g;

const IPV4 = /(?<![0-9.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![0-9]|\.\d)/g;

const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,8}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4})(?![\w:])/g;

const UUID = /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g;

/** GitHub advisory ids: public identifiers whose letters look random. */
const GHSA = /GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}/g;

/** A run of token characters, with base64 padding. Shorter runs are never secrets by shape. */
const TOKEN = /[A-Za-z0-9+/_-]{16,}(?:==?(?![A-Za-z0-9+/_=-]))?/g;

/**
 * Pieces of identifiers, paths and numbers that are words, not random (`29T11` and `349Z` are the
 * pieces of a timestamp written into a file name).
 */
const WORD_PIECE =
  /^(?:\d{1,31}|[a-z]+\d*|[A-Z]+\d*|[A-Z][a-z]+\d*|\d+[a-z]{1,3}|[a-z]{1,2}\d{1,3}[a-z]{1,2}|[A-Z]{1,2}\d{1,3}[A-Z]{1,2}|\d{1,4}[TZ]\d{0,4})$/;
const LETTERS_THEN_DIGITS = /^([A-Za-z]+)\d*$/;
const HUMPS = /[A-Z]?[a-z]+|[A-Z]+(?![a-z])/g;
const ACRONYM = /^[A-Z]+$/;
const VOWEL = /[aeiouy]/i;
const HEX_RUN = /[0-9a-f]{32,}|[0-9A-F]{32,}|\d{32,}/;
const BYBIT_SHAPE = /^[A-Za-z0-9]{18}$|^[A-Za-z0-9]{36}$/;
const SEPARATORS = /[/_-]+/;
/** Characters in mixed pieces a token needs, beside one random-looking piece, to count as a secret. */
const RANDOM_MASS = 12;

/**
 * Whether an alphanumeric piece reads as a word, a number or an identifier rather than random:
 * lower, upper or Capitalised words with trailing digits, short abbreviations (i18n, k8s), and
 * camelCase whose humps look like words (at most one acronym of up to five letters, at most one
 * hump under three letters, a vowel in every longer hump).
 */
export function isWordLike(piece: string): boolean {
  if (WORD_PIECE.test(piece)) return true;
  const letters = LETTERS_THEN_DIGITS.exec(piece)?.[1];
  if (letters === undefined) return false;
  let short = 0;
  let acronyms = 0;
  for (const hump of letters.match(HUMPS) ?? []) {
    if (ACRONYM.test(hump)) {
      if (hump.length > 5 || ++acronyms > 1) return false;
    } else if (hump.length < 3) {
      if (++short > 1) return false;
    } else if (!VOWEL.test(hump)) return false;
  }
  return true;
}

const classes = (s: string): number =>
  (/[a-z]/.test(s) ? 1 : 0) + (/[A-Z]/.test(s) ? 1 : 0) + (/[0-9]/.test(s) ? 1 : 0);

/**
 * The shape rule: whether a run of token characters (`[A-Za-z0-9+/_-]`, 16 or more, with base64
 * padding) is a secret by its look alone.
 */
export function isSecretToken(token: string): boolean {
  if (token.endsWith('=') || token.includes('+')) return classes(token) >= 2;
  let random = false;
  let mixed = 0;
  for (const piece of token.replace(UUID, 'uuid').replace(GHSA, 'ghsa').split(SEPARATORS)) {
    if (piece === '') continue;
    if (HEX_RUN.test(piece)) return true;
    // Bybit's own shapes, an 18-character key and a 36-character secret, whatever they spell.
    if (BYBIT_SHAPE.test(piece) && classes(piece) >= 2) return true;
    const word = isWordLike(piece);
    if (!word) random = true;
    if (!word || classes(piece) >= 2) mixed += piece.length;
  }
  return random && mixed >= RANDOM_MASS;
}

function isPublicIpv4(a: number, b: number): boolean {
  if (a === 10 || a === 127 || a === 0) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 169 && b === 254) return false;
  if (a === 100 && b >= 64 && b <= 127) return false; // carrier-grade NAT
  return !(a === 255 && b === 255);
}

function isPublicIpv6(ip: string): boolean {
  const lower = ip.toLowerCase();
  if (lower === '::' || lower === '::1') return false;
  const mapped = /^::ffff:(\d+)\.(\d+)\.\d+\.\d+$/.exec(lower);
  if (mapped !== null) return isPublicIpv4(Number(mapped[1]), Number(mapped[2]));
  const first = lower.startsWith('::') ? 0 : parseInt(lower.split(':')[0]!, 16);
  if (first >= 0xfe80 && first <= 0xfebf) return false; // link-local
  return !(first >= 0xfc00 && first <= 0xfdff); // unique local
}

/** Whether the character before `index` lets a key name start there (see SECRET_KEYS). */
function keyStartsAt(text: string, index: number, key: string): boolean {
  if (index === 0) return true;
  const prev = text.charCodeAt(index - 1);
  const isLower = prev >= 97 && prev <= 122;
  const isUpper = prev >= 65 && prev <= 90;
  const isDigit = prev >= 48 && prev <= 57;
  if (isLower) {
    const first = key.charCodeAt(0);
    return first >= 65 && first <= 90; // camelCase: apiSecret, adminToken
  }
  return !isUpper && !isDigit;
}

function replaceKeyValues(text: string, re: RegExp, rule: RedactRule, on: OnRedact | undefined): string {
  re.lastIndex = 0;
  return text.replace(
    re,
    (match: string, key: string, quote: string | undefined, sep: string, value: string, offset: number) => {
      if (!keyStartsAt(text, offset, key)) return match;
      const head = `${key}${quote ?? ''}${sep}`;
      let open = '';
      let close = '';
      let inner = value;
      if (value.startsWith('\\"')) [open, close, inner] = ['\\"', '\\"', value.slice(2, -2)];
      else if (value.startsWith('"') || value.startsWith("'"))
        [open, close, inner] = [value[0]!, value[0]!, value.slice(1, -1)];
      const scheme = /^(?:Bearer|Basic)\s+/.exec(inner);
      if (scheme !== null) {
        open += scheme[0];
        inner = inner.slice(scheme[0].length);
      }
      // A placeholder stands alone; `*&rest` is a value that merely starts like one.
      const alone = open !== '' || text.charAt(offset + match.length) !== '&';
      if ((alone && PLACEHOLDER.test(inner)) || inner.startsWith('[REDACTED')) return match;
      on?.(rule);
      return `${head}${open}${REDACTED}${close}`;
    },
  );
}

function replaceAll(
  text: string,
  re: RegExp,
  keep: (m: string) => boolean,
  rule: RedactRule,
  on?: OnRedact,
): string {
  re.lastIndex = 0;
  return text.replace(re, (m: string) => {
    if (keep(m)) return m;
    on?.(rule);
    return REDACTED;
  });
}

/** Cheap tests that let most lines skip the rules that cannot match them. */
const MAY_HOLD_TOKEN = /[A-Za-z0-9+/_-]{16}/;
const MAY_HOLD_KEY = /[:=]/;
const MAY_HOLD_IPV4 = /\d\.\d{1,3}\.\d/;

/**
 * Returns `text` with every secret it can recognise replaced by `[REDACTED]`; `on` hears which
 * rule fired for each replacement. Text without secrets comes back as the same string.
 */
export function redact(text: string, options: RedactOptions = {}, on?: OnRedact): string {
  let out = text;
  const hasColonOrEquals = MAY_HOLD_KEY.test(out);
  if (out.includes('PRIVATE KEY-----')) out = replaceAll(out, PRIVATE_KEY, () => false, 'private-key', on);
  if (out.includes('://'))
    out = out.replace(URL_CREDENTIALS, (m: string, head: string, pass: string) => {
      if (pass === REDACTED) return m;
      on?.('url-credentials');
      return `${head}${REDACTED}@`;
    });
  if (out.includes('args'))
    out = out.replace(WS_AUTH, (m: string, a: string, key: string, mid: string, sig: string) => {
      if (key === REDACTED && sig === REDACTED) return m;
      on?.('ws-auth');
      return `${a}${REDACTED}${mid}${REDACTED}`;
    });
  if (/bearer|basic/i.test(out))
    out = out.replace(BEARER, (m: string, scheme: string, value: string) => {
      if (/^[a-z]+$/.test(value) || value.startsWith(REDACTED)) return m;
      on?.('bearer');
      return `${scheme}${REDACTED}`;
    });
  if (hasColonOrEquals) {
    TELEGRAM.lastIndex = 0;
    out = out.replace(TELEGRAM, (_m: string, bot: string | undefined) => {
      on?.('telegram-token');
      return `${bot ?? ''}${REDACTED}`;
    });
    out = replaceKeyValues(out, SECRET_KV, 'key-value', on);
    if (options.orderIds === true) out = replaceKeyValues(out, ORDER_KV, 'order-id', on);
  }
  if (out.includes('eyJ')) out = replaceAll(out, JWT, () => false, 'jwt', on);
  if (MAY_HOLD_TOKEN.test(out)) out = replaceAll(out, PROVIDER_TOKEN, () => false, 'provider-token', on);
  if (out.includes('@')) out = replaceAll(out, EMAIL, () => false, 'email', on);
  // IPv6 first: an embedded IPv4 tail goes with its address.
  if (hasColonOrEquals && out.includes(':'))
    out = replaceAll(out, IPV6, (m) => !isIPv6(m) || !isPublicIpv6(m), 'ipv6', on);
  if (MAY_HOLD_IPV4.test(out))
    out = out.replace(IPV4, (m: string, a: string, b: string) => {
      if (!isIPv4(m) || !isPublicIpv4(Number(a), Number(b))) return m;
      on?.('ipv4');
      return REDACTED;
    });
  if (options.orderIds === true) out = replaceAll(out, UUID, () => false, 'order-id', on);
  if (MAY_HOLD_TOKEN.test(out)) out = replaceAll(out, TOKEN, (m) => !isSecretToken(m), 'token', on);
  return out;
}

/** The rules that fire on `text` (empty when it holds no secret). */
export function findSecrets(text: string, options: RedactOptions = {}): RedactRule[] {
  const rules: RedactRule[] = [];
  redact(text, options, (r) => rules.push(r));
  return rules;
}
