/**
 * Side by side: this project's public-feed pipeline against bybit-api's WebsocketClient feeding the
 * book its users keep, and ccxt pro's watchOrderBook, on the same stream recorded from the
 * simulator and served by the blast endpoint (./blast-server.ts). Each client runs alone in its own
 * process, one after the other, round after round (so a burst of load on the shared machine does
 * not favour one of them); throughput is frames per second of client CPU time (what one core could
 * take), with the wall-clock rate alongside. Every client's best bid and ask after every frame of
 * the first pass are checked against a reference book built here from the same frames.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseScaled } from '../../src/domain/decimal.js';
import { SimClock } from '../../src/domain/clock.js';
import { startSimulator } from '../../src/sim/index.js';
import { quoting } from '../lib/pipelines.js';
import type { RecordedStream } from '../lib/sim-stream.js';
import { load1, repeated, sig } from '../lib/stats.js';
import { startBlastServer } from './blast-server.js';
import type { ClientReport } from './client.js';

export const PEERS = ['mm-bot', 'mm-bot-market', 'bybit-api', 'ccxt'] as const;
export type PeerName = (typeof PEERS)[number];

export interface PeersOptions {
  readonly stream: RecordedStream;
  /** Passes over the stream per client run (the first is warm-up). */
  readonly passes: number;
  readonly rounds: number;
}

/** One client's figures. */
export interface PeerFigures {
  /** Frames per second of client CPU time (median of rounds). */
  readonly frames_per_s: number | null;
  readonly frames_per_s_range: readonly [number | null, number | null];
  /** Frames per second of wall time (median of rounds). */
  readonly wall_frames_per_s: number | null;
  /** Our frames_per_s divided by this client's (1 for ourselves). */
  readonly ratio: number | null;
  /** Frames of the first pass after which the best bid or ask differed from the reference. */
  readonly mismatches: number | null;
  readonly error?: string;
}

const CLIENT = fileURLToPath(new URL('./client.ts', import.meta.url));
const CLIENT_TIMEOUT_MS = 180_000;

/** The reference: best bid and ask (price units) after each frame, from a plain Map book. */
function referenceTops(frames: readonly string[], priceDecimals: number): { bids: number[]; asks: number[] } {
  const bidBook = new Map<number, number>();
  const askBook = new Map<number, number>();
  const bids: number[] = [];
  const asks: number[] = [];
  for (const text of frames) {
    const f = JSON.parse(text) as { type: string; data: { b: string[][]; a: string[][] } };
    if (f.type === 'snapshot') {
      bidBook.clear();
      askBook.clear();
    }
    for (const [book, levels] of [
      [bidBook, f.data.b],
      [askBook, f.data.a],
    ] as const) {
      for (const [p, s] of levels) {
        const price = parseScaled(p!, priceDecimals);
        if (Number(s) === 0) book.delete(price);
        else book.set(price, Number(s));
      }
    }
    bids.push(Math.max(...bidBook.keys()));
    asks.push(Math.min(...askBook.keys()));
  }
  return { bids, asks };
}

function runClient(
  name: PeerName,
  wsUrl: string,
  restUrl: string,
  perPass: number,
  passes: number,
): Promise<ClientReport> {
  return new Promise((resolve, reject) => {
    const child = fork(CLIENT, [name, wsUrl, restUrl, String(perPass), String(passes)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    let report: ClientReport | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), CLIENT_TIMEOUT_MS);
    child.on('message', (m) => (report = m as ClientReport));
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (report !== undefined) resolve(report);
      else
        reject(
          new Error(`${name} client exited ${code ?? 'by signal'} without a report: ${err.slice(-500)}`),
        );
    });
  });
}

/** Runs the comparison. */
export async function runPeers(
  o: PeersOptions,
): Promise<{ peers: Record<PeerName, PeerFigures>; load_avg: [number, number] }> {
  const loadBefore = load1();
  const { instrument } = quoting(o.stream.symbol);
  const frames = o.stream.frames;
  const ref = referenceTops(frames, instrument.priceDecimals);
  const blast = await startBlastServer(frames, o.passes);
  // ccxt loads its markets over REST first; the simulator answers (its clock never moves here).
  const sim = await startSimulator({
    clock: new SimClock(1_790_000_000_000),
    seed: 1,
    symbols: [o.stream.symbol],
    startPrices: { [o.stream.symbol]: 60_000 },
    pushIntervalMs: 20,
    volatility: 0.6,
    takerRatePerS: 0,
    makerFeeRate: 0,
    takerFeeRate: 0,
    initialBalanceUsdt: 100_000,
    rateLimitPerS: 10,
  });
  const cpuRates = new Map<PeerName, number[]>(PEERS.map((p) => [p, []]));
  const wallRates = new Map<PeerName, number[]>(PEERS.map((p) => [p, []]));
  const mismatches = new Map<PeerName, number>();
  const errors = new Map<PeerName, string>();
  try {
    for (let round = 0; round < o.rounds; round++) {
      for (const name of PEERS) {
        if (errors.has(name)) continue;
        try {
          const r = await runClient(name, blast.url, sim.urls.rest, frames.length, o.passes);
          cpuRates.get(name)!.push((r.frames * 1e6) / r.cpuUs);
          wallRates.get(name)!.push((r.frames * 1000) / r.wallMs);
          if (round === 0) {
            let bad = 0;
            for (let i = 0; i < frames.length; i++) {
              if (r.bids[i] !== ref.bids[i] || r.asks[i] !== ref.asks[i]) bad++;
            }
            mismatches.set(name, bad);
          }
        } catch (e) {
          errors.set(name, (e as Error).message);
        }
      }
    }
  } finally {
    await blast.close();
    await sim.close();
  }
  const ours = repeated(cpuRates.get('mm-bot')!).median;
  const out = {} as Record<PeerName, PeerFigures>;
  for (const name of PEERS) {
    const cpu = repeated(cpuRates.get(name)!);
    const wall = repeated(wallRates.get(name)!);
    const error = errors.get(name);
    out[name] = {
      frames_per_s: sig(cpu.median),
      frames_per_s_range: [sig(cpu.min), sig(cpu.max)],
      wall_frames_per_s: sig(wall.median),
      ratio: sig(ours / cpu.median),
      mismatches: mismatches.get(name) ?? null,
      ...(error === undefined ? {} : { error }),
    };
  }
  return { peers: out, load_avg: [loadBefore, load1()] };
}
