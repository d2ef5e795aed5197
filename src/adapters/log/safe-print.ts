/**
 * Console output that cannot leak: every message a command prints for a person (usage errors,
 * findings, failures) goes through redact() first, as log lines do.
 */
import { redact, type RedactOptions } from './redact.js';

/** Something to print on: process.stdout, process.stderr or a test's collector. */
export interface PrintTarget {
  write(text: string): unknown;
}

/** Writes `text` redacted, adding a newline when it has none. */
export function safePrint(
  text: string,
  target: PrintTarget = process.stdout,
  options: RedactOptions = {},
): void {
  const clean = redact(text, options);
  target.write(clean.endsWith('\n') ? clean : `${clean}\n`);
}

/**
 * Why a command failed, for the person who ran it, redacted: a coded error (BotError, or a system
 * error such as ENOENT) is bad input and gets its code and message; anything else is a bug and
 * gets its stack.
 */
export function describeFailure(err: unknown, options: RedactOptions = {}): string {
  const code: unknown = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  if (err instanceof Error && typeof code === 'string') {
    return redact(err.message.startsWith(code) ? err.message : `${code}: ${err.message}`, options);
  }
  return describeError(err, options);
}

/** An error as a person should see it: the stack (or the message), redacted. */
export function describeError(err: unknown, options: RedactOptions = {}): string {
  const text = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  return redact(text, options);
}
