/** The `journal` section: orders, fills, positions and PnL in Postgres (embedded PGlite by default). */
import { z } from 'zod';

export const journalSchema = z.strictObject({
  enabled: z.boolean(),
  /** Empty: embedded PGlite in data_dir. Otherwise a postgres:// URL without a password (from POSTGRES_PASSWORD_FILE). */
  url: z.union([z.literal(''), z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')]),
  data_dir: z.string().min(1),
  /** Writes waiting while the database is unavailable; beyond this they are dropped and counted. */
  queue_max: z.number().int().min(1).max(10_000_000),
  retry_ms: z.number().int().min(10).max(600_000),
});
