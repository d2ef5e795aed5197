/** The `web` section: the status page and the admin endpoints (served on monitoring.metrics_host/port). */
import { z } from 'zod';

export const webSchema = z.strictObject({
  /** File holding the admin token (empty: admin endpoints disabled). */
  admin_token_file: z.string(),
  /** Admin requests allowed per minute and caller. */
  admin_rate_limit_per_min: z.number().int().min(1).max(10_000),
});
