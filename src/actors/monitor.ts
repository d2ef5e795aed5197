/**
 * The monitor actor: samples one process (and the host) every interval on the actor system's
 * clock and appends each sample to a JSONL file (artifacts/soak/resources.jsonl). Samples never
 * overlap: the next one is armed when the previous one is written, so a slow disk or a loaded host
 * stretches the interval rather than piling up reads. When the watched process is gone the monitor
 * reports it once and stops sampling.
 */
import { fromCallback } from 'xstate';
import type { Clock, TimerId } from '../domain/clock.js';
import type { ResourceSample } from '../domain/soak/sample.js';
import { appendJsonLine } from '../adapters/system/jsonl-file.js';
import { NoSuchProcessError } from '../adapters/system/process-stats.js';

/** Something that takes samples (the ResourceSampler, or a test double of the same shape). */
export interface Sampler {
  sample(): Promise<ResourceSample>;
}

/** What the monitor watches and where it writes. */
export interface MonitorOptions {
  readonly sampler: Sampler;
  readonly clock: Clock;
  readonly intervalMs: number;
  /** The JSONL file samples are appended to. */
  readonly out: string;
  /** Called after each sample is written. */
  readonly onSample?: (sample: ResourceSample) => void;
  /** Called once when the watched process no longer exists. */
  readonly onGone?: (pid: number) => void;
  /** Called when a sample could not be taken or written (the monitor goes on). */
  readonly onError?: (error: unknown) => void;
}

/** A running monitor. */
export interface Monitor {
  /** Samples written so far. */
  readonly count: () => number;
  /** Takes one more sample now (used at the end of a run) unless the process is gone. */
  sampleNow(): Promise<ResourceSample | undefined>;
  /** Stops sampling; resolves once a sample in progress is written. */
  stop(): Promise<void>;
}

/** Starts sampling at once, then every `intervalMs` of the clock. */
export function startMonitor(o: MonitorOptions): Monitor {
  let timer: TimerId;
  let armed = false;
  let stopped = false;
  let gone = false;
  let written = 0;
  let inFlight: Promise<ResourceSample | undefined> = Promise.resolve(undefined);

  const takeOne = async (): Promise<ResourceSample | undefined> => {
    if (gone) return undefined;
    try {
      const sample = await o.sampler.sample();
      await appendJsonLine(o.out, sample);
      written++;
      o.onSample?.(sample);
      return sample;
    } catch (err) {
      if (err instanceof NoSuchProcessError) {
        gone = true;
        o.onGone?.(err.pid);
      } else o.onError?.(err);
      return undefined;
    }
  };

  const tick = (): void => {
    armed = false;
    inFlight = takeOne().finally(() => {
      if (stopped || gone) return;
      timer = o.clock.setTimeout(tick, o.intervalMs);
      armed = true;
    });
  };
  tick();

  return {
    count: () => written,
    sampleNow: async () => {
      await inFlight;
      if (stopped) return undefined;
      inFlight = takeOne();
      return inFlight;
    },
    stop: async () => {
      stopped = true;
      if (armed) o.clock.clearTimeout(timer);
      armed = false;
      await inFlight;
    },
  };
}

/** Events the monitor actor sends to its parent. */
export type MonitorEvent =
  | { type: 'monitor.sample'; sample: ResourceSample }
  | { type: 'monitor.gone'; pid: number }
  | { type: 'monitor.failed'; message: string };

/** What the monitor actor is started with. */
export type MonitorInput = Omit<MonitorOptions, 'onSample' | 'onGone' | 'onError'> & {
  /** Send every sample to the parent (off by default: the parent usually needs only the file). */
  readonly forwardSamples?: boolean;
};

/**
 * The monitor as an actor: started with its state, stopped with it. Its listener never throws
 * (docs/xstate-v5.md §1.6): failures become `monitor.failed` events.
 */
export const monitorActor = fromCallback<MonitorEvent, MonitorInput>(({ input, sendBack }) => {
  const m = startMonitor({
    ...input,
    onSample: (sample) => {
      if (input.forwardSamples === true) sendBack({ type: 'monitor.sample', sample });
    },
    onGone: (pid) => sendBack({ type: 'monitor.gone', pid }),
    onError: (err) =>
      sendBack({ type: 'monitor.failed', message: err instanceof Error ? err.message : String(err) }),
  });
  return () => {
    void m.stop();
  };
});
