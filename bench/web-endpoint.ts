/**
 * `node --import tsx bench/web-endpoint.ts [--seconds N]`: what the web endpoint costs a running
 * bot (in this process, against the simulator on loopback, quoting on the wall clock). Prints:
 * - /metrics and /status: latency (median, p99) and size of a response, asked one after another;
 * - /events: bytes per pushed status;
 * - the bot's CPU (this process, % of one core) with no status page open, then with
 *   web.max_page_clients (16) pages following /events, then with none again, and the ratio.
 * The figures are quoted in docs/operations.md.
 */
import { request, type ClientRequest } from 'node:http';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { waitFor as xwaitFor } from 'xstate';
import { wallClock } from '../src/adapters/clock.js';
import { createLogger } from '../src/adapters/log/logger.js';
import { Metrics } from '../src/adapters/metrics/metrics.js';
import { credentials } from '../src/adapters/secrets/secret.js';
import { Runtime } from '../src/actors/runtime.js';
import { buildSystem } from '../src/actors/system.js';
import { simOptionsFromConfig, startSimulator } from '../src/sim/index.js';
import { benchConfig } from './lib/live-bot.js';
import { quantile } from './lib/stats.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' } } });
const SECONDS = Number(values.seconds);
if (!(SECONDS >= 5)) throw new Error('--seconds: at least 5');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function timed(url: string, n: number): Promise<{ p50: number; p99: number; bytes: number }> {
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const body = await (await fetch(url)).arrayBuffer();
    ms.push(performance.now() - t0);
    bytes = body.byteLength;
  }
  return { p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), bytes };
}

/** CPU of this process over `seconds`, in % of one core. */
async function cpuPct(seconds: number): Promise<number> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) / 1000 / (performance.now() - t0)) * 100;
}

/** Opens `n` /events streams that only count bytes and events. */
function followers(url: string, n: number): { close(): void; bytes(): number; events(): number } {
  const reqs: ClientRequest[] = [];
  let bytes = 0;
  let events = 0;
  for (let i = 0; i < n; i++) {
    const req = request(`${url}/events`, (res) => {
      res.on('data', (d: Buffer) => {
        bytes += d.length;
        for (let j = d.indexOf('\n\n'); j >= 0; j = d.indexOf('\n\n', j + 2)) events++;
      });
    });
    req.on('error', () => undefined);
    req.end();
    reqs.push(req);
  }
  return { close: () => reqs.forEach((r) => r.destroy()), bytes: () => bytes, events: () => events };
}

async function main(): Promise<void> {
  const config = benchConfig({ monitoring: { enable_prometheus: true, metrics_port: 0 } });
  const sim = await startSimulator(simOptionsFromConfig(config.sim, wallClock));
  const account = sim.accounts[0]!;
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const rt = new Runtime({
    config,
    clock: wallClock,
    logger: createLogger({ level: 'warn', stream: sink }),
    metrics: new Metrics(),
    endpoints: sim.urls,
    credentials: credentials(account.apiKey, account.apiSecret),
    eventLoopLagMs: () => 0,
  });
  let url = '';
  const root = buildSystem(rt, { web: true, onWeb: (s) => (url = s.url) });
  root.start();
  for (let i = 0; i < 600 && (url === '' || (await fetch(`${url}/readyz`)).status !== 200); i++)
    await sleep(100);
  if (url === '') throw new Error('the web endpoint did not come up');
  await sleep(5_000); // quoting, fills and the caches settle

  const metrics = await timed(`${url}/metrics`, 300);
  const status = await timed(`${url}/status`, 300);
  const clients = config.web.max_page_clients;
  const idle1 = await cpuPct(SECONDS);
  const f = followers(url, clients);
  const busy = await cpuPct(SECONDS);
  const perEvent = f.bytes() / Math.max(1, f.events());
  f.close();
  await sleep(1_000);
  const idle2 = await cpuPct(SECONDS);

  const fmt = (x: number, d = 2) => x.toFixed(d);
  const lines = [
    `node ${process.version}, ${SECONDS} s per CPU window, page_interval_ms ${config.web.page_interval_ms}`,
    `/metrics  p50 ${fmt(metrics.p50)} ms  p99 ${fmt(metrics.p99)} ms  ${metrics.bytes} bytes  (300 scrapes)`,
    `/status   p50 ${fmt(status.p50)} ms  p99 ${fmt(status.p99)} ms  ${status.bytes} bytes  (300 requests)`,
    `/events   ${fmt(perEvent, 0)} bytes per status pushed`,
    `CPU, no page open     ${fmt(idle1, 1)} % of a core`,
    `CPU, ${clients} pages open    ${fmt(busy, 1)} % of a core`,
    `CPU, no page open     ${fmt(idle2, 1)} % of a core`,
    `ratio ${clients} pages / none  ${fmt(busy / ((idle1 + idle2) / 2))}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  root.send({ type: 'shutdown.request', reason: 'signal' });
  await xwaitFor(root, (s) => s.status !== 'active', { timeout: 40_000 });
  rt.started.market.stop();
  rt.started.orders.stop();
  await rt.rest.close();
  await sim.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
