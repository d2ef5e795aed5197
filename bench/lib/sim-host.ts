/**
 * The simulator a live-bot bench runs against, in this thread or in a worker thread. In a worker
 * (./sim-thread.ts) it has its own heap, so the exchange's allocations and garbage collections stay
 * out of the bot's; but on a VM every write to it then wakes its thread on the other vCPU inside
 * the send call, which a venue across a network never costs (see sections/tick-to-order.ts). The
 * bench sees the same few things either way: the URLs and credentials, our open orders on the
 * venue, dropping sockets, closing.
 */
import { Worker } from 'node:worker_threads';
import { wallClock } from '../../src/adapters/clock.js';
import type { Config } from '../../src/config/schema.js';
import type { SocketKind } from '../../src/sim/faults/fault-injector.js';
import { simOptionsFromConfig, startSimulator, type RunningSimulator } from '../../src/sim/index.js';

export interface SimHost {
  readonly urls: RunningSimulator['urls'];
  readonly accounts: RunningSimulator['accounts'];
  /** Our open orders on the venue (in a worker: as last reported, at most REPORT_MS old). */
  openOrders(): number;
  dropSockets(kind: SocketKind | 'all'): void;
  close(): Promise<void>;
}

export type ToSimThread = { type: 'dropSockets'; kind: SocketKind | 'all' } | { type: 'close' };
export type FromSimThread =
  | { type: 'ready'; urls: RunningSimulator['urls']; accounts: RunningSimulator['accounts'] }
  | { type: 'openOrders'; count: number }
  | { type: 'closed' };

const REPORT_MS = 5;

const ours = (sim: RunningSimulator, prefix: string): number =>
  sim.exchange.openOrders(sim.accounts[0]!.apiKey).filter((o) => String(o.orderLinkId).startsWith(prefix))
    .length;

/** The simulator in this thread. */
export async function simInProcess(sim: Config['sim'], prefix: string): Promise<SimHost> {
  const s = await startSimulator(simOptionsFromConfig(sim, wallClock));
  return {
    urls: s.urls,
    accounts: s.accounts,
    openOrders: () => ours(s, prefix),
    dropSockets: (kind) => s.faults.dropSockets(kind),
    close: () => s.close(),
  };
}

/** The simulator in a worker thread of its own. */
export async function simInWorker(sim: Config['sim'], prefix: string): Promise<SimHost> {
  // A worker's entry module does not go through the loader hooks `--import tsx` set up here, so
  // the worker registers tsx itself before it imports the TypeScript entry.
  const entry = new URL('./sim-thread.ts', import.meta.url).href;
  const worker = new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`,
    { eval: true, workerData: { sim, prefix, reportMs: REPORT_MS } },
  );
  let open = 0;
  let closed: (() => void) | undefined;
  const ready = new Promise<Extract<FromSimThread, { type: 'ready' }>>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (m: FromSimThread) => {
      if (m.type === 'ready') resolve(m);
      else if (m.type === 'openOrders') open = m.count;
      else closed?.();
    });
  });
  const { urls, accounts } = await ready;
  const send = (m: ToSimThread): void => worker.postMessage(m);
  return {
    urls,
    accounts,
    openOrders: () => open,
    dropSockets: (kind) => send({ type: 'dropSockets', kind }),
    close: async () => {
      const done = new Promise<void>((resolve) => (closed = resolve));
      send({ type: 'close' });
      await done;
      await worker.terminate();
    },
  };
}
