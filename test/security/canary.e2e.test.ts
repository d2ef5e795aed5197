/**
 * The canary (issue 6, item 3): the bot runs as a process with canary credentials, admin token and
 * database password, debug logging, the recorder and the web endpoint on, while faults make errors
 * print (5xx, rate limits, rejected orders, a slow request that times out, dropped sockets that
 * force re-authentication, admin requests with a wrong token). Afterwards no canary, nor any form
 * derived from it that we can compute (encodings, fragments, every REST signature actually sent,
 * every WS auth signature for an expiry in the run), may appear in any log line, the console, a
 * recording, /metrics, /status, /events, /readyz or the status page.
 */
import { createHmac } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { afterEach, describe, expect, it, onTestFailed, vi } from 'vitest';
import { lintPaths } from '../../src/adapters/log/lint/lint.js';
import type { RunningSimulator } from '../../src/sim/index.js';
import { startTestSim, testConfig } from '../helpers/bot-harness.js';
import { spawnBot, type BotProcess } from '../helpers/bot-process.js';

// Bybit shapes (18 and 36 alphanumerics), recognisable, mixed case so they look like real ones.
const CANARY_KEY = 'CnRyK3yQx7Lm2Pz9Vb';
const CANARY_SECRET = 'CnRyS3cr3tW8Nd1Ks6Jf0Hg5Tq2Yc7Xe4Ua9';
const CANARY_ADMIN = 'CnRyAdm1nTok3n-7Hq2Wz9Lp4Rs8Vd1';
const CANARY_PG = 'CnRyPgPa55w0rd-Kx3Mv8';
const CANARIES = { key: CANARY_KEY, secret: CANARY_SECRET, admin: CANARY_ADMIN, pg: CANARY_PG };

const WAIT = { timeout: 60_000, interval: 100 };

/** The forms a value takes when encoded on its way into text. */
function encodings(value: string): string[] {
  const b = Buffer.from(value);
  return [
    value,
    b.toString('base64').replace(/=+$/, ''),
    b.toString('base64url'),
    b.toString('hex'),
    encodeURIComponent(value),
    JSON.stringify(value).slice(1, -1),
  ];
}

/** Every 10-character fragment: a value cut short in a message still gives itself away. */
function fragments(value: string, size = 10): string[] {
  const out: string[] = [];
  for (let i = 0; i + size <= value.length; i++) out.push(value.slice(i, i + size));
  return out;
}

/** Forwards REST to the simulator, noting every signature and key header the bot sends. */
async function signingProxy(
  target: string,
): Promise<{ server: Server; url: string; signatures: Set<string>; keys: Set<string> }> {
  const upstream = new URL(target);
  const signatures = new Set<string>();
  const keys = new Set<string>();
  const server = createServer((req, res) => {
    const sign = req.headers['x-bapi-sign'];
    if (typeof sign === 'string') signatures.add(sign);
    const key = req.headers['x-bapi-api-key'];
    if (typeof key === 'string') keys.add(key);
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, signatures, keys };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Every file under `dir`, gunzipped where gzipped, as text. */
function filesText(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesText(p));
    else {
      const raw = readFileSync(p);
      out.push({ path: p, text: (p.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8') });
    }
  }
  return out;
}

/** The first `ms` of the server-sent events stream. */
async function eventsFor(url: string, ms: number): Promise<string> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), ms);
  let text = '';
  try {
    const res = await fetch(url, { signal: ac.signal });
    const reader = res.body!.getReader();
    for (;;) {
      const { value, done } = (await reader.read()) as { value?: Uint8Array; done: boolean };
      if (done) break;
      if (value !== undefined) text += Buffer.from(value).toString('utf8');
    }
  } catch (err) {
    if (!ac.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
  }
  return text;
}

/**
 * Where a canary shows through in `outputs`: its encodings and fragments, any of the `signatures`
 * sent, and any WS auth signature (HMAC of "GET/realtime" + expires) for an expiry in the window,
 * each millisecond of it matched against every 64-hex run in the text.
 */
function findTraces(
  outputs: readonly { path: string; text: string }[],
  signatures: readonly string[],
  expiries: { from: number; to: number },
): string[] {
  const needles = new Map<string, string>();
  for (const [name, value] of Object.entries(CANARIES)) {
    for (const form of encodings(value)) needles.set(form.toLowerCase(), `${name} (encoded)`);
    for (const form of fragments(value)) needles.set(form.toLowerCase(), `${name} (fragment)`);
  }
  for (const sig of signatures) needles.set(sig.toLowerCase(), 'a REST signature sent');
  const found = new Set<string>();
  const hexRuns = new Map<string, string>();
  for (const { path, text } of outputs) {
    const lower = text.toLowerCase();
    for (const [needle, what] of needles) if (lower.includes(needle)) found.add(`${what} in ${path}`);
    for (const m of lower.matchAll(/[0-9a-f]{64}/g)) hexRuns.set(m[0], path);
  }
  if (hexRuns.size > 0)
    for (let expires = expiries.from; expires <= expiries.to; expires++) {
      const sig = createHmac('sha256', CANARY_SECRET).update(`GET/realtime${expires}`).digest('hex');
      const where = hexRuns.get(sig);
      if (where !== undefined) found.add(`a WS auth signature in ${where}`);
    }
  return [...found];
}

const chromiumPath = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/google-chrome'].find(
  (p) => p !== undefined && p !== '' && existsSync(p),
);

/** The status page's text and DOM once it shows the bot quoting, rendered by headless Chromium. */
async function renderedPage(web: string): Promise<string> {
  const browser = await chromium.launch({
    executablePath: chromiumPath!,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${web}/`);
    await vi.waitFor(
      async () => expect(await page.getByTestId('verdict').first().innerText()).not.toBe(''),
      WAIT,
    );
    await vi.waitFor(
      async () => expect(await page.getByTestId('seq').first().innerText()).not.toBe(''),
      WAIT,
    );
    return `${await page.locator('body').innerText()}\n${await page.content()}`;
  } finally {
    await browser.close();
  }
}

/** Every row of every table of the journal, as JSON lines: the embedded database, or a server. */
async function journalRows(target: { dataDir: string } | { url: string; schema: string }): Promise<string> {
  const tables = `select table_name as name from information_schema.tables
    where table_schema = $1 and table_type = 'BASE TABLE' order by 1`;
  const rowsOf = (schema: string, table: string) =>
    `select row_to_json(t)::text as row from "${schema}"."${table}" t`;
  const out: string[] = [];
  if ('dataDir' in target) {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = new PGlite(target.dataDir);
    try {
      for (const { name } of (await db.query<{ name: string }>(tables, ['public'])).rows)
        for (const { row } of (await db.query<{ row: string }>(rowsOf('public', name))).rows)
          out.push(`${name} ${row}`);
    } finally {
      await db.close();
    }
  } else {
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    try {
      for (const { name } of (await client.query<{ name: string }>(tables, [target.schema])).rows)
        for (const { row } of (await client.query<{ row: string }>(rowsOf(target.schema, name))).rows)
          out.push(`${name} ${row}`);
      await client.query(`drop schema if exists "${target.schema}" cascade`);
    } finally {
      await client.end();
    }
  }
  return out.join('\n');
}

let sim: RunningSimulator | undefined;
let proxy: Server | undefined;
let bot: BotProcess | undefined;

afterEach(async () => {
  if (bot !== undefined && bot.child.exitCode === null) bot.child.kill('SIGKILL');
  bot = undefined;
  await new Promise<void>((r) => (proxy === undefined ? r() : proxy.close(() => r())));
  proxy?.closeAllConnections();
  proxy = undefined;
  await sim?.close();
  sim = undefined;
});

describe('canary', { timeout: 180_000 }, () => {
  it('leaves no trace of any secret in logs, console, recordings, metrics, status or the page', async () => {
    const t0 = Date.now();
    sim = await startTestSim(testConfig(), { accounts: [{ apiKey: CANARY_KEY, apiSecret: CANARY_SECRET }] });
    const rest = await signingProxy(sim.urls.rest);
    proxy = rest.server;
    const dir = mkdtempSync(join(tmpdir(), 'mm-canary-'));
    const secretFile = (name: string, value: string) => {
      const p = join(dir, name);
      writeFileSync(p, `${value}\n`, { mode: 0o600 });
      return p;
    };
    const webPort = await freePort();
    // The journal on a Postgres server when the test has one (the password canary then reaches the
    // driver), else embedded.
    const serverUrl = process.env['DATABASE_URL'];
    const journalSchema = `canary_${process.pid}`;
    const journalConfig =
      serverUrl === undefined || serverUrl === ''
        ? { enabled: true, url: '', data_dir: join(dir, 'journal') }
        : { enabled: true, url: serverUrl, schema: journalSchema };
    const recordings = join(dir, 'recordings');
    bot = spawnBot(
      sim,
      {
        exchange: { rest_url: rest.url, request_timeout_ms: 1_500, max_retries: 2 },
        monitoring: {
          enable_prometheus: true,
          metrics_port: webPort,
          status_line: false,
        },
        web: { admin_token_file: secretFile('admin_token', CANARY_ADMIN), page_interval_ms: 200 },
        recorder: { enabled: true, dir: recordings, flush_interval_ms: 100 },
        journal: journalConfig,
        log: { level: 'debug' },
      },
      {
        // Secrets from files, the way production reads them; the variables stay empty.
        BYBIT_API_KEY: '',
        BYBIT_API_SECRET: '',
        BYBIT_API_KEY_FILE: secretFile('bybit_api_key', CANARY_KEY),
        BYBIT_API_SECRET_FILE: secretFile('bybit_api_secret', CANARY_SECRET),
        POSTGRES_PASSWORD_FILE: secretFile('postgres_password', CANARY_PG),
      },
    );
    const running = bot;
    let stdout = '';
    running.child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    onTestFailed(() => {
      console.log(running.stderr());
      console.log(`the bot's log: ${running.logFile}`);
    });
    const web = `http://127.0.0.1:${webPort}`;
    const account = CANARY_KEY;
    const quoting = async () =>
      vi.waitFor(() => {
        const sides = new Set(sim!.exchange.openOrders(account).map((o) => String(o.side)));
        expect(sides).toEqual(new Set(['Buy', 'Sell']));
      }, WAIT);
    await quoting();

    // Faults that make errors print, each waited on in the log.
    sim.faults.rest5xx(3);
    sim.faults.rateLimitBurst(2);
    sim.faults.rejectOrders(2);
    const complaints = () =>
      running
        .log()
        .split('\n')
        .filter((l) => /"level":"(warn|error)"/.test(l));
    const before = complaints().length;
    await vi.waitFor(() => expect(complaints().length).toBeGreaterThan(before + 2), WAIT);
    sim.faults.restSlow(1, 4_000);
    await vi.waitFor(() => expect(sim!.faults.pendingRestDelays).toBe(0), WAIT);
    const auths = () => (running.log().match(/auth/gi) ?? []).length;
    const authBefore = auths();
    sim.faults.dropSockets('all');
    await vi.waitFor(() => expect(auths()).toBeGreaterThan(authBefore), WAIT);
    // A venue restart: connections refused for a while, errors logged with their stacks.
    const errors = () => (running.log().match(/"err":\{/g) ?? []).length;
    sim.faults.restart(1_500);
    await vi.waitFor(() => expect(errors()).toBeGreaterThan(0), WAIT);
    // Back up and re-authenticated. (Not necessarily quoting: fills during the faults may have
    // tripped the kill switch, which is sticky; the canary does not depend on it.)
    const authAfterRestart = auths();
    await vi.waitFor(() => expect(auths()).toBeGreaterThan(authAfterRestart), WAIT);

    // The web endpoint binds loopback by default: another address of this host is refused.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal);
    if (external !== undefined)
      await expect(fetch(`http://${external.address}:${webPort}/healthz`)).rejects.toThrow();

    // Admin requests: a wrong token (401, nothing changes), then the right one.
    const post = (path: string, token: string) =>
      fetch(`${web}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect((await post('/admin/pause', `${CANARY_ADMIN}x`)).status).toBe(401);
    expect((await post('/admin/pause', CANARY_KEY)).status).toBe(401);
    // The right token is accepted (200, or 409 when the bot cannot do it now, e.g. halted).
    for (const path of ['/admin/pause', '/admin/resume'])
      expect([200, 409]).toContain((await post(path, CANARY_ADMIN)).status);

    // What the web endpoint shows, while the bot runs.
    const shown: { path: string; text: string }[] = [];
    for (const path of ['/metrics', '/status', '/readyz', '/healthz', '/']) {
      const res = await fetch(`${web}${path}`);
      shown.push({ path, text: await res.text() });
    }
    const page = shown.find((s) => s.path === '/')!.text;
    for (const src of page.matchAll(/(?:src|href)="(\/[^"]+)"/g)) {
      const res = await fetch(`${web}${src[1]}`);
      shown.push({ path: src[1]!, text: await res.text() });
    }
    shown.push({ path: '/events', text: await eventsFor(`${web}/events`, 1_500) });
    // The page as a person sees it: rendered by Chromium from /status and /events.
    if (chromiumPath !== undefined) {
      const rendered = await renderedPage(web);
      expect(rendered).toContain('BTCUSDT');
      shown.push({ path: '/ in Chromium', text: rendered });
    } else console.warn('canary: no Chromium found; the status page was checked as served, not as rendered');
    expect(shown.find((s) => s.path === '/metrics')!.text).toContain('ws_reconnect_attempts_total');
    expect(shown.find((s) => s.path === '/status')!.text).toContain('"outcome":"unauthorized"');
    expect(shown.find((s) => s.path === '/events')!.text).toMatch(/^data: /m);

    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    const t1 = Date.now();

    const journal = await journalRows(
      journalConfig.url === ''
        ? { dataDir: join(dir, 'journal') }
        : { url: journalConfig.url, schema: journalSchema },
    );
    // Orders always reach the journal; fills only when the market crossed our quotes in the run.
    expect(journal).toMatch(/^orders /m);
    expect(journal).toMatch(/^order_events /m);

    // Everything the run left behind.
    const outputs = [
      { path: 'bot.log', text: running.log() },
      { path: 'stderr', text: running.stderr() },
      { path: 'stdout', text: stdout },
      ...filesText(recordings).map((f) => ({ ...f, path: `recording ${f.path}` })),
      { path: 'journal rows', text: journal },
      ...shown.map((s) => ({ ...s, path: `GET ${s.path}` })),
    ];
    expect(outputs[0]!.text).toContain('"level":"debug"');
    expect(outputs.filter((o) => o.path.startsWith('recording')).length).toBeGreaterThan(0);

    // Forms we can compute: encodings and fragments of each canary, and every signature sent.
    expect([...rest.keys]).toEqual([CANARY_KEY]);
    expect(rest.signatures.size).toBeGreaterThan(10);
    const traces = (texts: readonly { path: string; text: string }[]) =>
      findTraces(texts, [...rest.signatures], { from: t0 - 5_000, to: t1 + 60_000 });
    // The search itself works: it finds a fragment, a REST signature and a WS auth signature.
    const wsSig = createHmac('sha256', CANARY_SECRET)
      .update(`GET/realtime${t0 + 10_000}`)
      .digest('hex');
    const control = `${CANARY_SECRET.slice(5, 17)} ${[...rest.signatures][3]!} {"args":["x",1,"${wsSig}"]}`;
    expect(traces([{ path: 'control', text: control }])).toHaveLength(3);
    expect(traces(outputs)).toEqual([]);

    // The linter, with the redaction patterns, finds no secret shape in the log either. (Not in
    // recordings: they hold the venue's ids and hashes verbatim, which look random by design.)
    const lint = await lintPaths([running.logFile], { nonAscii: false, critical: false });
    expect(lint.findings).toEqual([]);
  });
});
