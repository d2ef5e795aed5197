/** Readers of the deployment files (paths from the repository root), shared by the deploy tests. */
import { readFileSync } from 'node:fs';
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

export interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { x: number; y: number; w: number; h: number };
  readonly datasource?: { type: string; uid: string };
  readonly targets?: { expr?: string; rawSql?: string; refId: string }[];
}

export function dashboard(): { uid: string; panels: Panel[] } {
  return JSON.parse(readText('config/grafana/dashboards/mm-bot.json')) as { uid: string; panels: Panel[] };
}

/** Every PromQL query of the dashboard, with the title of its panel. */
export function dashboardQueries(): { panel: string; expr: string }[] {
  return dashboard().panels.flatMap((p) =>
    (p.targets ?? []).filter((t) => t.expr !== undefined).map((t) => ({ panel: p.title, expr: t.expr! })),
  );
}
