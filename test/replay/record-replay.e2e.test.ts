/**
 * Record and replay end to end: the whole bot trades against the simulator over loopback sockets
 * on the wall clock with the recorder on, then the recording is replayed through the same actor
 * system on a simulated clock. Secrets never reach the recording; two replays write the same
 * bytes; a corrupt line is reported with its line number and skipped, or stops a strict replay;
 * the CLI does the same with its exit codes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { waitFor as xwaitFor } from 'xstate';
import { wallClock } from '../../src/adapters/clock.js';
import { createLogger } from '../../src/adapters/log/logger.js';
import { Metrics } from '../../src/adapters/metrics/metrics.js';
import { Recorder } from '../../src/adapters/recorder/recorder.js';
import { RecordingLineError } from '../../src/adapters/recorder/reader.js';
import { credentials } from '../../src/adapters/secrets/secret.js';
import { Runtime } from '../../src/actors/runtime.js';
import { buildSystem } from '../../src/actors/system.js';
import { replayRecording } from '../../src/actors/replay/run.js';
import type { RunningSimulator } from '../../src/sim/index.js';
import { LogSink, startTestSim, testConfig } from '../helpers/bot-harness.js';

const run = promisify(execFile);
const WAIT = { timeout: 60_000, interval: 100 };

let dir: string;
let sim: RunningSimulator;
let session: string;
let apiKey: string;
let apiSecret: string;

/** Trades until a few fills and a reconnect are recorded, then shuts down as on SIGTERM. */
async function recordSession(): Promise<void> {
  const config = testConfig({ log: { level: 'info' } });
  sim = await startTestSim(config, { volatility: 1.5 });
  const account = sim.accounts[0]!;
  apiKey = account.apiKey;
  apiSecret = account.apiSecret;
  const logs = new LogSink();
  const logger = createLogger({ level: 'info', stream: logs });
  const recorder = new Recorder({
    root: dir,
    maxFileBytes: 64 * 1024 * 1024,
    maxTotalBytes: 1024 * 1024 * 1024,
    version: 'test',
    logger,
  });
  session = recorder.session;
  const metrics = new Metrics();
  const rt = new Runtime({
    config,
    clock: recorder.observeClock(wallClock),
    logger,
    metrics,
    endpoints: sim.urls,
    credentials: credentials(apiKey, apiSecret),
    eventLoopLagMs: () => 0,
    recorder,
  });
  const root = buildSystem(rt, { web: false });
  root.start();
  await vi.waitFor(
    () => expect(rt.started.portfolio.snapshot('BTCUSDT')!.fillsApplied).toBeGreaterThan(0),
    WAIT,
  );
  sim.faults.dropSockets('public');
  // A fill needs no public socket: wait for the second public session as well, or the shutdown
  // may come before it opens (seen under load).
  await vi.waitFor(async () => {
    expect(rt.started.portfolio.snapshot('BTCUSDT')!.fillsApplied).toBeGreaterThan(1);
    const attempts = (await metrics.wsReconnectAttempts.get()).values.find(
      (v) => v.labels['ws_type'] === 'public',
    );
    expect(attempts?.value ?? 0).toBeGreaterThan(0);
    expect(rt.feedState('public')).toContain('live');
  }, WAIT);
  root.send({ type: 'shutdown.request', reason: 'signal' });
  const done = await xwaitFor(root, (s) => s.status !== 'active', { timeout: 30_000 });
  expect(done.output).toMatchObject({ exitCode: 0, verified: true });
  rt.started.market.stop();
  rt.started.orders.stop();
  await rt.flushSinks(10_000);
  await rt.rest.close();
}

async function recordingText(): Promise<string> {
  const s = join(dir, session);
  let text = '';
  for (const f of (await readdir(s)).sort()) {
    const raw = await readFile(join(s, f));
    text += (f.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  }
  return text;
}

async function replayToString(path: string, strict = false): Promise<{ text: string; bad: number[] }> {
  let text = '';
  const bad: number[] = [];
  await replayRecording(path, {
    out: (l) => (text += l),
    strict,
    onBadLine: (e) => bad.push(e.line),
  });
  return { text, bad };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mm-replay-'));
  await recordSession();
}, 120_000);

afterAll(async () => {
  await sim?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('record and replay', { timeout: 120_000 }, () => {
  it('records frames, requests and answers, with no key, secret or signature in them', async () => {
    const text = await recordingText();
    expect(text).not.toContain(apiKey);
    expect(text).not.toContain(apiSecret);
    expect(text.toLowerCase()).not.toContain('x-bapi-sign');
    const lines = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const auth = lines.find((l) => typeof l['raw'] === 'string' && l['raw'].includes('"op":"auth"'));
    expect(auth?.['raw']).toMatch(/"args":\["\[REDACTED\]",\d+,"\[REDACTED\]"\]/);
    const channels = new Set(lines.map((l) => l['ch']));
    for (const ch of ['ws.public', 'ws.private', 'rest', 'control']) expect(channels).toContain(ch);
    // The dropped public socket: its second session is recorded as such.
    expect(lines.some((l) => l['ch'] === 'ws.public' && l['s'] === 2 && l['ev'] === 'open')).toBe(true);
  });

  it('replays through the same actor system: orders, fills, PnL and the recorded shutdown', async () => {
    const { text, bad } = await replayToString(join(dir, session));
    expect(bad).toEqual([]);
    const decisions = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const kinds = new Set(decisions.map((d) => d['ev']));
    for (const k of ['replay', 'run', 'state', 'rest', 'order', 'fill', 'pnl', 'control', 'end'])
      expect(kinds).toContain(k);
    expect(decisions.at(-1)).toMatchObject({ ev: 'end', reason: 'shutdown', exitCode: 0, verified: true });
    // The public feed reconnected in the replay as it did live.
    const publicStates = decisions
      .filter((d) => d['ev'] === 'state' && d['id'] === 'publicFeed')
      .map((d) => d['state']);
    expect(publicStates.filter((s) => s === 'session.live.receiving').length).toBeGreaterThanOrEqual(2);
    // Times are the session's, from 0, never the wall clock's.
    expect(decisions.every((d) => typeof d['t'] === 'number' && d['t'] < 600_000)).toBe(true);
  });

  it('writes byte-identical decisions on two replays of one recording', async () => {
    const a = await replayToString(join(dir, session));
    const b = await replayToString(join(dir, session));
    expect(a.text.length).toBeGreaterThan(1_000);
    expect(b.text === a.text).toBe(true);
  });

  it('reports a corrupt and a truncated line with their line numbers and skips them; --strict stops', async () => {
    const lines = (await recordingText()).split('\n');
    lines.splice(40, 0, '{"t":123,"ch":"ws.public","s":1,"dir":"in","raw":"{\\"topic');
    lines.splice(60, 0, 'this is not json');
    const file = join(dir, 'corrupt.jsonl');
    await writeFile(file, lines.join('\n'));
    const { text, bad } = await replayToString(file);
    expect(bad).toEqual([41, 61]);
    const reported = text
      .split('\n')
      .filter((l) => l.includes('"ev":"bad_line"'))
      .map((l) => JSON.parse(l) as { line: number; reason: string });
    expect(reported.map((r) => r.line)).toEqual([41, 61]);
    expect(reported[0]!.reason).toMatch(/truncated or corrupt/);
    expect(text).toContain('"ev":"end","reason":"shutdown"');
    await expect(replayToString(file, true)).rejects.toBeInstanceOf(RecordingLineError);
    await expect(replayToString(file, true)).rejects.toMatchObject({ line: 41 });
  });

  it('npm run replay: --out twice gives the same file; --strict exits 2 naming the line', async () => {
    const cli = ['--import', 'tsx', 'src/cli/replay.ts'];
    const out1 = join(dir, 'd1.jsonl');
    const out2 = join(dir, 'd2.jsonl');
    const r1 = await run('node', [...cli, join(dir, session), '--out', out1]);
    await run('node', [...cli, join(dir, session), '--out', out2, '--quiet']);
    expect(r1.stderr).toMatch(/replayed .*x real time.*ended by the recorded shutdown \(exit code 0\)/);
    const [d1, d2] = [await readFile(out1), await readFile(out2)];
    expect(d1.length).toBeGreaterThan(1_000);
    expect(d1.equals(d2)).toBe(true);
    const strict = await run('node', [
      ...cli,
      join(dir, 'corrupt.jsonl'),
      '--strict',
      '--out',
      join(dir, 'd3.jsonl'),
    ]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain('corrupt.jsonl:41:');
    const usage = await run('node', [...cli]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('expected one recording');
  });
});
