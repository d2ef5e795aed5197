/** The `soak` section: the stability run and its verdict. */
import { z } from 'zod';

export const soakSchema = z.strictObject({
  hours: z.number().min(0.001).max(168),
  artifacts_dir: z.string().min(1),
  /** Seconds between two resource samples. */
  sample_interval_s: z.number().min(1).max(3_600),
  checkpoint_interval_min: z.number().min(0.1).max(1_440),
  /** Hours of warm-up excluded from the leak regression. */
  warmup_h: z.number().min(0).max(24),
});
