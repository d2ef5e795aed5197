/** The `recorder` section: raw frames and requests to JSONL, for replay. */
import { z } from 'zod';

export const recorderSchema = z.strictObject({
  /** auto: on in paper mode, off otherwise. */
  enabled: z.union([z.boolean(), z.literal('auto')]),
  /** Where recordings are written (relative to the working directory), one directory per session. */
  dir: z.string().min(1),
  /** A file is closed, gzipped and a new one started past this size. */
  max_file_mb: z.number().min(1).max(100_000),
  /** Oldest closed files are deleted past this total. */
  max_total_mb: z.number().min(1).max(10_000_000),
  /** Buffered lines are appended at least this often (and whenever a megabyte has gathered). */
  flush_interval_ms: z.number().int().min(10).max(60_000),
});
