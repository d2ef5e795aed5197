/**
 * Reads Prometheus's text exposition format (what /metrics serves) for the tests: the families
 * with their types, and every sample with its labels and value.
 */
import type { Selector } from '../deploy/promql.js';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Scrape {
  /** Family name → type (counter, gauge, histogram...), from the # TYPE lines. */
  readonly families: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
}

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

const unescape = (v: string): string => v.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));

function number(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** Parses an exposition; throws on a line that is neither a comment nor a sample. */
export function parseExposition(text: string): Scrape {
  const families = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (m !== null) families.set(m[1]!, m[2]!);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (m === null) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = unescape(l[2]!);
    samples.push({ name: m[1]!, labels, value: number(m[3]!) });
  }
  return { families, samples };
}

/** Whether a sample satisfies a PromQL selector (name and every label matcher). */
export function matchesSelector(s: Sample, sel: Selector): boolean {
  if (s.name !== sel.metric) return false;
  return sel.matchers.every((m) => {
    const v = s.labels[m.label] ?? '';
    if (m.op === '=') return v === m.value;
    if (m.op === '!=') return v !== m.value;
    const re = new RegExp(`^(?:${m.value})$`);
    return m.op === '=~' ? re.test(v) : !re.test(v);
  });
}

/** Values of the samples named `name` whose labels include `labels`. */
export function values(scrape: Scrape, name: string, labels: Record<string, string> = {}): number[] {
  return scrape.samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .map((s) => s.value);
}

/** The sum of `values` (0 when there is no such sample). */
export function total(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  return values(scrape, name, labels).reduce((a, b) => a + b, 0);
}
