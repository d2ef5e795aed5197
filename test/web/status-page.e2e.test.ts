/**
 * The status page in a real headless Chromium (playwright-core driving the system's browser),
 * loaded from a running bot: it shows the machines and the book, keeps updating over server-sent
 * events, turns NOT READY when a fault stalls the market data and back to QUOTING after, records
 * the socket drop in the reconnect history, lets an operator with the admin token pause, resume,
 * halt and reset from the page, and logs no browser error (a CSP violation would).
 *
 * Chromium comes from Debian's `chromium` package (.ci/run installs it); CHROMIUM_PATH points
 * elsewhere (CI uses Google Chrome). Where none exists the test is skipped and says why.
 * MM_SCREENSHOT=<file.png> also saves a screenshot of the page (docs/images/status-page.png).
 */
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningSimulator } from '../../src/sim/index.js';
import { startBot, startTestSim, testConfig, type BotUnderTest } from '../helpers/bot-harness.js';

const CANDIDATES = [
  process.env['CHROMIUM_PATH'],
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
].filter((p): p is string => p !== undefined && p !== '');
const executable = CANDIDATES.find((p) => existsSync(p));
const WHY_SKIPPED = `no Chromium at ${CANDIDATES.join(', ')}: install it (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`;
// The default reporter folds skipped suites into a count: say why where CI logs will show it.
if (executable === undefined) console.warn(`status page e2e skipped: ${WHY_SKIPPED}`);

const WAIT = { timeout: 30_000, interval: 100 };
const TOKEN = 'chromium-admin-token-0123456789';

let sim: RunningSimulator;
let bot: BotUnderTest;
let browser: BrowserContext;
let page: Page;
const browserErrors: string[] = [];

const text = (testid: string) => page.getByTestId(testid).first().innerText();

describe.skipIf(executable === undefined)(
  `the status page in headless Chromium${executable === undefined ? ` (skipped: ${WHY_SKIPPED})` : ''}`,
  { timeout: 90_000 },
  () => {
    beforeAll(async () => {
      const tokenFile = join(mkdtempSync(join(tmpdir(), 'mm-page-')), 'admin_token');
      writeFileSync(tokenFile, TOKEN);
      chmodSync(tokenFile, 0o600);
      sim = await startTestSim(testConfig(), { volatility: 1.5 });
      bot = startBot(sim, {
        monitoring: { enable_prometheus: true, metrics_port: 0 },
        web: { page_interval_ms: 250, admin_token_file: tokenFile },
        // The kill switch is tripped and reset from the page: a run of losing trades in the fast
        // test market must not trip it too.
        risk: { max_consecutive_losses: 1_000 },
      });
      await vi.waitFor(() => expect(bot.webUrl()).toBeDefined(), WAIT);
      browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'mm-chromium-')), {
        executablePath: executable!,
        headless: true,
        viewport: { width: 1280, height: 1000 },
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      page = browser.pages()[0] ?? (await browser.newPage());
      page.on('pageerror', (e) => browserErrors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') browserErrors.push(`console: ${m.text()}`);
      });
      // Only the bot is ever asked for anything: the page works offline.
      await page.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => {
        browserErrors.push(`request outside the bot: ${route.request().url()}`);
        return route.abort();
      });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      if (bot?.root.getSnapshot().status === 'active') await bot.shutdown();
      await bot?.dispose();
      await sim?.close();
    }, 60_000);

    it('shows each machine and the book with our orders, and keeps updating', async () => {
      await page.goto(`${bot.webUrl()!}/`);
      await vi.waitFor(async () => expect(await text('verdict')).toBe('QUOTING'), WAIT);
      expect(await text('machine-feed.public')).toMatch(/session\.live/);
      expect(await text('machine-risk')).toMatch(/active/);
      expect(await text('book-BTCUSDT')).toBe('book live');
      // The quoter holds for a moment whenever the request budget is spent: wait for it to quote.
      await vi.waitFor(async () => expect(await text('quoter-BTCUSDT')).toBe('quoter quoting'), WAIT);
      // Our resting orders are overlaid on the ladder.
      await vi.waitFor(
        async () => expect(await page.locator('.ladder tr.ours').count()).toBeGreaterThan(0),
        WAIT,
      );
      // Our own spread, from our best bid and ask, beside the venue's; '–' while we quote one side
      // (with inventory, the side that would add to it may be quoted at zero size).
      await vi.waitFor(async () => {
        const shown = await text('our-spread-BTCUSDT');
        const sides = new Set(bot.venueOrders().map((o) => o.side));
        if (sides.size === 2) expect(Number(/^(\d+\.\d{2}) bps$/.exec(shown)?.[1])).toBeGreaterThan(0);
        else expect(shown).toBe('–');
      }, WAIT);
      const first = await text('seq');
      await vi.waitFor(async () => expect(await text('seq')).not.toBe(first), WAIT);
      expect(await text('link')).toBe('live');
      expect(await text('updated')).toMatch(/^updated \d+ s ago/);
    });

    it('turns NOT READY when market data stalls, then QUOTING again', async () => {
      sim.faults.silencePublic(1_500);
      await vi.waitFor(async () => {
        expect(await text('verdict')).toBe('NOT READY');
        expect(await text('reasons')).toContain('book_not_live:BTCUSDT');
        expect(await text('book-BTCUSDT')).not.toBe('book live');
      }, WAIT);
      await vi.waitFor(async () => expect(await text('verdict')).toBe('QUOTING'), WAIT);
    });

    it('records the sockets going down and back in the reconnect history', async () => {
      // A venue restart: every socket dropped, connections refused for a second.
      sim.faults.restart(1_000);
      await vi.waitFor(async () => {
        const rows = await page.getByTestId('history').locator('tr').allInnerTexts();
        for (const feed of ['public', 'private']) {
          expect(
            rows.some((r) =>
              new RegExp(`${feed}\\s+session\\.live\\s+(backoff|session\\.connecting)`).test(r),
            ),
          ).toBe(true);
          expect(rows.some((r) => new RegExp(`${feed}\\s+\\S+\\s+session\\.live$`).test(r))).toBe(true);
        }
      }, WAIT);
      await vi.waitFor(async () => expect(await text('verdict')).toBe('QUOTING'), WAIT);
      expect(await text('feed-private')).toMatch(/[1-9]\d* drops? · [1-9]\d* attempts?/);
      // Quotes come back, and the ladder marks ours on each side where the venue holds them. (Not
      // "both sides": with any inventory the side that would add to it may be quoted at zero size.)
      await vi.waitFor(async () => {
        const venueSides = new Set(bot.venueOrders().map((o) => (o.side === 'Buy' ? 'bids' : 'asks')));
        expect(venueSides.size).toBeGreaterThan(0);
        for (const side of venueSides)
          expect(await page.locator(`.ladder tbody.${side} tr.ours`).count(), side).toBeGreaterThan(0);
      }, WAIT);
    });

    it('lets an operator with the admin token pause, resume, halt and reset from the page', async () => {
      const command = async (label: string, token: string) => {
        await page.locator('#admin-token').fill(token);
        await page.getByRole('button', { name: label }).click();
      };
      const result = () => page.locator('#admin-result').innerText();
      await command('Pause quoting', 'not-the-token-at-all');
      await vi.waitFor(async () => expect(await result()).toMatch(/^401: /), WAIT);
      // Chromium logs the refused request itself as a console error: that one is expected.
      const refused = await vi.waitFor(() => {
        const i = browserErrors.findIndex((e) => /status of 401/.test(e));
        expect(i).toBeGreaterThanOrEqual(0);
        return i;
      }, WAIT);
      browserErrors.splice(refused, 1);

      await command('Pause quoting', TOKEN);
      await vi.waitFor(async () => expect(await result()).toMatch(/^200: /), WAIT);
      await vi.waitFor(async () => {
        expect(await text('verdict')).toBe('PAUSED');
        expect(await text('quoter-BTCUSDT')).toBe('quoter paused');
      }, WAIT);
      await vi.waitFor(() => expect(bot.venueOrders()).toEqual([]), WAIT);
      await command('Resume quoting', TOKEN);
      await vi.waitFor(async () => expect(await text('verdict')).toBe('QUOTING'), WAIT);

      // The kill switch asks for confirmation first.
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.accept();
      });
      await command('Halt (kill switch)', TOKEN);
      await vi.waitFor(async () => expect(await text('verdict')).toBe('HALTED · KILL SWITCH'), WAIT);
      await vi.waitFor(() => expect(bot.venueOrders()).toEqual([]), WAIT);
      await command('Reset kill switch', TOKEN);
      await vi.waitFor(async () => expect(await text('verdict')).toBe('QUOTING'), WAIT);
      expect(dialogs).toEqual([
        'Trip the kill switch: cancel every order and stop quoting?',
        'Reset the kill switch and let the bot trade again?',
      ]);
      // Every command is in the audit list, newest first.
      const audit = await page.locator('#admin-recent li').allInnerTexts();
      expect(audit.map((a) => a.replace(/^\S+ /, '').replace(/ \(from .*\)$/, ''))).toEqual([
        'risk/reset: ok',
        'risk/halt: ok',
        'resume: ok',
        'pause: ok',
        'pause: unauthorized',
      ]);

      // MM_SCREENSHOT=<file.png>: a picture of the page for the docs, once quoting on both sides.
      const screenshot = process.env['MM_SCREENSHOT'];
      if (screenshot !== undefined && screenshot !== '') {
        await page.locator('#admin-token').fill('');
        await page.evaluate('window.scrollTo(0, 0)');
        await vi.waitFor(async () => {
          expect(await text('verdict')).toBe('QUOTING');
          expect(await text('quoter-BTCUSDT')).toBe('quoter quoting');
          for (const side of ['asks', 'bids'])
            expect(await page.locator(`.ladder tbody.${side} tr.ours`).count()).toBeGreaterThan(0);
        }, WAIT);
        await page.screenshot({ path: screenshot, fullPage: true });
      }
    });

    it('says NO DATA when the bot stops answering', async () => {
      expect(browserErrors).toEqual([]);
      const out = await bot.shutdown();
      expect(out).toMatchObject({ exitCode: 0, verified: true });
      await vi.waitFor(async () => expect(await text('verdict')).toBe('NO DATA'), WAIT);
    });
  },
);
