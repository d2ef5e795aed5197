/**
 * The dependency audit: `npm audit --json` (report format 2) parsed into advisories, then judged
 * against an allowlist whose entries expire. An advisory at or above the threshold (high by
 * default) fails the audit unless an unexpired entry names it; an expired entry allows nothing
 * and is reported, so an exception cannot outlive its review date unnoticed. A report that is not
 * an audit (the registry refused, npm failed, JSON cut short) is an error, never a pass.
 */
import { z } from 'zod';
import { BotError } from '../../errors.js';
import { AllowlistError } from './allowlist.js';

export const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Advisory {
  /** The GHSA id where the report gives one (from the URL), else `npm-<source>`. */
  readonly id: string;
  readonly package: string;
  readonly severity: Severity;
  readonly title: string;
  readonly url: string;
  /** Vulnerable versions. */
  readonly range: string;
  /** Whether the vulnerable package is a direct dependency. */
  readonly direct: boolean;
  /** Packages that depend on it (npm's `effects`). */
  readonly effects: readonly string[];
}

export interface AuditReport {
  readonly advisories: readonly Advisory[];
  /** npm's own counts of vulnerable packages by severity. */
  readonly counts: Readonly<Record<Severity, number>>;
  /** Dependencies audited, when npm says. */
  readonly dependencies?: number;
}

/** npm audit could not run, or answered with something else than a report. */
export class AuditUnavailableError extends BotError {
  constructor(message: string) {
    super('MM_AUDIT_UNAVAILABLE', message, 'give-up');
  }
}

const viaAdvisory = z.object({
  source: z.union([z.number(), z.string()]),
  name: z.string(),
  title: z.string().default(''),
  url: z.string().default(''),
  severity: z.enum(SEVERITIES),
  range: z.string().default(''),
});

const reportSchema = z.object({
  auditReportVersion: z.literal(2),
  vulnerabilities: z.record(
    z.string(),
    z.object({
      name: z.string().optional(),
      severity: z.enum(SEVERITIES),
      isDirect: z.boolean().default(false),
      via: z.array(z.union([z.string(), viaAdvisory.passthrough()])),
      effects: z.array(z.string()).default([]),
    }),
  ),
  metadata: z.object({
    vulnerabilities: z.object(
      Object.fromEntries(SEVERITIES.map((s) => [s, z.number().int().min(0)])) as Record<
        Severity,
        z.ZodNumber
      >,
    ),
    dependencies: z.object({ total: z.number().optional() }).passthrough().optional(),
  }),
});

const ghsaOf = (url: string): string | undefined =>
  /\b(GHSA(?:-[23456789cfghjmpqrvwx]{4}){3})\b/.exec(url)?.[1];

/** Parses `npm audit --json` output; throws AuditUnavailableError on anything but a report. */
export function parseAuditJson(text: string): AuditReport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AuditUnavailableError(
      `npm audit did not print JSON (${text.length} characters: ${JSON.stringify(text.slice(0, 80))})`,
    );
  }
  const o = json as { error?: { summary?: string; code?: string }; message?: string; statusCode?: number };
  if (typeof o === 'object' && o !== null && o.error !== undefined && !('auditReportVersion' in o)) {
    const why = [
      o.statusCode === undefined ? '' : `HTTP ${o.statusCode}`,
      o.message ?? '',
      o.error.code ?? '',
      o.error.summary ?? '',
    ]
      .filter((x) => x !== '')
      .join(': ');
    throw new AuditUnavailableError(`npm audit failed: ${why || 'no detail given'}`);
  }
  const parsed = reportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AuditUnavailableError(
      `not an npm audit report (version 2): ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  const advisories = new Map<string, Advisory>();
  for (const [name, v] of Object.entries(parsed.data.vulnerabilities))
    for (const via of v.via) {
      if (typeof via === 'string') continue; // a dependency's advisory, listed under that dependency
      const id = ghsaOf(via.url) ?? `npm-${via.source}`;
      const key = `${id}\0${via.name}`;
      if (advisories.has(key)) continue;
      advisories.set(key, {
        id,
        package: via.name,
        severity: via.severity,
        title: via.title,
        url: via.url,
        range: via.range,
        direct: via.name === name ? v.isDirect : (parsed.data.vulnerabilities[via.name]?.isDirect ?? false),
        effects: via.name === name ? v.effects : (parsed.data.vulnerabilities[via.name]?.effects ?? []),
      });
    }
  const total = parsed.data.metadata.dependencies?.total;
  return {
    advisories: [...advisories.values()],
    counts: parsed.data.metadata.vulnerabilities,
    ...(total === undefined ? {} : { dependencies: total }),
  };
}

/** One exception: an advisory allowed until a date, for a stated reason. */
export interface AuditAllowEntry {
  /** A GHSA id, or `npm-<source>`. */
  readonly id: string;
  /** Limits the entry to one package (optional). */
  readonly package?: string;
  readonly reason: string;
  /** The last day (UTC) the entry allows, as YYYY-MM-DD. */
  readonly expires: string;
}

/** Longest an exception may run before it must be reviewed again. */
export const MAX_EXCEPTION_DAYS = 366;
const DAY_MS = 86_400_000;

const entrySchema = z.strictObject({
  id: z
    .string()
    .regex(/^(GHSA(-[a-z0-9]{4}){3}|npm-\d+)$/, 'a GHSA id (GHSA-xxxx-xxxx-xxxx) or npm-<advisory number>'),
  package: z.string().min(1).optional(),
  reason: z.string().trim().min(10, 'a reason of at least 10 characters'),
  expires: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
    .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'a real date'),
});
const allowlistSchema = z.strictObject({ exceptions: z.array(entrySchema) });

/** Parses the audit allowlist (JSON); entries past MAX_EXCEPTION_DAYS from `now` are refused. */
export function parseAuditAllowlist(
  text: string,
  now: number,
  source = 'audit-allowlist.json',
): AuditAllowEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new AllowlistError(`${source}: not JSON (${(e as Error).message})`);
  }
  const parsed = allowlistSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AllowlistError(`${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  for (const [i, e] of parsed.data.exceptions.entries())
    if (expiryOf(e) - now > MAX_EXCEPTION_DAYS * DAY_MS)
      throw new AllowlistError(
        `${source}: exceptions.${i} (${e.id}) expires ${e.expires}, more than ${MAX_EXCEPTION_DAYS} days ahead; review it sooner`,
      );
  return parsed.data.exceptions;
}

/** The first instant an entry no longer allows: the end of its expiry day, UTC. */
const expiryOf = (e: AuditAllowEntry): number => Date.parse(`${e.expires}T00:00:00Z`) + DAY_MS;

export interface AuditVerdict {
  readonly ok: boolean;
  /** Advisories at or above the threshold that nothing allows. */
  readonly blocking: readonly Advisory[];
  /** Advisories at or above the threshold allowed by an unexpired entry. */
  readonly allowed: readonly { readonly advisory: Advisory; readonly entry: AuditAllowEntry }[];
  /** Entries past their date that match an advisory (they allowed it once; no longer). */
  readonly expired: readonly AuditAllowEntry[];
  /** Entries that match no advisory (fixed upstream: remove them). */
  readonly unused: readonly AuditAllowEntry[];
  /** Advisories under the threshold (reported, never failing). */
  readonly below: readonly Advisory[];
}

const rank = (s: Severity): number => SEVERITIES.indexOf(s);

/** Judges a report: fails on any advisory at or above `threshold` not allowed by an unexpired entry. */
export function judgeAudit(
  report: AuditReport,
  entries: readonly AuditAllowEntry[],
  now: number,
  threshold: Severity = 'high',
): AuditVerdict {
  const blocking: Advisory[] = [];
  const allowed: { advisory: Advisory; entry: AuditAllowEntry }[] = [];
  const below: Advisory[] = [];
  const expired = new Set<AuditAllowEntry>();
  const used = new Set<AuditAllowEntry>();
  for (const a of report.advisories) {
    const matching = entries.filter(
      (e) => e.id === a.id && (e.package === undefined || e.package === a.package),
    );
    for (const e of matching) used.add(e);
    if (rank(a.severity) < rank(threshold)) {
      below.push(a);
      continue;
    }
    const live = matching.find((e) => now < expiryOf(e));
    if (live !== undefined) allowed.push({ advisory: a, entry: live });
    else {
      for (const e of matching) expired.add(e);
      blocking.push(a);
    }
  }
  const bySeverity = (x: Advisory, y: Advisory) =>
    rank(y.severity) - rank(x.severity) || x.package.localeCompare(y.package);
  return {
    ok: blocking.length === 0,
    blocking: blocking.sort(bySeverity),
    allowed,
    expired: [...expired],
    unused: entries.filter((e) => !used.has(e)),
    below: below.sort(bySeverity),
  };
}
