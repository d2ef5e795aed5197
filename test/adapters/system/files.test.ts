import {
  mkdtempSync,
  writeFileSync,
  mkdirSync,
  appendFileSync,
  existsSync,
  readFileSync,
  utimesSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keepArtifacts, setAsidePreviousRun } from '../../../src/adapters/system/artifacts.js';
import { dirSize, listFiles } from '../../../src/adapters/system/dir-size.js';
import { appendJsonLine } from '../../../src/adapters/system/jsonl-file.js';
import { LogScanner, isCriticalLine } from '../../../src/adapters/system/log-scan.js';
import { parsePromText, promValue } from '../../../src/adapters/system/prom-text.js';
import { stepStamp } from '../../../src/domain/soak/retention.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mm-soak-files-'));

describe('prom text', () => {
  const text = [
    '# HELP ws_reconnect_attempts_total WebSocket reconnection attempts.',
    '# TYPE ws_reconnect_attempts_total counter',
    'ws_reconnect_attempts_total{exchange="bybit",ws_type="public"} 7',
    'ws_reconnect_attempts_total{exchange="bybit",ws_type="private"} 3',
    'nodejs_heap_size_used_bytes 52428800',
    'mm_pnl_total_usd -1.5e-2',
    'weird{label="with \\"quote\\" and }"} 2 1700000000000',
    'not a sample line',
  ].join('\n');

  it('sums a metric’s series, optionally by label', () => {
    const s = parsePromText(text);
    expect(promValue(s, 'ws_reconnect_attempts_total')).toBe(10);
    expect(promValue(s, 'ws_reconnect_attempts_total', { ws_type: 'private' })).toBe(3);
    expect(promValue(s, 'nodejs_heap_size_used_bytes')).toBe(52428800);
    expect(promValue(s, 'mm_pnl_total_usd')).toBe(-0.015);
    expect(promValue(s, 'weird', { label: 'with "quote" and }' })).toBe(2);
    expect(promValue(s, 'absent')).toBeNull();
  });
});

describe('artifacts folder', () => {
  it('lists files with sizes, and sums them', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'a.txt'), 'x'.repeat(10));
    writeFileSync(join(dir, 'logs', 'b.log'), 'y'.repeat(5));
    expect((await listFiles(dir)).map((f) => [f.path, f.bytes]).sort()).toEqual([
      ['a.txt', 10],
      ['logs/b.log', 5],
    ]);
    expect(await dirSize(dir)).toBe(15);
    expect(await dirSize(join(dir, 'absent'))).toBe(0);
  });

  it('rotates step logs to the newest 5 per step and keeps everything else', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'steps'));
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 7; i++) {
      const f = join(dir, 'steps', `lint-logs.${stepStamp(t0 + i * 1000)}.log`);
      writeFileSync(f, 'ok\n');
      utimesSync(f, (t0 + i * 1000) / 1000, (t0 + i * 1000) / 1000);
    }
    writeFileSync(join(dir, 'resources.jsonl'), '{}\n');
    const plan = await keepArtifacts(dir, {
      warnMb: 500,
      trimMb: 750,
      capMb: 5120,
      keepPerStep: 5,
      keepWhenTrimming: 2,
    });
    expect(plan.level).toBe('ok');
    const left = (await listFiles(dir)).map((f) => f.path).sort();
    expect(left).toHaveLength(6);
    expect(left).toContain('resources.jsonl');
    expect(left).not.toContain(`steps/lint-logs.${stepStamp(t0)}.log`);
    expect(left).toContain(`steps/lint-logs.${stepStamp(t0 + 6000)}.log`);
  });

  it('sets a previous run aside instead of appending to it', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'resources.jsonl'), '{"old":1}\n');
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'logs', 'bot.log'), 'old\n');
    expect(await setAsidePreviousRun(dir)).toBe(2);
    expect(existsSync(join(dir, 'resources.jsonl'))).toBe(false);
    expect(readFileSync(join(dir, 'previous', 'logs', 'bot.log'), 'utf8')).toBe('old\n');
    writeFileSync(join(dir, 'resources.jsonl'), '{"newer":1}\n');
    expect(await setAsidePreviousRun(dir)).toBe(1);
    expect(existsSync(join(dir, 'previous', 'logs', 'bot.log'))).toBe(false);
    expect(await setAsidePreviousRun(tmp())).toBe(0);
  });

  it('appends JSON lines, creating the folder', async () => {
    const file = join(tmp(), 'deep', 'x.jsonl');
    await appendJsonLine(file, { a: 1 });
    await appendJsonLine(file, { b: 'two' });
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n{"b":"two"}\n');
  });
});

describe('log scan', () => {
  it('recognises CRITICAL and FATAL lines, pino’s fatal level included', () => {
    expect(isCriticalLine('{"level":"fatal","msg":"the root actor failed"}')).toBe(true);
    expect(isCriticalLine('{"level":60,"msg":"x"}')).toBe(true);
    expect(isCriticalLine('2024-01-01 CRITICAL disk full')).toBe(true);
    expect(isCriticalLine('FATAL: out of memory')).toBe(true);
    expect(isCriticalLine('{"level":"error","msg":"critical section"}')).toBe(false);
    expect(isCriticalLine('{"level":"warn","msg":"socket down"}')).toBe(false);
  });

  it('reads only what was appended since the last scan, whole lines only', async () => {
    const dir = tmp();
    const f = join(dir, 'bot.log');
    writeFileSync(f, '{"level":"info"}\n{"level":"fatal","msg":"one"}\n');
    const s = new LogScanner();
    expect((await s.scan([f, join(dir, 'absent.log')])).map((x) => x.line)).toEqual([2]);
    appendFileSync(f, '{"level":"info"}\nFATAL half');
    expect(await s.scan([f])).toEqual([]);
    appendFileSync(f, ' a line\n');
    expect(await s.scan([f])).toEqual([{ file: f, line: 4, text: 'FATAL half a line' }]);
    expect(s.found).toHaveLength(2);
  });
});
