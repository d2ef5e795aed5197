/**
 * Generators for the redaction properties: secrets drawn the way their issuers draw them, and text
 * that holds none. "Without secrets" is defined here, once, and docs/security.md repeats it.
 */
import fc from 'fast-check';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';

const classes = (s: string): number =>
  (/[a-z]/.test(s) ? 1 : 0) + (/[A-Z]/.test(s) ? 1 : 0) + (/[0-9]/.test(s) ? 1 : 0);

/** `length` characters drawn uniformly from `alphabet` (no bias toward small or repeated values). */
export const drawn = (alphabet: string, length: number): fc.Arbitrary<string> =>
  fc
    .noBias(
      fc.array(fc.integer({ min: 0, max: alphabet.length - 1 }), { minLength: length, maxLength: length }),
    )
    .map((ix) => ix.map((i) => alphabet[i]).join(''));

const randomBytes = (min: number, max: number): fc.Arbitrary<Buffer> =>
  fc.noBias(fc.uint8Array({ minLength: min, maxLength: max })).map((a) => Buffer.from(a));

/**
 * A Bybit API key (18) or secret (36) as Bybit issues them: mixed-case alphanumerics. The one
 * exclusion is a value in a single character class (all lower case, say), which no shape rule can
 * tell from a word: with 62 symbols that is 3 in 10 million keys.
 */
export const bybitKey = drawn(ALNUM, 18).filter((s) => classes(s) >= 2);
export const bybitSecret = drawn(ALNUM, 36).filter((s) => classes(s) >= 2);
/** An HMAC-SHA256 signature (X-BAPI-SIGN, WS auth), lower-case hex. */
export const hmacHex = drawn(HEX, 64);
/** Tokens from 32 to 64 random bytes: hex, base64 (with or without padding) and base64url. */
export const randomToken = fc
  .tuple(randomBytes(32, 64), fc.constantFrom('hex', 'base64', 'base64-bare', 'base64url'))
  .map(([b, enc]) => (enc === 'base64-bare' ? b.toString('base64').replace(/=+$/, '') : b.toString(enc)));
export const telegramToken = fc
  .tuple(fc.integer({ min: 10_000_000, max: 9_999_999_999 }), drawn(`${ALNUM}_-`, 35))
  .map(([id, rest]) => `${id}:${rest}`);
export const jwt = fc
  .tuple(randomBytes(12, 40), randomBytes(12, 60), randomBytes(32, 32))
  .map(
    ([h, p, s]) => `eyJ${h.toString('base64url')}.eyJ${p.toString('base64url')}.${s.toString('base64url')}`,
  );

/** Key names whose value must be redacted, in the spellings logs and headers use. */
export const secretKeyName = fc.constantFrom(
  'password',
  'PASSWORD',
  'Password',
  'db_password',
  'POSTGRES_PASSWORD',
  'passwd',
  'passphrase',
  'secret',
  'apiSecret',
  'api_secret',
  'BYBIT_API_SECRET',
  'BYBIT_API_KEY',
  'apiKey',
  'api-key',
  'X-BAPI-API-KEY',
  'X-BAPI-SIGN',
  'x-bapi-sign',
  'sign',
  'signature',
  'token',
  'adminToken',
  'access_token',
  'authorization',
  'Authorization',
  'credentials',
  'client_secret',
);

const PLACEHOLDER =
  /^(?:\*+|x{3,}|\.{3}|\u2026|\[?redacted\]?|<[^<>]*>|\$\{[^}]*\}|null|true|false|undefined|none)$/i;
const VALUE_CHARS = [
  ...'!#$%()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~&',
];

/**
 * A password or other value that only its key marks as secret: 8 to 40 characters (long enough for
 * "it is absent" to mean something) of printable ASCII except whitespace, quotes and backslash. Excluded: placeholders (`null`, `***`, `<...>`), which are left
 * alone on purpose, and a first character that opens or closes structure (`[ { & , ; ) ] } >`),
 * where a bare value cannot be told from the text around it.
 */
export const keyedValue = fc
  .noBias(fc.array(fc.constantFrom(...VALUE_CHARS), { minLength: 8, maxLength: 40 }))
  .map((cs) => cs.join(''))
  .filter((v) => !PLACEHOLDER.test(v) && !/^[[{&,;)\]}>]/.test(v));

/** `value` under `key` in the forms logs take: key=value, key: value, JSON, escaped JSON, quoted. */
export const keyed = (key: string, value: string): fc.Arbitrary<string> =>
  fc.constantFrom(
    `${key}=${value}`,
    `${key}: ${value}`,
    `${key} = '${value}'`,
    `"${key}":"${value}"`,
    `"${key}": "${value} and more"`,
    `\\"${key}\\":\\"${value}\\"`,
    `${key}=${value}&next=1`,
  );

const emailAddress = fc
  .tuple(
    drawn('abcdefghijklmnopqrstuvwxyz0123456789', 1),
    fc.stringMatching(/^[a-z0-9._%+-]{0,15}$/),
    fc.array(fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/), { minLength: 1, maxLength: 3 }),
    fc.stringMatching(/^[a-z]{2,6}$/),
  )
  .map(([a, local, labels, tld]) => `${a}${local}@${labels.join('.')}.${tld}`);

/** Whether an IPv4 address is routable on the internet (what redaction hides). */
function isPublicV4(ip: string): boolean {
  const [a = 0, b = 0] = ip.split('.').map(Number);
  return !(
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 255 && b === 255)
  );
}
export const publicIpv4 = fc.ipV4().filter(isPublicV4);
export const publicIpv6 = fc.ipV6().filter((ip) => {
  const l = ip.toLowerCase();
  if (l === '::' || l === '::1' || /^::ffff:/.test(l) || /^::(\d|$)/.test(l)) return false;
  const first = l.startsWith('::') ? 0 : parseInt(l.split(':')[0]!, 16);
  return !(first >= 0xfe80 && first <= 0xfebf) && !(first >= 0xfc00 && first <= 0xfdff) && first !== 0;
});

export interface PlantedSecret {
  /** What must not survive. */
  readonly secret: string;
  /** How it appears in the message. */
  readonly text: string;
}

/** Wrappers a bare value meets in text: quotes, brackets, paths, query strings, escaped JSON. */
const wrap = (s: string): fc.Arbitrary<string> =>
  fc.constantFrom(
    s,
    `"${s}"`,
    `'${s}'`,
    `(${s})`,
    `[${s}]`,
    `<${s}>`,
    `${s},`,
    `${s}.`,
    `/v5/x/${s}`,
    `?symbol=BTCUSDT&id=${s}&x=1`,
    `\\"${s}\\"`,
    `id=${s}`,
    `mm-${s}`,
    `${s}_x`,
  );

/** One secret of any kind, planted in the context it comes in. */
export const plantedSecret: fc.Arbitrary<PlantedSecret> = fc.oneof(
  fc
    .oneof(bybitKey, bybitSecret, hmacHex, randomToken, telegramToken, jwt)
    .chain((s) => wrap(s).map((text) => ({ secret: s, text }))),
  fc.tuple(secretKeyName, keyedValue).chain(([k, v]) => keyed(k, v).map((text) => ({ secret: v, text }))),
  fc
    .oneof(randomToken, drawn(`${ALNUM}-._~+/`, 24))
    .filter((t) => !/^[a-z]+$/.test(t))
    .chain((t) =>
      fc.constantFrom(`Authorization: Bearer ${t}`, `bearer ${t}`).map((text) => ({ secret: t, text })),
    ),
  telegramToken.map((t) => ({ secret: t, text: `https://api.telegram.org/bot${t}/sendMessage` })),
  keyedValue
    .filter((v) => !/[@/\s]/.test(v))
    .map((v) => ({ secret: `:${v}@`, text: `postgres://mm:${v}@db.internal:5432/mm` })),
  emailAddress.map((e) => ({ secret: e, text: e })),
  publicIpv4.chain((ip) =>
    fc.constantFrom(ip, `${ip}:8080`, `from ${ip},`).map((text) => ({ secret: ip, text })),
  ),
  publicIpv6.chain((ip) => fc.constantFrom(ip, `[${ip}]:443`).map((text) => ({ secret: ip, text }))),
  fc.tuple(bybitKey, hmacHex).map(([k, s]) => ({
    secret: k,
    text: JSON.stringify({ req_id: '7', op: 'auth', args: [k, 1_700_000_000_000, s] }),
  })),
);

// ---------------------------------------------------------------------------------------------
// Text without secrets.

const WORDS = [
  'order',
  'quote',
  'book',
  'price',
  'size',
  'side',
  'buy',
  'sell',
  'cancel',
  'amend',
  'filled',
  'market',
  'symbol',
  'stale',
  'live',
  'reconnect',
  'socket',
  'public',
  'private',
  'position',
  'balance',
  'wallet',
  'fee',
  'spread',
  'skew',
  'inventory',
  'risk',
  'halted',
  'paused',
  'resume',
  'shutdown',
  'request',
  'response',
  'timeout',
  'retry',
  'budget',
  'limit',
  'window',
  'delay',
  'attempt',
  'connected',
  'closed',
  'error',
  'warning',
  'started',
  'stopped',
  'sequence',
  'delta',
  'snapshot',
  'level',
  'depth',
  'mid',
  'fair',
  'volatility',
  'recording',
  'journal',
  'metrics',
  'status',
  'ready',
  'simulator',
  'exchange',
  'venue',
  'account',
  'category',
  'linear',
  'interval',
  'reconcile',
  'sweep',
  'prefix',
  'instance',
  'handler',
  'message',
  'frame',
  'channel',
  'topic',
  'über',
  'café',
  'naïve',
];
const ACRONYMS = ['HTTP', 'JSON', 'WS', 'REST', 'API', 'DCP', 'PNL'];
const SHORT_HUMPS = ['Ms', 'Id', 'At', 'By', 'To'];
const cap = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1);
const asciiWord = fc.constantFrom(...WORDS.filter((w) => /^[a-z]+$/.test(w)));

/**
 * camelCase made of words: at most one acronym and one short hump (`Ms`, `Id`). An identifier
 * exactly 18 or 36 characters long is left out: that is the shape of a Bybit key or secret.
 */
const camel = fc
  .tuple(
    asciiWord,
    fc.array(asciiWord, { minLength: 1, maxLength: 3 }),
    fc.option(fc.constantFrom(...ACRONYMS)),
    fc.option(fc.constantFrom(...SHORT_HUMPS)),
  )
  .map(([head, rest, acr, short]) => head + (acr ?? '') + rest.map(cap).join('') + (short ?? ''))
  .filter((s) => s.length !== 18 && s.length !== 36);

const number = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
  fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }).map(String),
  fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((d) => d.toFixed(4)),
  fc.integer({ min: 1, max: 5_000 }).map((n) => `${n}ms`),
);

const privateIpv4 = fc.oneof(
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `10.${a}.${b}.${c}`),
  fc
    .tuple(fc.integer({ min: 16, max: 31 }), fc.nat(255), fc.nat(255))
    .map(([a, b, c]) => `172.${a}.${b}.${c}`),
  fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `192.168.${a}.${b}`),
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `127.${a}.${b}.${c}`),
);

const benignToken: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 2, arbitrary: asciiWord.map(cap) },
  { weight: 1, arbitrary: asciiWord.map((w) => w.toUpperCase()) },
  { weight: 2, arbitrary: camel },
  { weight: 2, arbitrary: camel.map(cap) },
  { weight: 2, arbitrary: fc.array(asciiWord, { minLength: 2, maxLength: 5 }).map((ws) => ws.join('_')) },
  { weight: 1, arbitrary: fc.array(asciiWord, { minLength: 2, maxLength: 5 }).map((ws) => ws.join('-')) },
  {
    weight: 1,
    arbitrary: fc.array(asciiWord, { minLength: 2, maxLength: 4 }).map((ws) => ws.join('_').toUpperCase()),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.oneof(asciiWord, camel), { minLength: 1, maxLength: 5 })
      .map((ws) => `/${ws.join('/')}`),
  },
  { weight: 3, arbitrary: number },
  {
    weight: 1,
    arbitrary: fc.constantFrom('BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'mm-42', 'v5', 'i18n', 'e2e', 'x86_64'),
  },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: privateIpv4 },
  { weight: 1, arbitrary: privateIpv4.map((ip) => `http://${ip}:8000/metrics`) },
  { weight: 1, arbitrary: fc.constantFrom('::1', 'fe80::1', 'fd00::42', '::') },
  {
    weight: 1,
    arbitrary: fc
      .date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  {
    weight: 1,
    // A timestamp in a file name: the recorder's session directories.
    arbitrary: fc
      .tuple(fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }), fc.nat(99_999))
      .map(([d, pid]) => `data/recordings/${d.toISOString().replace(/[:.]/g, '-')}-p${pid}/0001.jsonl`),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.nat(23), fc.nat(59), fc.nat(59))
      .map((t) => t.map((n) => String(n).padStart(2, '0')).join(':')),
  },
  { weight: 1, arbitrary: drawn(HEX, 7) },
  { weight: 1, arbitrary: fc.tuple(asciiWord, fc.oneof(asciiWord, number)).map(([k, v]) => `${k}=${v}`) },
  { weight: 1, arbitrary: fc.tuple(asciiWord, fc.oneof(asciiWord, number)).map(([k, v]) => `"${k}":"${v}"`) },
  { weight: 1, arbitrary: fc.constant('[REDACTED]') },
);

const SEPARATORS = [' ', ' ', ' ', ', ', '; ', ': ', ' = ', ' (', ') ', '\n', '\t', ' - ', ' | ', ' "', '" '];

/**
 * Text without secrets: words (with non-ASCII ones), Capitalised, UPPER, snake_case, kebab-case and
 * camelCase identifiers, paths, numbers, durations, timestamps, clock times, UUIDs, short hex,
 * private, loopback and link-local addresses, URLs to them, `key=value` and JSON pairs whose keys
 * are not secret names, and `[REDACTED]`, joined by separators that keep tokens apart.
 */
export const benignText: fc.Arbitrary<string> = fc
  .array(fc.tuple(benignToken, fc.constantFrom(...SEPARATORS)), { minLength: 0, maxLength: 30 })
  .map((parts) => parts.map(([t, s]) => t + s).join(''));

/** Benign text cut into `n + 1` pieces, to plant `n` secrets between them. */
export const messageWith = (
  planted: fc.Arbitrary<PlantedSecret>,
): fc.Arbitrary<{ text: string; secrets: string[] }> =>
  fc
    .tuple(fc.array(fc.tuple(planted, benignText), { minLength: 1, maxLength: 3 }), benignText)
    .map(([pairs, head]) => ({
      text: head + ' ' + pairs.map(([p, t]) => `${p.text} ${t}`).join(' '),
      secrets: pairs.map(([p]) => p.secret),
    }));
