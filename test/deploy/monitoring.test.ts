/**
 * The monitoring files without running Prometheus or Grafana: the scrape target is the port the
 * bot serves, every alert rule and dashboard query parses as PromQL, the alerts the issue asks for
 * exist, and the dashboard is provisioned against the data sources it names. (That every metric
 * they read exists is checked against a running bot in test/web/metrics-coverage.e2e.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { parsePromql } from './promql.js';
import {
  alertRules,
  dashboard,
  dashboardQueries,
  dashboards,
  readText,
  readYaml,
} from './monitoring-files.js';

describe('PromQL checker', () => {
  it('accepts the forms we use and returns the selectors', () => {
    const { selectors, kind } = parsePromql(
      'histogram_quantile(0.99, sum by (le, endpoint) (rate(mm_rest_latency_seconds_bucket{outcome!="ok"}[5m])))',
    );
    expect(kind).toBe('instant');
    expect(selectors).toEqual([
      { metric: 'mm_rest_latency_seconds_bucket', matchers: [{ label: 'outcome', op: '!=', value: 'ok' }] },
    ]);
    expect(parsePromql('up == 0 or absent(up{job="x"})').selectors.map((s) => s.metric)).toEqual([
      'up',
      'up',
    ]);
    expect(parsePromql('sum by (instance) (rate(a[1m])) / on (instance) group_left b').kind).toBe('instant');
    expect(parsePromql('deriv(x[2h]) * 3600 > 20 * 1024 * 1024').kind).toBe('instant');
    expect(parsePromql('max_over_time(rate(x[1m])[1h:5m])').kind).toBe('instant');
  });

  it.each([
    ['rate(x)', /must be a range/],
    ['sum(rate(x[5m])', /unexpected end/],
    ['x{job="a"', /unexpected end|expected/],
    ['x{job=a}', /quoted value/],
    ['rat(x[5m])', /unknown function/],
    ['x[5m] + 1', /range vector/],
    ['sum by (a (x)', /expected|label/],
    ['x{a=~"("}', /Invalid regular expression|Unterminated group/],
  ])('refuses %s', (expr, error) => {
    expect(() => parsePromql(expr)).toThrow(error);
  });
});

describe('Prometheus configuration', () => {
  const prom = readYaml('config/prometheus/prometheus.yml') as {
    rule_files: string[];
    scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[];
  };

  it('scrapes the port the bot serves, on the compose service that runs it', () => {
    const defaults = loadConfig();
    const compose = readYaml('docker-compose.yml') as { services: Record<string, unknown> };
    const job = prom.scrape_configs.find((j) => j.job_name === 'mm-bot');
    expect(job?.metrics_path).toBe('/metrics');
    const targets = job!.static_configs.flatMap((s) => s.targets);
    expect(targets).toEqual([`bot:${defaults.monitoring.metrics_port}`]);
    expect(defaults.monitoring.metrics_port).toBe(8000);
    expect(Object.keys(compose.services)).toContain('bot');
  });

  it('loads rule files that exist', () => {
    for (const f of prom.rule_files) expect(() => readText(`config/prometheus/${f}`)).not.toThrow();
  });

  it('has the alerts the operator needs, each parsing, with a severity and a summary', () => {
    const rules = alertRules();
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'MmBotDown',
        'MmReconnectStorm',
        'MmBookStale',
        'MmKillSwitchHalted',
        'MmRssGrowing',
        'MmOrphanOrders',
      ]),
    );
    for (const r of rules) {
      expect(parsePromql(r.expr).kind, r.alert).toBe('instant');
      expect(['critical', 'warning']).toContain(r.labels.severity);
      expect(r.annotations.summary.length).toBeGreaterThan(10);
      if (r.for !== undefined) expect(r.for).toMatch(/^\d+[smh]$/);
    }
    const byName = Object.fromEntries(rules.map((r) => [r.alert, r.expr]));
    expect(byName['MmBotDown']).toContain('up{job="mm-bot"}');
    expect(byName['MmKillSwitchHalted']).toContain('state="halted"');
    expect(byName['MmRssGrowing']).toMatch(/deriv\(mm_process_resident_memory_bytes\[/);
  });
});

describe('Grafana provisioning', () => {
  const board = dashboard();

  it('provisions the dashboard folder and the data sources the dashboard names', () => {
    const providers = readYaml('config/grafana/provisioning/dashboards/dashboards.yml') as {
      providers: { options: { path: string } }[];
    };
    const compose = readYaml('docker-compose.yml') as { services: { grafana: { volumes: string[] } } };
    const mounts = compose.services.grafana.volumes;
    expect(mounts).toContain(`./config/grafana/dashboards:${providers.providers[0]!.options.path}:ro`);
    expect(mounts).toContain('./config/grafana/provisioning:/etc/grafana/provisioning:ro');
    const sources = readYaml('config/grafana/provisioning/datasources/datasources.yml') as {
      datasources: { uid: string; type: string; url: string; secureJsonData?: Record<string, string> }[];
    };
    const uids = new Map(sources.datasources.map((d) => [d.uid, d]));
    // Every provisioned dashboard (another may sit beside ours) names data sources that exist.
    const all = dashboards();
    expect(all.map((d) => d.file)).toContain('mm-bot.json');
    for (const { file, board: b } of all)
      for (const p of b.panels.filter((x) => x.type !== 'row'))
        for (const ds of [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]) {
          if (ds === undefined || ds.uid.startsWith('$')) continue;
          const source = uids.get(ds.uid);
          expect(source, `${file}: ${p.title}`).toBeDefined();
          expect(source!.type, `${file}: ${p.title}`).toBe(ds.type);
        }
    expect(uids.get('prometheus')!.url).toBe('http://prometheus:9090');
    // The journal's password comes from the Docker secret, never from the file itself.
    expect(uids.get('journal')!.secureJsonData).toEqual({
      password: '$__file{/run/secrets/postgres_password}',
    });
  });

  it('has the panels the issue lists, with unique ids and queries that parse', () => {
    const titles = board.panels.map((p) => p.title);
    for (const t of [
      'WebSocket reconnection rate',
      'HTTP pool use',
      'RSS over time',
      'CPU: host against process',
      'Error rates',
      'PnL',
      'Inventory',
      'Spread',
      'Book age',
      'PnL from the journal',
    ])
      expect(titles).toContain(t);
    const ids = board.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(20);
    for (const q of queries) expect(() => parsePromql(q.expr), q.panel).not.toThrow();
    // No panel overlaps another on the grid.
    const cells = new Set<string>();
    for (const p of board.panels)
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), p.title).toBe(false);
          cells.add(`${x},${y}`);
        }
  });

  it('queries the journal with Grafana macros over the snapshot table', () => {
    const sql = board.panels.find((p) => p.title === 'PnL from the journal')!.targets![0]!.rawSql!;
    expect(sql).toMatch(/\$__timeFilter\(/);
    expect(sql).toMatch(/FROM pnl_snapshots/);
  });

  it('keeps YAML and JSON files well-formed', () => {
    for (const f of [
      'config/grafana/provisioning/datasources/datasources.yml',
      'config/grafana/provisioning/dashboards/dashboards.yml',
    ])
      expect(parse(readText(f)), f).toHaveProperty('apiVersion', 1);
    expect(board.uid).toBe('mm-bot');
  });
});
