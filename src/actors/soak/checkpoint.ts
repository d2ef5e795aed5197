/**
 * One checkpoint of a soak: the bot against the venue (feeds live, orders, position, book top),
 * retried for the grace period because chaos is running (a checkpoint that lands in a reconnect
 * waits for the recovery it is there to prove); then zombies under the bot (reaped, and counted
 * if they stay), the artifacts folder (rotated and trimmed, failed at the cap) and the logs
 * (CRITICAL/FATAL lines since the last checkpoint). Each checkpoint is a line of checkpoints.jsonl.
 */
import { join } from 'node:path';
import type { Clock } from '../../domain/clock.js';
import { compareWithVenue, type BotSide, type CheckName, type VenueSide } from '../../domain/soak/compare.js';
import type { SoakPlan } from '../../domain/soak/plan.js';
import type { ReportCheckpoint } from '../../domain/soak/report-html.js';
import type { CheckpointInput } from '../../machines/soak.js';
import { keepArtifacts } from '../../adapters/system/artifacts.js';
import type { StartedBot } from './bot-host.js';
import { appendJsonLine } from '../../adapters/system/jsonl-file.js';
import { LogScanner } from '../../adapters/system/log-scan.js';
import { countTree, reapZombies } from '../../adapters/system/process-table.js';
import type { RunningSimulator } from '../../sim/index.js';

/** What the harness's actors share during a run. */
export interface RunState {
  readonly dir: string;
  readonly plan: SoakPlan;
  readonly clock: Clock;
  readonly prefix: string;
  readonly symbols: readonly string[];
  sim: RunningSimulator | undefined;
  bot: StartedBot | undefined;
  botUrl: string;
  readonly botLogs: string[];
  zombiesMax: number | null;
  artifactsPeakMb: number | null;
  readonly checkpoints: ReportCheckpoint[];
  startedAt: number | null;
  stoppedAt: number | null;
  samples: number;
  scanner?: LogScanner;
  /** Kill-switch halts found (and reset, when the plan says so). */
  halts: number;
  criticalLines?: number;
}

/** A checkpoint's full outcome. */
export interface CheckpointResult {
  readonly index: number;
  readonly ok: boolean;
  readonly failed: CheckName[];
  readonly detail: string;
}

/** Pause between two attempts at agreeing with the venue. */
const RETRY_MS = 1_000;

function venueSide(sim: RunningSimulator, prefix: string, symbols: readonly string[]): VenueSide[] {
  const key = sim.accounts[0]!.apiKey;
  return symbols.map((symbol) => {
    const pos = sim.exchange.position(key, symbol);
    const size = Number(pos.size ?? 0);
    const top = sim.exchange.bookTop(symbol);
    return {
      symbol,
      openOrders: sim.exchange
        .openOrders(key, symbol)
        .map((o) => String(o.orderLinkId))
        .filter((id) => id.startsWith(`${prefix}-`)),
      position: pos.side === 'Sell' ? -size : size,
      bestBid: top === undefined ? null : Number(top.bid),
      bestAsk: top === undefined ? null : Number(top.ask),
    };
  });
}

async function botSide(url: string): Promise<BotSide> {
  const res = await fetch(`${url}/status`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`/status answered ${res.status}`);
  const s = (await res.json()) as {
    ready?: { ready?: boolean; reasons?: string[] };
    feeds?: Record<string, string>;
    symbols?: BotSide['symbols'];
  };
  return {
    ready: s.ready?.ready === true,
    readyReasons: s.ready?.reasons ?? [],
    feeds: s.feeds ?? {},
    symbols: s.symbols ?? [],
  };
}

const wait = (clock: Clock, ms: number, signal: AbortSignal) =>
  new Promise<void>((done) => {
    const id = clock.setTimeout(done, ms);
    signal.addEventListener('abort', () => (clock.clearTimeout(id), done()), { once: true });
  });

/** Compares until the bot agrees with the venue or the grace period is over. */
async function agreeWithVenue(
  run: RunState,
  signal: AbortSignal,
): Promise<{ failed: CheckName[]; details: string[]; notes: readonly string[] }> {
  const until = run.clock.now() + run.plan.checkpointGraceMs;
  let last: { failed: CheckName[]; details: string[]; notes: readonly string[] } = {
    failed: ['status'],
    details: ['not compared'],
    notes: [],
  };
  for (;;) {
    try {
      const bot = await botSide(run.botUrl);
      const sim = run.sim;
      if (sim === undefined) return { failed: ['status'], details: ['no venue'], notes: [] };
      const c = compareWithVenue(bot, venueSide(sim, run.prefix, run.symbols));
      last = { failed: [...c.failed], details: [...c.details], notes: c.notes };
    } catch (err) {
      last = {
        failed: ['status'],
        details: [`status unreadable: ${err instanceof Error ? err.message : String(err)}`],
        notes: [],
      };
    }
    if (last.failed.length === 0 || signal.aborted || run.clock.now() >= until) return last;
    await wait(run.clock, RETRY_MS, signal);
  }
}

/** Resets a kill-switch halt through the bot's admin endpoint, as an operator would. */
async function resetKillSwitch(run: RunState): Promise<string> {
  try {
    const res = await fetch(`${run.botUrl}/admin/risk/reset`, {
      method: 'POST',
      headers: { authorization: `Bearer ${run.bot?.adminToken ?? ''}` },
      signal: AbortSignal.timeout(5_000),
    });
    return res.ok ? 'reset by the harness' : `reset refused (HTTP ${res.status})`;
  } catch (err) {
    return `reset failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Runs one checkpoint. */
export async function runCheckpoint(
  run: RunState,
  input: CheckpointInput,
  signal: AbortSignal,
): Promise<CheckpointResult> {
  const started = run.clock.now();
  const venue = await agreeWithVenue(run, signal);
  const failed = new Set<CheckName>(venue.failed);
  const details = [...venue.details];
  const graceS = ((run.clock.now() - started) / 1000).toFixed(1);
  const notes = [...venue.notes];
  if (venue.notes.some((n) => n.startsWith('risk halted'))) {
    run.halts++;
    if (run.plan.resetKillSwitch) notes.push(await resetKillSwitch(run));
  }

  const bot = run.bot;
  if (bot !== undefined && bot.exit() === undefined) {
    const tree = await countTree(bot.pid).catch(() => undefined);
    if (tree !== undefined && tree.zombies !== null) {
      let zombies = tree.zombies;
      if (zombies > 0) zombies = (await reapZombies(bot.pid)).remaining ?? zombies;
      run.zombiesMax = Math.max(run.zombiesMax ?? 0, zombies);
      if (zombies > 0) {
        failed.add('zombies');
        details.push(`${zombies} zombie processes under the bot after reaping`);
      }
    }
  }

  const plan = await keepArtifacts(run.dir, run.plan.limits);
  run.artifactsPeakMb = Math.max(run.artifactsPeakMb ?? 0, plan.totalMb);
  if (plan.remove.length > 0)
    details.push(`artifacts: removed ${plan.remove.length} old files (${plan.level})`);
  if (plan.level === 'warn')
    details.push(`artifacts at ${plan.totalMb.toFixed(0)} MB, above the warning level`);
  if (plan.level === 'over_cap' && plan.afterMb >= run.plan.limits.capMb) {
    failed.add('disk');
    details.push(
      `artifacts ${plan.afterMb.toFixed(0)} MB over the cap of ${run.plan.limits.capMb} MB after trimming`,
    );
  }

  run.scanner ??= new LogScanner();
  const fresh = await run.scanner.scan(run.botLogs);
  if (fresh.length > 0) {
    failed.add('logs');
    details.push(`${fresh.length} CRITICAL/FATAL log lines, first: ${fresh[0]!.text.slice(0, 120)}`);
  }

  const ok = failed.size === 0;
  const result: CheckpointResult = {
    index: input.index,
    ok,
    failed: [...failed],
    detail: [ok ? `in step with the venue after ${graceS} s` : details.join('; '), ...notes].join('; '),
  };
  const at = new Date(run.clock.now()).toISOString();
  run.checkpoints.push({ index: result.index, at, ok, failed: result.failed, detail: result.detail });
  await appendJsonLine(join(run.dir, 'checkpoints.jsonl'), { ...result, at, final: input.final, details });
  return result;
}
