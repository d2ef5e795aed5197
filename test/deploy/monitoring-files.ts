/** Readers of the deployment files (paths from the repository root), shared by the deploy tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const readText = (path: string): string => readFileSync(new URL(path, `file://${ROOT}`), 'utf8');

export const readYaml = (path: string): unknown => parse(readText(path));

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: { readonly severity: string };
  readonly annotations: { readonly summary: string; readonly description?: string };
}

export function alertRules(): AlertRule[] {
  const doc = readYaml('config/prometheus/alerts.yml') as { groups: { rules: AlertRule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

export interface Target {
  readonly expr?: string;
  readonly rawSql?: string;
  readonly refId: string;
  readonly datasource?: { type: string; uid: string };
}

export interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { x: number; y: number; w: number; h: number };
  readonly datasource?: { type: string; uid: string };
  readonly targets?: Target[];
  /** A collapsed row holds its panels. */
  readonly panels?: Panel[];
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: Panel[];
}

/** The bot's own dashboard. */
export function dashboard(): Dashboard {
  return JSON.parse(readText('config/grafana/dashboards/mm-bot.json')) as Dashboard;
}

/** Every provisioned dashboard (the folder Grafana loads), by file name. */
export function dashboards(): { file: string; board: Dashboard }[] {
  const dir = 'config/grafana/dashboards/';
  return readdirSync(new URL(dir, `file://${ROOT}`))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, board: JSON.parse(readText(`${dir}${file}`)) as Dashboard }));
}

const isPrometheus = (ds: { type: string } | undefined): boolean =>
  ds === undefined || ds.type === 'prometheus';

/**
 * Every PromQL query of every provisioned dashboard, with its dashboard file and panel title.
 * Queries of other data sources (the journal's SQL) are left out: they read no metric.
 */
export function dashboardQueries(): { panel: string; expr: string }[] {
  const flat = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...flat(p.panels ?? [])]);
  return dashboards().flatMap(({ file, board }) =>
    flat(board.panels).flatMap((p) =>
      (p.targets ?? [])
        .filter((t) => t.expr !== undefined && t.rawSql === undefined)
        .filter((t) => isPrometheus(t.datasource ?? p.datasource))
        .map((t) => ({ panel: `${file}: ${p.title}`, expr: t.expr! })),
    ),
  );
}
