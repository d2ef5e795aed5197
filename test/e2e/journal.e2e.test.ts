/**
 * The trade journal end to end: the whole bot trades against the simulator over loopback sockets
 * with its journal on PGlite (always) and on the Postgres server at DATABASE_URL (when set), then
 * the journal is read back and checked against the bot and the venue. A journal whose database is
 * unreachable never stops trading: writes are dropped past the bound, counted, and the bot exits
 * cleanly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitFor as xwaitFor } from 'xstate';
import { wallClock } from '../../src/adapters/clock.js';
import { createLogger } from '../../src/adapters/log/logger.js';
import { Metrics } from '../../src/adapters/metrics/metrics.js';
import { Journal } from '../../src/adapters/journal/journal.js';
import { JournalStore, type JournalTarget } from '../../src/adapters/journal/store.js';
import { credentials } from '../../src/adapters/secrets/secret.js';
import { Runtime } from '../../src/actors/runtime.js';
import { buildSystem } from '../../src/actors/system.js';
import type { RunningSimulator } from '../../src/sim/index.js';
import { LogSink, metricValue, startTestSim, testConfig } from '../helpers/bot-harness.js';

const WAIT = { timeout: 60_000, interval: 100 };
const SCHEMA = `journal_e2e_${process.pid}_${Math.floor(Math.random() * 1e6)}`;

let sim: RunningSimulator | undefined;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  for (const c of cleanups.splice(0)) await c();
});

/** Runs the bot with a journal until `fills` fills, then shuts it down as on SIGTERM. */
async function tradeWithJournal(target: JournalTarget, fills: number, queueMax = 100_000) {
  const config = testConfig({ journal: { snapshot_interval_s: 1, queue_max: queueMax, retry_ms: 200 } });
  sim = await startTestSim(config, { volatility: 1.5 });
  const account = sim.accounts[0]!;
  const logs = new LogSink();
  const logger = createLogger({ level: 'info', stream: logs });
  const metrics = new Metrics();
  const journal = new Journal({
    target,
    schema: SCHEMA,
    queueMax: config.journal.queue_max,
    retryMs: config.journal.retry_ms,
    clock: wallClock,
    metrics,
    logger,
  });
  void journal.start();
  const rt = new Runtime({
    config,
    clock: wallClock,
    logger,
    metrics,
    endpoints: sim.urls,
    credentials: credentials(account.apiKey, account.apiSecret),
    eventLoopLagMs: () => 0,
    trades: journal,
  });
  const root = buildSystem(rt, { web: false });
  root.start();
  await vi.waitFor(
    () => expect(rt.started.portfolio.snapshot('BTCUSDT')!.fillsApplied).toBeGreaterThanOrEqual(fills),
    WAIT,
  );
  root.send({ type: 'shutdown.request', reason: 'signal' });
  const done = await xwaitFor(root, (s) => s.status !== 'active', { timeout: 30_000 });
  rt.started.market.stop();
  rt.started.orders.stop();
  await rt.flushSinks(10_000);
  await rt.rest.close();
  return {
    rt,
    metrics,
    output: done.output,
    runId: `${config.instance.prefix}-${rt.startedAt.toString(36)}`,
  };
}

const targets: [string, () => Promise<JournalTarget>][] = [
  [
    'PGlite',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'mm-journal-e2e-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      return { kind: 'pglite', dataDir: dir };
    },
  ],
];
const serverUrl = process.env['DATABASE_URL'];
if (serverUrl !== undefined && serverUrl !== '')
  targets.push([
    'Postgres at DATABASE_URL',
    () => {
      cleanups.push(async () => {
        const s = await JournalStore.open({ kind: 'postgres', url: serverUrl }, 'public');
        await sql`drop schema if exists ${sql.id(SCHEMA)} cascade`.execute(s.db);
        await s.close();
      });
      return Promise.resolve({ kind: 'postgres', url: serverUrl });
    },
  ]);

describe('the trade journal with the whole bot', { timeout: 180_000 }, () => {
  it.each(targets)(
    'journals orders, fills and PnL on %s, matching the bot and the venue',
    async (_name, make) => {
      const target = await make();
      const { rt, output, runId } = await tradeWithJournal(target, 2);
      expect(output).toMatchObject({ exitCode: 0, verified: true });
      const store = await JournalStore.open(target, SCHEMA);
      try {
        const db = store.db;
        const run = await db
          .selectFrom('runs')
          .selectAll()
          .where('run_id', '=', runId)
          .executeTakeFirstOrThrow();
        expect(run.mode).toBe('paper');
        expect(run.version).not.toBe('');
        const fills = await db.selectFrom('fills').selectAll().where('run_id', '=', runId).execute();
        const p = rt.started.portfolio.snapshot('BTCUSDT')!;
        expect(fills).toHaveLength(p.fillsApplied);
        const signed = fills.reduce((s, f) => s + (f.side === 'Buy' ? 1 : -1) * Number(f.qty), 0);
        expect(Math.round(signed * 1000)).toBe(rt.started.portfolio.positionOf('BTCUSDT'));
        // After the verified cancel-all, no order of the run is left open in the journal either.
        const orders = await db
          .selectFrom('orders')
          .select(['order_link_id', 'state'])
          .where('run_id', '=', runId)
          .execute();
        expect(orders.length).toBeGreaterThan(0);
        const open = orders.filter((o) => !['filled', 'cancelled', 'rejected'].includes(o.state));
        expect(open).toEqual([]);
        for (const f of fills) expect(orders.map((o) => o.order_link_id)).toContain(f.order_link_id);
        const snapshots = await db
          .selectFrom('pnl_snapshots')
          .selectAll()
          .where('run_id', '=', runId)
          .execute();
        expect(snapshots.length).toBeGreaterThan(0);
        const curve = await sql<{ at: Date; equity: number }>`
        select at, equity from ${sql.table(`${SCHEMA}.pnl_over_time`)} where run_id = ${runId} order by at`.execute(
          db,
        );
        expect(curve.rows.length).toBe(snapshots.length);
      } finally {
        await store.close();
      }
    },
  );

  it('keeps trading while the journal database is unreachable, counting the writes it drops', async () => {
    const { rt, metrics, output } = await tradeWithJournal(
      { kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/unreachable' },
      2,
      5,
    );
    expect(output).toMatchObject({ exitCode: 0, verified: true });
    expect(rt.started.portfolio.snapshot('BTCUSDT')!.fillsApplied).toBeGreaterThanOrEqual(2);
    expect(await metricValue(metrics, 'mm_journal_write_errors_total')).toBeGreaterThan(0);
    expect(
      await metricValue(metrics, 'mm_journal_dropped_writes_total', { reason: 'queue_full' }),
    ).toBeGreaterThan(0);
    expect(await metricValue(metrics, 'mm_journal_dropped_writes_total', { reason: 'closed' })).toBe(5);
  });
});
