/** The `soak` section: the stability run, its resource monitor, the leak rule and the verdict. */
import { z } from 'zod';

export const soakSchema = z.strictObject({
  hours: z.number().min(0.001).max(168),
  artifacts_dir: z.string().min(1),
  /** Seconds between two resource samples (1 s at the finest). */
  sample_interval_s: z.number().min(1).max(3_600),
  checkpoint_interval_min: z.number().min(0.05).max(1_440),
  /** How long a checkpoint retries before a disagreement with the venue counts (chaos is running). */
  checkpoint_grace_s: z.number().min(0).max(600),
  /** Hours of warm-up excluded from the leak regression (at most a quarter of a short run). */
  warmup_h: z.number().min(0).max(24),
  /** The leak rule: slope above this with its confidence interval above 0 is a leak. */
  leak_max_mb_per_h: z.number().positive().max(100_000),
  leak_confidence: z.number().min(0.5).max(0.999),
  /** Evidence the rule needs (at most half the samples and half the span of a short run). */
  leak_min_samples: z.number().int().min(3).max(1_000_000),
  leak_min_span_h: z.number().min(0).max(168),
  /** CPU of the bot process on average, percent of one core. */
  max_cpu_avg_pct: z.number().positive().max(10_000),
  /** Artifacts folder: warn above, trim (rotate harder, drop the previous run) above, fail at the cap. */
  artifacts_warn_mb: z.number().positive(),
  artifacts_trim_mb: z.number().positive(),
  artifacts_cap_mb: z.number().positive(),
  /**
   * Reset a kill-switch halt at a checkpoint through the bot's admin endpoint, as an operator
   * would, so the whole run keeps trading; every halt is counted in the report.
   */
  reset_kill_switch: z.boolean(),
  /** Step logs kept per step (bot.<stamp>.log ...). */
  logs_per_step: z.number().int().min(1).max(1_000),
  /** Step timeouts. */
  prepare_timeout_s: z.number().positive().max(3_600),
  checkpoint_timeout_s: z.number().positive().max(3_600),
  stop_timeout_s: z.number().positive().max(3_600),
  analyse_timeout_s: z.number().positive().max(3_600),
});
