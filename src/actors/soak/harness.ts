/**
 * The soak harness: binds the soak machine's named actors to the world. The simulator runs in this
 * process under the chaos schedule (sim.faults); the bot runs as a child process against it, its
 * web endpoint on a free loopback port. The monitor samples the bot into resources.jsonl; a
 * checkpoint compares the bot's /status with the venue, counts zombies, keeps the artifacts folder
 * under its cap and scans the logs; stopping sends SIGTERM and kills the whole tree at the
 * deadline; the analysis judges the ten criteria and writes the verdict in its three forms.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createActor, fromCallback, fromPromise, toPromise } from 'xstate';
import type { Config } from '../../config/schema.js';
import type { Clock } from '../../domain/clock.js';
import type { SoakPlan } from '../../domain/soak/plan.js';
import { stepStamp } from '../../domain/soak/retention.js';
import {
  soakMachine,
  type AnalyseOutput,
  type CheckpointInput,
  type CheckpointOutput,
  type PrepareOutput,
  type SoakContext,
  type SoakEvent,
  type SoakOutput,
  type StopInput,
  type StopOutput,
} from '../../machines/soak.js';
import { setAsidePreviousRun } from '../../adapters/system/artifacts.js';
import { ResourceSampler } from '../../adapters/system/resource-sampler.js';
import { startEventLoopMonitor } from '../../adapters/system/event-loop.js';
import { simOptionsFromConfig, startSimulator, type RunningSimulator } from '../../sim/index.js';
import { startMonitor } from '../monitor.js';
import { childHost, type BotHost, type StartedBot } from './bot-host.js';
import { runCheckpoint, type RunState } from './checkpoint.js';
import { analyseRun } from './analyse.js';
import type { ProgressSink } from './progress.js';

/** What a soak is run with. */
export interface HarnessOptions {
  /** The merged configuration: the bot's settings, the simulator and its chaos schedule, the soak section. */
  readonly config: Config;
  readonly plan: SoakPlan;
  readonly clock: Clock;
  /** Wall time in ms (differs from the clock's only under a simulated clock). */
  readonly wallNow?: () => number;
  /** How to start the bot as a child process; `--config FILE` is appended. Default: `npm run bot`'s entry point. */
  readonly botCommand?: readonly string[];
  /** Where the bot runs (default: a child process started with botCommand). */
  readonly host?: BotHost;
  /** Runs the clock (the accelerated soak's driver); resolves when told to stop. */
  readonly drive?: (stop: () => boolean) => Promise<void>;
  readonly progress: ProgressSink;
  /** The command line, for the report. */
  readonly command: string;
  /** Aborts the run (SIGINT): the bot is stopped, the analysis still runs. */
  readonly signal?: AbortSignal;
  /** Hears of the bot once started (the CLI kills it on a second signal). */
  readonly onBot?: (bot: StartedBot) => void;
}

/** Wall seconds a zombie must last, over consecutive samples, to count. */
const ZOMBIE_MIN_WALL_S = 2;

/** Resolves after `ms` of the clock, or at once when `signal` is aborted. */
export function clockDelay(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal?.aborted === true) return done();
    const id = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      done();
    }, ms);
    const onAbort = () => {
      clock.clearTimeout(id);
      done();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function getText(url: string, timeoutMs = 5_000): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, text: await res.text() };
}

/** Runs one soak to its verdict. */
export async function runSoak(o: HarnessOptions): Promise<SoakOutput> {
  const { plan, clock, config, progress } = o;
  const host = o.host ?? childHost(o.botCommand);
  const dir = plan.artifactsDir;
  const wallNow = o.wallNow ?? (() => Date.now());
  const run: RunState = {
    dir,
    plan,
    clock,
    prefix: config.instance.prefix,
    symbols: config.symbols,
    sim: undefined,
    bot: undefined,
    botUrl: '',
    botLogs: [],
    zombiesMax: null,
    artifactsPeakMb: null,
    checkpoints: [],
    startedAt: null,
    stoppedAt: null,
    samples: 0,
    halts: 0,
  };
  let stopMonitor: (() => Promise<void>) | undefined;

  const prepare = fromPromise<PrepareOutput, undefined>(({ signal }) =>
    prepareRun(signal).catch((err: unknown) => {
      progress.note(`preparation failed: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }),
  );
  const prepareRun = async (signal: AbortSignal): Promise<PrepareOutput> => {
    await mkdir(dir, { recursive: true });
    const moved = await setAsidePreviousRun(dir);
    if (moved > 0) progress.note(`moved ${moved} files of the previous run to ${join(dir, 'previous')}`);
    const sim: RunningSimulator = await startSimulator(simOptionsFromConfig(config.sim, clock));
    run.sim = sim;
    const chaos = config.sim.faults;
    progress.note(
      `simulator on ${sim.urls.rest}; chaos ${chaos.enabled ? `on: ${chaos.schedule.map((f) => `${f.kind}/${f.every_s}s`).join(' ')}` : 'off'}`,
    );
    const bot = await host({ config, sim, dir, stamp: stepStamp(wallNow()), clock });
    run.bot = bot;
    o.onBot?.(bot);
    run.botUrl = bot.url;
    run.botLogs.push(...bot.logs);
    progress.note(`bot started: ${bot.description}, ${bot.url}, log ${bot.logs[0]!}`);
    // Ready: the web endpoint answers /readyz with 200 (books live, not halted).
    for (;;) {
      if (signal.aborted) throw new Error('preparation abandoned');
      const ended = bot.exit();
      if (ended !== undefined)
        throw new Error(
          `the bot exited during start-up (${ended.code ?? ended.signal}); see ${bot.logs.join(', ')}`,
        );
      try {
        if ((await getText(`${run.botUrl}/readyz`, 2_000)).status === 200) break;
      } catch {
        // Not listening yet.
      }
      await clockDelay(clock, 250, signal);
    }
    run.startedAt = clock.now();
    progress.started(run.startedAt);
    return { startedAt: run.startedAt };
  };

  const monitor = fromCallback<SoakEvent, undefined>(() => {
    const bot = run.bot!;
    // The bot in this process: its event-loop lag is ours to measure.
    const loop = bot.pid === process.pid ? startEventLoopMonitor() : undefined;
    const sampler = new ResourceSampler({
      ...(loop === undefined ? {} : { eventLoopLagMs: () => loop.lagMs() }),
      pid: bot.pid,
      clock,
      startedAt: run.startedAt ?? clock.now(),
      wallNow,
      artifactsDir: dir,
      appMetrics: async () => {
        const r = await getText(`${run.botUrl}/metrics`);
        return r.status === 200 ? r.text : undefined;
      },
    });
    let zombieSince: { wallS: number; least: number } | undefined;
    const m = startMonitor({
      sampler,
      clock,
      intervalMs: plan.sampleIntervalMs,
      out: join(dir, 'resources.jsonl'),
      onSample: (s) => {
        run.samples++;
        // A zombie counts once it has lasted ZOMBIE_MIN_WALL_S of wall time over consecutive
        // samples: the sampler's own short-lived helpers (systeminformation runs commands) can be
        // caught between their exit and their reaping, all the more on a loaded host.
        if (s.zombies !== null) {
          if (s.zombies === 0) zombieSince = undefined;
          else zombieSince ??= { wallS: s.wall_elapsed_s, least: s.zombies };
          if (zombieSince !== undefined) zombieSince.least = Math.min(zombieSince.least, s.zombies);
          const lasting =
            zombieSince !== undefined && s.wall_elapsed_s - zombieSince.wallS >= ZOMBIE_MIN_WALL_S
              ? zombieSince.least
              : 0;
          run.zombiesMax = Math.max(run.zombiesMax ?? 0, lasting);
        }
        if (s.artifacts_mb !== null) run.artifactsPeakMb = Math.max(run.artifactsPeakMb ?? 0, s.artifacts_mb);
        progress.sample({ rssMb: s.rss_mb, cpuPct: s.cpu_process_pct });
      },
      onError: (err) => progress.note(`sample failed: ${err instanceof Error ? err.message : String(err)}`),
    });
    let final: Promise<void> | undefined;
    stopMonitor = () => (final ?? m.stop()).finally(() => loop?.stop());
    return () => {
      // The last sample is taken at the end of the session, before the bot is stopped.
      final = m.sampleNow().then(
        () => m.stop(),
        () => m.stop(),
      );
    };
  });

  const watchBot = fromCallback<SoakEvent, undefined>(({ sendBack }) => {
    let live = true;
    void run.bot!.exited.then((e) => {
      if (live) sendBack({ type: 'bot.exited', exit: e.code ?? e.signal });
    });
    return () => {
      live = false;
    };
  });

  const checkpoint = fromPromise<CheckpointOutput, CheckpointInput>(async ({ input, signal }) => {
    const out = await runCheckpoint(run, input, signal);
    progress.checkpoint({ index: out.index, ok: out.ok, failed: out.failed, detail: out.detail });
    return { index: out.index, ok: out.ok, failed: out.failed };
  });

  const stopBot = fromPromise<StopOutput, StopInput>(async ({ input }) => {
    run.sim?.faults.stop(); // the stop is judged on its own, not under injected faults
    await stopMonitor?.();
    const bot = run.bot;
    if (bot === undefined)
      return { graceful: false, exit: null, orphans: countOrphans(run), detail: 'the bot never started' };
    const already = bot.exit();
    if (already !== undefined) {
      run.stoppedAt = clock.now();
      return {
        graceful: false,
        exit: already.code ?? already.signal,
        orphans: countOrphans(run),
        detail: `the bot had already exited (${already.code ?? already.signal}) before the stop (${input.endReason})`,
      };
    }
    const t0 = clock.now();
    bot.terminate();
    // Leave a margin before the machine's own stop timeout to kill the tree and count orphans.
    const deadline = Math.max(1_000, plan.stopTimeoutMs - 5_000);
    const ended = await Promise.race([bot.exited, clockDelay(clock, deadline).then(() => undefined)]);
    run.stoppedAt = clock.now();
    const seconds = ((clock.now() - t0) / 1000).toFixed(1);
    if (ended === undefined) {
      await bot.kill();
      const after = await Promise.race([bot.exited, clockDelay(clock, 3_000).then(() => undefined)]);
      return {
        graceful: false,
        exit: after?.code ?? after?.signal ?? null,
        orphans: countOrphans(run),
        detail: `no exit within ${(deadline / 1000).toFixed(0)} s of SIGTERM: process tree killed`,
      };
    }
    const orphans = countOrphans(run);
    const exit = ended.code ?? ended.signal;
    const graceful = ended.code === 0 && orphans === 0;
    return {
      graceful,
      exit,
      orphans,
      detail: `exit ${String(exit)} ${seconds} s after SIGTERM; ${orphans ?? 'n/a'} open orders of ours left`,
    };
  });

  const analyse = fromPromise<AnalyseOutput, SoakContext>(async ({ input }) => {
    await run.sim?.close();
    run.sim = undefined;
    await mkdir(dir, { recursive: true });
    return analyseRun(run, input, { command: o.command, wallNow }).catch((err: unknown) => {
      progress.note(`analysis failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      throw err;
    });
  });

  const machine = soakMachine.provide({
    actors: { prepare, monitor, watchBot, checkpoint, stopBot, analyse },
    actions: { announce: (_, p) => progress.phase(p.phase, p.detail) },
  });
  const actor = createActor(machine, {
    clock,
    input: {
      durationMs: plan.durationMs,
      checkpointIntervalMs: plan.checkpointIntervalMs,
      checkpointTimeoutMs: plan.checkpointTimeoutMs,
      prepareTimeoutMs: plan.prepareTimeoutMs,
      stopTimeoutMs: plan.stopTimeoutMs,
      analyseTimeoutMs: plan.analyseTimeoutMs,
    },
  });
  const onAbort = () => actor.send({ type: 'soak.abort', reason: 'stopped by the operator' });
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    actor.start();
    let over = false;
    const done = toPromise(actor).finally(() => (over = true));
    const driving = o.drive?.(() => over);
    const out = await done;
    await driving;
    return out;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    progress.close();
    // Whatever happened, nothing of the run is left behind.
    if (run.bot !== undefined && run.bot.exit() === undefined) await run.bot.kill();
    await run.sim?.close();
  }
}

/** Open orders of ours on the venue (null when there is no venue to ask). */
function countOrphans(run: RunState): number | null {
  const sim = run.sim;
  if (sim === undefined) return null;
  const key = sim.accounts[0]!.apiKey;
  return sim.exchange.openOrders(key).filter((o) => String(o.orderLinkId).startsWith(`${run.prefix}-`))
    .length;
}
