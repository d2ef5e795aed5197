/**
 * The embedded Bybit v5 exchange simulator: a seeded market generator, a matching engine with
 * accounts, and a v5 wire server (REST, WS public/private/trade) on one port, with fault
 * injection. Everything runs on the injected Clock and draws from Rngs forked from one seed, so a
 * SimClock run is reproducible; on the wall clock it behaves like a venue for any Bybit client.
 */
import type { Server } from 'node:http';
import type { Config, FaultEntry } from '../config/schema.js';
import type { Clock } from '../domain/clock.js';
import { DEFAULT_INSTRUMENTS, toInstrument, type InstrumentSpec } from '../domain/instrument.js';
import { createRng } from '../domain/random.js';
import { silentLogger, type Logger } from '../adapters/log/logger.js';
import { Exchange } from './engine/exchange.js';
import { FaultInjector } from './faults/fault-injector.js';
import { generateCredentials } from './ids.js';
import { MarketGenerator } from './market/market-generator.js';
import type { SimContext } from './server/context.js';
import { startHttpServer } from './server/http-server.js';
import { MarketStats } from './server/market-stats.js';
import { RateLimiter } from './server/rate-limit.js';
import { TradeOps } from './server/trade-ops.js';
import { newCounters } from './server/ws-conn.js';
import { WsServers } from './server/ws-servers.js';
import { view, type SimExchangeView } from './view.js';

export { FaultInjector } from './faults/fault-injector.js';
export type { SocketKind } from './faults/fault-injector.js';
export { Exchange } from './engine/exchange.js';
export type { SimExchangeView } from './view.js';
export type { WireOrder } from './wire/order.js';

export interface SimOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = ephemeral. */
  port?: number;
  /** wallClock in production, SimClock in deterministic tests. */
  clock: Clock;
  seed: number;
  /** Default DEFAULT_INSTRUMENTS. */
  instruments?: readonly InstrumentSpec[];
  /** Which instruments trade. */
  symbols: readonly string[];
  startPrices: Readonly<Record<string, number>>;
  /** orderbook.50 push period (20 ms like Bybit; down to 1 ms); also the market step. */
  pushIntervalMs: number;
  /** Annualised volatility of the calm regime. */
  volatility: number;
  /** Synthetic aggressive trades per second per symbol. */
  takerRatePerS: number;
  makerFeeRate: number;
  takerFeeRate: number;
  initialBalanceUsdt: number;
  /** Per account, per endpoint group, rolling second (Bybit: 10/s for order endpoints). */
  rateLimitPerS: number;
  /** When empty, one account with credentials generated from the seed. */
  accounts?: readonly { apiKey: string; apiSecret: string }[];
  faults?: { enabled: boolean; schedule: readonly FaultEntry[] };
  logger?: Logger;
}

/** Running totals of the wire server (for the throughput script, the soak and tests). */
export interface SimStats {
  /** WebSocket frames sent, on every endpoint. */
  readonly framesSent: number;
  /** Frames not sent because the socket was closing or its client too slow. */
  readonly framesDropped: number;
  /** Clients cut off for not reading (more than 16 MB buffered). */
  readonly slowConsumersCut: number;
  /** Open sockets per endpoint. */
  readonly connections: { readonly public: number; readonly private: number; readonly trade: number };
  /** The engine sequence: one per matching operation. */
  readonly engineSeq: number;
}

export interface RunningSimulator {
  readonly port: number;
  readonly urls: { rest: string; wsPublic: string; wsPrivate: string; wsTrade: string };
  readonly accounts: readonly { apiKey: string; apiSecret: string }[];
  readonly faults: FaultInjector;
  readonly exchange: SimExchangeView;
  stats(): SimStats;
  close(): Promise<void>;
}

/** Starts the simulator; resolves once it listens. */
export async function startSimulator(options: SimOptions): Promise<RunningSimulator> {
  const { clock } = options;
  const logger = options.logger ?? silentLogger();
  const root = createRng(options.seed);
  const specs = options.instruments ?? DEFAULT_INSTRUMENTS;
  const instruments = options.symbols.map((sym) => {
    const spec = specs.find((s) => s.symbol === sym);
    if (spec === undefined) throw new RangeError(`sim: no instrument spec for ${sym}`);
    if (!(options.startPrices[sym]! > 0)) throw new RangeError(`sim: no start price for ${sym}`);
    return toInstrument(spec);
  });
  const accounts =
    options.accounts !== undefined && options.accounts.length > 0
      ? options.accounts.map((a) => ({ apiKey: a.apiKey, apiSecret: a.apiSecret }))
      : [generateCredentials(root.fork('credentials'))];
  const exchange = new Exchange({
    clock,
    rng: root.fork('ids'),
    instruments,
    startPrices: options.startPrices,
    makerFeeRate: options.makerFeeRate,
    takerFeeRate: options.takerFeeRate,
    initialBalanceUsdt: options.initialBalanceUsdt,
    accounts,
  });
  const faults = new FaultInjector(clock);
  const stats = new Map(instruments.map((i) => [i.symbol, new MarketStats(exchange.symbol(i.symbol)!.mark)]));
  const late: { ws?: WsServers } = {};
  const counters = newCounters();
  const ctx: SimContext = {
    clock,
    exchange,
    ops: new TradeOps(exchange, faults, new RateLimiter(clock), options.rateLimitPerS),
    faults,
    stats,
    rng: root.fork('wire'),
    logger,
    startedAt: clock.now(),
    counters,
    bookU: (symbol) => late.ws?.bookU(symbol) ?? 0,
  };
  const servers = new WsServers(ctx, options.pushIntervalMs);
  late.ws = servers;
  exchange.listener = {
    wantsPrivate: (a) => servers.wantsPrivate(a),
    onPrivate: (b) => servers.onPrivate(b),
    onTrades: (symbol, trades) => {
      const st = stats.get(symbol);
      const s = exchange.symbol(symbol)!;
      if (st !== undefined)
        for (const t of trades) st.onTrade(t.price, t.qty, t.price * t.qty * s.factor, t.time);
      servers.onTrades(symbol, trades);
    },
  };
  faults.bind(servers.faultHooks());
  const generators = instruments.map(
    (inst) =>
      new MarketGenerator(exchange, inst, root.fork(`market:${inst.symbol}`), {
        startPrice: options.startPrices[inst.symbol]!,
        volatility: options.volatility,
        takerRatePerS: options.takerRatePerS,
        stepMs: options.pushIntervalMs,
      }),
  );
  for (const g of generators) g.start(clock);
  if (options.faults?.enabled === true) faults.schedule(options.faults.schedule, options.symbols);

  const host = options.host ?? '127.0.0.1';
  let server: Server;
  try {
    server = await startHttpServer(ctx, host, options.port ?? 0, (req, socket, head) =>
      servers.upgrade(req, socket, head),
    );
  } catch (err) {
    for (const g of generators) g.stop();
    faults.stop();
    servers.close();
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0);
  const hostPart = host.includes(':') ? `[${host}]` : host;
  logger.info({ port, symbols: options.symbols }, 'simulator listening');
  let closed: Promise<void> | undefined;
  return {
    port,
    urls: {
      rest: `http://${hostPart}:${port}`,
      wsPublic: `ws://${hostPart}:${port}/v5/public/linear`,
      wsPrivate: `ws://${hostPart}:${port}/v5/private`,
      wsTrade: `ws://${hostPart}:${port}/v5/trade`,
    },
    accounts,
    faults,
    exchange: view(exchange),
    stats: () => ({
      framesSent: counters.framesSent,
      framesDropped: counters.framesDropped,
      slowConsumersCut: counters.slowConsumersCut,
      connections: {
        public: servers.public.conns.size,
        private: servers.private.conns.size,
        trade: servers.trade.conns.size,
      },
      engineSeq: exchange.seq,
    }),
    close: () => {
      closed ??= (async () => {
        for (const g of generators) g.stop();
        faults.stop();
        servers.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closed;
    },
  };
}

/** Maps the `sim` section of the configuration to simulator options. */
export function simOptionsFromConfig(sim: Config['sim'], clock: Clock, logger?: Logger): SimOptions {
  return {
    host: sim.host,
    port: sim.port,
    clock,
    seed: sim.seed,
    symbols: sim.symbols,
    startPrices: sim.start_prices,
    pushIntervalMs: sim.push_interval_ms,
    volatility: sim.volatility,
    takerRatePerS: sim.taker_rate_per_s,
    makerFeeRate: sim.maker_fee_rate,
    takerFeeRate: sim.taker_fee_rate,
    initialBalanceUsdt: sim.initial_balance_usdt,
    rateLimitPerS: sim.rate_limit_per_s,
    faults: { enabled: sim.faults.enabled, schedule: sim.faults.schedule },
    ...(logger === undefined ? {} : { logger }),
  };
}
