/**
 * The log linter on a large log, run by hand (not in tests): `node --import tsx bench/lint-logs.ts
 * [--gb 1] [--keep]`. It writes a generated pino-style log of the given size to a temporary
 * directory (realistic lines, a secret, a fatal line, non-ASCII and a 300 KB line every so often),
 * then lints it in a fresh child process and reports the child's peak RSS, time and throughput.
 * The child is the linter alone (the same module `npm run lint:logs` runs), so its peak RSS is what
 * the command costs.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lintPaths } from '../src/adapters/log/lint/lint.js';

const { values } = parseArgs({
  options: {
    gb: { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
    measure: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write('Usage: node --import tsx bench/lint-logs.ts [--gb N] [--keep]\n');
  process.exit(0);
}

/** Lines as the bot writes them, with the occasional finding the linter must report. */
function lineAt(i: number, t: number): string {
  const ts = new Date(1_767_225_600_000 + t).toISOString();
  const head = `{"level":"debug","time":"${ts}","pid":4242,"component":`;
  switch (i % 8) {
    case 0:
      return `${head}"market","symbol":"BTCUSDT","u":${1_000_000 + i},"bids":3,"asks":2,"msg":"book delta applied"}`;
    case 1:
      return `${head}"orders","orderLinkId":"mm-${i}","side":"Buy","price":"64012.5","qty":"0.001","msg":"order sent"}`;
    case 2:
      return `${head}"quoter","mid":64011.75,"spread_bps":2.4,"skew":-0.12,"msg":"quotes computed"}`;
    case 3:
      return `${head}"feed.public","state":"live","lagMs":3,"url":"ws://127.0.0.1:9001/v5/public/linear","msg":"pong"}`;
    case 4:
      return `${head}"risk","position":0.004,"pnl":1.25,"consecutiveLosses":0,"msg":"risk checked"}`;
    case 5:
      return `${head}"orders","retCode":0,"retMsg":"OK","latencyMs":12,"endpoint":"/v5/order/amend","msg":"amended"}`;
    case 6:
      return `${head}"web","path":"/metrics","status":200,"durationMs":1.4,"msg":"request served"}`;
    default:
      return `${head}"recorder","file":"data/recordings/s1/0001.jsonl","bytes":${i * 211},"msg":"flushed"}`;
  }
}

async function generate(path: string, bytes: number): Promise<number> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let written = 0;
  let i = 0;
  let batch: string[] = [];
  let batchBytes = 0;
  while (written < bytes) {
    let line = lineAt(i, i * 3);
    if (i % 1_000_003 === 500) line = '{"level":"fatal","msg":"the root actor failed"}';
    else if (i % 1_000_003 === 700)
      line = `{"level":"warn","msg":"auth refused","detail":"password=hunter22x"}`;
    else if (i % 1_000_003 === 900) line = '{"level":"info","msg":"prix mis à jour"}';
    else if (i % 1_000_003 === 1_100) line = `{"level":"debug","blob":"${'z'.repeat(300_000)}"}`;
    batch.push(line);
    batchBytes += line.length + 1;
    written += line.length + 1;
    i++;
    if (batchBytes >= 1 << 20) {
      if (!out.write(batch.join('\n') + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
      batch = [];
      batchBytes = 0;
    }
  }
  if (batch.length > 0) out.write(batch.join('\n') + '\n');
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  return i;
}

async function measure(path: string): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const summary = await lintPaths([path], { onFinding: () => undefined });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(
    JSON.stringify({
      seconds,
      lines: summary.lines,
      bytes: summary.bytes,
      counts: summary.counts,
      rssBeforeMb: rssBefore / 2 ** 20,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    }) + '\n',
  );
}

async function main(): Promise<void> {
  if (values.measure !== undefined) return measure(values.measure);
  const bytes = Math.round(Number(values.gb) * 2 ** 30);
  const dir = mkdtempSync(join(tmpdir(), 'mm-lint-bench-'));
  const path = join(dir, 'bot.log');
  const t0 = Date.now();
  const lines = await generate(path, bytes);
  process.stdout.write(
    `generated ${path}: ${statSync(path).size} bytes, ${lines} lines in ${(Date.now() - t0) / 1000} s\n`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--measure', path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`the measuring child exited with ${code}`);
  const r = JSON.parse(out) as {
    seconds: number;
    bytes: number;
    lines: number;
    peakRssMb: number;
    rssBeforeMb: number;
    counts: Record<string, number>;
  };
  process.stdout.write(
    `linted ${r.lines} lines, ${(r.bytes / 2 ** 30).toFixed(2)} GiB in ${r.seconds.toFixed(1)} s ` +
      `(${(r.bytes / 2 ** 20 / r.seconds).toFixed(1)} MiB/s); peak RSS ${r.peakRssMb.toFixed(1)} MiB ` +
      `(${r.rssBeforeMb.toFixed(1)} MiB before linting); findings ${JSON.stringify(r.counts)}\n`,
  );
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}

await main();
