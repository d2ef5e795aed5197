/**
 * Structured logs: pino JSON lines, one child logger per component (`{ component }` binding), data
 * in fields and errors under `err`. Secret-bearing fields are redacted by path wherever they
 * appear up to three levels deep; free-text redaction is a separate module.
 */
import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger };

const SECRET_KEYS = [
  'apiKey',
  'api_key',
  'apiSecret',
  'api_secret',
  'secret',
  'password',
  'token',
  'signature',
  'sign',
  'authorization',
  'X-BAPI-SIGN',
  'x-bapi-sign',
  'X-BAPI-API-KEY',
  'x-bapi-api-key',
];

/** pino redact paths covering each secret key at the top level and up to three levels down. */
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((k) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `["${k}"]`;
  const bare = key.startsWith('.') ? key.slice(1) : key;
  return [bare, `*${key}`, `*.*${key}`, `*.*.*${key}`];
});

export interface LoggerSettings {
  readonly level: string;
  /** A file path, or empty for standard output. */
  readonly file?: string;
  /** A destination stream (tests). */
  readonly stream?: pino.DestinationStream;
}

/** Creates the root logger. */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS], censor: '[REDACTED]' },
    formatters: { level: (label) => ({ level: label }) },
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
