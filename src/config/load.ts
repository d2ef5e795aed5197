/**
 * Loads the configuration: config/config.yaml (every key with its default), then the user's file
 * merged over it (objects merge key by key, arrays and scalars replace), then one validation
 * against the schema. The result is deep-frozen. Any problem becomes a ConfigError naming each key
 * with what was expected and what was found, before anything starts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { configSchema, type Config } from './schema.js';

/** The path of the shipped defaults. */
export const DEFAULTS_PATH = fileURLToPath(new URL('../../config/config.yaml', import.meta.url));

type Plain = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Merges `over` into `base`: objects key by key, everything else replaced. */
export function mergeConfig(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeConfig(base[k], v);
  return out;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the key is missing)';
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 60 ? v.slice(0, 60) + '…' : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  return 'an object';
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function keyOf(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`))
    .join('');
}

function expectedOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `${issue.expected === 'number' ? 'a number' : issue.expected === 'boolean' ? 'true or false' : `a ${issue.expected}`}`;
    case 'too_small':
      return `${issue.origin === 'array' ? 'at least' : issue.inclusive === false ? 'more than' : 'at least'} ${String(issue.minimum)}${issue.origin === 'array' ? ' entries' : ''}`;
    case 'too_big':
      return `${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}${issue.origin === 'array' ? ' entries' : ''}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'regex' ? issue.message : `a valid ${issue.format}`;
    case 'invalid_union':
      return 'one of the allowed forms (see config/config.yaml)';
    case 'not_multiple_of':
      return `a multiple of ${String(issue.divisor)}`;
    default:
      return issue.message;
  }
}

/** Turns zod issues into one line per key. */
export function toConfigIssues(error: z.ZodError, input: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) {
        const path = [...issue.path, k];
        out.push({
          key: keyOf(path),
          expected: 'no such key (a misspelling? every key is listed in config/config.yaml)',
          found: describe(valueAt(input, path)),
        });
      }
      continue;
    }
    if (
      issue.code === 'invalid_type' &&
      issue.expected === 'number' &&
      issue.input !== undefined &&
      typeof issue.input !== 'number'
    ) {
      out.push({ key: keyOf(issue.path), expected: expectedOf(issue), found: describe(issue.input) });
      continue;
    }
    out.push({
      key: keyOf(issue.path),
      expected: expectedOf(issue),
      found: describe(valueAt(input, issue.path)),
    });
  }
  return out;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

function readYaml(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(
      [{ key: '(file)', expected: 'a readable YAML file', found: (e as Error).message }],
      path,
    );
  }
  try {
    return parseYaml(text) ?? {};
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}` : '';
    throw new ConfigError(
      [
        {
          key: '(file)',
          expected: 'valid YAML',
          found: `a syntax error${where}: ${(e as Error).message.split('\n')[0]}`,
        },
      ],
      path,
    );
  }
}

/** Validates an already-merged object; throws ConfigError. */
export function validateConfig(input: unknown, source: string): Config {
  const r = configSchema.safeParse(input);
  if (!r.success) throw new ConfigError(toConfigIssues(r.error, input), source);
  return deepFreeze(r.data);
}

/** Loads the defaults, merges the user's file over them (if any) and validates. */
export function loadConfig(userPath?: string, overrides?: unknown): Config {
  const defaults = readYaml(DEFAULTS_PATH);
  let merged = defaults;
  if (userPath !== undefined) {
    const user = readYaml(userPath);
    if (!isPlainObject(user))
      throw new ConfigError(
        [{ key: '(top level)', expected: 'a mapping of keys', found: describe(user) }],
        userPath,
      );
    merged = mergeConfig(merged, user);
  }
  if (overrides !== undefined) merged = mergeConfig(merged, overrides);
  return validateConfig(merged, userPath ?? DEFAULTS_PATH);
}
