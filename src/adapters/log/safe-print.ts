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

/** An error as a person should see it: the stack (or the message), redacted. */
export function describeError(err: unknown, options: RedactOptions = {}): string {
  const text = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  return redact(text, options);
}
