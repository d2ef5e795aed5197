/** `npm run sim` as a user runs it: a child process on a free port, stopped by a signal. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';

const CLI = ['--import', 'tsx', 'src/cli/sim.ts'];

function run(args: string[]) {
  const child = spawn(process.execPath, [...CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited, out: () => out, err: () => err };
}

describe('npm run sim', () => {
  it('prints the URLs and the given credentials, serves them and exits 0 on SIGTERM', async () => {
    const p = run(['--port', '0', '--api-key', 'CLIKEY', '--api-secret', 'cli-secret', '--seed', '3']);
    while (!p.out().includes('Press Ctrl-C')) await once(p.child.stdout, 'data');
    const rest = /REST\s+(http:\/\/\S+)/.exec(p.out())![1]!;
    expect(p.out()).toMatch(/WS public\s+ws:\/\/127\.0\.0\.1:\d+\/v5\/public\/linear/);
    expect(p.out()).toMatch(/WS private\s+ws:\/\/127\.0\.0\.1:\d+\/v5\/private/);
    expect(p.out()).toMatch(/WS trade\s+ws:\/\/127\.0\.0\.1:\d+\/v5\/trade/);
    expect(p.out()).toContain('API key     CLIKEY');
    const res = await request(`${rest}/v5/market/time`);
    expect(((await res.body.json()) as { retCode: number }).retCode).toBe(0);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('generates credentials from the seed when none are given', async () => {
    const keys = await Promise.all(
      [0, 1].map(async () => {
        const p = run(['--port', '0', '--seed', '11']);
        while (!p.out().includes('Press Ctrl-C')) await once(p.child.stdout, 'data');
        expect(p.out()).toContain('generated from the seed');
        p.child.kill('SIGINT');
        expect(await p.exited).toBe(0);
        return /API key\s+(\S+)/.exec(p.out())![1]!;
      }),
    );
    expect(keys[0]).toMatch(/^[A-Za-z0-9]{18}$/);
    expect(keys[1]).toBe(keys[0]);
  });

  it('exits 2 with a message on bad flags', async () => {
    const bad = [
      ['--port', 'abc'],
      ['--api-key', 'only'],
    ].map(run);
    const help = run(['--help']);
    for (const p of bad) {
      expect(await p.exited).toBe(2);
      expect(p.err()).toMatch(/sim: /);
    }
    expect(await help.exited).toBe(0);
    expect(help.out()).toContain('--api-secret');
  });
});
