/**
 * The admin endpoints on a real loopback server: the token from a file, compared in constant
 * time, rate limited per caller, every request audit-logged without the token, and nothing done
 * unless the token is right.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log/logger.js';
import { adminRoute, readAdminToken, tokensEqual, type AdminOptions } from '../../src/adapters/web/admin.js';
import { startMetricsServer, type MetricsServer } from '../../src/adapters/web/metrics-server.js';
import { SecretError } from '../../src/adapters/secrets/load.js';
import { SimClock } from '../../src/domain/clock.js';
import { LogSink } from '../helpers/bot-harness.js';

const TOKEN = 'a-long-admin-token-0123456789';

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function tokenFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mm-admin-'));
  const file = join(dir, 'admin_token');
  writeFileSync(file, content);
  chmodSync(file, 0o600);
  return file;
}

async function serve(options: Partial<AdminOptions> = {}) {
  const logs = new LogSink();
  const clock = new SimClock(Date.UTC(2026, 0, 1));
  const calls: string[] = [];
  const outcomes: string[] = [];
  const admin = adminRoute({
    tokenFile: tokenFile(`${TOKEN}\n`),
    ratePerMin: 5,
    clock,
    logger: createLogger({ level: 'info', stream: logs }),
    actions: {
      pause: ({ query }) => {
        calls.push(`pause:${query.get('symbol') ?? '*'}`);
        return { status: 200, message: 'quoting paused', detail: { quoters: { BTCUSDT: 'paused' } } };
      },
      'risk/reset': () => ({ status: 409, message: 'risk is active, not halted: nothing to reset' }),
    },
    onOutcome: (action, outcome) => outcomes.push(`${action}:${outcome}`),
    ...options,
  });
  server = await startMetricsServer({
    host: '127.0.0.1',
    port: 0,
    registry: new Registry(),
    routes: [admin.route],
  });
  const post = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${server!.url}${path}`, { method: 'POST', headers });
  return { admin, logs, clock, calls, outcomes, post };
}

describe('admin endpoints', () => {
  it('runs a command with the right token and audit-logs who, what, when and the outcome', async () => {
    const { post, calls, logs, admin, outcomes } = await serve();
    const r = await post('/admin/pause?symbol=BTCUSDT', { authorization: `Bearer ${TOKEN}` });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ message: 'quoting paused', quoters: { BTCUSDT: 'paused' } });
    expect(calls).toEqual(['pause:BTCUSDT']);
    const audit = logs.records().filter((l) => l['audit'] === true);
    expect(audit).toEqual([
      expect.objectContaining({
        caller: '127.0.0.1',
        action: 'pause',
        outcome: 'ok',
        status: 200,
        at: '2026-01-01T00:00:00.000Z',
      }),
    ]);
    expect(admin.audit()).toHaveLength(1);
    expect(outcomes).toEqual(['pause:ok']);
    // The X-Admin-Token header works too.
    expect((await post('/admin/pause', { 'x-admin-token': TOKEN })).status).toBe(200);
  });

  it('answers 401 to a missing or wrong token, runs nothing and never logs the token', async () => {
    const { post, calls, logs } = await serve();
    const missing = await post('/admin/pause');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await post('/admin/pause', { authorization: `Bearer ${TOKEN}x` });
    expect(wrong.status).toBe(401);
    const prefix = await post('/admin/pause', { authorization: `Bearer ${TOKEN.slice(0, -1)}` });
    expect(prefix.status).toBe(401);
    expect(calls).toEqual([]);
    const text = logs.lines.join('\n');
    expect(text).not.toContain(TOKEN.slice(0, 12));
    expect(logs.records().filter((l) => l['outcome'] === 'unauthorized')).toHaveLength(3);
  });

  it('limits each caller to web.admin_rate_limit_per_min, counting failed attempts too', async () => {
    const { post, calls, clock } = await serve();
    for (let i = 0; i < 5; i++) expect((await post('/admin/pause')).status).toBe(401);
    const limited = await post('/admin/pause', { authorization: `Bearer ${TOKEN}` });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(calls).toEqual([]);
    clock.advanceBy(60_000);
    expect((await post('/admin/pause', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });

  it('passes on an action that declines (409) and audits it as refused', async () => {
    const { post, logs } = await serve();
    const r = await post('/admin/risk/reset', { authorization: `Bearer ${TOKEN}` });
    expect(r.status).toBe(409);
    expect(((await r.json()) as { message: string }).message).toMatch(/not halted/);
    expect(logs.records().find((l) => l['audit'] === true)).toMatchObject({ outcome: 'refused' });
  });

  it('answers 403 and says how to enable them when no token file is configured', async () => {
    const { post, calls } = await serve({ tokenFile: '' });
    const r = await post('/admin/pause', { authorization: `Bearer ${TOKEN}` });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: string }).error).toMatch(/web\.admin_token_file/);
    expect(calls).toEqual([]);
  });

  it('answers 503 naming the problem when the token file is unusable, and 405 to other methods', async () => {
    const { post, calls } = await serve({ tokenFile: tokenFile('short\n') });
    const r = await post('/admin/pause', { authorization: 'Bearer short' });
    expect(r.status).toBe(503);
    expect(((await r.json()) as { error: string }).error).toMatch(/shorter than 16 characters/);
    expect(calls).toEqual([]);
    const get = await fetch(`${server!.url}/admin/pause`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await fetch(`${server!.url}/admin/unknown`, { method: 'POST' })).status).toBe(404);
  });
});

describe('admin token', () => {
  it('compares equal tokens as equal and any difference as different', () => {
    expect(tokensEqual(TOKEN, TOKEN)).toBe(true);
    expect(tokensEqual(TOKEN, `${TOKEN}0`)).toBe(false);
    expect(tokensEqual('', TOKEN)).toBe(false);
  });

  it('is read with the rules of the other secrets', () => {
    expect(readAdminToken(tokenFile(`${TOKEN}\n`)).reveal()).toBe(TOKEN);
    expect(() => readAdminToken(tokenFile(''))).toThrow(SecretError);
    expect(() => readAdminToken(tokenFile('two words-and-more-text'))).toThrow(/whitespace/);
    expect(() => readAdminToken('/nonexistent/admin_token')).toThrow(/cannot read/);
  });
});
