/**
 * The leak rule. A memory series (MB against hours on the run's clock) shows a leak when, after
 * the warm-up, there is enough evidence (at least minSamples points over at least minSpanHours)
 * and the least-squares slope exceeds maxMbPerHour and the lower bound of its confidence interval
 * (autocorrelation-corrected, see regression.ts) is above zero. Without enough evidence no verdict
 * is claimed either way: the criterion fails as "cannot judge" rather than pass on too little data.
 *
 * The original regressed system memory against the sample index (so every other process on the
 * host counted, and the rate depended on the sample count) with a 10 MB/h threshold and no
 * evidence rule; this regresses the watched process's own RSS and heap against time.
 */
import { linearFit } from './regression.js';

/** Thresholds of the leak rule (config soak.leak_*, soak.warmup_h). */
export interface LeakRule {
  readonly maxMbPerHour: number;
  /** Two-sided confidence level of the slope's interval, such as 0.95. */
  readonly confidence: number;
  readonly minSamples: number;
  readonly minSpanHours: number;
  /** Hours from the start that are left out (start-up allocation is not a leak). */
  readonly warmupHours: number;
}

/** One point of a memory series. */
export interface MemoryPoint {
  /** Hours since the run started. */
  readonly hours: number;
  readonly mb: number;
}

/** The leak rule applied to one series. */
export interface LeakResult {
  readonly series: string;
  /** Points after the warm-up. */
  readonly samples: number;
  readonly spanHours: number;
  readonly slopeMbPerHour: number | null;
  readonly ciLowMbPerHour: number | null;
  readonly ciHighMbPerHour: number | null;
  readonly r2: number | null;
  readonly residualAutocorrelation: number | null;
  readonly effectiveSamples: number | null;
  readonly enoughEvidence: boolean;
  readonly leak: boolean;
  /** One sentence: why this verdict. */
  readonly reason: string;
}

/** States the rule in words (for the report, summary.txt and docs). */
export function describeLeakRule(rule: LeakRule): string {
  const pct = Math.round(rule.confidence * 100);
  const h = (v: number): string => String(Number(v.toPrecision(3)));
  return (
    `after ${h(rule.warmupHours)} h of warm-up, with at least ${rule.minSamples} samples over at least ` +
    `${h(rule.minSpanHours)} h, a leak is declared when the least-squares slope exceeds ` +
    `${rule.maxMbPerHour} MB/h and the lower bound of its ${pct} % confidence interval ` +
    `(Student t, effective sample size corrected for lag-1 autocorrelation) is above 0`
  );
}

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2));

/** Applies the leak rule to a series. Points need not be sorted; non-finite ones are ignored. */
export function detectLeak(series: string, points: readonly MemoryPoint[], rule: LeakRule): LeakResult {
  const kept = points
    .filter((p) => Number.isFinite(p.hours) && Number.isFinite(p.mb) && p.hours >= rule.warmupHours)
    .sort((a, b) => a.hours - b.hours);
  const span = kept.length > 0 ? kept[kept.length - 1]!.hours - kept[0]!.hours : 0;
  const fit = linearFit(
    kept.map((p) => p.hours),
    kept.map((p) => p.mb),
    rule.confidence,
  );
  const enough = fit !== undefined && kept.length >= rule.minSamples && span >= rule.minSpanHours;
  const base = {
    series,
    samples: kept.length,
    spanHours: span,
    slopeMbPerHour: fit?.slope ?? null,
    ciLowMbPerHour: fit?.slopeLow ?? null,
    ciHighMbPerHour: fit?.slopeHigh ?? null,
    r2: fit?.r2 ?? null,
    residualAutocorrelation: fit?.residualAutocorrelation ?? null,
    effectiveSamples: fit?.effectiveN ?? null,
    enoughEvidence: enough,
  };
  if (fit === undefined || !enough) {
    return {
      ...base,
      leak: false,
      reason:
        `not enough evidence: ${kept.length} samples over ${span.toFixed(3)} h after warm-up ` +
        `(the rule needs at least ${rule.minSamples} over ${rule.minSpanHours} h)`,
    };
  }
  const ci = `[${fmt(fit.slopeLow)}, ${fmt(fit.slopeHigh)}]`;
  const leak = fit.slope > rule.maxMbPerHour && fit.slopeLow > 0;
  const reason = leak
    ? `leak: ${fmt(fit.slope)} MB/h > ${rule.maxMbPerHour} MB/h and the interval ${ci} lies above 0`
    : fit.slope > rule.maxMbPerHour
      ? `no leak declared: ${fmt(fit.slope)} MB/h but the interval ${ci} includes 0 (noise)`
      : `no leak: ${fmt(fit.slope)} MB/h ≤ ${rule.maxMbPerHour} MB/h (interval ${ci})`;
  return { ...base, leak, reason };
}
