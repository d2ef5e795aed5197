/**
 * The web endpoint of a running bot (in-process, against the simulator, over loopback): the page
 * and its files, /status and /events with the machine states, the book with our orders, inventory
 * and PnL; and the admin commands doing what they say, only with the token. (/metrics is checked
 * against the dashboards and alert rules in metrics-coverage.e2e.test.ts.)
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PageStatus } from '../../src/actors/web.js';
import type { RunningSimulator } from '../../src/sim/index.js';
import { startBot, startTestSim, testConfig, type BotUnderTest } from '../helpers/bot-harness.js';

const WAIT = { timeout: 30_000, interval: 50 };
const TOKEN = 'e2e-admin-token-0123456789abcdef';

let sim: RunningSimulator;
let bot: BotUnderTest;
let url: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-web-'));
  const tokenFile = join(dir, 'admin_token');
  writeFileSync(tokenFile, TOKEN);
  chmodSync(tokenFile, 0o600);
  sim = await startTestSim(testConfig(), { volatility: 1.5 });
  bot = startBot(sim, {
    monitoring: { enable_prometheus: true, metrics_port: 0 },
    web: { admin_token_file: tokenFile, page_interval_ms: 200 },
    // The kill switch is tripped and reset by hand here: a run of losing trades in the fast test
    // market must not trip it too (it would trip again right after the reset).
    risk: { max_consecutive_losses: 1_000 },
  });
  await vi.waitFor(() => expect(bot.webUrl()).toBeDefined(), WAIT);
  url = bot.webUrl()!;
  await vi.waitFor(async () => expect((await fetch(`${url}/readyz`)).status).toBe(200), WAIT);
}, 60_000);

afterAll(async () => {
  if (bot?.root.getSnapshot().status === 'active') {
    const out = await bot.shutdown();
    expect(out).toMatchObject({ exitCode: 0, verified: true });
    expect(bot.venueOrders()).toEqual([]);
  }
  await bot?.dispose();
  await sim?.close();
}, 60_000);

const status = async (): Promise<PageStatus> => (await (await fetch(`${url}/status`)).json()) as PageStatus;
const admin = (path: string, token: string | undefined = TOKEN) =>
  fetch(`${url}/admin/${path}`, {
    method: 'POST',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
/**
 * Quoting, as the venue sees it: orders of ours rest there. (Not always on both sides: with any
 * inventory, the side that would add to it may be quoted at zero size.)
 */
const quotingOnVenue = () => expect(bot.venueOrders().length).toBeGreaterThan(0);

describe('the web endpoint of a running bot', { timeout: 60_000 }, () => {
  it('serves the status page and its files with a strict content security policy', async () => {
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'/);
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/page.js">');
    expect(html).not.toMatch(/https?:\/\//);
    for (const [path, type] of [
      ['/page.js', /javascript/],
      ['/page.css', /css/],
      ['/favicon.svg', /svg/],
    ] as const) {
      const r = await fetch(`${url}${path}`);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type'), path).toMatch(type);
      // Nothing is fetched from elsewhere: the page works offline.
      expect(await r.text(), path).not.toMatch(/(src|href|url)\s*[=(]\s*['"]?https?:/);
    }
  });

  it('reports machines, the book with our orders, inventory, PnL and readiness in /status', async () => {
    await vi.waitFor(quotingOnVenue, WAIT);
    await vi.waitFor(async () => {
      const s = await status();
      expect(s.symbols[0]!.orders.length).toBeGreaterThan(0);
    }, WAIT);
    const s = await status();
    expect(s.mode).toBe('paper');
    expect(s.ready).toEqual({ ready: true, reasons: [] });
    expect(s.admin.enabled).toBe(true);
    expect(s.machines.map((m) => m.name)).toEqual([
      'root',
      'feed.public',
      'feed.private',
      'risk',
      'quoter.BTCUSDT',
      'book.BTCUSDT',
    ]);
    const byName = Object.fromEntries(s.machines.map((m) => [m.name, m.state]));
    expect(byName['feed.public']).toMatch(/^session\.live/);
    expect(byName['risk']).toBe('active');
    const x = s.symbols[0]!;
    expect(x.bids.length).toBe(bot.config.web.book_levels);
    expect(x.asks.length).toBe(bot.config.web.book_levels);
    expect(Number(x.bids[0]!.price)).toBeLessThan(Number(x.asks[0]!.price));
    // Every order we report rests on the venue or is in flight there.
    const venue = new Set(bot.venueOrders().map((o) => o.orderLinkId));
    const reported = x.orders.filter((o) => o.state === 'new').map((o) => o.orderLinkId);
    expect(reported.filter((id) => venue.has(id)).length).toBeGreaterThan(0);
    expect(x.inventory.ratio).toBe(x.inventory.positionBase / Number(bot.config.risk.max_position_base));
    expect(s.reconnects.feeds['public']).toMatchObject({ drops: 0, reconnectAttempts: 0, gaveUp: false });
  });

  it('pushes a fresh status over /events every web.page_interval_ms', async () => {
    const controller = new AbortController();
    const r = await fetch(`${url}/events`, { signal: controller.signal });
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (r.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const seen: number[] = [];
    let text = '';
    while (seen.length < 3) {
      const { value } = await reader.read();
      text += decoder.decode(value, { stream: true });
      for (const m of text.matchAll(/^data: (.*)$/gm)) {
        const s = JSON.parse(m[1]!) as PageStatus;
        if (!seen.includes(s.at)) seen.push(s.at);
      }
    }
    controller.abort();
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(3);
  });

  it('pauses and resumes quoting on an admin command, and refuses a wrong token', async () => {
    const before = (await status()).symbols[0]!.quoter;
    const wrong = await admin('pause', 'not-the-token-at-all');
    expect(wrong.status).toBe(401);
    expect((await status()).symbols[0]!.quoter).toBe(before);

    const paused = await admin('pause');
    expect(paused.status).toBe(200);
    expect(await paused.json()).toMatchObject({ quoters: { BTCUSDT: 'paused' } });
    await vi.waitFor(() => expect(bot.venueOrders()).toEqual([]), WAIT);
    expect((await status()).symbols[0]!.quoter).toBe('paused');

    expect((await admin('resume')).status).toBe(200);
    await vi.waitFor(quotingOnVenue, WAIT);
    const audit = (await status()).admin.recent.map((a) => `${a.action}:${a.outcome}`);
    expect(audit).toEqual(['pause:unauthorized', 'pause:ok', 'resume:ok']);
  });

  it('trips and resets the kill switch: halted cancels everything and reads not ready until reset', async () => {
    expect((await admin('risk/reset')).status).toBe(409);
    expect((await admin('risk/halt')).status).toBe(200);
    await vi.waitFor(async () => {
      const r = await fetch(`${url}/readyz`);
      expect(r.status).toBe(503);
      expect(((await r.json()) as { reasons: string[] }).reasons).toContain('risk_halted');
    }, WAIT);
    await vi.waitFor(() => expect(bot.venueOrders()).toEqual([]), WAIT);
    expect((await status()).risk).toBe('halted');

    const reset = await admin('risk/reset');
    expect(reset.status).toBe(200);
    expect(await reset.json()).toMatchObject({ risk: 'active' });
    await vi.waitFor(async () => expect((await fetch(`${url}/readyz`)).status).toBe(200), WAIT);
    await vi.waitFor(quotingOnVenue, WAIT);
  });

  it('reads not ready once shutdown has begun, while it cancels, and still exits clean', async () => {
    // The next REST answers come late, holding the shutdown's cancel-all open for a moment.
    sim.faults.restSlow(3, 1_500);
    const done = bot.shutdown();
    await vi.waitFor(async () => {
      const r = await fetch(`${url}/readyz`);
      expect(r.status).toBe(503);
      expect(((await r.json()) as { reasons: string[] }).reasons).toContain('shutting_down');
    }, WAIT);
    // The operator cannot act on a bot that is stopping.
    expect((await admin('resume')).status).toBe(409);
    expect(await done).toMatchObject({ exitCode: 0, verified: true });
    expect(bot.venueOrders()).toEqual([]);
    // The web endpoint is the last thing to stop.
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
