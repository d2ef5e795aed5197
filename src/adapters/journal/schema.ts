/**
 * The journal's one schema, for PGlite and Postgres alike: the tables as Kysely sees them, and the
 * migrations that make them, applied at start. A migration once released is never edited: a change
 * is a new migration appended to the list.
 *
 * - runs: one row per start of the bot (its orderLinkId stem names it).
 * - orders: one row per order of ours, at its latest state; order_events: every transition.
 * - fills: one row per execution, keyed by the venue's execId, so a fill seen twice (replayed,
 *   re-sent after a reconnect, recovered by REST) is counted once.
 * - pnl_snapshots: position and PnL per symbol every journal.snapshot_interval_s; the view
 *   pnl_over_time sums them per run and time for dashboards.
 */
import { sql, type ColumnType, type Generated, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

type Timestamp = ColumnType<Date, Date, Date>;
/** NUMERIC: written as a decimal string, read back as one (pg does not round it to a double). */
type Numeric = ColumnType<string, string, string>;

export interface RunsTable {
  run_id: string;
  started_at: Timestamp;
  mode: string;
  config_hash: string;
  version: string;
}

export interface OrdersTable {
  order_link_id: string;
  run_id: string;
  order_id: string;
  symbol: string;
  side: string;
  price: Numeric;
  qty: Numeric;
  cum_qty: Numeric;
  state: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OrderEventsTable {
  id: Generated<string>;
  order_link_id: string;
  run_id: string;
  state: string;
  price: Numeric;
  qty: Numeric;
  cum_qty: Numeric;
  at: Timestamp;
}

export interface FillsTable {
  exec_id: string;
  run_id: string;
  order_id: string;
  order_link_id: string;
  symbol: string;
  side: string;
  price: Numeric;
  qty: Numeric;
  fee: Numeric;
  is_maker: boolean;
  exec_time: Timestamp;
}

export interface PnlSnapshotsTable {
  run_id: string;
  symbol: string;
  at: Timestamp;
  position: number;
  avg_entry_price: number | null;
  mark_price: number | null;
  realised_pnl: number;
  unrealised_pnl: number;
  fees: number;
  equity: number;
  daily_pnl: number;
  drawdown: number;
}

export interface JournalDatabase {
  runs: RunsTable;
  orders: OrdersTable;
  order_events: OrderEventsTable;
  fills: FillsTable;
  pnl_snapshots: PnlSnapshotsTable;
}

/** The migrations, in order; `schema` is the Postgres schema that holds the journal. */
export function journalMigrations(schema: string): Record<string, Migration> {
  return {
    '0001_trade_journal': {
      async up(db: Kysely<unknown>) {
        const s = db.schema.withSchema(schema);
        await s
          .createTable('runs')
          .addColumn('run_id', 'text', (c) => c.primaryKey())
          .addColumn('started_at', 'timestamptz', (c) => c.notNull())
          .addColumn('mode', 'text', (c) => c.notNull())
          .addColumn('config_hash', 'text', (c) => c.notNull())
          .addColumn('version', 'text', (c) => c.notNull())
          .execute();
        await s
          .createTable('orders')
          .addColumn('order_link_id', 'text', (c) => c.primaryKey())
          .addColumn('run_id', 'text', (c) => c.notNull())
          .addColumn('order_id', 'text', (c) => c.notNull())
          .addColumn('symbol', 'text', (c) => c.notNull())
          .addColumn('side', 'text', (c) => c.notNull())
          .addColumn('price', 'numeric', (c) => c.notNull())
          .addColumn('qty', 'numeric', (c) => c.notNull())
          .addColumn('cum_qty', 'numeric', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('created_at', 'timestamptz', (c) => c.notNull())
          .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
          .execute();
        await s.createIndex('orders_run_idx').on('orders').columns(['run_id', 'symbol']).execute();
        await s
          .createTable('order_events')
          .addColumn('id', 'bigserial', (c) => c.primaryKey())
          .addColumn('order_link_id', 'text', (c) => c.notNull())
          .addColumn('run_id', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('price', 'numeric', (c) => c.notNull())
          .addColumn('qty', 'numeric', (c) => c.notNull())
          .addColumn('cum_qty', 'numeric', (c) => c.notNull())
          .addColumn('at', 'timestamptz', (c) => c.notNull())
          .execute();
        await s
          .createIndex('order_events_order_idx')
          .on('order_events')
          .columns(['order_link_id', 'at'])
          .execute();
        await s
          .createTable('fills')
          .addColumn('exec_id', 'text', (c) => c.primaryKey())
          .addColumn('run_id', 'text', (c) => c.notNull())
          .addColumn('order_id', 'text', (c) => c.notNull())
          .addColumn('order_link_id', 'text', (c) => c.notNull())
          .addColumn('symbol', 'text', (c) => c.notNull())
          .addColumn('side', 'text', (c) => c.notNull())
          .addColumn('price', 'numeric', (c) => c.notNull())
          .addColumn('qty', 'numeric', (c) => c.notNull())
          .addColumn('fee', 'numeric', (c) => c.notNull())
          .addColumn('is_maker', 'boolean', (c) => c.notNull())
          .addColumn('exec_time', 'timestamptz', (c) => c.notNull())
          .execute();
        await s.createIndex('fills_time_idx').on('fills').columns(['symbol', 'exec_time']).execute();
        await s
          .createTable('pnl_snapshots')
          .addColumn('run_id', 'text', (c) => c.notNull())
          .addColumn('symbol', 'text', (c) => c.notNull())
          .addColumn('at', 'timestamptz', (c) => c.notNull())
          .addColumn('position', 'double precision', (c) => c.notNull())
          .addColumn('avg_entry_price', 'double precision')
          .addColumn('mark_price', 'double precision')
          .addColumn('realised_pnl', 'double precision', (c) => c.notNull())
          .addColumn('unrealised_pnl', 'double precision', (c) => c.notNull())
          .addColumn('fees', 'double precision', (c) => c.notNull())
          .addColumn('equity', 'double precision', (c) => c.notNull())
          .addColumn('daily_pnl', 'double precision', (c) => c.notNull())
          .addColumn('drawdown', 'double precision', (c) => c.notNull())
          .addPrimaryKeyConstraint('pnl_snapshots_pk', ['run_id', 'symbol', 'at'])
          .execute();
        await s.createIndex('pnl_snapshots_at_idx').on('pnl_snapshots').column('at').execute();
        await s
          .createView('pnl_over_time')
          .as(
            db
              .withSchema(schema)
              .selectFrom('pnl_snapshots' as never)
              .select([
                sql`run_id`.as('run_id'),
                sql`at`.as('at'),
                sql`sum(equity)`.as('equity'),
                sql`sum(realised_pnl)`.as('realised_pnl'),
                sql`sum(unrealised_pnl)`.as('unrealised_pnl'),
                sql`sum(fees)`.as('fees'),
              ])
              .groupBy([sql`run_id`, sql`at`]),
          )
          .execute();
      },
    },
  };
}
