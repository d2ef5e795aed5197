/**
 * Structured logs: pino JSON lines, one child logger per component (`{ component }` binding), data
 * in fields and errors under `err`. Two layers keep secrets out, in one walk over each record's
 * fields (three levels deep, copying only what changes): a field named like a secret is censored
 * whatever its value, and every other string goes through redact() (./redact.ts), as do the
 * message (after interpolation) and errors' messages, stacks and string properties, causes
 * included. The walk replaces pino's wildcard redact paths, which cost ten times a whole log line.
 */
import { format } from 'node:util';
import pino, { type Logger, type LoggerOptions } from 'pino';
import { REDACTED, redact, type RedactOptions } from './redact.js';

export type { Logger };

/** Field names whose value is censored whatever it is (compared lower-case, without - and _). */
export const SECRET_FIELDS: readonly string[] = [
  'apiKey',
  'apiSecret',
  'secret',
  'password',
  'passwd',
  'passphrase',
  'token',
  'accessToken',
  'refreshToken',
  'adminToken',
  'privateKey',
  'clientSecret',
  'signature',
  'sign',
  'authorization',
  'cookie',
  'X-BAPI-SIGN',
  'X-BAPI-API-KEY',
  'X-Admin-Token',
];
const normalise = (key: string): string => key.toLowerCase().replace(/[-_]/g, '');
const SECRET_FIELD = new Set(SECRET_FIELDS.map(normalise));
const isSecretField = (key: string): boolean => SECRET_FIELD.has(normalise(key));

export interface LoggerSettings {
  readonly level: string;
  /** A file path, or empty for standard output. */
  readonly file?: string;
  /** A destination stream (tests). */
  readonly stream?: pino.DestinationStream;
  /** Free-text redaction; off only to measure what it costs. */
  readonly redaction?: false | RedactOptions;
}

/**
 * Redacts every string in a serialised error (message, stack, retMsg, causes) and censors its
 * secret-named fields, to a bounded depth.
 */
function redactStrings(value: unknown, options: RedactOptions, depth: number): unknown {
  if (typeof value === 'string') return redact(value, options);
  if (depth === 0 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => redactStrings(v, options, depth - 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = isSecretField(k) && v !== undefined ? REDACTED : redactStrings(v, options, depth - 1);
  return out;
}

/** The `err` serializer: pino's own, then every string redacted. */
export function errorSerializer(options: RedactOptions = {}): (err: unknown) => unknown {
  return (err) => redactStrings(pino.stdSerializers.err(err as Error), options, 4);
}

/**
 * The pino hooks that apply redact(): the message after interpolation (pino would otherwise build
 * it from the arguments after any hook could see it) and the message pino takes from an error.
 */
export function redactionHooks(options: RedactOptions = {}): NonNullable<LoggerOptions['hooks']> {
  return {
    logMethod(args, method) {
      const first: unknown = args[0];
      const hasObject = typeof first === 'object' && first !== null;
      const rest = hasObject ? args.slice(1) : args;
      let msg: string | undefined;
      if (rest.length > 0)
        msg = rest.length === 1 ? String(rest[0]) : format(...(rest as [unknown, ...unknown[]]));
      else if (first instanceof Error) msg = first.message;
      else if (hasObject && (first as { msg?: unknown }).msg === undefined) {
        const err = (first as { err?: unknown }).err;
        if (err instanceof Error) msg = err.message;
      }
      if (msg === undefined) return method.apply(this, args);
      const clean = redact(msg, options);
      return hasObject ? method.apply(this, [first, clean] as never) : method.apply(this, [clean] as never);
    },
  };
}

/** How deep field redaction walks below the record's top level. */
const FIELD_DEPTH = 3;
/** Shorter strings hold no secret any rule finds (the shortest, an IPv4 like 1.1.1.1, has 7). */
const MIN_SECRET_CHARS = 7;

/** `value` with every string in it redacted, copied only where something changed. */
function redactDeep(value: unknown, options: RedactOptions | undefined, depth: number): unknown {
  if (typeof value === 'string')
    return options === undefined || value.length < MIN_SECRET_CHARS ? value : redact(value, options);
  if (depth === 0 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const items = value as unknown[];
    let out: unknown[] | undefined;
    for (let i = 0; i < items.length; i++) {
      const r = redactDeep(items[i], options, depth - 1);
      if (r !== items[i]) (out ??= [...items])[i] = r;
    }
    return out ?? items;
  }
  // Plain objects only: class instances (a Secret, a Buffer) print through their own toJSON.
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const obj = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const key in obj) {
    const v = obj[key];
    const r = isSecretField(key) && v !== undefined ? REDACTED : redactDeep(v, options, depth - 1);
    if (r !== v) (out ??= { ...obj })[key] = r;
  }
  return out ?? obj;
}

/**
 * Censors fields named like secrets and redacts the other strings of a log record (free text only
 * when `options` is given), nested objects and arrays included, three levels deep; returns the
 * same object when nothing changes (the usual case).
 */
export function redactFields(
  options: RedactOptions | undefined = {},
): (obj: Record<string, unknown>) => Record<string, unknown> {
  return (obj) => redactDeep(obj, options, FIELD_DEPTH + 1) as Record<string, unknown>;
}

/** Creates the root logger. */
export function createLogger(settings: LoggerSettings): Logger {
  const redaction = settings.redaction === false ? undefined : (settings.redaction ?? {});
  const options: LoggerOptions = {
    level: settings.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      // Secret-named fields are censored even with free-text redaction off.
      log: redactFields(redaction),
    },
    ...(redaction === undefined
      ? {}
      : {
          hooks: redactionHooks(redaction),
          serializers: { err: errorSerializer(redaction), error: errorSerializer(redaction) },
        }),
  };
  const dest =
    settings.stream ??
    pino.destination({
      dest: settings.file !== undefined && settings.file !== '' ? settings.file : 1,
      sync: true,
      mkdir: true,
    });
  return pino(options, dest);
}

/** A logger that writes nothing (tests and tools). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
