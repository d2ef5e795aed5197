/**
 * The session recorder on a real disk (a temporary directory): header, line format, rotation with
 * gzip, the disk bound, the memory bound with its gap line, and the flush at close.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../src/adapters/log/logger.js';
import { redact } from '../../../src/adapters/log/redact.js';
import { readRecording, recordingFiles } from '../../../src/adapters/recorder/reader.js';
import {
  configHash,
  Recorder,
  recorderFromConfig,
  sessionId,
  type SessionInfo,
} from '../../../src/adapters/recorder/recorder.js';
import { testConfig } from '../../helpers/bot-harness.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'mm-rec-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const info: SessionInfo = {
  mode: 'paper',
  seed: 42,
  symbols: ['BTCUSDT'],
  clock: 1_000,
  config: { mode: 'paper', symbols: ['BTCUSDT'] },
};

function recorder(extra: Partial<ConstructorParameters<typeof Recorder>[0]> = {}): Recorder {
  let wall = 1_700_000_000_000;
  let mono = 0;
  return new Recorder({
    root,
    maxFileBytes: 1024 * 1024,
    maxTotalBytes: 1024 * 1024 * 1024,
    version: '9.9.9',
    logger: silentLogger(),
    session: 's1',
    wallNow: () => wall++,
    monoNow: () => (mono += 0.25),
    ...extra,
  });
}

/** Every line of every file of a session, gunzipped, parsed. */
async function linesOf(dir: string): Promise<{ file: string; lines: Record<string, unknown>[] }[]> {
  const names = (await readdir(dir)).sort();
  const out = [];
  for (const name of names) {
    const raw = await readFile(join(dir, name));
    const text = (name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    out.push({
      file: name,
      lines: text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    });
  }
  return out;
}

describe('Recorder', () => {
  it('opens with the session header and stamps every line with clock, wall and monotonic time', async () => {
    const r = recorder();
    const early = r.socket('public');
    early.frame('in', '{"topic":"early"}', 999); // before start(): held, written after the header
    r.start(info);
    early.frame('in', '{"topic":"orderbook.50.BTCUSDT"}', 1_010);
    r.socket('private').frame('out', '{"op":"auth","args":["[REDACTED]",1,"[REDACTED]"]}', 1_011);
    r.socket('public').event('open', 1_012);
    r.rest.request({ id: 1, method: 'GET', path: '/v5/market/time', req: '', start: 1_013 });
    r.rest.response(
      { id: 1, method: 'GET', path: '/v5/market/time', req: '', start: 1_013 },
      [{ sentAt: 1_013, receivedAt: 1_015, status: 200, body: '{"retCode":0}' }],
      'ok',
      1_015,
    );
    r.control('root', { type: 'shutdown.request', reason: 'signal' }, 1_020);
    await r.close(10_000);

    const [part, ...rest] = await linesOf(join(root, 's1'));
    expect(rest).toEqual([]);
    expect(part!.file).toBe('0001.jsonl.gz');
    const [header, ...lines] = part!.lines;
    expect(header).toMatchObject({
      type: 'header',
      v: 1,
      session: 's1',
      part: 1,
      app: 'mm-bot',
      version: '9.9.9',
      mode: 'paper',
      seed: 42,
      symbols: ['BTCUSDT'],
      clock: 1_000,
      configHash: configHash(info.config),
      config: info.config,
    });
    expect(lines.map((l) => [l['t'], l['ch'], l['dir'] ?? l['ev'] ?? l['to']])).toEqual([
      [999, 'ws.public', 'in'],
      [1_010, 'ws.public', 'in'],
      [1_011, 'ws.private', 'out'],
      [1_012, 'ws.public', 'open'],
      [1_013, 'rest', 'out'],
      [1_015, 'rest', 'in'],
      [1_020, 'control', 'root'],
    ]);
    for (const l of lines) {
      expect(typeof l['w']).toBe('number');
      expect(typeof l['m']).toBe('number');
    }
    // Each kind numbers its connection sessions: the second public socket is session 2.
    expect(lines.map((l) => l['s'])).toEqual([1, 1, 1, 2, undefined, undefined, undefined]);
    expect(lines[0]!['raw']).toBe('{"topic":"early"}');
    expect(lines[5]!['attempts']).toEqual([
      { sentAt: 1_013, receivedAt: 1_015, status: 200, body: '{"retCode":0}' },
    ]);
  });

  it('keeps a malformed frame as the exact text received', async () => {
    const r = recorder();
    r.start(info);
    const weird = '{"topic":"orderbook.50.BTCUSDT","data":{"b":[["1",\u2028"2"]]}\n"quote" \\ ';
    r.socket('public').frame('in', weird, 1_001);
    await r.close(10_000);
    const [part] = await linesOf(join(root, 's1'));
    expect(part!.lines[1]!['raw']).toBe(weird);
  });

  it('rotates past max_file_mb, gzips closed parts, and each part opens with the header', async () => {
    const r = recorder({ maxFileBytes: 20_000, chunkBytes: 1 });
    r.start(info);
    const tap = r.socket('public');
    const payload = 'x'.repeat(500);
    for (let i = 0; i < 200; i++) {
      tap.frame('in', `{"i":${i},"p":"${payload}"}`, 1_000 + i);
      if (i % 10 === 9) await r.flush();
    }
    await r.close(10_000);
    const parts = await linesOf(join(root, 's1'));
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.every((p) => p.file.endsWith('.jsonl.gz'))).toBe(true);
    parts.forEach((p, k) => expect(p.lines[0]).toMatchObject({ type: 'header', session: 's1', part: k + 1 }));
    // The reader puts the parts back together: every frame once, in order.
    const files = await recordingFiles(join(root, 's1'));
    const seen: number[] = [];
    for await (const l of readRecording(files, (e) => {
      throw e;
    }))
      if (l.value['ch'] === 'ws.public') seen.push((JSON.parse(l.value['raw'] as string) as { i: number }).i);
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('deletes the oldest files, of this session and older ones, past max_total_mb', async () => {
    const registry = new Registry();
    const old = recorder({ session: 's0', maxFileBytes: 5_000, chunkBytes: 1 });
    old.start(info);
    for (let i = 0; i < 40; i++) {
      old.socket('public').frame('in', `{"i":${i},"p":"${'o'.repeat(400)}"}`, 1_000 + i);
      await old.flush();
    }
    await old.close(10_000);
    const r = recorder({ maxFileBytes: 5_000, maxTotalBytes: 12_000, chunkBytes: 1, registry });
    r.start(info);
    const tap = r.socket('public');
    // Random text compresses badly, so the gzipped parts stay near their size.
    let seed = 7;
    const noise = () =>
      Array.from({ length: 600 }, () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return String.fromCharCode(97 + (seed % 26));
      }).join('');
    for (let i = 0; i < 80; i++) {
      tap.frame('in', `{"i":${i},"p":"${noise()}"}`, 2_000 + i);
      await r.flush();
    }
    await r.close(10_000);
    const sessions = (await readdir(root)).sort();
    expect(sessions).toEqual(['s1']); // s0 was oldest: all of it went, and its directory
    const files = await readdir(join(root, 's1'));
    let total = 0;
    for (const f of files) total += (await stat(join(root, 's1', f))).size;
    // The bound holds up to the file being written when pruning ran.
    expect(total).toBeLessThanOrEqual(12_000 + 5_000 + 1_000);
    const deleted = (await registry.getSingleMetric('mm_recorder_files_deleted_total')!.get()).values[0]!
      .value;
    expect(deleted).toBeGreaterThan(0);
  });

  it('drops lines past its memory bound, counts them and marks the hole with a gap line', async () => {
    const registry = new Registry();
    const r = recorder({ maxBufferedBytes: 2_000, chunkBytes: 1_000_000, registry });
    r.start(info);
    const tap = r.socket('public');
    for (let i = 0; i < 50; i++) tap.frame('in', `{"i":${i},"p":"${'z'.repeat(100)}"}`, 1_000 + i);
    await r.close(10_000);
    const [part] = await linesOf(join(root, 's1'));
    const gap = part!.lines.find((l) => l['ch'] === 'gap');
    const kept = part!.lines.filter((l) => l['ch'] === 'ws.public').length;
    expect(gap).toBeDefined();
    expect(gap!['dropped']).toBe(50 - kept);
    expect(kept).toBeGreaterThan(0);
    const dropped = (await registry.getSingleMetric('mm_recorder_dropped_total')!.get()).values[0]!.value;
    expect(dropped).toBe(50 - kept);
  });

  it('flushes everything buffered at close, within the time given, and ignores lines after it', async () => {
    const r = recorder({ flushIntervalMs: 60_000, chunkBytes: 1_000_000 });
    r.start(info);
    const tap = r.socket('trade');
    for (let i = 0; i < 1_000; i++) tap.frame('in', `{"i":${i}}`, 1_000 + i);
    expect(r.path).toBe(join(root, 's1', '0001.jsonl'));
    await r.close(10_000);
    tap.frame('in', '{"late":true}', 5_000);
    await r.close(10_000);
    const [part] = await linesOf(join(root, 's1'));
    expect(part!.lines.filter((l) => l['ch'] === 'ws.trade')).toHaveLength(1_000);
  });

  it('keeps lines seen before start() under a placeholder header when closed early', async () => {
    const r = recorder();
    r.socket('public').event('connect_failed', 5, { error: 'refused' });
    await r.close(10_000);
    const [part] = await linesOf(join(root, 's1'));
    expect(part!.lines[0]).toMatchObject({ type: 'header', mode: 'unknown' });
    expect(part!.lines[1]).toMatchObject({ ch: 'ws.public', ev: 'connect_failed', error: 'refused' });
  });
});

describe('leftovers of an earlier process', () => {
  it('gzips parts left uncompressed and removes cut-short compressions, but not recent parts', async () => {
    const old = join(root, 'old');
    const busy = join(root, 'busy');
    await mkdir(old);
    await mkdir(busy);
    const header = `${JSON.stringify({ type: 'header', v: 1, session: 'old', clock: 0, config: {} })}\n`;
    await writeFile(join(old, '0001.jsonl'), header);
    await writeFile(join(old, '0001.jsonl.gz.tmp'), 'half a gzip');
    await writeFile(join(busy, '0001.jsonl'), header); // written to just now: another bot's, maybe
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(join(old, '0001.jsonl'), hourAgo, hourAgo);
    const r = recorder();
    r.start(info);
    await vi.waitFor(async () => expect((await readdir(old)).sort()).toEqual(['0001.jsonl.gz']), {
      timeout: 10_000,
    });
    await r.close(10_000);
    expect(gunzipSync(await readFile(join(old, '0001.jsonl.gz'))).toString()).toBe(header);
    expect(await readdir(busy)).toEqual(['0001.jsonl']);
  });
});

describe('recorderFromConfig', () => {
  it('records in paper mode by default, not in testnet or live, and as configured otherwise', () => {
    const deps = { logger: silentLogger(), version: '1' };
    const paper = testConfig({ recorder: { dir: root } });
    expect(paper.recorder.enabled).toBe('auto');
    const r = recorderFromConfig(paper, deps);
    expect(r).toBeInstanceOf(Recorder);
    expect(r!.dir.startsWith(root)).toBe(true);
    void r!.close(1_000);
    expect(recorderFromConfig({ mode: 'testnet', recorder: paper.recorder }, deps)).toBeUndefined();
    expect(recorderFromConfig({ mode: 'live', recorder: paper.recorder }, deps)).toBeUndefined();
    const off = { ...paper.recorder, enabled: false as const };
    expect(recorderFromConfig({ mode: 'paper', recorder: off }, deps)).toBeUndefined();
    const on = { ...paper.recorder, enabled: true as const };
    const forced = recorderFromConfig({ mode: 'live', recorder: on }, deps);
    expect(forced).toBeInstanceOf(Recorder);
    void forced!.close(1_000);
  });

  it('names sessions so that they sort by time and read as numbers', () => {
    const a = sessionId(Date.UTC(2025, 0, 31, 9, 0, 0, 5), 42);
    const b = sessionId(Date.UTC(2025, 0, 31, 10, 0, 0, 0), 7);
    expect(a).toBe('20250131-090000-005-p42');
    expect([b, a].sort()).toEqual([a, b]);
    // The log's secret redaction leaves it readable: the path logged at start is useful.
    expect(redact(`data/recordings/${a}/0001.jsonl`)).toBe(`data/recordings/${a}/0001.jsonl`);
  });
});
