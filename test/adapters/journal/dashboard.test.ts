/**
 * The Grafana panels that read the journal run against the journal's real schema: every SQL query
 * of config/grafana/dashboards/mm-bot-journal.json (and the journal panel of mm-bot.json), with
 * Grafana's macros expanded as its PostgreSQL data source expands them, on PGlite holding a run.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JournalStore } from '../../../src/adapters/journal/store.js';

interface Panel {
  readonly title: string;
  readonly type: string;
  readonly targets?: { readonly rawSql?: string }[];
}

const FROM = '2025-01-01T00:00:00Z';
const TO = '2025-01-02T00:00:00Z';

/** Expands $__timeGroupAlias, $__timeFilter and $__interval the way Grafana's data source does. */
function expand(query: string): string {
  return query
    .replace(/\$__timeGroupAlias\((\w+), \$__interval\)/g, "date_trunc('minute', $1) AS time")
    .replace(/\$__timeFilter\((\w+)\)/g, `$1 BETWEEN '${FROM}' AND '${TO}'`);
}

function journalQueries(): { title: string; query: string }[] {
  const read = (f: string) =>
    JSON.parse(readFileSync(`config/grafana/dashboards/${f}`, 'utf8')) as { panels: Panel[] };
  const panels = [
    ...read('mm-bot-journal.json').panels,
    ...read('mm-bot.json').panels.filter((p) => p.title === 'PnL from the journal'),
  ];
  return panels.flatMap((p) =>
    (p.targets ?? [])
      .filter((t) => t.rawSql !== undefined)
      .map((t) => ({ title: p.title, query: t.rawSql! })),
  );
}

let store: JournalStore;

beforeAll(async () => {
  store = await JournalStore.open({ kind: 'pglite' }, 'public');
  const at = Date.parse('2025-01-01T12:00:00Z');
  await store.write([
    {
      table: 'runs',
      row: { runId: 'mm-r1', startedAt: at, mode: 'paper', configHash: 'sha256:x', version: '1' },
    },
    {
      table: 'fills',
      runId: 'mm-r1',
      row: {
        execId: 'e1',
        orderId: 'o1',
        orderLinkId: 'mm-r1-1',
        symbol: 'BTCUSDT',
        side: 'Buy',
        price: '60000.1',
        qty: '0.001',
        fee: '-0.003',
        isMaker: true,
        execTime: at + 1_000,
      },
    },
    ...[0, 60_000, 120_000].map((dt, i) => ({
      table: 'pnl_snapshots' as const,
      runId: 'mm-r1',
      row: {
        at: at + dt,
        symbol: 'BTCUSDT',
        position: 0.001,
        avgEntryPrice: 60000.1,
        markPrice: 60001,
        realisedPnl: i * 0.1,
        unrealisedPnl: 0.0009,
        fees: -0.003,
        equity: i * 0.1 + 0.0039,
        dailyPnl: i * 0.1,
        drawdown: 0,
      },
    })),
  ]);
});

afterAll(async () => {
  await store.close();
});

describe('the journal dashboards', () => {
  it('has SQL panels on the journal data source', () => {
    const board = JSON.parse(readFileSync('config/grafana/dashboards/mm-bot-journal.json', 'utf8')) as {
      uid: string;
      panels: (Panel & { datasource?: { uid: string } })[];
    };
    expect(board.uid).toBe('mm-bot-journal');
    for (const p of board.panels) expect(p.datasource?.uid, p.title).toBe('journal');
    expect(journalQueries().length).toBeGreaterThanOrEqual(8);
  });

  it.each(journalQueries())('$title: runs on the journal schema and finds the run', async ({ query }) => {
    const result = await sql.raw<Record<string, unknown>>(expand(query)).execute(store.db);
    expect(result.rows.length).toBeGreaterThan(0);
  });

  it('charts the equity of the run from the view', async () => {
    const equity = journalQueries().find((q) => q.title === 'Equity by run')!.query;
    const rows = (
      await sql.raw<{ time: Date; metric: string; equity: number }>(expand(equity)).execute(store.db)
    ).rows;
    expect(rows.map((r) => [r.metric, Math.round(Number(r.equity) * 1e4) / 1e4])).toEqual([
      ['mm-r1', 0.0039],
      ['mm-r1', 0.1039],
      ['mm-r1', 0.2039],
    ]);
  });
});
