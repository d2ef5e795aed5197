/**
 * Command-line parsing shared by the entry points: flags are declared once with their help text,
 * unknown or malformed flags are refused with exit code 2 and a message naming the flag.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly help: string;
  readonly value?: string;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parses argv against the flags; throws UsageError on anything unknown. */
export type ParsedFlags<T extends Record<string, FlagSpec>> = {
  [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string;
} & { positionals: string[] };

export function parseFlags<T extends Record<string, FlagSpec>>(
  argv: readonly string[],
  flags: T,
): ParsedFlags<T> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, spec] of Object.entries(flags)) options[name] = { type: spec.type };
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      allowPositionals: true,
      strict: true,
    });
    return { ...values, positionals } as ParsedFlags<T>;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Formats the --help text. */
export function usage(command: string, summary: string, flags: Record<string, FlagSpec>): string {
  const rows = Object.entries(flags).map(([name, spec]) => {
    const left = `  --${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
    return `${left.padEnd(28)} ${spec.help}`;
  });
  return `${summary}\n\nUsage: ${command} [flags]\n\n${rows.join('\n')}\n`;
}
