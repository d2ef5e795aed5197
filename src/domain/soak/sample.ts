/**
 * One line of resources.jsonl: a resource sample of the watched process and the host. Field names
 * are flat (easy to grep and to load in a spreadsheet), in MB, percent and milliseconds; a figure
 * the platform cannot give is null (zombies on Windows, the heap of a process that exposes no
 * metrics), never a made-up 0.
 */
export interface ResourceSample {
  /** ISO time of the sample on the run's clock (simulated in an accelerated soak). */
  readonly timestamp_utc: string;
  /** Milliseconds since the epoch on the run's clock. */
  readonly timestamp_ms: number;
  /** Seconds since the run started, on the run's clock: the x axis of every regression. */
  readonly elapsed_s: number;
  /** Seconds of wall time since the run started (differs from elapsed_s when accelerated). */
  readonly wall_elapsed_s: number;
  /** The watched process. */
  readonly pid: number;
  /** Whole-host CPU use, percent of all cores. */
  readonly cpu_system_pct: number | null;
  /** CPU of the watched process, percent of one core, over the run's clock. */
  readonly cpu_process_pct: number | null;
  readonly cpu_count: number;
  readonly rss_mb: number | null;
  readonly heap_used_mb: number | null;
  readonly heap_total_mb: number | null;
  readonly external_mb: number | null;
  /** Virtual memory size. */
  readonly vms_mb: number | null;
  readonly system_available_mb: number | null;
  readonly system_total_mb: number | null;
  /** Size of the artifacts folder. */
  readonly artifacts_mb: number | null;
  /** Cumulative bytes read and written by the host's disks since boot. */
  readonly disk_read_mb: number | null;
  readonly disk_write_mb: number | null;
  /** Cumulative bytes received and sent on every interface. */
  readonly net_rx_mb: number | null;
  readonly net_tx_mb: number | null;
  readonly open_fds: number | null;
  /** Active libuv handles of a Node process (sockets, timers, servers). */
  readonly active_handles: number | null;
  readonly threads: number | null;
  /** Descendant processes of the watched process. */
  readonly children: number | null;
  /** Zombies among them (null where the OS has none: Windows). */
  readonly zombies: number | null;
  /** Event-loop delay p99 of the watched process since the previous sample. */
  readonly event_loop_lag_p99_ms: number | null;
  /** Application figures of the bot, when it exposes them. */
  readonly reconnects: number | null;
  readonly reconnect_give_ups: number | null;
  readonly pnl_usd: number | null;
  readonly orders_live: number | null;
}

/** Field names of a sample, in file order (the parser refuses lines missing one). */
export const sampleFields = [
  'timestamp_utc',
  'timestamp_ms',
  'elapsed_s',
  'wall_elapsed_s',
  'pid',
  'cpu_system_pct',
  'cpu_process_pct',
  'cpu_count',
  'rss_mb',
  'heap_used_mb',
  'heap_total_mb',
  'external_mb',
  'vms_mb',
  'system_available_mb',
  'system_total_mb',
  'artifacts_mb',
  'disk_read_mb',
  'disk_write_mb',
  'net_rx_mb',
  'net_tx_mb',
  'open_fds',
  'active_handles',
  'threads',
  'children',
  'zombies',
  'event_loop_lag_p99_ms',
  'reconnects',
  'reconnect_give_ups',
  'pnl_usd',
  'orders_live',
] as const satisfies readonly (keyof ResourceSample)[];

/** A line of resources.jsonl that is not a sample: which line and why. */
export interface SampleIssue {
  readonly line: number;
  readonly problem: string;
}

const stringFields = new Set<string>(['timestamp_utc']);
const requiredNumbers = new Set<string>(['timestamp_ms', 'elapsed_s', 'wall_elapsed_s', 'pid', 'cpu_count']);

/**
 * Parses resources.jsonl text. Bad lines are reported with their number and skipped, so one torn
 * line (a crash mid-write) costs one sample, not the analysis.
 */
export function parseSamples(text: string): { samples: ResourceSample[]; issues: SampleIssue[] } {
  const samples: ResourceSample[] = [];
  const issues: SampleIssue[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      issues.push({ line: i + 1, problem: 'not JSON' });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      issues.push({ line: i + 1, problem: 'not a JSON object' });
      return;
    }
    const o = value as Record<string, unknown>;
    for (const f of sampleFields) {
      const v = o[f];
      const ok = stringFields.has(f)
        ? typeof v === 'string'
        : requiredNumbers.has(f)
          ? typeof v === 'number' && Number.isFinite(v)
          : v === null || (typeof v === 'number' && Number.isFinite(v));
      if (!ok) {
        issues.push({
          line: i + 1,
          problem: `field ${f}: expected ${describeExpected(f)}, found ${JSON.stringify(v) ?? 'nothing'}`,
        });
        return;
      }
    }
    samples.push(o as unknown as ResourceSample);
  });
  return { samples, issues };
}

function describeExpected(field: string): string {
  if (stringFields.has(field)) return 'a string';
  if (requiredNumbers.has(field)) return 'a number';
  return 'a number or null';
}
