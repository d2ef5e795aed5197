/**
 * `npm run soak` and `npm run monitor` as a user runs them: help, refused flags (exit 2), and the
 * monitor sampling a real process until it ends, then analysing what it wrote.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSamples } from '../../src/domain/soak/sample.js';

const run = (script: string, args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', `src/cli/${script}.ts`, ...args], { encoding: 'utf8' });

describe('npm run soak', { timeout: 60_000 }, () => {
  it('has --help and refuses bad flags with exit 2', () => {
    const help = run('soak', ['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--hours H');
    expect(help.stdout).toContain('--minutes M');
    const bad = run('soak', ['--hours', 'abc']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--hours must be a number above 0');
    const both = run('soak', ['--hours', '1', '--minutes', '5']);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('give --hours or --minutes, not both');
  });
});

describe('npm run monitor', { timeout: 60_000 }, () => {
  it('refuses a missing or dead pid', () => {
    expect(run('monitor', []).status).toBe(2);
    const dead = run('monitor', ['--pid', '2147483646']);
    expect(dead.status).toBe(1);
    expect(dead.stderr).toContain('no process with pid 2147483646');
  });

  it('samples a process every second until it ends, then writes the analysis', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-monitor-'));
    const target = spawn(
      process.execPath,
      [
        '-e',
        'const a = []; setInterval(() => a.push(Buffer.alloc(1e5, 1)), 50); setTimeout(() => process.exit(0), 4000);',
      ],
      { stdio: 'ignore' },
    );
    const out = join(dir, 'resources.jsonl');
    const monitor = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/monitor.ts',
        '--pid',
        String(target.pid),
        '--interval-s',
        '1',
        '--out',
        out,
        '--artifacts-dir',
        dir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let text = '';
    monitor.stdout.on('data', (d: Buffer) => (text += d.toString()));
    const code = await new Promise<number | null>((resolve) => monitor.once('exit', resolve));
    expect(code).toBe(0);
    expect(text).toContain(`process ${target.pid} ended`);
    const { samples, issues } = parseSamples(readFileSync(out, 'utf8'));
    expect(issues).toEqual([]);
    expect(samples.length).toBeGreaterThanOrEqual(1);
    expect(samples.every((s) => s.pid === target.pid && s.rss_mb !== null && s.threads !== null)).toBe(true);
    expect(existsSync(join(dir, 'resources.analysis.json'))).toBe(true);

    const again = run('monitor', ['--analyze', out]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`${samples.length} samples`);
  });
});
