/** The `web` section: the status page and the admin endpoints (served on monitoring.metrics_host/port). */
import { z } from 'zod';

export const webSchema = z.strictObject({
  /** File holding the admin token (empty: admin endpoints disabled). */
  admin_token_file: z.string(),
  /** Admin requests allowed per minute and caller. */
  admin_rate_limit_per_min: z.number().int().min(1).max(10_000),
  /** How often the status page gets a fresh status over /events. */
  page_interval_ms: z.number().int().min(100).max(60_000),
  /** Book levels per side shown on the status page and in /status. */
  book_levels: z.number().int().min(1).max(50),
  /** Status pages connected at once; more get 503 (each costs one status build per interval). */
  max_page_clients: z.number().int().min(1).max(1_000),
});
