/** The `journal` section: orders, fills, positions and PnL in Postgres (embedded PGlite by default). */
import { z } from 'zod';

export const journalSchema = z.strictObject({
  enabled: z.boolean(),
  /** Empty: embedded PGlite in data_dir. Otherwise a postgres:// URL without a password (from POSTGRES_PASSWORD_FILE). */
  url: z.union([z.literal(''), z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')]),
  data_dir: z.string().min(1),
  /** The Postgres schema holding the journal's tables (created if missing). */
  schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier such as public'),
  /** Writes waiting while the database is unavailable; beyond this they are dropped and counted. */
  queue_max: z.number().int().min(1).max(10_000_000),
  retry_ms: z.number().int().min(10).max(600_000),
  /** Position and PnL are snapshotted this often (seconds of the bot's clock). */
  snapshot_interval_s: z.number().min(1).max(86_400),
});
