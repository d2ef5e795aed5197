/**
 * Event-loop delay, measured by Node's own histogram (perf_hooks): the p99 over each interval
 * since the last read. A blocked loop delays every timer, socket read and order.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface EventLoopMonitor {
  /** p99 delay in ms since the previous call (0 before any sample). */
  lagMs(): number;
  stop(): void;
}

export function startEventLoopMonitor(resolutionMs = 20): EventLoopMonitor {
  const h: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionMs });
  h.enable();
  return {
    lagMs: () => {
      const p99 = h.count > 0 ? h.percentile(99) / 1e6 : 0;
      h.reset();
      // The histogram includes the sampling resolution itself.
      return Math.max(0, p99 - resolutionMs);
    },
    stop: () => h.disable(),
  };
}
