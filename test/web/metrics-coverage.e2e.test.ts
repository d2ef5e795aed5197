/**
 * /metrics of the bot as `npm run bot` runs it (a child process against the simulator, over
 * loopback): every series the Grafana dashboards and the Prometheus alert rules read is there, with
 * the labels the alerts match on, and the metrics of DESIGN §8 and the issue are fed by the bot's
 * work (quotes, orders, fills, a book resync, REST calls, the event loop), not only declared.
 */
import { mkdtempSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunningSimulator } from '../../src/sim/index.js';
import { alertRules, dashboardQueries } from '../deploy/monitoring-files.js';
import { familyOf, parsePromql, type Selector } from '../deploy/promql.js';
import { startTestSim, testConfig } from '../helpers/bot-harness.js';
import { spawnBot, type BotProcess } from '../helpers/bot-process.js';
import { matchesSelector, parseExposition, total, values, type Scrape } from './prom-text.js';

const WAIT = { timeout: 60_000, interval: 250 };
const SYMBOL = 'BTCUSDT';
const sym = { symbol: SYMBOL };

let sim: RunningSimulator;
let bot: BotProcess;
let url: string;

/**
 * One scrape on a fresh connection, as Prometheus would after an idle spell: a kept-alive one can
 * be closed by the server's keep-alive timeout just as it is reused when this loaded machine stalls
 * the test for seconds (a reset that says nothing about the bot).
 */
const scrape = (): Promise<Scrape> =>
  new Promise((resolve, reject) => {
    get(`${url}/metrics`, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`/metrics answered ${res.statusCode}`));
        else resolve(parseExposition(text));
      });
      res.on('error', reject);
    }).on('error', reject);
  });

beforeAll(async () => {
  sim = await startTestSim(testConfig(), { volatility: 1.5 });
  const data = mkdtempSync(join(tmpdir(), 'mm-metrics-'));
  bot = spawnBot(sim, {
    monitoring: { enable_prometheus: true, metrics_port: 0 },
    // The metrics are under test here, not the risk rules: neither a stall of this shared machine
    // (event_loop_lag) nor a run of losing trades in the fast test market may trip the kill switch.
    risk: { max_event_loop_lag_ms: 30_000, max_consecutive_losses: 1_000 },
    journal: { data_dir: join(data, 'journal') },
    recorder: { dir: join(data, 'recordings') },
  });
  // Port 0: the bot logs where it serves.
  url = await vi.waitFor(() => {
    const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/metrics"/.exec(bot.log());
    expect(m, 'the "metrics served" log line').not.toBeNull();
    return m![1]!;
  }, WAIT);
  await vi.waitFor(async () => expect((await fetch(`${url}/readyz`)).status).toBe(200), WAIT);
}, 120_000);

beforeEach((ctx) => {
  ctx.onTestFailed(() => {
    console.log(bot.stderr());
    console.log(bot.log().split('\n').slice(-60).join('\n'));
  });
});

afterAll(async () => {
  if (bot !== undefined && bot.child.exitCode === null) {
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
  }
  await sim?.close();
}, 60_000);

describe('/metrics of a running bot', { timeout: 120_000 }, () => {
  it('has every series the Grafana dashboards and the alert rules read', async () => {
    const s = await scrape();
    // up is Prometheus's own series; job and instance are added by the scrape.
    const ours = (sel: Selector) => sel.metric !== 'up';
    const strip = (sel: Selector): Selector => ({
      metric: sel.metric,
      matchers: sel.matchers.filter((m) => m.label !== 'job' && m.label !== 'instance'),
    });
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const q of queries)
      for (const sel of parsePromql(q.expr).selectors.filter(ours))
        if (familyOf(sel.metric, new Set(s.families.keys())) === undefined)
          missing.push(`${q.panel}: ${sel.metric}`);
    // An alert must find a series from the start, or it would stay silent until the first event.
    for (const r of alertRules())
      for (const sel of parsePromql(r.expr).selectors.filter(ours))
        if (!s.samples.some((x) => matchesSelector(x, strip(sel))))
          missing.push(
            `${r.alert}: ${sel.metric}{${sel.matchers.map((m) => `${m.label}${m.op}"${m.value}"`).join()}}`,
          );
    expect(missing).toEqual([]);
  });

  it('exports the names of DESIGN §8 with their labels', async () => {
    const s = await scrape();
    for (const ws_type of ['public', 'private']) {
      const labels = { exchange: 'bybit', ws_type };
      expect(values(s, 'ws_reconnect_attempts_total', labels), ws_type).toHaveLength(1);
      expect(values(s, 'ws_reconnect_delay_seconds_count', labels), ws_type).toHaveLength(1);
      expect(values(s, 'ws_max_reconnect_reached_total', labels), ws_type).toEqual([0]);
    }
    const ex = { exchange: 'bybit' };
    expect(s.families.get('ws_reconnect_delay_seconds')).toBe('histogram');
    expect(values(s, 'http_pool_connections_limit', ex)).toEqual([testConfig().connection_pool.limit]);
    expect(values(s, 'http_pool_connections_active', ex)).toHaveLength(1);
    expect(values(s, 'http_pool_connections_idle', ex)).toHaveLength(1);
    // The bot has been talking to the venue: the pool holds a connection.
    await vi.waitFor(async () => {
      const t = await scrape();
      expect(
        total(t, 'http_pool_connections_active', ex) + total(t, 'http_pool_connections_idle', ex),
      ).toBeGreaterThan(0);
    }, WAIT);
  });

  it('feeds quotes, orders by state, fills, PnL, inventory, spread, book age and resyncs', async () => {
    // A gap in the book's update ids: the bot must resync the book.
    sim.faults.skipU(SYMBOL);
    await vi.waitFor(async () => {
      const s = await scrape();
      expect(values(s, 'mm_machine_state', { machine: 'risk', state: 'halted' }), 'halted').toEqual([0]);
      expect(total(s, 'mm_book_resyncs_total', sym), 'resyncs').toBeGreaterThan(0);
      expect(total(s, 'mm_fills_total', sym), 'fills').toBeGreaterThan(0);
      expect(total(s, 'mm_orders_by_state', sym), 'open orders').toBeGreaterThan(0);
    }, WAIT);
    const s = await scrape();
    expect(total(s, 'mm_quotes_total', sym)).toBeGreaterThan(0);
    expect(total(s, 'mm_fill_volume_base_total', sym)).toBeGreaterThan(0);
    expect(values(s, 'mm_orders_by_state', sym).length).toBeGreaterThan(1);
    // Maker fills earn the simulator's rebate: fees are no longer zero, nor is the PnL.
    expect(total(s, 'mm_pnl_fees_usd', sym)).not.toBe(0);
    expect(values(s, 'mm_pnl_total_usd')).toHaveLength(1);
    expect(values(s, 'mm_pnl_total_usd')[0]).not.toBe(0);
    const [position] = values(s, 'mm_position_base', sym);
    const [ratio] = values(s, 'mm_inventory_ratio', sym);
    expect(ratio).toBeCloseTo(position! / Number(testConfig().risk.max_position_base), 9);
    const [spread] = values(s, 'mm_quote_spread_bps', sym);
    const { min_spread_bps, max_spread_bps } = testConfig().strategy;
    expect(spread).toBeGreaterThanOrEqual(min_spread_bps);
    expect(spread).toBeLessThanOrEqual(max_spread_bps);
    const [age] = values(s, 'mm_book_age_seconds', sym);
    expect(Number.isFinite(age) && age! >= 0).toBe(true);
    expect(values(s, 'mm_book_spread_bps', sym)[0]).toBeGreaterThan(0);
    expect(values(s, 'mm_machine_state', { machine: 'risk', state: 'active' })).toEqual([1]);
  });

  it('feeds REST latency by endpoint, the request budgets, event-loop lag, RSS and CPU', async () => {
    const s = await scrape();
    const counts = s.samples.filter((x) => x.name === 'mm_rest_latency_seconds_count' && x.value > 0);
    const endpoints = counts.map((x) => x.labels['endpoint']);
    // Order entry (single or batch) and the reconciliation's queries, each under its own label.
    expect(
      endpoints.some((e) => /^\/v5\/order\/(create|amend|cancel)/.test(e ?? '')),
      endpoints.join(),
    ).toBe(true);
    expect(endpoints).toContain('/v5/order/realtime');
    for (const c of counts) {
      const inf = values(s, 'mm_rest_latency_seconds_bucket', { ...c.labels, le: '+Inf' });
      expect(inf, c.labels['endpoint']).toEqual([c.value]);
    }
    const [budget] = values(s, 'mm_rate_budget_tokens');
    expect(budget).toBeGreaterThanOrEqual(0);
    // The venue's own count of requests left, from its X-Bapi-Limit-Status header.
    expect(values(s, 'mm_rest_rate_limit_remaining').length).toBeGreaterThan(0);
    expect(values(s, 'mm_process_resident_memory_bytes')[0]).toBeGreaterThan(20 * 1024 * 1024);
    expect(values(s, 'mm_process_heap_used_bytes')[0]).toBeGreaterThan(0);
    expect(total(s, 'mm_process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(values(s, 'mm_host_cpus')[0]).toBeGreaterThan(0);
    // A real event loop always shows some delay beyond the monitor's resolution.
    await vi.waitFor(async () => {
      expect(values(await scrape(), 'mm_event_loop_lag_seconds')[0]).toBeGreaterThan(0);
    }, WAIT);
  });

  it('counts a reconnection: the attempt and its delay, per socket', async () => {
    const labels = { exchange: 'bybit', ws_type: 'public' };
    const before = await scrape();
    expect(total(before, 'ws_reconnect_attempts_total', labels)).toBe(0);
    sim.faults.dropSockets('public');
    await vi.waitFor(async () => {
      const s = await scrape();
      expect(total(s, 'ws_reconnect_attempts_total', labels)).toBeGreaterThan(0);
      expect(total(s, 'ws_reconnect_delay_seconds_count', labels)).toBeGreaterThan(0);
      expect(total(s, 'ws_reconnect_delay_seconds_sum', labels)).toBeGreaterThan(0);
    }, WAIT);
    // The private socket was not touched.
    expect(total(await scrape(), 'ws_reconnect_attempts_total', { ...labels, ws_type: 'private' })).toBe(0);
    // And the bot is back: the book is live again.
    await vi.waitFor(async () => expect((await fetch(`${url}/readyz`)).status).toBe(200), WAIT);
  });
});
