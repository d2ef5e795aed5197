/**
 * Samples one process and the host into a ResourceSample (a line of resources.jsonl). The
 * process is watched by pid through /proc or systeminformation; when it is this process, Node's
 * own figures are used (process.memoryUsage, cpuUsage, active resources); when it exposes
 * Prometheus metrics (the bot's /metrics with prom-client's default metrics), heap, event-loop lag,
 * handles and the bot's reconnects and PnL are read from there. Every figure that cannot be had is
 * null. CPU percent is CPU time over the run clock's time, so under a simulated clock it is CPU
 * per simulated time.
 */
import { availableParallelism } from 'node:os';
import type { Clock } from '../../domain/clock.js';
import type { ResourceSample } from '../../domain/soak/sample.js';
import { dirSize } from './dir-size.js';
import { cpuPercentBetween, readCpuTimes, readHostIo, type CpuTimes } from './host-stats.js';
import { countTree } from './process-table.js';
import { readProcessStats } from './process-stats.js';
import { parsePromText, promValue, type PromSample } from './prom-text.js';

/** What to watch and where to find its figures. */
export interface SamplerOptions {
  readonly pid: number;
  /** The run's clock: timestamps, elapsed time and the CPU percent's denominator. */
  readonly clock: Clock;
  /** Clock time the run started. */
  readonly startedAt: number;
  /** Wall-clock milliseconds (for wall_elapsed_s). */
  readonly wallNow: () => number;
  /** Folder whose size is reported as artifacts_mb. */
  readonly artifactsDir?: string;
  /** Prometheus text of the watched process, if it serves any (undefined when unreachable). */
  readonly appMetrics?: () => Promise<string | undefined>;
  /** Event-loop lag p99 of this process since the last call (when watching ourselves). */
  readonly eventLoopLagMs?: () => number;
}

const MB = 1024 * 1024;
const mb = (bytes: number | null | undefined): number | null =>
  bytes === null || bytes === undefined ? null : Math.round((bytes / MB) * 1000) / 1000;
const round = (v: number | null, digits = 3): number | null =>
  v === null || !Number.isFinite(v) ? null : Math.round(v * 10 ** digits) / 10 ** digits;

/** Takes samples of one process; keeps the previous CPU readings to turn times into percents. */
export class ResourceSampler {
  readonly #o: SamplerOptions;
  #prevCpu: { at: number; cpuMs: number } | undefined;
  #prevHost: CpuTimes;
  readonly #wallStart: number;

  constructor(options: SamplerOptions) {
    this.#o = options;
    this.#prevHost = readCpuTimes();
    this.#wallStart = options.wallNow();
  }

  /** Takes one sample. Throws NoSuchProcessError when the process is gone. */
  async sample(): Promise<ResourceSample> {
    const { pid, clock } = this.#o;
    const at = clock.now();
    const wall = this.#o.wallNow();
    const self = pid === process.pid;
    const mem = self ? process.memoryUsage() : undefined;
    const selfCpu = self ? process.cpuUsage() : undefined;
    const host = readCpuTimes();
    const [stats, io, tree, size, app] = await Promise.all([
      readProcessStats(pid),
      readHostIo(),
      countTree(pid).catch(() => undefined),
      this.#o.artifactsDir === undefined ? Promise.resolve(null) : dirSize(this.#o.artifactsDir),
      this.#readApp(),
    ]);
    const cpuMs = selfCpu !== undefined ? (selfCpu.user + selfCpu.system) / 1000 : stats.cpuTimeMs;
    let cpuPct: number | null = null;
    if (cpuMs !== null) {
      const prev = this.#prevCpu;
      if (prev !== undefined && at > prev.at) cpuPct = (100 * (cpuMs - prev.cpuMs)) / (at - prev.at);
      this.#prevCpu = { at, cpuMs };
    }
    const hostPct = cpuPercentBetween(this.#prevHost, host);
    this.#prevHost = host;
    const v = (name: string) => (app === undefined ? null : promValue(app, name));
    const lagS = v('nodejs_eventloop_lag_p99_seconds') ?? v('mm_event_loop_lag_seconds');
    const activeHandles = self ? process.getActiveResourcesInfo().length : v('nodejs_active_handles_total');
    return {
      timestamp_utc: new Date(at).toISOString(),
      timestamp_ms: at,
      elapsed_s: round((at - this.#o.startedAt) / 1000)!,
      wall_elapsed_s: round((wall - this.#wallStart) / 1000)!,
      pid,
      cpu_system_pct: round(hostPct, 2),
      cpu_process_pct: round(cpuPct, 4),
      cpu_count: availableParallelism(),
      rss_mb: mb(mem?.rss ?? stats.rssBytes),
      heap_used_mb: mb(mem?.heapUsed ?? v('nodejs_heap_size_used_bytes') ?? v('mm_process_heap_used_bytes')),
      heap_total_mb: mb(mem?.heapTotal ?? v('nodejs_heap_size_total_bytes')),
      external_mb: mb(mem?.external ?? v('nodejs_external_memory_bytes')),
      vms_mb: mb(stats.vmsBytes),
      system_available_mb: mb(io.availableBytes),
      system_total_mb: mb(io.totalBytes),
      artifacts_mb: mb(size),
      disk_read_mb: mb(io.diskReadBytes),
      disk_write_mb: mb(io.diskWriteBytes),
      net_rx_mb: mb(io.netRxBytes),
      net_tx_mb: mb(io.netTxBytes),
      open_fds: stats.fds,
      active_handles: activeHandles,
      threads: stats.threads,
      children: tree?.descendants ?? null,
      zombies: tree?.zombies ?? null,
      event_loop_lag_p99_ms: self
        ? round(this.#o.eventLoopLagMs?.() ?? null)
        : round(lagS === null ? null : lagS * 1000),
      reconnects: v('ws_reconnect_attempts_total'),
      reconnect_give_ups: v('ws_max_reconnect_reached_total'),
      pnl_usd: round(v('mm_pnl_total_usd'), 4),
      orders_live: v('mm_orders_live'),
    };
  }

  async #readApp(): Promise<PromSample[] | undefined> {
    if (this.#o.appMetrics === undefined) return undefined;
    try {
      const text = await this.#o.appMetrics();
      return text === undefined ? undefined : parsePromText(text);
    } catch {
      return undefined; // the endpoint is down for a moment: this sample has no app figures
    }
  }
}
