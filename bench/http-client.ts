/**
 * `node --import tsx bench/http-client.ts [--requests N] [--gap-ms N]`: the bot's REST HTTP pool
 * (`src/adapters/bybit/rest/http-pool.ts`) against undici 7's Pool, the client it replaced, on one
 * keep-alive connection (config.yaml's connection_pool, one connection per host) to a node:http
 * server in a child process (so that the CPU figure is the client's).
 * Each request is a 231-byte POST answered with 324 bytes, as in docs/limits.md. Prints, for each
 * client, over the same requests asked alternately:
 * - ask → write: from the call to the moment the request's bytes are handed to the socket (each
 *   client's diagnostics channel, published just before its socket write), at a low rate (one
 *   request every `--gap-ms`, so the path runs from cold caches, as tick-to-order's does);
 * - round trip at that rate (p50, p99);
 * - client CPU per request, one in flight, back to back (process CPU over the run).
 * The figures are quoted in docs/benchmarks.md.
 */
import { subscribe } from 'node:diagnostics_channel';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { Pool } from 'undici';
import { HttpPool, REQUEST_WRITE_CHANNEL } from '../src/adapters/bybit/rest/http-pool.js';
import { Metrics } from '../src/adapters/metrics/metrics.js';
import { loadConfig } from '../src/config/load.js';
import { quantile } from './lib/stats.js';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '2000' }, 'gap-ms': { type: 'string', default: '5' } },
});
const N = Number(values.requests);
const GAP_MS = Number(values['gap-ms']);
if (!(N >= 100) || !(GAP_MS >= 0)) throw new Error('--requests: at least 100; --gap-ms: 0 or more');

const BODY = JSON.stringify({
  category: 'linear',
  symbol: 'BTCUSDT',
  side: 'Buy',
  orderType: 'Limit',
  qty: '0.001',
  price: '64000.10',
  timeInForce: 'PostOnly',
  orderLinkId: 'mm-bench-0000000000001',
  reduceOnly: false,
  positionIdx: 0,
  extra: 'x'.repeat(14),
});
const HEADERS = {
  'X-BAPI-API-KEY': 'benchkey',
  'X-BAPI-TIMESTAMP': '1700000000000',
  'X-BAPI-SIGN': 'f'.repeat(64),
  'X-BAPI-RECV-WINDOW': '5000',
  'Content-Type': 'application/json',
};

const SERVER = `
const { createServer } = require('node:http');
const answer = JSON.stringify({ retCode: 0, retMsg: 'OK', result: { orderId: '1321003749386327552', orderLinkId: 'mm-bench-0000000000001' }, retExtInfo: {}, time: 1700000000000, pad: 'x'.repeat(150) });
const server = createServer({ keepAliveTimeout: 65000 }, (req, res) => {
  req.resume();
  req.on('end', () => { res.setHeader('content-type', 'application/json'); res.end(answer); });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Client {
  readonly name: string;
  /** Sends one request and resolves with its body. */
  send(): Promise<string>;
  close(): Promise<void>;
}

let writtenAt = 0;
subscribe(REQUEST_WRITE_CHANNEL, () => (writtenAt = performance.now()));
subscribe('undici:client:sendHeaders', () => (writtenAt = performance.now()));

function ours(origin: string): Client {
  const pool = new HttpPool({
    settings: { ...loadConfig().connection_pool, limit_per_host: 1 },
    metrics: new Metrics(),
  });
  const req = {
    origin,
    method: 'POST' as const,
    path: '/v5/order/create',
    headers: HEADERS,
    body: BODY,
    endpoint: '/v5/order/create',
  };
  return {
    name: 'mm-bot HttpPool',
    send: async () => (await pool.request(req)).body,
    close: () => pool.close(),
  };
}

function undici(origin: string): Client {
  const pool = new Pool(origin, { connections: 1, keepAliveTimeout: 30_000 });
  return {
    name: 'undici 7 Pool.request',
    send: async () => {
      const res = await pool.request({
        method: 'POST',
        path: '/v5/order/create',
        headers: HEADERS,
        body: BODY,
      });
      return res.body.text();
    },
    close: () => pool.close(),
  };
}

interface Figures {
  askToWrite: number[];
  roundTrip: number[];
}

async function main(): Promise<void> {
  const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((r) =>
    server.stdout.once('data', (d: Buffer) => r(Number(d.toString()))),
  );
  const origin = `http://127.0.0.1:${port}`;
  const clients = [ours(origin), undici(origin)];
  for (const c of clients) for (let i = 0; i < 200; i++) await c.send();

  const figures = new Map<string, Figures>(clients.map((c) => [c.name, { askToWrite: [], roundTrip: [] }]));
  for (let i = 0; i < N; i++) {
    for (const c of clients) {
      await sleep(GAP_MS);
      writtenAt = 0;
      const t0 = performance.now();
      const answer = c.send();
      // Both publish before their socket write; undici's comes a turn later, so wait for the answer.
      await answer;
      const t1 = performance.now();
      const f = figures.get(c.name)!;
      f.askToWrite.push((writtenAt - t0) * 1000);
      f.roundTrip.push((t1 - t0) * 1000);
    }
  }

  const cpu = new Map<string, number>();
  for (let round = 0; round < 3; round++) {
    for (const c of clients) {
      const n = 5_000;
      const before = process.cpuUsage();
      for (let i = 0; i < n; i++) await c.send();
      const used = process.cpuUsage(before);
      const us = (used.user + used.system) / n;
      cpu.set(c.name, Math.min(cpu.get(c.name) ?? Infinity, us));
    }
  }

  process.stdout.write(
    `HTTP client, ${N} requests each, one every ${GAP_MS} ms, alternating; one connection\n\n`,
  );
  const fmt = (v: number) => v.toFixed(0).padStart(6);
  process.stdout.write(
    `${'client'.padEnd(24)} ${'ask→write p50'.padStart(14)} ${'p99'.padStart(7)} ${'round trip p50'.padStart(15)} ${'p99'.padStart(7)} ${'CPU/request'.padStart(12)}\n`,
  );
  for (const c of clients) {
    const f = figures.get(c.name)!;
    process.stdout.write(
      `${c.name.padEnd(24)} ${fmt(quantile(f.askToWrite, 0.5))} µs    ${fmt(quantile(f.askToWrite, 0.99))} µs ${fmt(quantile(f.roundTrip, 0.5))} µs      ${fmt(quantile(f.roundTrip, 0.99))} µs ${fmt(cpu.get(c.name)!)} µs (best of 3 × 5,000)\n`,
    );
  }
  for (const c of clients) await c.close();
  server.kill();
}

await main();
