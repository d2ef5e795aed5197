/**
 * The metric catalogue. Names kept from the original checklist (DESIGN §8) are exact; everything
 * else is mm_<area>_<thing>_<unit>. Each bot gets its own Registry so tests never share series.
 * Labels have bounded values only (exchange, ws_type, endpoint, symbol, side, outcome): never an id.
 *
 * The process and host series (RSS, CPU) are our own rather than prom-client's default metrics, so
 * the dashboard and the alerts find them in every bot, including those built by tests.
 */
import { cpus } from 'node:os';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type WsType = 'public' | 'private' | 'trade';

/** Messages counted but not yet added to mm_ws_messages_total (see Metrics.messageTally). */
export interface MessageTally {
  count: number;
}

export class Metrics {
  readonly registry: Registry;

  // WebSocket (names from the original checklist)
  readonly wsReconnectAttempts: Counter<'exchange' | 'ws_type'>;
  readonly wsReconnectDelay: Histogram<'exchange' | 'ws_type'>;
  readonly wsMaxReconnectReached: Counter<'exchange' | 'ws_type'>;
  readonly wsFramesRejected: Counter<'exchange' | 'ws_type' | 'reason'>;
  readonly wsMessages: Counter<'exchange' | 'ws_type'>;

  // HTTP pool (names from the original checklist)
  readonly httpPoolLimit: Gauge<'exchange'>;
  readonly httpPoolActive: Gauge<'exchange'>;
  readonly httpPoolIdle: Gauge<'exchange'>;

  // REST
  readonly restRequests: Counter<'exchange' | 'endpoint' | 'outcome'>;
  readonly restLatency: Histogram<'exchange' | 'endpoint'>;
  readonly restRateLimitRemaining: Gauge<'exchange' | 'endpoint'>;
  readonly restRetries: Counter<'exchange' | 'endpoint' | 'reason'>;

  // Orders and fills
  readonly ordersSent: Counter<'symbol' | 'op' | 'outcome'>;
  readonly orderRequests: Counter<'path' | 'op'>;
  readonly ordersLive: Gauge<'symbol' | 'side'>;
  readonly orderTransitions: Counter<'symbol' | 'state'>;
  readonly ordersRejected: Counter<'symbol' | 'reason'>;
  readonly fills: Counter<'symbol' | 'side' | 'liquidity'>;
  readonly fillVolume: Counter<'symbol' | 'side'>;
  readonly reconcileRuns: Counter<'kind'>;
  readonly reconcileMismatches: Counter<'kind'>;
  readonly orphanOrdersCancelled: Counter<'symbol' | 'source'>;

  // Position and PnL
  readonly positionBase: Gauge<'symbol'>;
  readonly positionNotional: Gauge<'symbol'>;
  readonly pnlRealized: Gauge<'symbol'>;
  readonly pnlUnrealized: Gauge<'symbol'>;
  readonly pnlFees: Gauge<'symbol'>;
  readonly pnlTotal: Gauge;
  readonly pnlDaily: Gauge;
  readonly drawdown: Gauge;
  readonly consecutiveLosses: Gauge;

  // Quoting and market data
  readonly quotes: Counter<'symbol'>;
  readonly quoteSpread: Gauge<'symbol'>;
  readonly quoteSkew: Gauge<'symbol'>;
  readonly volatility: Gauge<'symbol'>;
  readonly bookAge: Gauge<'symbol'>;
  readonly bookResyncs: Counter<'symbol' | 'reason'>;
  readonly bookSpread: Gauge<'symbol'>;
  readonly rateBudgetTokens: Gauge;

  // Machines, risk and the process
  readonly machineState: Gauge<'machine' | 'state'>;
  readonly riskHalts: Counter<'reason'>;
  readonly childRestarts: Counter<'child'>;
  readonly eventLoopLag: Gauge;
  readonly unhandledErrors: Counter<'kind'>;

  // Orders by state, inventory against its limit (sampled before each scrape)
  readonly ordersByState: Gauge<'symbol' | 'state'>;
  readonly inventoryRatio: Gauge<'symbol'>;

  // The process and its host
  readonly processRss: Gauge;
  readonly processHeapUsed: Gauge;
  readonly processCpu: Counter<'mode'>;
  readonly hostCpu: Counter<'mode'>;
  readonly hostCpus: Gauge;
  readonly startTime: Gauge;

  // The web endpoint
  readonly webClients: Gauge;
  readonly adminRequests: Counter<'action' | 'outcome'>;

  // The trade journal (Postgres / PGlite)
  readonly journalWrites: Counter<'table'>;
  readonly journalDroppedWrites: Counter<'reason'>;
  readonly journalWriteErrors: Counter;
  readonly journalQueued: Gauge;

  readonly #messageTallies = new Map<string, MessageTally & { readonly labels: Record<string, string> }>();
  #lastProcessCpu: NodeJS.CpuUsage | undefined;
  #lastHostCpu: { busy: number; idle: number } | undefined;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.wsReconnectAttempts = new Counter({
      name: 'ws_reconnect_attempts_total',
      help: 'WebSocket reconnection attempts.',
      labelNames: ['exchange', 'ws_type'],
      registers,
    });
    this.wsReconnectDelay = new Histogram({
      name: 'ws_reconnect_delay_seconds',
      help: 'Delay before each WebSocket reconnection attempt.',
      labelNames: ['exchange', 'ws_type'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
      registers,
    });
    this.wsMaxReconnectReached = new Counter({
      name: 'ws_max_reconnect_reached_total',
      help: 'Times a WebSocket gave up after its maximum number of reconnection attempts.',
      labelNames: ['exchange', 'ws_type'],
      registers,
    });
    this.wsFramesRejected = new Counter({
      name: 'mm_ws_frames_rejected_total',
      help: 'Inbound WebSocket frames that failed their schema and were dropped.',
      labelNames: ['exchange', 'ws_type', 'reason'],
      registers,
    });
    const tallies = this.#messageTallies;
    this.wsMessages = new Counter({
      name: 'mm_ws_messages_total',
      help: 'Inbound WebSocket messages.',
      labelNames: ['exchange', 'ws_type'],
      registers,
      // Sockets count into plain fields (messageTally); what they counted is added here, whenever
      // the counter is read (a scrape, a test's get()).
      collect() {
        for (const t of tallies.values()) {
          if (t.count === 0) continue;
          this.inc(t.labels, t.count);
          t.count = 0;
        }
      },
    });
    this.httpPoolLimit = new Gauge({
      name: 'http_pool_connections_limit',
      help: 'Connection limit of the HTTP pool.',
      labelNames: ['exchange'],
      registers,
    });
    this.httpPoolActive = new Gauge({
      name: 'http_pool_connections_active',
      help: 'HTTP pool connections with a request in flight.',
      labelNames: ['exchange'],
      registers,
    });
    this.httpPoolIdle = new Gauge({
      name: 'http_pool_connections_idle',
      help: 'Open HTTP pool connections with no request in flight.',
      labelNames: ['exchange'],
      registers,
    });
    this.restRequests = new Counter({
      name: 'mm_rest_requests_total',
      help: 'REST requests by endpoint and outcome.',
      labelNames: ['exchange', 'endpoint', 'outcome'],
      registers,
    });
    this.restLatency = new Histogram({
      name: 'mm_rest_latency_seconds',
      help: 'REST round-trip latency by endpoint.',
      labelNames: ['exchange', 'endpoint'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.restRateLimitRemaining = new Gauge({
      name: 'mm_rest_rate_limit_remaining',
      help: 'Requests left in the current rate-limit window (X-Bapi-Limit-Status).',
      labelNames: ['exchange', 'endpoint'],
      registers,
    });
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new Counter<L>({ name, help, labelNames, registers });
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new Gauge<L>({ name, help, labelNames, registers });
    this.ordersSent = counter('mm_orders_sent_total', 'Order requests by operation and outcome.', [
      'symbol',
      'op',
      'outcome',
    ]);
    this.orderRequests = counter(
      'mm_order_requests_total',
      'Order requests sent, by path (rest or ws) and operation.',
      ['path', 'op'],
    );
    this.ordersLive = gauge('mm_orders_live', 'Our orders open or in flight, by side.', ['symbol', 'side']);
    this.orderTransitions = counter(
      'mm_order_transitions_total',
      'Order lifecycle transitions, by target state.',
      ['symbol', 'state'],
    );
    this.ordersRejected = counter('mm_orders_rejected_total', 'Orders rejected, by reason.', [
      'symbol',
      'reason',
    ]);
    this.fills = counter('mm_fills_total', 'Fills of our orders.', ['symbol', 'side', 'liquidity']);
    this.fillVolume = counter('mm_fill_volume_base_total', 'Filled quantity in base units.', [
      'symbol',
      'side',
    ]);
    this.reconcileRuns = counter('mm_reconcile_runs_total', 'Reconciliations against the exchange.', [
      'kind',
    ]);
    this.reconcileMismatches = counter(
      'mm_reconcile_mismatches_total',
      'Differences found between local and exchange state, by kind (each one corrected).',
      ['kind'],
    );
    this.orphanOrdersCancelled = counter(
      'mm_orphan_orders_cancelled_total',
      'Open orders of ours unknown to this run that were cancelled.',
      ['symbol', 'source'],
    );
    this.positionBase = gauge('mm_position_base', 'Signed position in base units.', ['symbol']);
    this.positionNotional = gauge('mm_position_notional_usd', 'Absolute position notional at the mark.', [
      'symbol',
    ]);
    this.pnlRealized = gauge('mm_pnl_realized_usd', 'Realised PnL since start, before fees.', ['symbol']);
    this.pnlUnrealized = gauge('mm_pnl_unrealized_usd', 'Unrealised PnL at the mark.', ['symbol']);
    this.pnlFees = gauge('mm_pnl_fees_usd', 'Fees paid since start (negative: rebates earned).', ['symbol']);
    this.pnlTotal = gauge('mm_pnl_total_usd', 'Realised plus unrealised PnL minus fees, all symbols.', []);
    this.pnlDaily = gauge('mm_pnl_daily_usd', 'PnL of the current UTC day, all symbols.', []);
    this.drawdown = gauge('mm_drawdown_usd', 'Drop of equity from its peak.', []);
    this.consecutiveLosses = gauge('mm_consecutive_losses', 'Round trips closed at a loss in a row.', []);
    this.quotes = counter('mm_quotes_total', 'Requotes computed.', ['symbol']);
    this.quoteSpread = gauge('mm_quote_spread_bps', 'Quoted spread before rounding.', ['symbol']);
    this.quoteSkew = gauge('mm_quote_skew_bps', 'Inventory skew of the quote centre.', ['symbol']);
    this.volatility = gauge('mm_volatility_bps', 'EWMA volatility estimate.', ['symbol']);
    this.bookAge = gauge('mm_book_age_seconds', 'Time since the last book update.', ['symbol']);
    this.bookResyncs = counter('mm_book_resyncs_total', 'Order-book resynchronisations, by reason.', [
      'symbol',
      'reason',
    ]);
    this.bookSpread = gauge('mm_book_spread_bps', 'Spread of the venue book.', ['symbol']);
    this.rateBudgetTokens = gauge('mm_rate_budget_tokens', 'Requests left in our own request budget.', []);
    this.machineState = gauge(
      'mm_machine_state',
      'Current state of each machine (1 for the current state).',
      ['machine', 'state'],
    );
    this.riskHalts = counter('mm_risk_halts_total', 'Kill-switch trips, by reason.', ['reason']);
    this.childRestarts = counter('mm_supervisor_restarts_total', 'Children restarted by the supervisor.', [
      'child',
    ]);
    this.eventLoopLag = gauge(
      'mm_event_loop_lag_seconds',
      'Event-loop delay p99 over the last interval.',
      [],
    );
    this.unhandledErrors = counter(
      'mm_unhandled_errors_total',
      'Errors caught by the last-resort handlers.',
      ['kind'],
    );
    this.restRetries = new Counter({
      name: 'mm_rest_retries_total',
      help: 'REST requests retried, by reason.',
      labelNames: ['exchange', 'endpoint', 'reason'],
      registers,
    });
    this.ordersByState = gauge(
      'mm_orders_by_state',
      'Our orders known to this run and not yet final, by lifecycle state.',
      ['symbol', 'state'],
    );
    this.inventoryRatio = gauge(
      'mm_inventory_ratio',
      'Signed position as a share of risk.max_position_base (1: at the limit, long).',
      ['symbol'],
    );
    this.processRss = gauge('mm_process_resident_memory_bytes', 'Resident set size of the bot process.', []);
    this.processHeapUsed = gauge('mm_process_heap_used_bytes', 'V8 heap in use.', []);
    this.processCpu = counter('mm_process_cpu_seconds_total', 'CPU time of the bot process, by mode.', [
      'mode',
    ]);
    this.hostCpu = counter(
      'mm_host_cpu_seconds_total',
      'CPU time of the whole host, summed over its cores: busy or idle.',
      ['mode'],
    );
    this.hostCpus = gauge('mm_host_cpus', 'Logical CPUs of the host.', []);
    this.startTime = gauge('mm_start_time_seconds', 'When this bot process started (Unix time).', []);
    this.startTime.set(Math.round(performance.timeOrigin) / 1000);
    this.webClients = gauge('mm_web_page_clients', 'Status pages connected to /events.', []);
    this.adminRequests = counter(
      'mm_admin_requests_total',
      'Admin requests, by action and outcome (ok, unauthorized, rate_limited, disabled, refused).',
      ['action', 'outcome'],
    );
    this.journalWrites = counter('mm_journal_writes_total', 'Rows written to the trade journal, by table.', [
      'table',
    ]);
    this.journalDroppedWrites = counter(
      'mm_journal_dropped_writes_total',
      'Journal writes given up: the queue was full during an outage, or the bot closed before they could be written.',
      ['reason'],
    );
    this.journalDroppedWrites.inc({ reason: 'queue_full' }, 0);
    this.journalDroppedWrites.inc({ reason: 'closed' }, 0);
    this.journalWriteErrors = counter(
      'mm_journal_write_errors_total',
      'Failed journal writes (each is retried).',
      [],
    );
    this.journalQueued = gauge('mm_journal_queued', 'Journal writes waiting for the database.', []);
  }

  /**
   * Samples the process (RSS, heap, CPU) and the host's CPU. CPU is exported as counters of
   * seconds, so any scrape interval gives a correct rate.
   */
  sampleProcess(): void {
    const mem = process.memoryUsage();
    this.processRss.set(mem.rss);
    this.processHeapUsed.set(mem.heapUsed);
    const cpu = process.cpuUsage();
    const last = this.#lastProcessCpu ?? { user: 0, system: 0 };
    this.processCpu.inc({ mode: 'user' }, Math.max(0, cpu.user - last.user) / 1e6);
    this.processCpu.inc({ mode: 'system' }, Math.max(0, cpu.system - last.system) / 1e6);
    this.#lastProcessCpu = cpu;
    const cores = cpus();
    let busy = 0;
    let idle = 0;
    for (const c of cores) {
      busy += c.times.user + c.times.nice + c.times.sys + c.times.irq;
      idle += c.times.idle;
    }
    // The first sample only sets the baseline: the host's uptime is not ours to report.
    const prev = this.#lastHostCpu;
    if (prev !== undefined) {
      this.hostCpu.inc({ mode: 'busy' }, Math.max(0, busy - prev.busy) / 1000);
      this.hostCpu.inc({ mode: 'idle' }, Math.max(0, idle - prev.idle) / 1000);
    }
    this.#lastHostCpu = { busy, idle };
    this.hostCpus.set(cores.length);
  }

  /** Creates at zero the series that alerts watch, so they exist before the first event. */
  initAlertSeries(): void {
    for (const kind of ['root', 'uncaught_exception', 'unhandled_rejection', 'order_machine'])
      this.unhandledErrors.inc({ kind }, 0);
    for (const mode of ['user', 'system']) this.processCpu.inc({ mode }, 0);
    for (const mode of ['busy', 'idle']) this.hostCpu.inc({ mode }, 0);
    this.sampleProcess();
    for (const kind of [
      'unknown_open_order',
      'closed_locally_open_on_venue',
      'open_locally_missing_on_venue',
      'unresolved_order',
      'position',
    ])
      this.reconcileMismatches.inc({ kind }, 0);
  }

  /** Creates at zero the per-symbol series the dashboard and the alerts read. */
  initSymbolSeries(symbol: string, orderStates: readonly string[]): void {
    for (const source of ['startup', 'reconcile', 'push'])
      this.orphanOrdersCancelled.inc({ symbol, source }, 0);
    for (const state of orderStates) this.ordersByState.set({ symbol, state }, 0);
    this.inventoryRatio.set({ symbol }, 0);
    for (const side of ['Buy', 'Sell']) this.fills.inc({ symbol, side, liquidity: 'maker' }, 0);
  }

  /** Sets a machine's current state to 1 and its other states to 0. */
  setMachineState(machine: string, state: string, states: readonly string[]): void {
    for (const s of states) this.machineState.set({ machine, state: s }, s === state ? 1 : 0);
  }

  /**
   * Returns the tally of inbound messages for one socket kind: a socket adds 1 to `count` per
   * message, and mm_ws_messages_total takes the count in when it is read. A labelled `inc` costs
   * about 190 ns (docs/limits.md), a field increment next to nothing, on a path that runs for
   * every frame. Sockets of the same kind share one tally.
   */
  messageTally(exchange: string, wsType: WsType): MessageTally {
    const key = `${exchange}\u0000${wsType}`;
    let t = this.#messageTallies.get(key);
    if (t === undefined) {
      t = { count: 0, labels: { exchange, ws_type: wsType } };
      this.#messageTallies.set(key, t);
      this.wsMessages.inc(t.labels, 0);
    }
    return t;
  }

  /** Creates the series of one socket at zero, so dashboards and alerts never see a gap. */
  initSocket(exchange: string, wsType: WsType): void {
    const labels = { exchange, ws_type: wsType };
    this.wsReconnectAttempts.inc(labels, 0);
    this.wsMaxReconnectReached.inc(labels, 0);
    this.wsReconnectDelay.zero(labels);
    this.wsMessages.inc(labels, 0);
  }
}
