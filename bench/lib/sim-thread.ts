/**
 * The simulator in a worker thread (started by ./sim-host.ts): its own V8 heap and garbage
 * collector, so that the bot measured on the main thread pays for none of the exchange's work, as
 * it would not against Bybit. It reports our open orders on a short period (the host reads them
 * synchronously) and takes commands: drop sockets, close.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { wallClock } from '../../src/adapters/clock.js';
import type { Config } from '../../src/config/schema.js';
import { simOptionsFromConfig, startSimulator } from '../../src/sim/index.js';
import type { FromSimThread, ToSimThread } from './sim-host.js';

const port = parentPort;
if (port === null) throw new Error('sim-thread.ts runs as a worker thread only');
const {
  sim: simConfig,
  prefix,
  reportMs,
} = workerData as {
  sim: Config['sim'];
  prefix: string;
  reportMs: number;
};
const post = (m: FromSimThread): void => port.postMessage(m);
const sim = await startSimulator(simOptionsFromConfig(simConfig, wallClock));
const account = sim.accounts[0]!;
const report = setInterval(() => {
  const open = sim.exchange
    .openOrders(account.apiKey)
    .filter((o) => String(o.orderLinkId).startsWith(prefix));
  post({ type: 'openOrders', count: open.length });
}, reportMs);
port.on('message', (m: ToSimThread) => {
  if (m.type === 'dropSockets') sim.faults.dropSockets(m.kind);
  else if (m.type === 'close') {
    clearInterval(report);
    void sim.close().then(() => {
      post({ type: 'closed' });
      port.close();
    });
  }
});
post({ type: 'ready', urls: sim.urls, accounts: sim.accounts.map((a) => ({ ...a })) });
