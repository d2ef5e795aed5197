/**
 * report.html: one self-contained page (no script, no external file, works offline) with the
 * verdict, the criteria table, the resource figures and charts over time (inline SVG) of RSS,
 * heap, CPU, event-loop lag, reconnects and PnL, plus the checkpoints. Long runs are thinned to at
 * most MAX_POINTS per chart by keeping each bucket's minimum and maximum, so spikes stay visible.
 */
import type { ResourceAnalysis } from './analysis.js';
import type { ResourceSample } from './sample.js';
import type { VerdictFile } from './verdict.js';

/** One checkpoint as the report lists it. */
export interface ReportCheckpoint {
  readonly index: number;
  readonly at: string;
  readonly ok: boolean;
  readonly failed: readonly string[];
  readonly detail: string;
}

const MAX_POINTS = 1200;
const W = 560;
const H = 170;
const M = { l: 56, r: 10, t: 22, b: 26 };

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const tick = (v: number): string => {
  const a = Math.abs(v);
  return a >= 1000 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 0.1 ? v.toFixed(2) : v.toPrecision(2);
};

/** Keeps the min and max of each bucket (in time order) so a chart of any length stays small. */
export function thin(points: readonly (readonly [number, number])[], max = MAX_POINTS): [number, number][] {
  if (points.length <= max) return points.map(([x, y]) => [x, y]);
  const per = Math.ceil(points.length / (max / 2));
  const out: [number, number][] = [];
  for (let i = 0; i < points.length; i += per) {
    const bucket = points.slice(i, i + per);
    let lo = bucket[0]!;
    let hi = bucket[0]!;
    for (const p of bucket) {
      if (p[1] < lo[1]) lo = p;
      if (p[1] > hi[1]) hi = p;
    }
    const pair = lo[0] <= hi[0] ? [lo, hi] : [hi, lo];
    for (const p of pair) if (out.length === 0 || out[out.length - 1]![0] !== p[0]) out.push([p[0], p[1]]);
  }
  return out;
}

/** An SVG line chart of y against hours; an empty series draws a note instead. */
export function lineChart(
  title: string,
  unit: string,
  points: readonly (readonly [number, number])[],
): string {
  const pts = thin(points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const head = `<figure><figcaption>${esc(title)} (${esc(unit)})</figcaption>`;
  if (pts.length === 0) return `${head}<p class="none">no data</p></figure>`;
  const x0 = pts[0]![0];
  let x1 = pts[pts.length - 1]![0];
  let y0 = Math.min(...pts.map((p) => p[1]));
  let y1 = Math.max(...pts.map((p) => p[1]));
  if (x1 <= x0) x1 = x0 + 1e-9;
  if (y1 - y0 < 1e-9) {
    y0 -= 1;
    y1 += 1;
  }
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const sx = (x: number) => M.l + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => M.t + ph - ((y - y0) / (y1 - y0)) * ph;
  const line = pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
  const grid = [0, 0.5, 1]
    .map((f) => {
      const y = y0 + f * (y1 - y0);
      return (
        `<line x1="${M.l}" x2="${W - M.r}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" class="g"/>` +
        `<text x="${M.l - 4}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${tick(y)}</text>`
      );
    })
    .join('');
  // Time labels in minutes for runs under two hours, else in hours.
  const minutes = x1 - x0 < 2;
  const anchors = ['start', 'middle', 'end'];
  const xl = [0, 0.5, 1]
    .map((f, i) => {
      const x = x0 + f * (x1 - x0);
      const label = minutes ? `${(x * 60).toFixed(1)} min` : `${x.toFixed(1)} h`;
      return `<text x="${sx(x).toFixed(1)}" y="${H - 8}" text-anchor="${anchors[i]!}">${label}</text>`;
    })
    .join('');
  return (
    `${head}<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">` +
    `${grid}${xl}<polyline points="${line}" class="l"/></svg></figure>`
  );
}

const series = (samples: readonly ResourceSample[], pick: (s: ResourceSample) => number | null) =>
  samples.flatMap((s): [number, number][] => {
    const v = pick(s);
    return v === null ? [] : [[s.elapsed_s / 3600, v]];
  });

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1 span.PASS{color:#0a7d28}h1 span.FAIL{color:#b3261e}
table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
td.PASS{color:#0a7d28;font-weight:bold}td.FAIL{color:#b3261e;font-weight:bold}
.charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0;border:1px solid #ddd;padding:6px}
figcaption{font-weight:bold}svg text{font-size:11px;fill:#555}.g{stroke:#eee}.l{fill:none;stroke:#1565c0;stroke-width:1.3}
.none{color:#888}pre{background:#f6f6f6;padding:8px;white-space:pre-wrap}`;

/** Renders the whole page. */
export function reportHtml(
  v: VerdictFile,
  analysis: ResourceAnalysis | null,
  samples: readonly ResourceSample[],
  checkpoints: readonly ReportCheckpoint[],
  summary: string,
): string {
  const rows = v.criteria
    .map(
      (c) =>
        `<tr><td>${esc(c.title)}</td><td class="${c.pass ? 'PASS' : 'FAIL'}">${c.pass ? 'PASS' : 'FAIL'}</td>` +
        `<td>${esc(c.value)}</td><td>${esc(c.threshold)}</td></tr>`,
    )
    .join('\n');
  const charts = [
    lineChart(
      'Process RSS',
      'MB',
      series(samples, (s) => s.rss_mb),
    ),
    lineChart(
      'Heap used',
      'MB',
      series(samples, (s) => s.heap_used_mb),
    ),
    lineChart(
      'CPU of the bot',
      '% of one core',
      series(samples, (s) => s.cpu_process_pct),
    ),
    lineChart(
      'Event-loop lag p99',
      'ms',
      series(samples, (s) => s.event_loop_lag_p99_ms),
    ),
    lineChart(
      'Reconnect attempts',
      'cumulative',
      series(samples, (s) => s.reconnects),
    ),
    lineChart(
      'PnL',
      'USD',
      series(samples, (s) => s.pnl_usd),
    ),
    lineChart(
      'Host CPU',
      '% of all cores',
      series(samples, (s) => s.cpu_system_pct),
    ),
    lineChart(
      'Artifacts folder',
      'MB',
      series(samples, (s) => s.artifacts_mb),
    ),
  ].join('\n');
  const cps = checkpoints
    .map(
      (c) =>
        `<tr><td>${c.index}</td><td>${esc(c.at)}</td><td class="${c.ok ? 'PASS' : 'FAIL'}">${c.ok ? 'ok' : 'FAIL'}</td>` +
        `<td>${esc(c.failed.join(', '))}</td><td>${esc(c.detail)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Soak ${esc(v.verdict)} — mm-bot</title>
<style>${CSS}</style></head><body>
<h1>Soak verdict: <span class="${esc(v.verdict)}">${esc(v.verdict)}</span></h1>
<p>${esc(v.at)} · ran ${v.ranHours.toFixed(3)} h of ${Number(v.plannedHours.toPrecision(4))} h (end: ${esc(v.endReason)}) ·
${analysis?.samples ?? 0} samples · <code>${esc(v.command)}</code></p>
<h2>Criteria</h2>
<table><thead><tr><th>Criterion</th><th>Result</th><th>Measured</th><th>Threshold</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p>Leak rule: ${esc(v.leakRule)}</p>
${v.notes.map((n) => `<p>Note: ${esc(n)}</p>`).join('\n')}
<h2>Over time</h2>
<div class="charts">
${charts}
</div>
<h2>Checkpoints</h2>
<table><thead><tr><th>#</th><th>At</th><th>Result</th><th>Failed checks</th><th>Detail</th></tr></thead>
<tbody>
${cps}
</tbody></table>
<h2>Summary</h2>
<pre>${esc(summary)}</pre>
</body></html>
`;
}
