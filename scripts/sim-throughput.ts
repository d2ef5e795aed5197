/**
 * Measures the market-data rate the simulator sustains on this machine. The simulator runs in a
 * child process on the wall clock with a 1 ms book period; N WebSocket clients in this process
 * each subscribe to orderbook.50 of both symbols, count and JSON-parse every frame. After a
 * warm-up it reports frames/s sent by the server, frames/s received by the clients, the server
 * process's CPU and the mean frame size, and checks that every client saw contiguous `u`s.
 *
 *   node --import tsx scripts/sim-throughput.ts [--clients 20] [--seconds 10] [--push-ms 1] [--depth 50]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';

interface ChildReport {
  readonly cpuUs: number;
  readonly wallMs: number;
  readonly framesSent: number;
  readonly framesDropped: number;
  readonly slowConsumersCut: number;
  readonly rssMb: number;
}

type ChildMsg = { type: 'ready'; port: number } | ({ type: 'report' } & ChildReport);

async function child(pushMs: number): Promise<void> {
  const { wallClock } = await import('../src/adapters/clock.js');
  const { startSimulator } = await import('../src/sim/index.js');
  const sim = await startSimulator({
    clock: wallClock,
    seed: 1,
    symbols: ['BTCUSDT', 'ETHUSDT'],
    startPrices: { BTCUSDT: 60000, ETHUSDT: 3000 },
    pushIntervalMs: pushMs,
    volatility: 0.6,
    takerRatePerS: 4,
    makerFeeRate: 0.0002,
    takerFeeRate: 0.00055,
    initialBalanceUsdt: 100_000,
    rateLimitPerS: 10,
  });
  const send = (m: ChildMsg): void => void process.send?.(m);
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'report') {
      const cpu = process.cpuUsage();
      const s = sim.stats();
      send({
        type: 'report',
        cpuUs: cpu.user + cpu.system,
        wallMs: performance.now(),
        framesSent: s.framesSent,
        framesDropped: s.framesDropped,
        slowConsumersCut: s.slowConsumersCut,
        rssMb: process.memoryUsage().rss / 2 ** 20,
      });
    } else if (m.cmd === 'stop') void sim.close().then(() => process.exit(0));
  });
  send({ type: 'ready', port: sim.port });
}

function ask(proc: ChildProcess): Promise<ChildReport> {
  return new Promise((resolve) => {
    const on = (m: ChildMsg): void => {
      if (m.type !== 'report') return;
      proc.off('message', on);
      resolve(m);
    };
    proc.on('message', on);
    proc.send({ cmd: 'report' });
  });
}

interface Client {
  frames: number;
  bytes: number;
  gaps: number;
  readonly lastU: Map<string, number>;
  readonly ws: WebSocket;
}

async function parent(clients: number, seconds: number, pushMs: number, depth: number): Promise<void> {
  const proc = fork(fileURLToPath(import.meta.url), ['--child', '--push-ms', String(pushMs)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(proc, 'message')) as [ChildMsg];
  if (ready.type !== 'ready') throw new Error('child did not start');
  const url = `ws://127.0.0.1:${ready.port}/v5/public/linear`;
  const topics = [`orderbook.${depth}.BTCUSDT`, `orderbook.${depth}.ETHUSDT`];
  const all: Client[] = [];
  for (let i = 0; i < clients; i++) {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const c: Client = { frames: 0, bytes: 0, gaps: 0, lastU: new Map(), ws };
    ws.on('message', (data: Buffer) => {
      c.frames++;
      c.bytes += data.length;
      const m = JSON.parse(data.toString()) as { topic?: string; type?: string; data?: { u: number } };
      if (m.topic === undefined || m.data === undefined) return;
      const prev = c.lastU.get(m.topic);
      if (m.type === 'delta' && prev !== undefined && m.data.u !== prev + 1) c.gaps++;
      c.lastU.set(m.topic, m.data.u);
    });
    await once(ws, 'open');
    ws.send(JSON.stringify({ op: 'subscribe', args: topics }));
    all.push(c);
  }
  const warmupMs = 2_000;
  await new Promise((r) => setTimeout(r, warmupMs));
  const s0 = await ask(proc);
  const r0 = all.reduce((n, c) => n + c.frames, 0);
  const b0 = all.reduce((n, c) => n + c.bytes, 0);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const s1 = await ask(proc);
  const r1 = all.reduce((n, c) => n + c.frames, 0);
  const b1 = all.reduce((n, c) => n + c.bytes, 0);
  const wall = (performance.now() - t0) / 1000;
  const cpu1 = process.cpuUsage(cpu0);
  const serverWall = (s1.wallMs - s0.wallMs) / 1000;
  const received = (r1 - r0) / wall;
  const sent = (s1.framesSent - s0.framesSent) / serverWall;
  const serverCpu = (s1.cpuUs - s0.cpuUs) / 1e6 / serverWall;
  const clientCpu = (cpu1.user + cpu1.system) / 1e6 / wall;
  const gaps = all.reduce((n, c) => n + c.gaps, 0);
  const out = [
    `sim throughput: ${clients} clients × ${topics.length} topics (orderbook.${depth}), push ${pushMs} ms, ${seconds} s measured`,
    `  frames sent by the server      ${Math.round(sent).toLocaleString('en-US')} /s`,
    `  frames received by clients     ${Math.round(received).toLocaleString('en-US')} /s  (${clients === 0 ? 0 : Math.round(received / clients / topics.length)} per topic per client)`,
    `  mean frame size                ${Math.round((b1 - b0) / Math.max(1, r1 - r0))} B`,
    `  server CPU                     ${(serverCpu * 100).toFixed(1)} % of one core  (${((serverCpu * 1e6) / Math.max(1, sent)).toFixed(2)} µs per frame sent)`,
    `  client CPU (this process)      ${(clientCpu * 100).toFixed(1)} % of one core`,
    `  server RSS                     ${s1.rssMb.toFixed(0)} MB; dropped ${s1.framesDropped - s0.framesDropped}, slow consumers cut ${s1.slowConsumersCut - s0.slowConsumersCut}`,
    `  u gaps seen by clients         ${gaps}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  for (const c of all) c.ws.terminate();
  proc.send({ cmd: 'stop' });
  await once(proc, 'exit');
  if (gaps > 0) process.exitCode = 1;
}

const { values } = parseArgs({
  options: {
    child: { type: 'boolean' },
    clients: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '10' },
    'push-ms': { type: 'string', default: '1' },
    depth: { type: 'string', default: '50' },
    help: { type: 'boolean' },
  },
});
if (values.help === true) {
  process.stdout.write(
    'Measures the message rate the simulator sustains: N clients subscribed to orderbook.<depth> of both\n' +
      'symbols, frames sent and received per second, and the server CPU per frame.\n\n' +
      'Usage: node --import tsx scripts/sim-throughput.ts [--clients 20] [--seconds 10] [--push-ms 1] [--depth 50]\n',
  );
  process.exit(0);
}
const pushMs = Number(values['push-ms']);
if (values.child === true) await child(pushMs);
else await parent(Number(values.clients), Number(values.seconds), pushMs, Number(values.depth));
