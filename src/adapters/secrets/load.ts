/**
 * Secrets come from files (Docker secrets: BYBIT_API_KEY_FILE, defaulting to
 * /run/secrets/bybit_api_key) or, for local development only, from the variable itself. A file
 * must be a regular file of at most 64 KiB holding the value alone: one trailing newline is
 * allowed, anything else (empty, several lines, surrounding spaces, a byte-order mark, control
 * characters) is refused with an error naming the secret and the file, never the content. A file
 * others can read or anyone else can write gets a warning. The value is wrapped in a Secret at once.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { BotError } from '../../errors.js';
import { Secret } from './secret.js';

/** The secrets the bot reads, each from `<NAME>_FILE`, `/run/secrets/<name>` or `<NAME>`. */
export const SECRET_NAMES = ['BYBIT_API_KEY', 'BYBIT_API_SECRET', 'POSTGRES_PASSWORD'] as const;

/** Larger than any key, token or password: a bigger file is a wrong path, not a secret. */
const MAX_SECRET_BYTES = 64 * 1024;

export class SecretError extends BotError {
  constructor(
    readonly secretName: string,
    message: string,
  ) {
    // "NAME refused:" rather than "NAME:", which reads as `key: value` and would be redacted.
    super('MM_SECRET_INVALID', `${secretName} refused: ${message}`, 'give-up');
  }
}

export interface SecretSource {
  readonly env: NodeJS.ProcessEnv;
  /** Where Docker mounts secrets; /run/secrets by default. */
  readonly secretsDir?: string;
  readonly warn?: (message: string) => void;
  /**
   * Warn when the value comes from the variable: fine for local development, not for live money
   * (the environment is inherited by child processes and readable in /proc/<pid>/environ).
   */
  readonly warnIfVariable?: boolean;
}

export interface SecretRules {
  /**
   * Passwords may hold inner spaces and any printable character; keys and tokens (the default)
   * are printable ASCII without spaces.
   */
  readonly allowSpaces?: boolean;
}

const TOKEN_VALUE = /^[\x21-\x7e]+$/;
// eslint-disable-next-line no-control-regex -- the point is to find control characters
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/;

/** Why a value is not acceptable, or undefined when it is. */
function flaw(value: string, rules: SecretRules): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value.startsWith('\uFEFF')) return 'starts with a byte-order mark; save it as plain UTF-8';
  if (/[\r\n]/.test(value)) return 'holds several lines; it must hold the value alone';
  if (value.trim() !== value) return 'has whitespace around the value; it must hold the value alone';
  if (CONTROL.test(value)) return 'holds control characters';
  if (rules.allowSpaces !== true && !TOKEN_VALUE.test(value))
    return 'holds whitespace or characters outside printable ASCII; a key or token has neither';
  return undefined;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function readSecretFile(name: string, path: string, rules: SecretRules, warn?: (m: string) => void): Secret {
  let stats: Stats;
  let text: string;
  try {
    stats = statSync(path);
    if (!stats.isFile()) throw new SecretError(name, `${path} is not a regular file`);
    if (stats.size > MAX_SECRET_BYTES)
      throw new SecretError(name, `${path} is ${stats.size} bytes; a secret file holds the value alone`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof SecretError) throw e;
    throw new SecretError(name, `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const mode = stats.mode & 0o777;
  if ((mode & 0o022) !== 0)
    warn?.(`${path} (${name}) can be changed by other users (mode ${mode.toString(8)}); chmod 600 it`);
  else if ((mode & 0o004) !== 0)
    warn?.(`${path} (${name}) can be read by other users (mode ${mode.toString(8)}); chmod 600 it`);
  const value = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
  const problem = flaw(value, rules);
  if (problem !== undefined) throw new SecretError(name, `${path} ${problem}`);
  return new Secret(value);
}

/**
 * Loads one secret: `<NAME>_FILE` if set, else `<secretsDir>/<name>` if it exists, else the
 * variable `<NAME>` (local development). Returns undefined when none is present (the caller decides
 * if that is fatal); throws SecretError when the one found is unusable.
 */
export function loadSecret(name: string, source: SecretSource, rules: SecretRules = {}): Secret | undefined {
  const fromEnv = source.env[name];
  const file = source.env[`${name}_FILE`];
  if (file !== undefined && file !== '') {
    if (fromEnv !== undefined && fromEnv !== '')
      source.warn?.(`both ${name}_FILE and ${name} are set; using the file`);
    return readSecretFile(name, file, rules, source.warn);
  }
  const dockerPath = `${source.secretsDir ?? '/run/secrets'}/${name.toLowerCase()}`;
  if (statOrUndefined(dockerPath) !== undefined) return readSecretFile(name, dockerPath, rules, source.warn);
  if (fromEnv === undefined || fromEnv === '') return undefined;
  const problem = flaw(fromEnv, rules);
  if (problem !== undefined) throw new SecretError(name, `the variable ${name} ${problem}`);
  if (source.warnIfVariable === true)
    source.warn?.(
      `${name} comes from the environment; outside local development put it in the file ${name}_FILE names`,
    );
  return new Secret(fromEnv);
}
