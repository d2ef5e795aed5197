/**
 * Secrets come from files (Docker secrets: BYBIT_API_KEY_FILE, defaulting to
 * /run/secrets/bybit_api_key) or, for local development only, from the variable itself. An empty
 * file, or one with stray content (inner whitespace, several lines), is refused with a clear error;
 * a file others can read gets a warning. The value is wrapped in a Secret at once.
 */
import { readFileSync, statSync } from 'node:fs';
import { BotError } from '../../errors.js';
import { Secret } from './secret.js';

export class SecretError extends BotError {
  constructor(
    readonly secretName: string,
    message: string,
  ) {
    super('MM_SECRET_INVALID', `${secretName}: ${message}`, 'give-up');
  }
}

export interface SecretSource {
  readonly env: NodeJS.ProcessEnv;
  /** Where Docker mounts secrets; /run/secrets by default. */
  readonly secretsDir?: string;
  readonly warn?: (message: string) => void;
}

function readSecretFile(name: string, path: string, warn?: (m: string) => void): Secret {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
    const mode = statSync(path).mode;
    if ((mode & 0o077) !== 0)
      warn?.(
        `${name}: ${path} can be read by other users (mode ${(mode & 0o777).toString(8)}); chmod 600 it`,
      );
  } catch (e) {
    throw new SecretError(name, `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const value = text.replace(/\r?\n$/, '');
  if (value.length === 0) throw new SecretError(name, `${path} is empty`);
  if (/\s/.test(value))
    throw new SecretError(name, `${path} holds whitespace or several lines; it must hold the value alone`);
  return new Secret(value);
}

/**
 * Loads one secret: `<NAME>_FILE` if set, else `<secretsDir>/<name>` if it exists, else the
 * variable `<NAME>`. Returns undefined when none is present (the caller decides if that is fatal).
 */
export function loadSecret(name: string, source: SecretSource): Secret | undefined {
  const file = source.env[`${name}_FILE`];
  if (file !== undefined && file !== '') return readSecretFile(name, file, source.warn);
  const dockerPath = `${source.secretsDir ?? '/run/secrets'}/${name.toLowerCase()}`;
  try {
    statSync(dockerPath);
    return readSecretFile(name, dockerPath, source.warn);
  } catch (e) {
    if (e instanceof SecretError) throw e;
  }
  const value = source.env[name];
  if (value === undefined || value === '') return undefined;
  if (/\s/.test(value))
    throw new SecretError(name, 'the variable holds whitespace; it must hold the value alone');
  return new Secret(value);
}
