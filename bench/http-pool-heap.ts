/**
 * `node --expose-gc --import tsx bench/http-pool-heap.ts [--rounds N]`: whether the REST HTTP pool
 * keeps anything per request. Rounds of 20,000 request rounds (one request, or three at once every
 * tenth, so that several connections are used) against a node:http server in this process; after
 * each round, the heap in use after two forced collections, and the pool's connections (config.yaml's
 * connection_pool). A flat
 * heap is the answer. The figures are quoted in docs/benchmarks.md.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { HttpPool, type HttpRequest } from '../src/adapters/bybit/rest/http-pool.js';
import { Metrics } from '../src/adapters/metrics/metrics.js';
import { loadConfig } from '../src/config/load.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '6' } } });
const ROUNDS = Number(values.rounds);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
if (!(ROUNDS >= 2)) throw new Error('--rounds: at least 2');

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  req.resume();
  req.on('end', () => res.end('{"retCode":0,"retMsg":"OK","result":{},"retExtInfo":{},"time":1}'));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const pool = new HttpPool({
  settings: loadConfig().connection_pool,
  metrics: new Metrics(),
});
const req: HttpRequest = {
  origin,
  method: 'POST',
  path: '/v5/order/create',
  headers: { 'Content-Type': 'application/json' },
  body: '{"symbol":"BTCUSDT"}',
  endpoint: '/v5/order/create',
};

let requests = 0;
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < 20_000; i++) {
    if (i % 10 === 0) {
      await Promise.all([pool.request(req), pool.request(req), pool.request(req)]);
      requests += 3;
    } else {
      await pool.request(req);
      requests++;
    }
  }
  await new Promise((r) => setImmediate(r));
  gc();
  gc();
  const heapMb = process.memoryUsage().heapUsed / 1e6;
  const { active, idle } = pool.sampleStats();
  process.stdout.write(
    `after ${requests.toLocaleString('en-US')} requests: heap ${heapMb.toFixed(2)} MB, connections ${active} active, ${idle} idle\n`,
  );
}
await pool.close();
server.close();
