/**
 * Time in a replay: the replay clock fires one timer at a time in (due, armed) order, and a bot
 * timer that fired late in the recorded session fires at its recorded time; the recorder notes
 * such late timers from the bot's clock.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/domain/clock.js';
import { silentLogger } from '../../src/adapters/log/logger.js';
import { Recorder } from '../../src/adapters/recorder/recorder.js';
import { ReplayClock } from '../../src/actors/replay/clock.js';

describe('ReplayClock', () => {
  it('fires in due order, armed order on ties, one timer per call', () => {
    const clock = new ReplayClock(1_000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 20);
    clock.setTimeout(() => fired.push('a'), 10);
    clock.schedule(() => fired.push('c'), 20);
    const gone = clock.setTimeout(() => fired.push('x'), 5);
    clock.clearTimeout(gone);
    expect(clock.nextDue()).toBe(1_010);
    expect(clock.fireNext()).toBe(true);
    expect(fired).toEqual(['a']);
    while (clock.fireNext()) void 0;
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(clock.now()).toBe(1_020);
    expect(clock.pending).toBe(0);
  });

  it('fires a bot timer when it fired in the recording, and the replay`s own timers when due', () => {
    const clock = new ReplayClock(0);
    const late = new Map([['100|100', 107]]);
    clock.recordedFiring = (due, ms) => late.get(`${due}|${ms}`);
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['bot', clock.now()]), 100);
    clock.schedule(() => fired.push(['frame', clock.now()]), 100);
    clock.schedule(() => fired.push(['frame', clock.now()]), 103);
    while (clock.fireNext()) void 0;
    expect(fired).toEqual([
      ['frame', 100],
      ['frame', 103],
      ['bot', 107],
    ]);
  });
});

describe('Recorder.observeClock', () => {
  it('records the bot timers that fire late, and only those', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mm-clock-'));
    // A clock whose timers the test fires by hand, at the time it chooses.
    let now = 1_000;
    const pending: (() => void)[] = [];
    const manual: Clock = {
      now: () => now,
      setTimeout: (fn) => pending.push(fn),
      clearTimeout: () => undefined,
    };
    const r = new Recorder({
      root,
      maxFileBytes: 1e6,
      maxTotalBytes: 1e9,
      version: 't',
      logger: silentLogger(),
      session: 's',
    });
    r.start({ mode: 'paper', seed: 1, symbols: [], clock: 1_000, config: {} });
    const clock = r.observeClock(manual);
    let ran = 0;
    clock.setTimeout(() => ran++, 50); // due 1050
    clock.setTimeout(() => ran++, 10); // due 1010
    now = 1_010;
    pending[1]!(); // on time: nothing to record
    now = 1_056;
    pending[0]!(); // 6 ms late
    expect(ran).toBe(2);
    expect(clock.now()).toBe(1_056);
    await r.close(10_000);
    const [file] = await readdir(join(root, 's'));
    const lines = gunzipSync(await readFile(join(root, 's', file!)))
      .toString('utf8')
      .split('\n')
      .filter((l) => l.includes('"ch":"timer"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ t: 1_056, ch: 'timer', due: 1_050, ms: 50 })]);
    await rm(root, { recursive: true, force: true });
  });
});
