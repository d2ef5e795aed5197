/**
 * The trade journal on a real database: embedded PGlite always, and the Postgres server at
 * DATABASE_URL when it is set (each run in a schema of its own, dropped at the end). Migrations at
 * open, idempotent fills, orders at their latest state with their history, PnL snapshots and the
 * view Grafana reads, and the outage rules: a bounded queue, retries, dropped writes counted.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SimClock } from '../../../src/domain/clock.js';
import { silentLogger } from '../../../src/adapters/log/logger.js';
import { Metrics } from '../../../src/adapters/metrics/metrics.js';
import { Journal, journalTarget } from '../../../src/adapters/journal/journal.js';
import type { FillRecord, OrderRecord, PnlRecord } from '../../../src/adapters/journal/records.js';
import { JournalError, JournalStore, type JournalTarget } from '../../../src/adapters/journal/store.js';
import { metricValue } from '../../helpers/bot-harness.js';

const WAIT = { timeout: 20_000, interval: 20 };
const RUN = `t${process.pid}${Math.floor(Math.random() * 1e6)}`;
let schemas = 0;
const newSchema = () => `journal_${RUN}_${++schemas}`;

const targets: [string, JournalTarget][] = [['PGlite', { kind: 'pglite' }]];
const serverUrl = process.env['DATABASE_URL'];
if (serverUrl !== undefined && serverUrl !== '')
  targets.push(['Postgres at DATABASE_URL', { kind: 'postgres', url: serverUrl }]);

const serverSchemas: string[] = [];
afterAll(async () => {
  if (serverUrl === undefined || serverUrl === '' || serverSchemas.length === 0) return;
  const store = await JournalStore.open({ kind: 'postgres', url: serverUrl }, 'public');
  for (const s of serverSchemas) await sql`drop schema if exists ${sql.id(s)} cascade`.execute(store.db);
  await store.close();
});

const fill = (execId: string, over: Partial<FillRecord> = {}): FillRecord => ({
  execId,
  orderId: 'o-1',
  orderLinkId: 'mm-abc-1',
  symbol: 'BTCUSDT',
  side: 'Buy',
  price: '60000.10',
  qty: '0.001',
  fee: '-0.0030005',
  isMaker: true,
  execTime: 1_700_000_000_000,
  ...over,
});

const order = (state: string, at: number, over: Partial<OrderRecord> = {}): OrderRecord => ({
  orderLinkId: 'mm-abc-1',
  orderId: state === 'pendingNew' ? '' : 'o-1',
  symbol: 'BTCUSDT',
  side: 'Buy',
  price: '60000.10',
  qty: '0.001',
  cumQty: state === 'filled' ? '0.001' : '0.000',
  state,
  at,
  ...over,
});

const pnl = (at: number, equity: number): PnlRecord => ({
  at,
  symbol: 'BTCUSDT',
  position: 0.001,
  avgEntryPrice: 60000.1,
  markPrice: Number.NaN,
  realisedPnl: equity / 2,
  unrealisedPnl: equity / 2,
  fees: -0.003,
  equity,
  dailyPnl: equity,
  drawdown: 0,
});

function journal(target: JournalTarget, schema: string, extra: { queueMax?: number; clock?: SimClock } = {}) {
  if (target.kind === 'postgres') serverSchemas.push(schema);
  const metrics = new Metrics();
  const clock = extra.clock ?? new SimClock(0);
  const j = new Journal({
    target,
    schema,
    queueMax: extra.queueMax ?? 10_000,
    retryMs: 1_000,
    clock,
    metrics,
    logger: silentLogger(),
  });
  return { j, metrics, clock };
}

const run = {
  runId: 'mm-abc',
  startedAt: 1_700_000_000_000,
  mode: 'paper',
  configHash: 'sha256:x',
  version: '1',
};

describe.each(targets)('the journal on %s', (_name, target) => {
  it('applies its migrations at open, once, into its own schema', async () => {
    const schema = newSchema();
    const dir = target.kind === 'pglite' ? await mkdtemp(join(tmpdir(), 'mm-pglite-')) : undefined;
    const where: JournalTarget = dir === undefined ? target : { kind: 'pglite', dataDir: dir };
    const { j } = journal(where, schema);
    await j.start();
    const db = j.store!.db;
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = ${schema} order by table_name`.execute(
      db,
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual([
      'fills',
      'journal_migrations',
      'journal_migrations_lock',
      'order_events',
      'orders',
      'pnl_over_time',
      'pnl_snapshots',
      'runs',
    ]);
    await j.close(10_000);
    // Opening again finds every migration applied and changes nothing.
    const again = await JournalStore.open(where, schema);
    const applied = await sql<{
      name: string;
    }>`select name from ${sql.table(`${schema}.journal_migrations`)}`.execute(again.db);
    expect(applied.rows.map((r) => r.name)).toEqual(['0001_trade_journal']);
    await again.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('stores runs, orders at their latest state with every transition, fills once per execId, and PnL', async () => {
    const { j, metrics } = journal(target, newSchema());
    j.run(run);
    j.order(order('pendingNew', 1_000));
    j.order(order('new', 1_010));
    j.fill(fill('e-1'));
    j.fill(fill('e-1')); // the same execution again (a re-sent frame): counted once
    j.order(order('filled', 1_020));
    j.pnl([pnl(2_000, 0.5)]);
    j.pnl([pnl(2_000, 0.5)]); // a snapshot written twice (a retried batch) is stored once
    await vi.waitFor(() => expect(j.queued).toBe(0), WAIT);
    j.fill(fill('e-1', { price: '1' })); // and once more in a later batch
    j.fill(fill('e-2', { side: 'Sell', price: '60010.20', isMaker: false }));
    j.pnl([pnl(3_000, 0.75)]);
    await vi.waitFor(() => expect(j.queued).toBe(0), WAIT);
    const db = j.store!.db;
    const fills = await db.selectFrom('fills').selectAll().orderBy('exec_id').execute();
    expect(fills.map((f) => [f.exec_id, f.run_id, f.side, String(f.price), f.is_maker])).toEqual([
      ['e-1', 'mm-abc', 'Buy', '60000.10', true],
      ['e-2', 'mm-abc', 'Sell', '60010.20', false],
    ]);
    expect(String(fills[0]!.fee)).toBe('-0.0030005');
    expect(fills[0]!.exec_time.getTime()).toBe(1_700_000_000_000);
    const orders = await db.selectFrom('orders').selectAll().execute();
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ order_link_id: 'mm-abc-1', order_id: 'o-1', state: 'filled' });
    expect(String(orders[0]!.cum_qty)).toBe('0.001');
    expect(orders[0]!.created_at.getTime()).toBe(1_000);
    const events = await db.selectFrom('order_events').select(['state']).orderBy('at').execute();
    expect(events.map((e) => e.state)).toEqual(['pendingNew', 'new', 'filled']);
    const curve = await sql<{ at: Date; equity: number }>`
      select at, equity from ${sql.table(`${j.store!.schema}.pnl_over_time`)} where run_id = 'mm-abc' order by at`.execute(
      db,
    );
    expect(curve.rows.map((r) => [r.at.getTime(), Number(r.equity)])).toEqual([
      [2_000, 0.5],
      [3_000, 0.75],
    ]);
    const snap = await db.selectFrom('pnl_snapshots').selectAll().executeTakeFirstOrThrow();
    expect(snap.mark_price).toBeNull(); // NaN before the first mark is stored as NULL
    expect(await metricValue(metrics, 'mm_journal_writes_total', { table: 'fills' })).toBe(2);
    expect(await metricValue(metrics, 'mm_journal_dropped_writes_total')).toBe(0);
    await j.close(10_000);
  });

  it('counts a fill once across restarts of the bot (a new journal on the same database)', async () => {
    const schema = newSchema();
    // PGlite in memory would be a new database each time: give it a data directory to reopen.
    const dir = target.kind === 'pglite' ? await mkdtemp(join(tmpdir(), 'mm-pglite-')) : undefined;
    const where: JournalTarget = dir === undefined ? target : { kind: 'pglite', dataDir: dir };
    const a = journal(where, schema).j;
    a.run(run);
    a.fill(fill('e-9'));
    await a.close(10_000);
    const b = journal(where, schema).j;
    b.run({ ...run, runId: 'mm-abd' });
    b.fill(fill('e-9'));
    b.fill(fill('e-10'));
    await vi.waitFor(() => expect(b.queued).toBe(0), WAIT);
    const rows = await b
      .store!.db.selectFrom('fills')
      .select(['exec_id', 'run_id'])
      .orderBy('exec_id')
      .execute();
    expect(rows).toEqual([
      { exec_id: 'e-10', run_id: 'mm-abd' },
      { exec_id: 'e-9', run_id: 'mm-abc' },
    ]);
    await b.close(10_000);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('rides out an outage: writes queue, retry, drop past the bound (counted), and resume', async () => {
    const schema = newSchema();
    const clock = new SimClock(0);
    const { j, metrics } = journal(target, schema, { queueMax: 5, clock });
    j.run(run);
    await vi.waitFor(() => expect(j.queued).toBe(0), WAIT);
    const db = j.store!.db;
    // A real failure of the real database: the table the writes need is gone for a while.
    await sql`alter table ${sql.table(`${schema}.fills`)} rename to fills_away`.execute(db);
    for (let i = 0; i < 8; i++) j.fill(fill(`x-${i}`));
    await vi.waitFor(
      async () => expect(await metricValue(metrics, 'mm_journal_write_errors_total')).toBe(1),
      WAIT,
    );
    expect(j.queued).toBe(5);
    expect(await metricValue(metrics, 'mm_journal_dropped_writes_total', { reason: 'queue_full' })).toBe(3);
    expect(await metricValue(metrics, 'mm_journal_queued')).toBe(5);
    clock.advanceBy(1_000); // the retry fails too: still down
    await vi.waitFor(
      async () => expect(await metricValue(metrics, 'mm_journal_write_errors_total')).toBe(2),
      WAIT,
    );
    await sql`alter table ${sql.table(`${schema}.fills_away`)} rename to fills`.execute(db);
    clock.advanceBy(1_000);
    await vi.waitFor(() => expect(j.queued).toBe(0), WAIT);
    const rows = await db.selectFrom('fills').select('exec_id').orderBy('exec_id').execute();
    expect(rows.map((r) => r.exec_id)).toEqual(['x-0', 'x-1', 'x-2', 'x-3', 'x-4']);
    expect(await metricValue(metrics, 'mm_journal_queued')).toBe(0);
    await j.close(10_000);
  });
});

describe('the embedded database directory', () => {
  it('is refused while another live process holds it, and taken over from one that is gone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mm-pglite-'));
    await writeFile(join(dir, 'mm-journal.lock'), String(process.pid));
    await expect(JournalStore.open({ kind: 'pglite', dataDir: dir }, 'public')).rejects.toThrow(
      new RegExp(`in use by process ${process.pid}; give each bot a data directory of its own`),
    );
    await writeFile(join(dir, 'mm-journal.lock'), '999999999'); // no such process
    const store = await JournalStore.open({ kind: 'pglite', dataDir: dir }, 'public');
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('closed a second time, waits for the database the first close left closing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mm-pglite-'));
    const { j } = journal({ kind: 'pglite', dataDir: dir }, 'public');
    j.run(run);
    // Too short for PGlite to open and write: the first close gives up waiting, as a shutdown's
    // flush step can on a loaded machine; the second (the exit path's) waits for the release.
    await j.close(1);
    await j.close(30_000);
    const store = await JournalStore.open({ kind: 'pglite', dataDir: dir }, 'public');
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
});

describe('the journal without a database', () => {
  it('queues and counts while the server is unreachable, and gives up what is left at close', async () => {
    const { j, metrics } = journal(
      { kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/none' },
      'public',
      {
        queueMax: 3,
      },
    );
    j.run(run);
    for (let i = 0; i < 4; i++) j.fill(fill(`u-${i}`));
    expect(j.queued).toBe(3);
    await vi.waitFor(
      async () => expect(await metricValue(metrics, 'mm_journal_write_errors_total')).toBe(1),
      WAIT,
    );
    await j.close(2_000);
    j.fill(fill('after-close'));
    expect(await metricValue(metrics, 'mm_journal_dropped_writes_total', { reason: 'queue_full' })).toBe(2);
    expect(await metricValue(metrics, 'mm_journal_dropped_writes_total', { reason: 'closed' })).toBe(4);
  });

  it('refuses a password in journal.url, and reads it from POSTGRES_PASSWORD_FILE', async () => {
    await expect(
      JournalStore.open({ kind: 'postgres', url: 'postgres://bot:hunter2@127.0.0.1:5432/db' }, 'public'),
    ).rejects.toBeInstanceOf(JournalError);
    await expect(
      JournalStore.open({ kind: 'postgres', url: 'postgres://bot:hunter2@127.0.0.1:5432/db' }, 'public'),
    ).rejects.toThrow(/journal\.url holds a password; .*POSTGRES_PASSWORD_FILE/);
    const dir = await mkdtemp(join(tmpdir(), 'mm-pw-'));
    const file = join(dir, 'pw');
    await writeFile(file, 'correct horse battery\n');
    await chmod(file, 0o600);
    const base = {
      enabled: true,
      data_dir: 'x',
      schema: 'public',
      queue_max: 1,
      retry_ms: 10,
      snapshot_interval_s: 1,
    };
    expect(
      journalTarget({ ...base, url: 'postgres://bot@db:5432/mm' }, { POSTGRES_PASSWORD_FILE: file }),
    ).toEqual({
      kind: 'postgres',
      url: 'postgres://bot@db:5432/mm',
      password: 'correct horse battery',
    });
    expect(journalTarget({ ...base, url: '' }, {})).toEqual({ kind: 'pglite', dataDir: 'x' });
    await rm(dir, { recursive: true, force: true });
  });
});
