/**
 * Builds the actor system: the root supervisor with every child and every shutdown step bound to
 * the runtime. The children are the ones of DESIGN §3: the public, private and trade feeds
 * (connection machines owning their sockets), the order manager's timers, the risk machine, the
 * quoters, the monitor (risk evaluation and sampling) and the web endpoint.
 */
import {
  createActor,
  fromCallback,
  fromPromise,
  waitFor,
  type Actor,
  type AnyActorRef,
  type InspectionEvent,
} from 'xstate';
import { connectionMachine, type ConnectionInput } from '../machines/connection.js';
import { riskMachine, type RiskStateName } from '../machines/risk.js';
import { rootMachine, type RootInput } from '../machines/root.js';
import { shutdownMachine, type CancelAllOutput, type StepInput } from '../machines/shutdown.js';
import type { WsType } from '../adapters/metrics/metrics.js';
import type { MetricsServer } from '../adapters/web/metrics-server.js';
import { socketLogic } from './feeds/socket-actor.js';
import { activityInterval } from './market/market-data.js';
import type { Runtime } from './runtime.js';
import { startWeb } from './web.js';

export type RootActor = Actor<typeof rootMachine>;

const CONNECTION_STATES = ['idle', 'session', 'backoff', 'gaveUp', 'closing', 'closed'];
const RISK_STATES = ['active', 'reducing', 'halted'];

export interface SystemOptions {
  /** Serve /metrics (monitoring.enable_prometheus). */
  readonly web: boolean;
  /** Called when the web endpoint is up, with its URL. */
  readonly onWeb?: (server: MetricsServer) => void;
}

function topState(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const [k, v] = (Object.entries(value)[0] as [string, unknown] | undefined) ?? ['?', undefined];
    return v === undefined ? k : `${k}.${topState(v)}`;
  }
  return String(value);
}

/**
 * Whether an event is an input from outside the actor system that a replay must feed back in (the
 * recorder's `control` lines): a shutdown asked for by a signal or a fatal error, an operator's
 * kill-switch trip or reset. Events the system sends itself (exit_on_halt, the monitor's risk
 * evaluations) replay on their own and are not recorded.
 */
function isExternalInput(e: InspectionEvent & { type: '@xstate.event' }, root: AnyActorRef): boolean {
  if (e.sourceRef !== undefined) return false;
  const ev = e.event as { type: string; reason?: unknown };
  if (e.actorRef === root) return ev.type === 'shutdown.request' && ev.reason !== 'exit_on_halt';
  return (ev.type === 'risk.reset' || ev.type === 'risk.trip') && (e.actorRef as AnyActorRef).id === 'risk';
}

/** Builds the root actor (not started). */
export function buildSystem(rt: Runtime, options: SystemOptions): RootActor {
  const { config, clock, metrics, logger } = rt.d;
  const ws = config.websocket;
  let web: MetricsServer | undefined;
  /** The connection's data watchdog: the public socket's is the book's stale_after_ms, others have none. */
  const dataSilenceMs = (kind: WsType): number => (kind === 'public' ? config.book.stale_after_ms : 0);

  const feed = (kind: WsType) => {
    const log = logger.child({ component: `feed.${kind}` });
    const url =
      kind === 'public'
        ? rt.d.endpoints.wsPublic
        : kind === 'private'
          ? rt.d.endpoints.wsPrivate
          : rt.d.endpoints.wsTrade;
    const privateTopics = [
      'order',
      'execution',
      'position',
      'wallet',
      ...(config.exchange.enable_dcp ? ['dcp'] : []),
    ];
    metrics.initSocket('bybit', kind);
    return connectionMachine.provide({
      actors: {
        socket: socketLogic({
          kind,
          // ws.activity only feeds the data watchdog.
          activityEveryMs: dataSilenceMs(kind) > 0 ? activityInterval(dataSilenceMs(kind)) : 0,
          url,
          clock,
          metrics,
          logger: log,
          credentials: kind === 'public' ? undefined : rt.d.credentials,
          pingIntervalMs: ws.ping_interval_ms,
          pongTimeoutMs: ws.pong_timeout_ms,
          connectTimeoutMs: ws.connect_timeout_ms,
          requestTimeoutMs: ws.request_timeout_ms,
          recvWindowMs: config.exchange.recv_window_ms,
          timeOffsetMs: () => rt.rest.serverNow() - clock.now(),
          topics: () =>
            kind === 'public' ? rt.started.market.topics() : kind === 'private' ? privateTopics : [],
          handlers:
            kind === 'public'
              ? {
                  onBook: (f) => rt.started.market.onBookFrame(f),
                  onRejected: (r) => {
                    if (r.topic !== undefined && r.topic.startsWith('orderbook.'))
                      rt.started.market.onRejectedTopic(r.topic);
                  },
                }
              : kind === 'private'
                ? { onPrivate: (m) => rt.onPrivate(m) }
                : {},
          onSocket: (s) => {
            if (kind === 'public') rt.setPublicSocket(s);
            if (kind === 'trade') rt.setTradeSocket(s);
          },
          open: rt.venue.openSocket,
          tap: () => rt.d.recorder?.socket(kind),
        }),
      },
      actions: {
        countReconnectAttempt: (_, p: { kind: string; attempt: number; delayMs: number }) => {
          metrics.wsReconnectAttempts.inc({ exchange: 'bybit', ws_type: kind });
          metrics.wsReconnectDelay.observe({ exchange: 'bybit', ws_type: kind }, p.delayMs / 1000);
          log.warn({ attempt: p.attempt, delayMs: p.delayMs }, 'reconnecting');
        },
        countGiveUp: (_, p: { kind: string; attempts: number }) => {
          metrics.wsMaxReconnectReached.inc({ exchange: 'bybit', ws_type: kind });
          log.error({ attempts: p.attempts }, 'gave up reconnecting');
        },
        notifyLive: () => {
          log.info('socket live');
          if (kind === 'public') rt.started.market.feed(true);
          // Orders are only sent while their updates and fills can be seen: after a (re)connect of
          // the private socket, catch up on what was missed, then let the quoters go.
          if (kind === 'private')
            void rt.recover().finally(() => {
              rt.setPrivateCaughtUp(true);
              rt.started.quoting.send({ type: 'orders.ready' });
            });
        },
        notifyDown: (_, p: { kind: string; reason: string }) => {
          log.warn({ reason: p.reason }, 'socket down');
          if (kind === 'public') rt.started.market.feed(false);
          if (kind === 'private') {
            rt.setPrivateCaughtUp(false);
            queueMicrotask(() => rt.started.quoting.send({ type: 'orders.notReady' }));
          }
        },
        notifyStale: () => log.warn('socket stale: no data while pings succeed'),
      },
    });
  };

  const connectionInput = (kind: WsType, seedOffset: number): ConnectionInput => ({
    kind,
    needsAuth: kind !== 'public',
    hasTopics: kind !== 'trade',
    baseDelayMs: ws.base_reconnect_delay_ms,
    maxDelayMs: ws.max_reconnect_delay_ms,
    maxAttempts: ws.max_reconnect_attempts,
    connectTimeoutMs: ws.connect_timeout_ms,
    dataSilenceMs: dataSilenceMs(kind),
    staleReconnectMs: Math.max(3 * config.book.stale_after_ms, 5_000),
    closeTimeoutMs: config.shutdown.close_timeout_ms,
    seed: config.instance.seed + seedOffset,
    autoStart: true,
  });

  const risk = riskMachine.provide({
    actions: {
      notifyRisk: (_, p: { state: RiskStateName; reasons: readonly string[] }) => {
        rt.setRiskState(p.state);
        metrics.setMachineState('risk', p.state, RISK_STATES);
        if (rt.isStarted) queueMicrotask(() => rt.started.quoting.riskChanged(p.state));
        if (p.state === 'active' && rt.isStarted) rt.started.orders.unfreeze();
        logger.info({ state: p.state, reasons: p.reasons }, 'risk state');
      },
      cancelAll: (_, p: { reasons: readonly string[] }) => {
        for (const reason of p.reasons) metrics.riskHalts.inc({ reason });
        logger.error({ reasons: p.reasons }, 'kill switch: cancelling every order of ours');
        if (!rt.isStarted) return;
        const deadline = clock.now() + config.shutdown.cancel_timeout_ms;
        rt.started.orders
          .cancelAll(config.symbols, deadline)
          .then((r) =>
            logger.info({ verified: r.verified, remaining: r.remaining }, 'kill switch cancel-all done'),
          )
          .catch((err: unknown) => logger.error({ err }, 'kill switch cancel-all failed'));
      },
      requestExit: () => root.send({ type: 'shutdown.request', reason: 'exit_on_halt' }),
    },
  });

  /** The monitor: samples the process and the books, evaluates risk, reconciles on a timer. */
  const monitor = fromCallback(({ system }) => {
    let sampleTimer: unknown;
    let reconcileTimer: unknown;
    const tick = () => {
      rt.sample();
      rt.snapshotPnl();
      const verdict = rt.evaluateRisk();
      const riskRef = system.get('risk') as AnyActorRef | undefined;
      if (verdict !== undefined && riskRef !== undefined)
        riskRef.send({ type: 'risk.evaluated', level: verdict.level, reasons: verdict.reasons });
      sampleTimer = clock.setTimeout(tick, 1_000);
    };
    const reconcile = () => {
      void rt.reconcile().finally(() => {
        reconcileTimer = clock.setTimeout(reconcile, config.exchange.reconcile_interval_s * 1000);
      });
    };
    sampleTimer = clock.setTimeout(tick, 1_000);
    reconcileTimer = clock.setTimeout(reconcile, config.exchange.reconcile_interval_s * 1000);
    return () => {
      clock.clearTimeout(sampleTimer);
      clock.clearTimeout(reconcileTimer);
    };
  });

  /** The quoters run from start-up; as a child they are stopped with the root. */
  const quoter = fromCallback(() => () => undefined);

  const webChild = fromCallback(() => {
    if (!options.web) return () => undefined;
    let closed = false;
    startWeb(rt, {
      shuttingDown: () => root.getSnapshot().matches('shuttingDown'),
      sendToChild: (id, event) => {
        const ref = root.system.get(id) as AnyActorRef | undefined;
        if (ref === undefined) return false;
        ref.send(event);
        return true;
      },
    }).then(
      (server) => {
        if (closed) return void server.close();
        web = server;
        logger.info({ url: `${server.url}/metrics` }, 'metrics served');
        options.onWeb?.(server);
      },
      (err: unknown) => logger.error({ err }, 'web endpoint could not start'),
    );
    return () => {
      // A restarted web child must find its port free again.
      closed = true;
      void web?.close();
      web = undefined;
    };
  });

  /** Asks a feed to close its socket and waits until its machine has finished. */
  const stopFeed = async (
    system: { get(id: string): AnyActorRef | undefined },
    id: string,
  ): Promise<void> => {
    const ref = system.get(id);
    if (ref === undefined || (ref.getSnapshot() as { status: string }).status !== 'active') return;
    ref.send({ type: 'connection.stop' });
    await waitFor(ref, (s: { status: string }) => s.status !== 'active');
  };

  const stepTimer = new Map<string, number>();
  const shutdown = shutdownMachine.provide({
    actors: {
      stopQuoter: fromPromise<void, StepInput>(async () => {
        if (!rt.isStarted) return;
        rt.started.quoting.stop();
        rt.started.orders.freeze();
        await rt.started.orders.settle();
      }),
      cancelAllOrders: fromPromise<CancelAllOutput, StepInput>(async ({ input }) => {
        if (!rt.isStarted) {
          // Start-up never finished: still make sure no order of ours rests.
          return { verified: false, remaining: -1 };
        }
        // Leave a margin inside the step's own timeout so the verdict is ours, not the timer's.
        const deadline = clock.now() + Math.max(100, input.timeoutMs - 500);
        return rt.started.orders.cancelAll(config.symbols, deadline);
      }),
      closePrivate: fromPromise<void, StepInput>(async ({ system }) => {
        await Promise.all([stopFeed(system, 'privateFeed'), stopFeed(system, 'tradeFeed')]);
      }),
      closePublic: fromPromise<void, StepInput>(({ system }) => stopFeed(system, 'publicFeed')),
      flush: fromPromise<void, StepInput>(async ({ input }) => {
        // The recorder and the journal get the step's budget less a margin, so that what they
        // could not finish is their verdict (logged) rather than the step's timeout.
        await rt.flushSinks(Math.max(100, input.timeoutMs - 500));
        logger.flush?.();
      }),
      stopWeb: fromPromise<void, StepInput>(async () => {
        await web?.close();
        web = undefined;
      }),
    },
    actions: {
      stepStarted: (_, p: { step: string }) => {
        stepTimer.set(p.step, clock.now());
        logger.info({ step: p.step }, 'shutdown step started');
      },
      stepEnded: (_, p: { step: string; outcome: string }) => {
        const started = stepTimer.get(p.step) ?? clock.now();
        logger.info(
          { step: p.step, outcome: p.outcome, durationMs: clock.now() - started },
          'shutdown step ended',
        );
      },
    },
  });

  const children = [
    'publicFeed',
    'privateFeed',
    ...(config.exchange.order_entry === 'ws' ? ['tradeFeed'] : []),
    'risk',
    'quoter',
    'monitor',
    'web',
  ];
  const input: RootInput = {
    children,
    childInputs: {
      publicFeed: connectionInput('public', 1),
      privateFeed: connectionInput('private', 2),
      tradeFeed: connectionInput('trade', 3),
      risk: { enableKillSwitch: config.risk.enable_kill_switch, exitOnHalt: config.risk.exit_on_halt },
    },
    restartBudget: config.supervisor.restart_budget,
    restartWindowMs: config.supervisor.restart_window_ms,
    restartBackoffMs: config.supervisor.restart_backoff_ms,
    shutdownInput: {
      stepTimeoutsMs: {
        stopQuoter: 2_000,
        cancelOrders: config.shutdown.cancel_timeout_ms,
        closePrivate: config.shutdown.close_timeout_ms,
        closePublic: config.shutdown.close_timeout_ms,
        flush: config.shutdown.flush_timeout_ms,
        stopWeb: 2_000,
      },
    },
  };

  const logic = rootMachine.provide({
    actors: {
      startup: fromPromise<unknown, undefined>(() => rt.startup()),
      shutdown,
      publicFeed: feed('public'),
      privateFeed: feed('private'),
      tradeFeed: feed('trade'),
      risk,
      quoter,
      monitor,
      web: webChild,
    },
    actions: {
      childRestarted: (_, p: { id: string; restarts: number }) => {
        metrics.childRestarts.inc({ child: p.id });
        logger.warn({ child: p.id, restarts: p.restarts }, 'child restarted');
      },
      escalated: (_, p: { reason: string; error?: unknown }) =>
        logger.error(
          p.error === undefined ? { reason: p.reason } : { reason: p.reason, err: p.error },
          'escalating to shutdown',
        ),
    },
  });
  const root: RootActor = createActor(logic, {
    clock,
    input,
    systemId: 'root',
    ...(rt.d.inspect === undefined ? {} : { inspect: rt.d.inspect }),
  });
  const recorder = rt.d.recorder;
  // Feed machines emit a snapshot on every ws.activity: act on changes of state only.
  const feedStates = new Map<string, string>();
  root.system.inspect({
    next: (e) => {
      if (recorder !== undefined && e.type === '@xstate.event' && isExternalInput(e, root))
        recorder.control(e.actorRef === root ? 'root' : (e.actorRef as AnyActorRef).id, e.event, clock.now());
      if (e.type !== '@xstate.snapshot') return;
      const id = (e.actorRef as AnyActorRef).id;
      if (id === 'publicFeed' || id === 'privateFeed' || id === 'tradeFeed') {
        const kind = id.replace('Feed', '');
        const state = topState((e.snapshot as { value?: unknown }).value);
        if (feedStates.get(kind) === state) return;
        feedStates.set(kind, state);
        rt.setFeedState(kind, state);
        metrics.setMachineState(`feed.${kind}`, state.split('.')[0]!, CONNECTION_STATES);
      }
    },
  });
  return root;
}
