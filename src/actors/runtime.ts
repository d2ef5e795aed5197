/**
 * The bot's runtime: the effects behind the root supervisor's children. It owns the REST client,
 * and, once start-up has loaded the instruments, the market data, the portfolio, the order manager
 * and the quoters; it routes what the sockets deliver to them and exports what they know. The
 * machines decide; this wires their named actions to the world (DESIGN §2: actors bind effects).
 */
import type { InspectionEvent, Observer } from 'xstate';
import type { Config } from '../config/schema.js';
import type { Clock } from '../domain/clock.js';
import { toInstrument, type Instrument } from '../domain/instrument.js';
import { OrderIds } from '../domain/order-id.js';
import { RateBudget } from '../domain/rate-budget.js';
import { planParamsFromConfig, quoteParamsFromConfig, type QuoteParams } from '../domain/strategy/params.js';
import { riskLimitsFromConfig, type RiskLimits } from '../domain/risk/limits.js';
import { evaluateRisk, type RiskVerdict } from '../domain/risk/evaluate.js';
import { RejectWindow } from '../domain/risk/reject-window.js';
import { BybitRest } from '../adapters/bybit/rest/endpoints.js';
import type { PrivateMessage } from '../adapters/bybit/wire/private.js';
import type { TradeLog } from '../adapters/journal/records.js';
import type { Logger } from '../adapters/log/logger.js';
import type { Metrics } from '../adapters/metrics/metrics.js';
import { configHash, type SessionRecorder } from '../adapters/recorder/recorder.js';
import { BOT_VERSION } from '../adapters/recorder/version.js';
import type { Credentials } from '../adapters/secrets/secret.js';
import { openBybitSocket, type SocketFactory, type VenueSocket } from './feeds/socket-actor.js';
import { MarketData } from './market/market-data.js';
import { OrderManager } from './orders/order-manager.js';
import { restOrderEntry } from './orders/rest-entry.js';
import { wsOrderEntry } from './orders/ws-entry.js';
import type { OrderEntry } from './orders/order-entry.js';
import { Portfolio } from './portfolio.js';
import { Quoting } from './quoting.js';

export interface Endpoints {
  readonly rest: string;
  readonly wsPublic: string;
  readonly wsPrivate: string;
  readonly wsTrade: string;
}

/**
 * The venue as the bot reaches it: the REST API and the sockets of each connection session.
 * Production builds the real adapters (liveVenue); replay builds ones that answer from a recording
 * (actors/replay/run.ts). The actors cannot tell which they were given.
 */
export interface Venue {
  readonly rest: BybitRest;
  readonly openSocket: SocketFactory;
}

export interface RuntimeDeps {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly endpoints: Endpoints;
  readonly credentials: Credentials;
  readonly inspect?: Observer<InspectionEvent> | ((e: InspectionEvent) => void) | undefined;
  /** Whether `inspect` also sees the order machines (default true). */
  readonly inspectOrders?: boolean;
  /** Event-loop lag p99 in ms since the last call (0 where it means nothing, as in replay). */
  readonly eventLoopLagMs: () => number;
  /** The venue; by default the real one at `endpoints` (liveVenue). */
  readonly venue?: (rt: Runtime) => Venue;
  /** Records the session's raw traffic, when recording. */
  readonly recorder?: SessionRecorder | undefined;
  /** Where orders, fills and PnL snapshots go (the journal; the decisions log in replay). */
  readonly trades?: TradeLog | undefined;
}

/** The real venue: BybitRest over its HTTP pool and BybitSocket, both observed by the recorder if any. */
export function liveVenue(rt: Runtime): Venue {
  const { config, clock, metrics, logger, endpoints, credentials, recorder } = rt.d;
  return {
    rest: new BybitRest({
      baseUrl: endpoints.rest,
      credentials,
      clock,
      metrics,
      logger: logger.child({ component: 'rest' }),
      pool: config.connection_pool,
      recvWindowMs: config.exchange.recv_window_ms,
      requestTimeoutMs: config.exchange.request_timeout_ms,
      maxRetries: config.exchange.max_retries,
      ...(recorder === undefined ? {} : { observer: recorder.rest }),
    }),
    openSocket: openBybitSocket,
  };
}

/** What exists once start-up has run. */
export interface Started {
  readonly instruments: ReadonlyMap<string, Instrument>;
  readonly market: MarketData;
  readonly portfolio: Portfolio;
  readonly orders: OrderManager;
  readonly quoting: Quoting;
  readonly params: ReadonlyMap<string, QuoteParams>;
}

/** How far back to look for fills missed while the private socket was down. */
const FILL_RECOVERY_MARGIN_MS = 5_000;

export class Runtime {
  readonly d: RuntimeDeps;
  readonly venue: Venue;
  readonly rest: BybitRest;
  /** The clock when the runtime was built: orderLinkIds and the recording's header derive from it. */
  readonly startedAt: number;
  readonly ids: OrderIds;
  readonly budget: RateBudget;
  readonly rejects: RejectWindow;
  readonly limits: RiskLimits;
  readonly log: Logger;
  #started: Started | undefined;
  #publicSocket: VenueSocket | undefined;
  #tradeSocket: VenueSocket | undefined;
  #lastSnapshotAt = Number.NEGATIVE_INFINITY;
  #riskState = 'active';
  /** The private socket is live and caught up: fills we have not seen cannot be in flight. */
  #privateCaughtUp = false;
  #lastVerdict: RiskVerdict | undefined;
  #lagMs = 0;
  readonly #feedStates = new Map<string, string>();

  constructor(deps: RuntimeDeps) {
    this.d = deps;
    const { config, clock, metrics, logger } = deps;
    this.log = logger;
    this.startedAt = clock.now();
    this.venue = (deps.venue ?? liveVenue)(this);
    this.rest = this.venue.rest;
    this.ids = new OrderIds(config.instance.prefix, this.startedAt);
    deps.recorder?.start({
      mode: config.mode,
      seed: config.instance.seed,
      symbols: config.symbols,
      clock: this.startedAt,
      config,
    });
    deps.trades?.run({
      // The stem of this run's orderLinkIds (domain/order-id.ts): it names the run's rows.
      runId: `${config.instance.prefix}-${Math.floor(this.startedAt).toString(36)}`,
      startedAt: this.startedAt,
      mode: config.mode,
      configHash: configHash(config),
      version: BOT_VERSION,
    });
    this.budget = new RateBudget(config.limits.max_requests_per_sec);
    this.rejects = new RejectWindow(config.risk.reject_rate_window);
    this.limits = riskLimitsFromConfig(config.risk);
    metrics.initAlertSeries();
  }

  /** The components built by start-up; throws before it ran (a bug, not a runtime condition). */
  get started(): Started {
    if (this.#started === undefined) throw new Error('the bot has not started yet');
    return this.#started;
  }

  get isStarted(): boolean {
    return this.#started !== undefined;
  }

  get riskState(): string {
    return this.#riskState;
  }

  get lastVerdict(): RiskVerdict | undefined {
    return this.#lastVerdict;
  }

  feedState(kind: string): string {
    return this.#feedStates.get(kind) ?? 'idle';
  }

  setFeedState(kind: string, state: string): void {
    this.#feedStates.set(kind, state);
  }

  /**
   * Start-up: server time, instruments, the sweep of orders left by an earlier run, the position,
   * the wallet, and DCP. Anything that fails here stops the start (the bot must not trade blind).
   */
  async startup(): Promise<void> {
    const { config, clock, metrics, logger } = this.d;
    await this.rest.syncTime();
    const specs = await this.rest.getInstruments();
    const instruments = new Map<string, Instrument>();
    for (const symbol of config.symbols) {
      const spec = specs.find((s) => s.symbol === symbol);
      if (spec === undefined)
        throw new Error(`symbol ${symbol} is not listed by the exchange (instruments-info)`);
      instruments.set(symbol, toInstrument(spec));
    }
    const params = new Map<string, QuoteParams>();
    for (const [symbol, inst] of instruments) params.set(symbol, quoteParamsFromConfig(config, inst));
    const portfolio = new Portfolio(
      instruments,
      config.symbols,
      metrics,
      logger.child({ component: 'portfolio' }),
    );
    const market = new MarketData({
      instruments,
      symbols: config.symbols,
      depth: config.book.depth,
      staleAfterMs: config.book.stale_after_ms,
      resyncTimeoutMs: Math.max(config.websocket.request_timeout_ms, 1_000),
      volHalfLifeS: config.strategy.vola_half_life_s,
      volHorizonS: config.strategy.vola_horizon_s,
      clock,
      logger: logger.child({ component: 'market' }),
      metrics,
      inspect: this.d.inspect,
      onChanged: (symbol) => this.#started?.quoting.marketChanged(symbol),
      onLive: (symbol, live) =>
        this.#started?.quoting.send({ type: live ? 'book.live' : 'book.notLive' }, symbol),
      onResync: (_symbol, topic) => this.#resubscribe(topic),
    });
    const rest: OrderEntry = restOrderEntry(this.rest, metrics);
    const entry =
      config.exchange.order_entry === 'ws'
        ? wsOrderEntry(() => this.#tradeSocket, rest, clock, metrics)
        : rest;
    const orders = new OrderManager({
      instruments,
      entry,
      venue: {
        getOpenOrders: (q) => this.rest.getOpenOrders(q),
        cancelAllOrders: (symbol) => this.rest.cancelAllOrders(symbol),
      },
      ids: this.ids,
      clock,
      logger: logger.child({ component: 'orders' }),
      metrics,
      budget: this.budget,
      plan: planParamsFromConfig(config),
      timings: {
        ackTimeoutMs: Math.max(2 * config.exchange.request_timeout_ms, 5_000),
        cancelTimeoutMs: Math.max(2 * config.exchange.request_timeout_ms, 5_000),
        settleMs: 2_000,
        maxReconcileAttempts: 5,
        missingGraceMs: 3_000,
        verifyPollMs: 200,
      },
      postOnly: config.strategy.post_only,
      strangers: config.exchange.startup_orders,
      // Replay logs order changes through trades.order: inspecting every order machine would only cost.
      inspect: this.d.inspectOrders === false ? undefined : this.d.inspect,
      onFill: (fill) => {
        if (!portfolio.applyFill(fill)) return;
        this.d.trades?.fill({
          execId: fill.execId,
          orderId: fill.orderId,
          orderLinkId: fill.orderLinkId,
          symbol: fill.symbol,
          side: fill.side,
          price: fill.execPrice,
          qty: fill.execQty,
          fee: fill.execFee,
          isMaker: fill.isMaker,
          execTime: Number(fill.execTime),
        });
        this.evaluateRisk();
      },
      ...(this.d.trades === undefined ? {} : { onOrderChanged: (o) => this.d.trades?.order(o) }),
      onOrderOutcome: (outcome) => this.rejects.record(outcome === 'rejected'),
      onBudgetSpent: (cost) => {
        const quoting = this.#started?.quoting;
        if (quoting === undefined) return;
        quoting.send({ type: 'budget.spent' });
        // Wait until the whole requote fits: waiting for one request retried every millisecond
        // while a larger plan stayed over budget (found by replaying a recording).
        clock.setTimeout(
          () => quoting.send({ type: 'budget.available' }),
          this.budget.waitMs(clock.now(), Math.min(cost, this.budget.perSecond)) + 1,
        );
      },
    });
    const quoting = new Quoting({
      symbols: config.symbols,
      instruments,
      params,
      requoteIntervalMs: config.strategy.requote_interval_ms,
      clock,
      logger: logger.child({ component: 'quoter' }),
      metrics,
      market,
      orders,
      portfolio,
      inspect: this.d.inspect,
    });
    this.#started = { instruments, market, portfolio, orders, quoting, params };

    const swept = await orders.sweep(config.symbols);
    if (swept.found > 0)
      logger.warn({ found: swept.found }, 'start-up sweep found open orders of ours from an earlier run');
    for (const symbol of config.symbols) {
      const [position] = await this.rest.getPositions(symbol);
      if (position !== undefined) portfolio.load(position, this.rest.serverNow());
    }
    const wallet = await this.rest.getWalletBalance('USDT');
    logger.info({ equity: wallet.totalEquity }, 'wallet loaded');
    if (config.exchange.enable_dcp) {
      try {
        await this.rest.setDisconnectCancelAll(config.exchange.dcp_window_s);
        logger.info({ windowS: config.exchange.dcp_window_s }, 'disconnect-cancel-all armed');
      } catch (err) {
        logger.warn(
          { err },
          'disconnect-cancel-all could not be armed; the start-up sweep remains the crash backstop',
        );
      }
    }
    market.start();
    // Quoting waits for orders.ready, sent once the private socket is live (see feeds in system.ts).
    quoting.start();
    logger.info({ symbols: config.symbols, prefix: config.instance.prefix }, 'start-up complete');
  }

  /** The public socket of the live session, to resubscribe a book topic. */
  setPublicSocket(s: VenueSocket | undefined): void {
    this.#publicSocket = s;
  }

  setTradeSocket(s: VenueSocket | undefined): void {
    this.#tradeSocket = s;
  }

  #resubscribe(topic: string): void {
    const s = this.#publicSocket;
    if (s === undefined) return; // the next session subscribes anyway
    s.unsubscribe([topic])
      .catch(() => undefined)
      .then(() => s.subscribe([topic]))
      .catch((err: unknown) => this.log.warn({ err, topic }, 'resubscribe failed'));
  }

  /** Routes a private push to its consumer. */
  onPrivate(m: PrivateMessage): void {
    if (this.#started === undefined) return;
    const { orders } = this.#started;
    switch (m.channel) {
      case 'order':
        orders.onOrders(m.push.data);
        return;
      case 'execution':
        orders.onExecutions(m.push.data);
        return;
      default:
        return;
    }
  }

  /**
   * After the private socket (re)connects: pushes sent while it was down are lost, so ask REST for
   * the fills since the last one we saw and for the open orders, and correct what differs.
   */
  async recover(): Promise<void> {
    if (this.#started === undefined) return;
    const { orders, portfolio } = this.#started;
    const since =
      portfolio.lastFillTime > 0
        ? portfolio.lastFillTime - FILL_RECOVERY_MARGIN_MS
        : this.d.clock.now() - 60_000;
    for (const symbol of this.d.config.symbols) {
      try {
        const fills = await this.rest.getExecutions({ symbol, startTime: Math.max(0, Math.floor(since)) });
        orders.onExecutions([...fills].reverse());
        await orders.reconcile(symbol);
      } catch (err) {
        this.log.warn(
          { err, symbol },
          'recovery after reconnect failed; the periodic reconciliation will retry',
        );
      }
    }
  }

  /** Marks the private feed caught up (after recover) or down. */
  setPrivateCaughtUp(v: boolean): void {
    this.#privateCaughtUp = v;
  }

  /** Periodic reconciliation of orders and position against the exchange. */
  async reconcile(): Promise<void> {
    if (this.#started === undefined) return;
    const { orders, portfolio } = this.#started;
    for (const symbol of this.d.config.symbols) {
      try {
        await orders.reconcile(symbol);
        // While the private feed is down or catching up, our fills are known to lag the venue's;
        // the recovery fetches them by execId, which keeps their PnL. Compare positions after.
        if (!this.#privateCaughtUp) continue;
        const [p] = await this.rest.getPositions(symbol);
        if (p === undefined) continue;
        const venue = portfolio.positionUnits(p);
        const local = portfolio.positionOf(symbol);
        if (venue !== local) {
          this.d.metrics.reconcileMismatches.inc({ kind: 'position' });
          this.log.warn(
            { symbol, venue, local },
            'position differs from the exchange; taking the exchange figure',
          );
          portfolio.correct(p, this.rest.serverNow());
        }
      } catch (err) {
        this.log.warn({ err, symbol }, 'reconciliation failed; it will run again');
      }
    }
  }

  /** Builds the risk snapshot from the portfolio, the books and the process, and judges it. */
  evaluateRisk(): RiskVerdict | undefined {
    if (this.#started === undefined) return undefined;
    const { portfolio, market } = this.#started;
    const totals = portfolio.totals();
    let worst: RiskVerdict | undefined;
    for (const s of portfolio.snapshots()) {
      const verdict = evaluateRisk(this.limits, {
        positionBase: s.positionBase,
        positionNotional: Number.isFinite(s.positionNotional) ? s.positionNotional : 0,
        dailyPnl: totals.dailyPnl,
        drawdown: totals.drawdown,
        consecutiveLosses: totals.consecutiveLosses,
        marketDataAgeMs: market.ageMs(s.symbol),
        rejectRate: this.rejects.rate,
        rejectSamples: this.rejects.samples,
        eventLoopLagMs: this.#lagMs,
      });
      if (worst === undefined || rank(verdict.level) > rank(worst.level)) worst = verdict;
      else if (verdict.level === worst.level)
        worst = { ...worst, reasons: [...new Set([...worst.reasons, ...verdict.reasons])] };
    }
    this.#lastVerdict = worst;
    return worst;
  }

  /** Samples the process (event-loop lag) and marks positions to the mid. */
  sample(): void {
    this.#lagMs = this.d.eventLoopLagMs();
    this.d.metrics.eventLoopLag.set(this.#lagMs / 1000);
    this.d.metrics.rateBudgetTokens.set(this.budget.available(this.d.clock.now()));
    if (this.#started === undefined) return;
    const { market, portfolio, orders } = this.#started;
    const now = this.d.clock.now();
    for (const symbol of this.d.config.symbols) {
      portfolio.mark(symbol, market.midPrice(symbol), now);
      const n = orders.countBySide(symbol);
      this.d.metrics.ordersLive.set({ symbol, side: 'Buy' }, n.Buy);
      this.d.metrics.ordersLive.set({ symbol, side: 'Sell' }, n.Sell);
    }
    market.sample();
    portfolio.sample();
    this.rest.sampleStats();
  }

  setRiskState(state: string): void {
    this.#riskState = state;
  }

  /**
   * Hands position and PnL to the trade log once per journal.snapshot_interval_s of the clock
   * (the monitor calls this on every tick).
   */
  snapshotPnl(): void {
    const trades = this.d.trades;
    if (trades === undefined || this.#started === undefined) return;
    const now = this.d.clock.now();
    if (now - this.#lastSnapshotAt < this.d.config.journal.snapshot_interval_s * 1000) return;
    this.#lastSnapshotAt = now;
    trades.pnl(
      this.#started.portfolio.snapshots().map((s) => ({
        at: now,
        symbol: s.symbol,
        position: s.positionBase,
        avgEntryPrice: s.avgEntryPrice,
        markPrice: s.markPrice,
        realisedPnl: s.realisedPnl,
        unrealisedPnl: s.unrealisedPnl,
        fees: s.fees,
        equity: s.equity,
        dailyPnl: s.dailyPnl,
        drawdown: s.drawdown,
      })),
    );
  }

  /** Flushes and closes the recorder and the trade log within `timeoutMs` (the shutdown's flush step). */
  async flushSinks(timeoutMs: number): Promise<void> {
    await Promise.all([this.d.recorder?.close(timeoutMs), this.d.trades?.close?.(timeoutMs)]);
  }
}

const rank = (level: string): number => (level === 'halt' ? 2 : level === 'reduce' ? 1 : 0);
