/**
 * One public-feed pipeline in its own process (forked by bench/peers/index.ts), reading the same
 * stream from the blast endpoint and reporting over IPC: CPU and wall time for every pass after
 * the first (the first warms the JIT up), and the best bid and ask after every frame of the first
 * pass, in price units, for the correctness check.
 *
 * - mm-bot: BybitSocket (the book scanner inside, classifyInbound's fast half) → OrderBook (the
 *   levels applied from the digits the scanner read) → best bid and ask: the public-feed pipeline.
 * - mm-bot-market: BybitSocket → MarketData.onBookFrame (the book plus its book machine and the
 *   volatility estimate, as the bot runs it) → marketInput.
 * - bybit-api: WebsocketClient with wsUrl at the endpoint → 'update' → the array book its users
 *   keep (./array-book.ts) → best bid and ask.
 * - ccxt: ccxt.pro.bybit with its URLs at the endpoint (markets from the simulator's REST) →
 *   the user loop awaiting watchOrderBook; every frame is seen in handleOrderBook, which the probe
 *   extends only to read the top after ccxt has applied the frame.
 *
 * Usage: node --import tsx bench/peers/client.ts <mm-bot|mm-bot-market|bybit-api|ccxt> <wsUrl> <restUrl> <framesPerPass> <passes>
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { WebsocketClient } from 'bybit-api';
import ccxt from 'ccxt';
import { wallClock } from '../../src/adapters/clock.js';
import { silentLogger } from '../../src/adapters/log/logger.js';
import { Metrics } from '../../src/adapters/metrics/metrics.js';
import { BybitSocket } from '../../src/adapters/bybit/ws/socket.js';
import type { WireBookFrame } from '../../src/adapters/bybit/wire/book-frame.js';
import { OrderBook } from '../../src/domain/book/order-book.js';
import { liveMarketData, quoting } from '../lib/pipelines.js';
import { cpuMicros } from '../lib/stats.js';
import { ArrayBook, type BookPush } from './array-book.js';

/** What a client reports. */
export interface ClientReport {
  readonly name: string;
  /** Frames timed (every pass but the first). */
  readonly frames: number;
  readonly cpuUs: number;
  readonly wallMs: number;
  /** Best bid and ask (price units) after each frame of the first pass; NaN where there was none. */
  readonly bids: number[];
  readonly asks: number[];
}

const SYMBOL = 'BTCUSDT';
const TOPIC = `orderbook.50.${SYMBOL}`;

/**
 * With BENCH_PEER_PROFILE=<dir>, the timed passes (not the start-up) are CPU-profiled into
 * <dir>/<client>.cpuprofile, for `node --cpu-prof`-style analysis of the steady state; the
 * sampling interval is BENCH_PEER_PROFILE_US microseconds (default 1000: at a few µs per frame,
 * 50 to 100 shows which lines of the scanner cost what).
 */
function cpuProfile(dir: string | undefined): { start(): void; stop(): Promise<void> } | undefined {
  if (dir === undefined || dir === '') return undefined;
  const interval = Number(process.env['BENCH_PEER_PROFILE_US'] ?? 1000);
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) =>
      session.post(method, params, (err, res) => (err === null ? resolve(res) : reject(err))),
    );
  return {
    start: () =>
      void post('Profiler.enable')
        .then(() => post('Profiler.setSamplingInterval', { interval }))
        .then(() => post('Profiler.start')),
    stop: async () => {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}/${process.argv[2] ?? 'client'}.cpuprofile`, JSON.stringify(profile));
    },
  };
}

async function main(): Promise<void> {
  const [name, wsUrl, restUrl, perPassRaw, passesRaw] = process.argv.slice(2);
  const perPass = Number(perPassRaw);
  const total = perPass * Number(passesRaw);
  if (name === undefined || wsUrl === undefined || restUrl === undefined || !(total > perPass))
    throw new Error('usage: client.ts <name> <wsUrl> <restUrl> <framesPerPass> <passes>');
  const { instrument } = quoting(SYMBOL);
  const scale = 10 ** instrument.priceDecimals;
  const bids = new Array<number>(perPass).fill(Number.NaN);
  const asks = new Array<number>(perPass).fill(Number.NaN);
  let seen = 0;
  let cpu0 = 0;
  let wall0 = 0;
  let finish: (() => void) | undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  /** Called after each frame with the top in price units. */
  const frame = (bid: number, ask: number): void => {
    if (seen < perPass) {
      bids[seen] = bid;
      asks[seen] = ask;
    } else if (seen === perPass) {
      if (profile !== undefined) profile.start();
      cpu0 = cpuMicros();
      wall0 = performance.now();
    }
    if (++seen === total) finish?.();
  };
  let stop: () => Promise<void> | void = () => {};
  const profile = cpuProfile(process.env['BENCH_PEER_PROFILE']);

  const socketOf = (onBook: (f: WireBookFrame) => void): BybitSocket =>
    new BybitSocket({
      url: wsUrl,
      kind: 'public',
      clock: wallClock,
      metrics: new Metrics(),
      logger: silentLogger(),
      exchange: 'bybit',
      pingIntervalMs: 20_000,
      pongTimeoutMs: 10_000,
      connectTimeoutMs: 10_000,
      requestTimeoutMs: 10_000,
      handlers: { onBook },
    });

  if (name === 'mm-bot') {
    const book = new OrderBook({ instrument, depth: 50 });
    const socket = socketOf((f) => {
      const d = f.data;
      const seq = d.seq ?? Number.NaN;
      const p = d.packed;
      if (p !== undefined) {
        if (f.type === 'snapshot') book.applySnapshotPacked(p, d.u, seq);
        else book.applyDeltaPacked(p, d.u, seq);
      } else if (f.type === 'snapshot') book.applySnapshot(d.b, d.a, d.u, seq);
      else book.applyDelta(d.b, d.a, d.u, seq);
      frame(book.isValid ? book.bestBid() : Number.NaN, book.isValid ? book.bestAsk() : Number.NaN);
    });
    await socket.connect();
    await socket.subscribe([TOPIC]);
    stop = () => socket.close();
  } else if (name === 'mm-bot-market') {
    const market = liveMarketData(SYMBOL, instrument, wallClock);
    const socket = socketOf((f) => {
      market.onBookFrame(f);
      const m = market.marketInput(SYMBOL);
      frame(m?.bestBid ?? Number.NaN, m?.bestAsk ?? Number.NaN);
    });
    await socket.connect();
    await socket.subscribe([TOPIC]);
    stop = async () => {
      market.stop();
      await socket.close();
    };
  } else if (name === 'bybit-api') {
    const quiet = { trace: () => undefined, info: () => undefined, error: () => undefined };
    const ws = new WebsocketClient({ wsUrl }, quiet);
    const book = new ArrayBook();
    ws.on('update', (msg: BookPush) => {
      if (msg.topic !== TOPIC) return;
      book.handle(msg);
      frame(
        Math.round((book.bestBid() ?? Number.NaN) * scale),
        Math.round((book.bestAsk() ?? Number.NaN) * scale),
      );
    });
    void ws.subscribeV5(TOPIC, 'linear');
    stop = () => ws.closeAll(true);
  } else if (name === 'ccxt') {
    type Book = { bids: [number, number][]; asks: [number, number][] };
    const Base = ccxt.pro.bybit;
    class Probe extends Base {
      override handleOrderBook(...args: Parameters<InstanceType<typeof Base>['handleOrderBook']>): void {
        super.handleOrderBook(...args);
        const ob = (this.orderbooks as Record<string, Book | undefined>)['BTC/USDT:USDT'];
        frame(
          Math.round((ob?.bids[0]?.[0] ?? Number.NaN) * scale),
          Math.round((ob?.asks[0]?.[0] ?? Number.NaN) * scale),
        );
      }
    }
    const ex = new Probe({
      urls: {
        api: {
          spot: restUrl,
          futures: restUrl,
          v2: restUrl,
          public: restUrl,
          private: restUrl,
          ws: { public: { linear: wsUrl } },
        },
      },
      options: { fetchMarkets: { types: ['linear'] } },
    });
    await ex.loadHttpProxyAgent();
    await ex.loadMarkets();
    let running = true;
    void (async () => {
      while (running) await ex.watchOrderBook('BTC/USDT:USDT', 50);
    })().catch(() => undefined);
    stop = async () => {
      running = false;
      await ex.close();
    };
  } else throw new Error(`unknown client ${name}`);

  await done;
  const report: ClientReport = {
    name,
    frames: total - perPass,
    cpuUs: cpuMicros() - cpu0,
    wallMs: performance.now() - wall0,
    bids,
    asks,
  };
  await profile?.stop();
  await stop();
  process.send?.(report, () => process.exit(0));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
