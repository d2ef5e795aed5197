/** The results file's shape, the targets held against it, and the printed table. */

/** What bench/results.json holds: `meta`, one object per section, and the targets. */
export interface Results {
  meta: {
    mode: 'quick' | 'full';
    command: string;
    date: string;
    node: string;
    cpu: string;
    cores: number;
    load_avg_start: number[];
    duration_s: number;
  };
  targets?: Target[];
  [section: string]: unknown;
}

/** One goal of the issue: the figure at `key` (a dotted path), its bound, and whether it is met. */
export interface Target {
  readonly key: string;
  readonly goal: string;
  readonly value: number | null;
  /** null when the figure is missing. */
  readonly met: boolean | null;
}

const GOALS: readonly { key: string; op: '>=' | '<=' | '>'; bound: number }[] = [
  { key: 'hot_path.frames_per_s', op: '>=', bound: 250_000 },
  { key: 'hot_path.p99_us', op: '<=', bound: 20 },
  { key: 'hot_path.speedup_vs_generic', op: '>', bound: 1 },
  { key: 'tick_to_order.p50_ms', op: '<=', bound: 0.5 },
  { key: 'tick_to_order.p99_ms', op: '<=', bound: 2 },
  { key: 'replay.x_realtime', op: '>=', bound: 500 },
  { key: 'shutdown.p99_s', op: '<=', bound: 1 },
  { key: 'reconnect.overhead_max_ms', op: '<=', bound: 100 },
  { key: 'peers.bybit-api.ratio', op: '>=', bound: 3 },
  { key: 'peers.ccxt.ratio', op: '>=', bound: 3 },
];

/** The value at a dotted path (segments may contain '-'), or undefined. */
export function at(obj: unknown, key: string): unknown {
  let cur = obj;
  for (const part of key.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Each goal of the issue against the results. */
export function targetsOf(r: Results): Target[] {
  return GOALS.map(({ key, op, bound }) => {
    const value = num(at(r, key));
    const met =
      value === null ? null : op === '>=' ? value >= bound : op === '<=' ? value <= bound : value > bound;
    return { key, goal: `${op} ${bound}`, value, met };
  });
}

/** The figures printed per section: [label, dotted key, unit]. */
const ROWS: readonly [string, string, string][] = [
  ['hot path: throughput (one core)', 'hot_path.frames_per_s', 'frames/s'],
  ['hot path: p50 per frame', 'hot_path.p50_us', 'µs'],
  ['hot path: p99 per frame', 'hot_path.p99_us', 'µs'],
  ['hot path: generic JSON.parse + Map', 'hot_path.generic_frames_per_s', 'frames/s'],
  ['hot path: speed-up over generic', 'hot_path.speedup_vs_generic', '×'],
  ['hot path: JSON.parse alone', 'hot_path.json_parse_frames_per_s', 'frames/s'],
  ['hot path, busy market: throughput', 'hot_path.paper_mix.frames_per_s', 'frames/s'],
  ['hot path, busy market: p99', 'hot_path.paper_mix.p99_us', 'µs'],
  ['peers: mm-bot public feed', 'peers.mm-bot.frames_per_s', 'frames/s'],
  ['peers: mm-bot with market data', 'peers.mm-bot-market.frames_per_s', 'frames/s'],
  ['peers: bybit-api + array book', 'peers.bybit-api.frames_per_s', 'frames/s'],
  ['peers: ratio over bybit-api', 'peers.bybit-api.ratio', '×'],
  ['peers: ccxt pro watchOrderBook', 'peers.ccxt.frames_per_s', 'frames/s'],
  ['peers: ratio over ccxt', 'peers.ccxt.ratio', '×'],
  ['tick-to-order (REST): p50', 'tick_to_order.p50_ms', 'ms'],
  ['tick-to-order (REST): p99', 'tick_to_order.p99_ms', 'ms'],
  ['tick-to-order (REST): samples', 'tick_to_order.samples', ''],
  ['tick-to-order (WS trade): p50', 'tick_to_order.ws.p50_ms', 'ms'],
  ['tick-to-order (WS trade): p99', 'tick_to_order.ws.p99_ms', 'ms'],
  ['tick-to-order, sim in a worker (REST): p50', 'tick_to_order.sim_in_worker.rest.p50_ms', 'ms'],
  ['tick-to-order, sim in a worker (REST): p99', 'tick_to_order.sim_in_worker.rest.p99_ms', 'ms'],
  ['tick-to-order, sim in a worker (WS): p50', 'tick_to_order.sim_in_worker.ws.p50_ms', 'ms'],
  ['tick-to-order, sim in a worker (WS): p99', 'tick_to_order.sim_in_worker.ws.p99_ms', 'ms'],
  ['replay: speed (median replay)', 'replay.x_realtime', '× real time'],
  ['replay: simulated', 'replay.simulated_s', 's'],
  ['replay: wall time (median replay)', 'replay.wall_s', 's'],
  ['replay: lines of the recording', 'replay.lines', ''],
  ['shutdown: p50', 'shutdown.p50_s', 's'],
  ['shutdown: p99', 'shutdown.p99_s', 's'],
  ['shutdown: clean runs', 'shutdown.runs', ''],
  ['reconnect: drop → quotes back (median)', 'reconnect.recovery_ms', 'ms'],
  ['reconnect: worst', 'reconnect.recovery_max_ms', 'ms'],
  ['reconnect: over the chosen backoff (worst)', 'reconnect.overhead_max_ms', 'ms'],
  ['memory: RSS at the end', 'memory.rss_mb', 'MB'],
  ['memory: RSS slope', 'memory.slope_mb_per_h', 'MB/h'],
  ['memory: message rate', 'memory.frames_per_s', 'frames/s'],
  ['memory: run length', 'memory.seconds', 's'],
];

const fmt = (v: unknown): string => {
  if (v === null || v === undefined) return '—';
  if (typeof v !== 'number') return typeof v === 'string' ? v : JSON.stringify(v);
  return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(v);
};

/** Prints the figures, each section's error if any, and the targets. */
export function printTable(r: Results, out: { write(s: string): unknown }): void {
  const lines: string[] = [
    `mm-bot bench, ${r.meta.mode} mode, ${r.meta.date}, ${r.meta.cpu} × ${r.meta.cores}, load ${r.meta.load_avg_start.join(' ')}`,
    '',
  ];
  const w = Math.max(...ROWS.map(([l]) => l.length));
  for (const [label, key, unit] of ROWS) {
    if (at(r, key.split('.')[0]!) === undefined) continue;
    lines.push(`${label.padEnd(w)}  ${fmt(at(r, key)).padStart(12)} ${unit}`);
  }
  for (const [section, value] of Object.entries(r)) {
    const error = at(value, 'error');
    if (typeof error === 'string') lines.push(`${section}: FAILED: ${error}`);
  }
  lines.push('', 'targets (issue 8):');
  for (const t of r.targets ?? []) {
    const verdict = t.met === null ? 'no figure' : t.met ? 'met' : 'NOT met';
    lines.push(`  ${t.key.padEnd(w)}  ${fmt(t.value).padStart(12)}  goal ${t.goal.padEnd(10)} ${verdict}`);
  }
  out.write(`${lines.join('\n')}\n`);
}
