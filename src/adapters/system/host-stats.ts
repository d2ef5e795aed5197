/**
 * Whole-host figures: CPU use over all cores (from os.cpus() time counters, on every platform),
 * available memory, cumulative disk and network I/O (systeminformation; null where the platform
 * does not report them).
 */
import { cpus } from 'node:os';
import si from 'systeminformation';

/** Cumulative CPU time counters of the host. */
export interface CpuTimes {
  readonly busy: number;
  readonly total: number;
}

/** Reads the host's CPU counters (sum over cores, ms). */
export function readCpuTimes(): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return { busy, total };
}

/** Percent of all cores busy between two readings (null when no time passed). */
export function cpuPercentBetween(a: CpuTimes, b: CpuTimes): number | null {
  const dt = b.total - a.total;
  return dt > 0 ? (100 * (b.busy - a.busy)) / dt : null;
}

/** Memory, disk and network figures of the host. */
export interface HostIo {
  readonly availableBytes: number | null;
  readonly totalBytes: number | null;
  readonly diskReadBytes: number | null;
  readonly diskWriteBytes: number | null;
  readonly netRxBytes: number | null;
  readonly netTxBytes: number | null;
}

const orNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Reads memory, disk and network counters; each part that fails is null, never an error. */
export async function readHostIo(): Promise<HostIo> {
  const [mem, fs, net] = await Promise.allSettled([si.mem(), si.fsStats(), si.networkStats('*')]);
  const m = mem.status === 'fulfilled' ? mem.value : undefined;
  const f = fs.status === 'fulfilled' ? fs.value : undefined;
  const n = net.status === 'fulfilled' ? net.value : undefined;
  let rx: number | null = null;
  let tx: number | null = null;
  if (Array.isArray(n) && n.length > 0) {
    rx = n.reduce((s, x) => s + (orNull(x.rx_bytes) ?? 0), 0);
    tx = n.reduce((s, x) => s + (orNull(x.tx_bytes) ?? 0), 0);
  }
  return {
    availableBytes: orNull(m?.available),
    totalBytes: orNull(m?.total),
    diskReadBytes: orNull(f?.rx),
    diskWriteBytes: orNull(f?.wx),
    netRxBytes: rx,
    netTxBytes: tx,
  };
}
