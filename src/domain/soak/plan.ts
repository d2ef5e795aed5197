/**
 * A soak's plan: the configuration's `soak` section and the command-line overrides turned into
 * milliseconds, limits and the leak rule for this run's length. The leak rule's warm-up and
 * evidence are set for a day-long run; a shorter run keeps the thresholds but cannot wait half an
 * hour to warm up or give an hour of evidence, so those scale down to a quarter (warm-up) and half
 * (span, samples) of what the run can give. The leak threshold itself never changes.
 */
import type { LeakRule } from './leak.js';
import type { ArtifactLimits } from './retention.js';

/** The `soak` section as the plan needs it (the config schema's shape). */
export interface SoakSettings {
  readonly hours: number;
  readonly artifacts_dir: string;
  readonly sample_interval_s: number;
  readonly checkpoint_interval_min: number;
  readonly checkpoint_grace_s: number;
  readonly warmup_h: number;
  readonly leak_max_mb_per_h: number;
  readonly leak_confidence: number;
  readonly leak_min_samples: number;
  readonly leak_min_span_h: number;
  readonly max_cpu_avg_pct: number;
  readonly artifacts_warn_mb: number;
  readonly artifacts_trim_mb: number;
  readonly artifacts_cap_mb: number;
  readonly logs_per_step: number;
  readonly reset_kill_switch: boolean;
  readonly prepare_timeout_s: number;
  readonly checkpoint_timeout_s: number;
  readonly stop_timeout_s: number;
  readonly analyse_timeout_s: number;
}

/** Everything the harness needs to know about a run, in its own units. */
export interface SoakPlan {
  readonly hours: number;
  readonly durationMs: number;
  readonly artifactsDir: string;
  readonly sampleIntervalMs: number;
  readonly checkpointIntervalMs: number;
  readonly checkpointGraceMs: number;
  readonly checkpointTimeoutMs: number;
  readonly prepareTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly analyseTimeoutMs: number;
  readonly rule: LeakRule;
  readonly maxCpuAvgPct: number;
  readonly limits: ArtifactLimits;
  readonly resetKillSwitch: boolean;
}

/** Step logs kept per step once the folder is above its trim threshold. */
const KEEP_WHEN_TRIMMING = 2;

/** The leak rule for a run of `hours` sampled every `intervalS`. */
export function leakRuleFor(s: SoakSettings, hours: number, intervalS: number): LeakRule {
  const samplesPossible = Math.floor((hours * 3600) / intervalS) + 1;
  return {
    maxMbPerHour: s.leak_max_mb_per_h,
    confidence: s.leak_confidence,
    warmupHours: Math.min(s.warmup_h, hours / 4),
    minSpanHours: Math.min(s.leak_min_span_h, hours / 2),
    minSamples: Math.max(3, Math.min(s.leak_min_samples, Math.floor(samplesPossible / 2))),
  };
}

/** Resolves a plan; `hours` overrides the section's (from --hours or --minutes). */
export function planSoak(
  s: SoakSettings,
  overrides: {
    hours?: number;
    artifactsDir?: string;
    /**
     * Multiplies the step timeouts. The accelerated soak passes its speed: its steps do real work
     * (sockets, files) that takes wall time while the simulated clock runs `speed` times faster.
     */
    stepTimeScale?: number;
  } = {},
): SoakPlan {
  const k = overrides.stepTimeScale ?? 1;
  const hours = overrides.hours ?? s.hours;
  if (!(hours > 0)) throw new RangeError(`soak: the run must last more than 0 hours, was ${hours}`);
  if (!(s.artifacts_warn_mb <= s.artifacts_trim_mb && s.artifacts_trim_mb <= s.artifacts_cap_mb))
    throw new RangeError(
      `soak: artifacts thresholds must rise: warn ${s.artifacts_warn_mb} MB ≤ trim ${s.artifacts_trim_mb} MB ≤ cap ${s.artifacts_cap_mb} MB`,
    );
  const durationMs = Math.round(hours * 3_600_000);
  return {
    hours,
    durationMs,
    artifactsDir: overrides.artifactsDir ?? s.artifacts_dir,
    sampleIntervalMs: s.sample_interval_s * 1000,
    checkpointIntervalMs: Math.round(s.checkpoint_interval_min * 60_000),
    checkpointGraceMs: s.checkpoint_grace_s * 1000,
    checkpointTimeoutMs: s.checkpoint_timeout_s * 1000 * k,
    prepareTimeoutMs: s.prepare_timeout_s * 1000 * k,
    stopTimeoutMs: s.stop_timeout_s * 1000 * k,
    analyseTimeoutMs: s.analyse_timeout_s * 1000 * k,
    rule: leakRuleFor(s, hours, s.sample_interval_s),
    maxCpuAvgPct: s.max_cpu_avg_pct,
    resetKillSwitch: s.reset_kill_switch,
    limits: {
      warnMb: s.artifacts_warn_mb,
      trimMb: s.artifacts_trim_mb,
      capMb: s.artifacts_cap_mb,
      keepPerStep: s.logs_per_step,
      keepWhenTrimming: Math.min(KEEP_WHEN_TRIMMING, s.logs_per_step),
    },
  };
}
