/**
 * The bot's web endpoint, on monitoring.metrics_host:metrics_port (127.0.0.1:8000 by default):
 *
 * - GET /metrics (Prometheus text) and /healthz (the process answers);
 * - GET /readyz: 503 while a book is not live, risk is halted or shutdown has begun;
 * - GET /status: the bot's own view as JSON (machine states, books with our orders, inventory,
 *   PnL, reconnect history);
 * - GET / : the status page, updated live over server-sent events from GET /events;
 * - POST /admin/pause, /admin/resume, /admin/risk/reset, /admin/risk/halt: operator commands
 *   behind the token of web.admin_token_file (see adapters/web/admin.ts).
 */
import type { ServerResponse } from 'node:http';
import type { AnyActorRef, InspectionEvent, Subscription } from 'xstate';
import type { TimerId } from '../domain/clock.js';
import type { OrderStateName } from '../machines/order.js';
import { startMetricsServer, type MetricsServer, type RouteHandler } from '../adapters/web/metrics-server.js';
import { adminRoute, readAdminToken, type AdminAction, type AdminRoute } from '../adapters/web/admin.js';
import { EventStream } from '../adapters/web/event-stream.js';
import { pageRoute } from '../adapters/web/page.js';
import { connectionPhase, StateHistory } from '../adapters/web/state-history.js';
import { SecretError } from '../adapters/secrets/load.js';
import type { Runtime } from './runtime.js';
import { botStatus, type BotStatus } from './status.js';

/** The part of the actor system the web endpoint follows (XState's ActorSystem fits). */
export interface ObservedSystem {
  inspect(observer: (event: InspectionEvent) => void): Subscription;
  get(systemId: string): AnyActorRef | undefined;
}

export interface WebOptions {
  /** Whether shutdown has begun (the root left running). */
  readonly shuttingDown: () => boolean;
  /** Sends an event to one of the root's children by its id ('risk' for a kill-switch reset...). */
  readonly sendToChild: (id: string, event: { type: string; reason?: string }) => boolean;
  /**
   * The actor system: with it, feed, risk and root state changes are recorded as they happen;
   * without it they are sampled whenever a status is built (short backoffs can be missed).
   */
  readonly system?: ObservedSystem;
}

/** What the status page receives: the status plus readiness and the admin audit trail. */
export interface PageStatus extends BotStatus {
  readonly ready: { readonly ready: boolean; readonly reasons: readonly string[] };
  readonly admin: {
    readonly enabled: boolean;
    readonly recent: readonly { at: number; action: string; outcome: string; caller: string }[];
  };
}

/** Order states that are not final: the series of mm_orders_by_state. */
const OPEN_ORDER_STATES: readonly OrderStateName[] = [
  'pendingNew',
  'new',
  'partiallyFilled',
  'pendingAmend',
  'pendingCancel',
  'reconciling',
];

/** Why the bot is not ready to trade, or an empty list when it is. */
export function notReadyReasons(rt: Runtime, shuttingDown: boolean): string[] {
  const reasons: string[] = [];
  if (shuttingDown) reasons.push('shutting_down');
  if (!rt.isStarted) reasons.push('starting');
  else
    for (const s of rt.d.config.symbols) if (!rt.started.market.isLive(s)) reasons.push(`book_not_live:${s}`);
  if (rt.riskState === 'halted') reasons.push('risk_halted');
  return reasons;
}

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

function topState(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const first = Object.entries(value)[0] as [string, unknown] | undefined;
    if (first === undefined) return '?';
    return `${first[0]}.${topState(first[1])}`;
  }
  return String(value);
}

const FEED_IDS: Readonly<Record<string, string>> = {
  publicFeed: 'feed.public',
  privateFeed: 'feed.private',
  tradeFeed: 'feed.trade',
};

/** The web endpoint's view of the bot: state history, status builders and admin actions. */
class WebView {
  readonly history = new StateHistory(200);
  readonly #rt: Runtime;
  readonly #o: WebOptions;
  admin: AdminRoute | undefined;

  constructor(rt: Runtime, options: WebOptions) {
    this.#rt = rt;
    this.#o = options;
  }

  /** Follows the root's children as they change (when the system is given). */
  follow(): Subscription | undefined {
    const system = this.#o.system;
    if (system === undefined) return undefined;
    const root = system.get('root');
    return system.inspect((e) => {
      if (e.type !== '@xstate.snapshot') return;
      const ref = e.actorRef as AnyActorRef;
      const value = (e.snapshot as { value?: unknown }).value;
      if (value === undefined) return;
      const at = this.#rt.d.clock.now();
      const feed = FEED_IDS[ref.id];
      if (feed !== undefined) this.history.observe(feed, connectionPhase(topState(value)), at);
      else if (ref.id === 'risk') this.history.observe('risk', topState(value), at);
      else if (root !== undefined && ref === root) this.history.observe('root', topState(value), at);
    });
  }

  #rootState(): string | undefined {
    const root = this.#o.system?.get('root');
    if (root === undefined) return undefined;
    return topState((root.getSnapshot() as { value?: unknown }).value);
  }

  /** Records the current states (catching what no event reported). */
  sampleStates(): void {
    const rt = this.#rt;
    const at = rt.d.clock.now();
    const h = this.history;
    for (const kind of ['public', 'private', 'trade']) {
      const state = rt.feedState(kind);
      if (kind !== 'trade' || rt.d.config.exchange.order_entry === 'ws')
        h.observe(`feed.${kind}`, connectionPhase(state), at);
    }
    h.observe('risk', rt.riskState, at);
    const root = this.#rootState();
    if (root !== undefined) h.observe('root', root, at);
    if (!rt.isStarted) return;
    for (const s of rt.d.config.symbols) {
      h.observe(`quoter.${s}`, rt.started.quoting.state(s), at);
      h.observe(`book.${s}`, rt.started.market.bookState(s), at);
    }
  }

  status(): BotStatus {
    this.sampleStates();
    const rootState = this.#rootState();
    return botStatus(this.#rt, {
      history: this.history,
      bookLevels: this.#rt.d.config.web.book_levels,
      ...(rootState === undefined ? {} : { rootState }),
    });
  }

  page(): PageStatus {
    const reasons = notReadyReasons(this.#rt, this.#o.shuttingDown());
    return {
      ...this.status(),
      ready: { ready: reasons.length === 0, reasons },
      admin: {
        enabled: this.admin?.enabled ?? false,
        recent: (this.admin?.audit() ?? []).slice(-10).map((a) => ({
          at: a.at,
          action: a.action,
          outcome: a.outcome,
          caller: a.caller,
        })),
      },
    };
  }

  /** Refreshes the gauges that are sampled rather than pushed. */
  sampleMetrics(): void {
    const rt = this.#rt;
    const { metrics } = rt.d;
    rt.sample();
    metrics.sampleProcess();
    if (!rt.isStarted) return;
    for (const symbol of rt.d.config.symbols) {
      const counts = new Map<string, number>(OPEN_ORDER_STATES.map((s) => [s, 0]));
      for (const o of rt.started.orders.orders(symbol))
        if (counts.has(o.state)) counts.set(o.state, (counts.get(o.state) ?? 0) + 1);
      for (const [state, n] of counts) metrics.ordersByState.set({ symbol, state }, n);
      const max = rt.limits.maxPositionBase;
      const pos = rt.started.portfolio.snapshot(symbol)?.positionBase ?? 0;
      metrics.inventoryRatio.set({ symbol }, max > 0 ? pos / max : 0);
    }
  }

  /** The operator commands. */
  actions(): Record<string, AdminAction> {
    const rt = this.#rt;
    const o = this.#o;
    const notNow = (): string | undefined => {
      if (o.shuttingDown()) return 'the bot is shutting down';
      if (!rt.isStarted) return 'the bot has not finished starting';
      return undefined;
    };
    const quoters = (type: 'quotes.pause' | 'quotes.resume'): AdminAction => {
      return ({ query }) => {
        const why = notNow();
        if (why !== undefined) return { status: 409, message: why };
        const symbol = query.get('symbol') ?? undefined;
        if (symbol !== undefined && !rt.d.config.symbols.includes(symbol))
          return {
            status: 400,
            message: `unknown symbol ${symbol}; quoted: ${rt.d.config.symbols.join(', ')}`,
          };
        rt.started.quoting.send({ type }, symbol);
        const states: Record<string, string> = {};
        for (const s of symbol === undefined ? rt.d.config.symbols : [symbol])
          states[s] = rt.started.quoting.state(s);
        return {
          status: 200,
          message: type === 'quotes.pause' ? 'quoting paused' : 'quoting resumed',
          detail: { quoters: states },
        };
      };
    };
    return {
      pause: quoters('quotes.pause'),
      resume: quoters('quotes.resume'),
      'risk/reset': () => {
        const why = notNow();
        if (why !== undefined) return { status: 409, message: why };
        if (rt.riskState !== 'halted')
          return { status: 409, message: `risk is ${rt.riskState}, not halted: nothing to reset` };
        if (!o.sendToChild('risk', { type: 'risk.reset' }))
          return { status: 409, message: 'the risk machine is not running' };
        return {
          status: 200,
          message: 'kill switch reset; risk is evaluated again within a second',
          detail: { risk: rt.riskState },
        };
      },
      'risk/halt': () => {
        if (o.shuttingDown()) return { status: 409, message: 'the bot is shutting down' };
        if (!o.sendToChild('risk', { type: 'risk.trip', reason: 'operator' }))
          return { status: 409, message: 'the risk machine is not running' };
        return {
          status: 200,
          message: 'kill switch tripped by the operator',
          detail: { risk: rt.riskState },
        };
      },
    };
  }
}

/** The routes beyond /metrics and /healthz. */
function botRoutes(rt: Runtime, options: WebOptions, view: WebView, events: EventStream): RouteHandler[] {
  const routes: RouteHandler[] = [
    pageRoute(),
    (req, res) => {
      if (req.method !== 'GET') return false;
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/readyz') {
        const reasons = notReadyReasons(rt, options.shuttingDown());
        json(res, reasons.length === 0 ? 200 : 503, {
          status: reasons.length === 0 ? 'ready' : 'not_ready',
          reasons,
        });
        return true;
      }
      if (path === '/status') {
        json(res, 200, view.page());
        return true;
      }
      if (path === '/events') {
        events.accept(req, res);
        return true;
      }
      return false;
    },
  ];
  if (view.admin !== undefined) routes.push(view.admin.route);
  return routes;
}

/** Starts the web endpoint of a runtime. */
export async function startWeb(rt: Runtime, options: WebOptions): Promise<MetricsServer> {
  const { config, metrics, clock, logger } = rt.d;
  const log = logger.child({ component: 'web' });
  for (const symbol of config.symbols) metrics.initSymbolSeries(symbol, OPEN_ORDER_STATES);
  for (const action of ['pause', 'resume', 'risk/reset', 'risk/halt'])
    metrics.adminRequests.inc({ action, outcome: 'ok' }, 0);
  const view = new WebView(rt, options);
  const tokenFile = config.web.admin_token_file;
  if (tokenFile !== '') {
    // Checked now so a bad file is reported at start; it is read again on every request.
    try {
      readAdminToken(tokenFile);
    } catch (err) {
      log.error(
        { reason: err instanceof SecretError ? err.message : String(err) },
        'admin token unusable: admin requests will answer 503 until it is fixed',
      );
    }
  } else log.info('admin endpoints disabled (web.admin_token_file is empty)');
  view.admin = adminRoute({
    tokenFile,
    ratePerMin: config.web.admin_rate_limit_per_min,
    clock,
    logger: logger.child({ component: 'admin' }),
    actions: view.actions(),
    onOutcome: (action, outcome) => metrics.adminRequests.inc({ action, outcome }),
  });
  const events = new EventStream({
    clock,
    intervalMs: config.web.page_interval_ms,
    maxClients: config.web.max_page_clients,
    event: 'status',
    payload: () => JSON.stringify(view.page()),
    onClients: (n) => metrics.webClients.set(n),
  });
  const following = view.follow();
  // States are sampled on a timer too, so the history and the "since" times do not depend on
  // someone watching; with the system followed, feed and risk changes are exact anyway.
  const sampleEveryMs = Math.min(config.web.page_interval_ms, 250);
  let sampler: TimerId;
  const sample = () => {
    view.sampleStates();
    sampler = clock.setTimeout(sample, sampleEveryMs);
  };
  sample();
  const stop = () => {
    clock.clearTimeout(sampler);
    following?.unsubscribe();
    events.close();
  };
  let server: MetricsServer;
  try {
    server = await startMetricsServer({
      host: config.monitoring.metrics_host,
      port: config.monitoring.metrics_port,
      registry: metrics.registry,
      beforeScrape: () => view.sampleMetrics(),
      routes: botRoutes(rt, options, view, events),
    });
  } catch (err) {
    stop();
    throw err;
  }
  return {
    port: server.port,
    url: server.url,
    close: () => {
      stop();
      return server.close();
    },
  };
}
