/**
 * The order manager: turns desired quotes into requests, and keeps one order machine per order of
 * ours so that every order is accounted for from the request that creates it to the venue message
 * that ends it. It batches requests (cancels, then amends, then creates: the planner's execution
 * order), routes venue pushes to the machines by orderLinkId, queries the venue whenever an outcome
 * is unknown (through the machines' `queryOrder`), and reconciles the whole book of orders against
 * the exchange on a timer. Orders without our prefix are never touched.
 *
 * Hot data stays out of here: it runs once per requote and once per private push.
 */
import { createActor, fromPromise, type Actor, type InspectionEvent, type Observer } from 'xstate';
import type { Clock } from '../../domain/clock.js';
import { formatPrice, formatQty, parseQty, type Instrument } from '../../domain/instrument.js';
import type { OrderIds } from '../../domain/order-id.js';
import { isOurOrder } from '../../domain/order-id.js';
import type { RateBudget } from '../../domain/rate-budget.js';
import {
  planOrders,
  type LiveOrder,
  type OrderPlan,
  type PendingKind,
} from '../../domain/strategy/planner.js';
import type { PlanParams } from '../../domain/strategy/params.js';
import type { Quotes } from '../../domain/strategy/quotes.js';
import {
  orderMachine,
  type OrderEvent,
  type OrderStateName,
  type QueryOrderInput,
  type QueryOrderOutput,
} from '../../machines/order.js';
import type { OrderRecord } from '../../adapters/journal/records.js';
import type { Logger } from '../../adapters/log/logger.js';
import type { Metrics } from '../../adapters/metrics/metrics.js';
import type { OrderEntry, EntryResult } from './order-entry.js';
import { isOpenStatus, toReport, type VenueFill, type VenueOrder } from './venue.js';

/** The queries the manager needs from the venue (the REST client provides them). */
export interface VenueQueries {
  getOpenOrders(query: {
    symbol?: string;
    orderLinkId?: string;
    openOnly?: 0 | 1;
  }): Promise<readonly VenueOrder[]>;
  cancelAllOrders(symbol: string): Promise<unknown>;
}

export interface OrderTimings {
  readonly ackTimeoutMs: number;
  readonly cancelTimeoutMs: number;
  readonly settleMs: number;
  readonly maxReconcileAttempts: number;
  /** An open order of ours the venue does not list is queried after this grace (pushes may lag). */
  readonly missingGraceMs: number;
  /** Poll period while verifying a cancel-all. */
  readonly verifyPollMs: number;
}

export interface OrderManagerDeps {
  readonly instruments: ReadonlyMap<string, Instrument>;
  readonly entry: OrderEntry;
  readonly venue: VenueQueries;
  readonly ids: OrderIds;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly budget: RateBudget;
  readonly plan: PlanParams;
  readonly timings: OrderTimings;
  readonly postOnly: boolean;
  /** What the start-up sweep and reconciliation do with open orders of ours this run does not know. */
  readonly strangers: 'cancel' | 'adopt';
  readonly inspect?: Observer<InspectionEvent> | ((e: InspectionEvent) => void) | undefined;
  /** A new fill of ours (deduplicated by execId upstream as well). */
  readonly onFill: (fill: VenueFill) => void;
  /** An order's request or the order itself was refused (reason: a short label). */
  readonly onOrderOutcome: (outcome: 'accepted' | 'rejected', reason: string) => void;
  /** The rate budget could not cover a requote of `cost` requests. */
  readonly onBudgetSpent: (cost: number) => void;
  /** An order changed state (for the trade journal); called once the transition is over. */
  readonly onOrderChanged?: (o: OrderRecord) => void;
}

type OrderActor = Actor<typeof orderMachine>;

interface Managed {
  readonly orderLinkId: string;
  readonly symbol: string;
  readonly side: 'Buy' | 'Sell';
  readonly actor: OrderActor;
  state: OrderStateName;
  readonly createdAt: number;
}

const PENDING: Partial<Record<OrderStateName, PendingKind>> = {
  pendingNew: 'new',
  pendingAmend: 'amend',
  pendingCancel: 'cancel',
  reconciling: 'cancel',
};

const TERMINAL = new Set<OrderStateName>(['cancelled', 'filled', 'rejected', 'unresolved', 'done']);

const NOTHING = (): void => {};

/** `f` callable any number of times, run the first time only. */
function once(f: (() => void) | undefined): () => void {
  if (f === undefined) return NOTHING;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    f();
  };
}

/**
 * Starts a request and tells when its orders' bookkeeping may run: once the entry reports the
 * request being written (at once on a ready connection; later on a new one, or on one idle long
 * enough to be checked for a close first), or once the answer settles if it never does. Either
 * comes before any answer or push about these orders can be read.
 */
function afterWrite(send: (onWrite: () => void) => Promise<EntryResult[]>): {
  answer: Promise<EntryResult[]>;
  written: Promise<unknown>;
} {
  let onWrite!: () => void;
  const wrote = new Promise<void>((resolve) => (onWrite = resolve));
  const answer = send(onWrite);
  return { answer, written: Promise.race([wrote, answer.catch(() => undefined)]) };
}

/** Result of a verified cancel-all. */
export interface CancelAllResult {
  readonly verified: boolean;
  readonly remaining: number;
}

export class OrderManager {
  readonly #d: OrderManagerDeps;
  readonly #orders = new Map<string, Managed>();
  readonly #logics = new Map<string, ReturnType<typeof orderMachine.provide>>();
  /** Per symbol: the requote running now, and the latest quotes waiting behind it. */
  readonly #running = new Map<string, Promise<void>>();
  readonly #queued = new Map<string, Quotes>();
  /** Open orders of ours seen without a machine, with when they were first seen. */
  readonly #strangersSeen = new Map<string, number>();
  #frozen = false;
  #log: Logger;

  constructor(deps: OrderManagerDeps) {
    this.#d = deps;
    this.#log = deps.logger;
  }

  /** Orders known to this run that are not final, for the status page and tests. */
  orders(symbol?: string): {
    orderLinkId: string;
    symbol: string;
    side: string;
    state: OrderStateName;
    price: number;
    qty: number;
    cumQty: number;
  }[] {
    const out = [];
    for (const m of this.#orders.values()) {
      if (symbol !== undefined && m.symbol !== symbol) continue;
      const c = m.actor.getSnapshot().context;
      out.push({
        orderLinkId: m.orderLinkId,
        symbol: m.symbol,
        side: m.side,
        state: m.state,
        price: c.price,
        qty: c.qty,
        cumQty: c.cumQty,
      });
    }
    return out;
  }

  /** The orders the planner sees: open or in flight, not final. */
  liveOrders(symbol: string): LiveOrder[] {
    const out: LiveOrder[] = [];
    for (const m of this.#orders.values()) {
      if (m.symbol !== symbol || TERMINAL.has(m.state)) continue;
      const c = m.actor.getSnapshot().context;
      const pending = PENDING[m.state];
      out.push({
        orderLinkId: m.orderLinkId,
        side: m.side,
        price: pending === 'amend' ? c.amendFrom.price : c.price,
        qty: pending === 'amend' ? c.amendFrom.qty : c.qty,
        filledQty: c.cumQty,
        ...(pending === undefined ? {} : { pending }),
        ...(pending === 'amend' ? { pendingPrice: c.price } : {}),
      });
    }
    return out;
  }

  /** Stops new orders for good (shutdown, halt): requotes are dropped from here on. */
  freeze(): void {
    this.#frozen = true;
    this.#queued.clear();
  }

  /** Lets requotes through again (a kill switch reset by the operator). */
  unfreeze(): void {
    this.#frozen = false;
  }

  /**
   * Brings our orders of a symbol in line with the quotes. One requote runs per symbol at a time;
   * quotes arriving meanwhile replace each other and run next. `onWritten` is called once: as this
   * requote's first request is being written, or when it turns out to need none, or at once when
   * it does not start now (frozen, or queued behind the one running).
   */
  requote(symbol: string, quotes: Quotes, onWritten?: () => void): Promise<void> {
    if (this.#frozen || this.#running.has(symbol)) {
      onWritten?.();
      if (this.#frozen) return Promise.resolve();
      this.#queued.set(symbol, quotes);
      return this.#running.get(symbol)!;
    }
    const written = once(onWritten);
    const run = (async () => {
      let next: Quotes | undefined = quotes;
      while (next !== undefined && !this.#frozen) {
        // Called by the first write, or here when the first plan needed none; a no-op after that.
        await this.#apply(symbol, next, written);
        written();
        next = this.#queued.get(symbol);
        this.#queued.delete(symbol);
      }
    })().finally(() => {
      written();
      this.#running.delete(symbol);
    });
    this.#running.set(symbol, run);
    return run;
  }

  /** Waits for the requotes in flight (shutdown calls this before cancelling). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#running.values()]);
  }

  async #apply(symbol: string, quotes: Quotes, onWritten: () => void): Promise<void> {
    const inst = this.#inst(symbol);
    const desired = { bids: quotes.bids, asks: quotes.asks, reduceOnly: quotes.reduceOnly };
    const plan = planOrders(desired, this.liveOrders(symbol), this.#d.plan);
    if (plan.skipped.crossing + plan.skipped.capacity > 0)
      this.#log.debug({ symbol, skipped: plan.skipped }, 'planner left requests out');
    if (plan.cancels.length + plan.amends.length + plan.creates.length === 0) return;
    this.#log.debug(
      { symbol, cancels: plan.cancels.length, amends: plan.amends.length, creates: plan.creates.length },
      'executing plan',
    );
    await this.#execute(symbol, inst, plan, onWritten);
  }

  /**
   * Each request goes out first and its orders' machines are moved (or spawned) once it is being
   * written (afterWrite): the write does not wait for the machines' transitions (tick-to-order),
   * and no answer or push can be read before they are done, so none can miss its machine.
   */
  async #execute(symbol: string, inst: Instrument, plan: OrderPlan, onWritten: () => void): Promise<void> {
    const { clock, budget, entry } = this.#d;
    // Cancels always go: they reduce risk. They still spend the budget.
    const blockedSides = new Set<string>();
    if (plan.cancels.length > 0) {
      budget.take(clock.now(), plan.cancels.length);
      const sent = plan.cancels
        .map((c) => this.#orders.get(c.orderLinkId))
        .filter((m): m is Managed => m !== undefined);
      const { answer, written } = afterWrite((w) =>
        entry.cancel(
          sent.map((m) => ({ symbol, orderLinkId: m.orderLinkId })),
          w,
        ),
      );
      await written;
      onWritten();
      for (const m of sent) this.#send(m, { type: 'cancel.sent' });
      const results = await answer;
      sent.forEach((m, i) => {
        const r = results[i]!;
        this.#count(symbol, 'cancel', r);
        if (r.ok) return;
        if (r.kind === 'not_found') this.#send(m, { type: 'cancel.rejected', code: r.code });
        else if (r.kind === 'unknown') this.#send(m, { type: 'cancel.unknown' });
        else {
          this.#send(m, { type: 'cancel.rejected', code: r.code });
          blockedSides.add(m.side);
        }
      });
    }
    if (this.#frozen) return;
    const amendable = plan.amends.filter((a) => !blockedSides.has(a.side) && this.#orders.has(a.orderLinkId));
    const creatable = plan.creates.filter((c) => !blockedSides.has(c.side));
    const cost = amendable.length + creatable.length;
    if (cost > 0 && !budget.tryTake(clock.now(), cost)) {
      this.#log.debug({ symbol, cost, available: budget.available(clock.now()) }, 'request budget spent');
      this.#d.onBudgetSpent(cost);
      return;
    }
    if (amendable.length > 0) {
      const sent = amendable.map((a) => ({ m: this.#orders.get(a.orderLinkId)!, a }));
      const { answer, written } = afterWrite((w) =>
        entry.amend(
          sent.map(({ m, a }) => ({
            symbol,
            orderLinkId: m.orderLinkId,
            price: formatPrice(inst, a.price),
            qty: formatQty(inst, a.qty),
          })),
          w,
        ),
      );
      await written;
      onWritten();
      for (const { m, a } of sent) this.#send(m, { type: 'amend.sent', price: a.price, qty: a.qty });
      const results = await answer;
      sent.forEach(({ m }, i) => {
        const r = results[i]!;
        this.#count(symbol, 'amend', r);
        if (r.ok) this.#send(m, { type: 'amend.accepted' });
        else if (r.kind === 'unknown') this.#send(m, { type: 'amend.unknown' });
        else this.#send(m, { type: 'amend.rejected', code: r.code, reason: r.msg });
      });
    }
    if (this.#frozen || creatable.length === 0) return;
    const ids = creatable.map(() => this.#d.ids.next());
    const { answer, written } = afterWrite((w) =>
      entry.create(
        creatable.map((c, i) => ({
          symbol,
          side: c.side,
          price: formatPrice(inst, c.price),
          qty: formatQty(inst, c.qty),
          orderLinkId: ids[i]!,
          timeInForce: this.#d.postOnly ? ('PostOnly' as const) : ('GTC' as const),
          reduceOnly: c.reduceOnly,
        })),
        w,
      ),
    );
    await written;
    onWritten();
    const created = creatable.map((c, i) => ({ c, m: this.#spawn(symbol, c.side, c.price, c.qty, ids[i]) }));
    const results = await answer;
    created.forEach(({ m }, i) => {
      const r = results[i]!;
      this.#count(symbol, 'create', r);
      if (r.ok) this.#send(m, { type: 'create.accepted', orderId: r.orderId });
      else if (r.kind === 'unknown') this.#send(m, { type: 'create.unknown' });
      else
        this.#send(m, {
          type: 'create.rejected',
          code: r.code,
          reason: r.kind === 'not_sent' ? 'not_sent' : r.msg,
        });
    });
  }

  #count(symbol: string, op: string, r: EntryResult): void {
    this.#d.metrics.ordersSent.inc({ symbol, op, outcome: r.ok ? 'ok' : r.kind });
  }

  #inst(symbol: string): Instrument {
    const inst = this.#d.instruments.get(symbol);
    if (inst === undefined) throw new Error(`no instrument for ${symbol}`);
    return inst;
  }

  #send(m: Managed, event: OrderEvent): void {
    // A machine that has finished (the venue settled the order before our request's answer came)
    // has nothing left to learn; XState would only warn on the console.
    if (m.actor.getSnapshot().status !== 'active') return;
    m.actor.send(event);
  }

  /**
   * The order machine with this manager's effects, one per symbol: provide() builds a whole new
   * machine, too dear to do for every order (it showed in replay profiles).
   */
  #logicFor(symbol: string) {
    const cached = this.#logics.get(symbol);
    if (cached !== undefined) return cached;
    const { metrics } = this.#d;
    const logic = orderMachine.provide({
      actors: {
        queryOrder: fromPromise<QueryOrderOutput, QueryOrderInput>(({ input }) => this.#query(input)),
      },
      actions: {
        notifyTransition: (_, p: { orderLinkId: string; from: OrderStateName; to: OrderStateName }) => {
          const m = this.#orders.get(p.orderLinkId);
          if (m !== undefined) m.state = p.to;
          metrics.orderTransitions.inc({ symbol, state: p.to });
          this.#log.debug({ orderLinkId: p.orderLinkId, from: p.from, to: p.to }, 'order transition');
        },
        notifyFill: () => {},
        notifyRejected: (_, p: { orderLinkId: string; reason: string }) => {
          metrics.ordersRejected.inc({ symbol, reason: p.reason });
          this.#d.onOrderOutcome('rejected', p.reason);
          this.#log.info({ orderLinkId: p.orderLinkId, reason: p.reason }, 'order rejected');
        },
      },
    });
    this.#logics.set(symbol, logic);
    return logic;
  }

  /** Creates the machine of a new order and registers it, so that every answer and push finds it. */
  #spawn(
    symbol: string,
    side: 'Buy' | 'Sell',
    price: number,
    qty: number,
    orderLinkId = this.#d.ids.next(),
  ): Managed {
    const { timings } = this.#d;
    const logic = this.#logicFor(symbol);
    const actor = createActor(logic, {
      clock: this.#d.clock,
      ...(this.#d.inspect === undefined ? {} : { inspect: this.#d.inspect }),
      input: {
        orderLinkId,
        symbol,
        side,
        price,
        qty,
        ackTimeoutMs: timings.ackTimeoutMs,
        cancelTimeoutMs: timings.cancelTimeoutMs,
        settleMs: timings.settleMs,
        maxReconcileAttempts: timings.maxReconcileAttempts,
      },
    });
    const m: Managed = {
      orderLinkId,
      symbol,
      side,
      actor,
      state: 'pendingNew',
      createdAt: this.#d.clock.now(),
    };
    this.#orders.set(orderLinkId, m);
    const changed = this.#d.onOrderChanged;
    let reported: OrderStateName | undefined;
    actor.subscribe({
      next: (snap) => {
        const c = snap.context;
        // 'done' only closes the book on an order whose outcome (filled, cancelled, rejected) was
        // reported already: the journal keeps the outcome as its final state.
        if (changed === undefined || c.state === reported || c.state === 'done') return;
        reported = c.state;
        const inst = this.#inst(symbol);
        // An observer that throws would resurface as an uncaught exception: the journal never throws,
        // but nothing here may take the order machine down with it.
        try {
          changed({
            orderLinkId,
            orderId: c.orderId ?? '',
            symbol,
            side,
            price: formatPrice(inst, c.price),
            qty: formatQty(inst, c.qty),
            cumQty: formatQty(inst, c.cumQty),
            state: c.state,
            at: this.#d.clock.now(),
          });
        } catch (err) {
          this.#log.warn({ err, orderLinkId }, 'order record not journaled');
        }
      },
      complete: () => this.#finish(m),
      error: (err) => {
        this.#log.error({ err, orderLinkId }, 'order machine failed');
        this.#d.metrics.unhandledErrors.inc({ kind: 'order_machine' });
        this.#orders.delete(orderLinkId);
      },
    });
    actor.start();
    return m;
  }

  #finish(m: Managed): void {
    const out = m.actor.getSnapshot().output;
    this.#orders.delete(m.orderLinkId);
    if (out?.status === 'unresolved') {
      // The venue could not tell us; the reconciliation sweep will find it if it still rests.
      this.#d.metrics.reconcileMismatches.inc({ kind: 'unresolved_order' });
      this.#log.warn(
        { orderLinkId: m.orderLinkId },
        'order left unresolved; the next reconciliation will look for it',
      );
    } else if (out?.status === 'filled' || out?.status === 'cancelled') {
      this.#d.onOrderOutcome('accepted', out.status);
    }
  }

  async #query(input: QueryOrderInput): Promise<QueryOrderOutput> {
    const list = await this.#d.venue.getOpenOrders({
      symbol: input.symbol,
      orderLinkId: input.orderLinkId,
      openOnly: 1,
    });
    const o = list.find((x) => x.orderLinkId === input.orderLinkId);
    if (o === undefined) return { found: false };
    const r = toReport(this.#inst(input.symbol), o);
    if (r === undefined) throw new Error(`unreadable order ${input.orderLinkId} (status ${o.orderStatus})`);
    return {
      found: true,
      status: r.status,
      orderId: r.orderId,
      price: r.price,
      qty: r.qty,
      cumQty: r.cumQty,
      rejectReason: r.rejectReason,
    };
  }

  /** An order push from the private socket (several orders per push). */
  onOrders(items: readonly VenueOrder[]): void {
    for (const o of items) {
      if (!isOurOrder(this.#d.ids.prefix, o.orderLinkId)) continue;
      const inst = this.#d.instruments.get(o.symbol);
      if (inst === undefined) continue;
      const m = this.#orders.get(o.orderLinkId);
      if (m === undefined) {
        if (isOpenStatus(o.orderStatus)) this.#stranger(o, 'push');
        continue;
      }
      const report = toReport(inst, o);
      if (report === undefined) {
        this.#log.warn(
          { orderLinkId: o.orderLinkId, status: o.orderStatus },
          'unreadable order update dropped',
        );
        continue;
      }
      this.#send(m, { type: 'venue.order', ...report });
    }
  }

  /** An execution push (or executions recovered by REST): routed to their order machines. */
  onExecutions(items: readonly VenueFill[]): void {
    for (const f of items) {
      if (f.execType !== 'Trade' || !isOurOrder(this.#d.ids.prefix, f.orderLinkId)) continue;
      const inst = this.#d.instruments.get(f.symbol);
      if (inst === undefined) continue;
      this.#d.onFill(f);
      const m = this.#orders.get(f.orderLinkId);
      const qty = parseQty(inst, f.execQty);
      if (m === undefined || Number.isNaN(qty)) continue;
      this.#send(m, {
        type: 'venue.fill',
        execId: f.execId,
        qty,
        price: Number(f.execPrice),
        fee: Number(f.execFee),
        isMaker: f.isMaker,
      });
    }
  }

  /** An open order of ours without a machine: cancel it, or adopt it, per configuration. */
  #stranger(o: VenueOrder, source: string): void {
    if (this.#strangersSeen.has(o.orderLinkId)) return;
    this.#strangersSeen.set(o.orderLinkId, this.#d.clock.now());
    const inst = this.#inst(o.symbol);
    const report = toReport(inst, o);
    if (this.#d.strangers === 'adopt' && report !== undefined && !this.#frozen) {
      const m = this.#spawn(o.symbol, o.side, report.price, report.qty, o.orderLinkId);
      this.#send(m, { type: 'create.accepted', orderId: o.orderId });
      this.#send(m, { type: 'venue.order', ...report });
      this.#log.info({ orderLinkId: o.orderLinkId, source }, 'adopted an open order of ours');
      return;
    }
    this.#d.metrics.orphanOrdersCancelled.inc({ symbol: o.symbol, source });
    this.#log.warn(
      { orderLinkId: o.orderLinkId, symbol: o.symbol, source },
      'cancelling an open order of ours this run does not know',
    );
    void this.#d.entry
      .cancel([{ symbol: o.symbol, orderLinkId: o.orderLinkId }])
      .then(([r]) => {
        if (r !== undefined) this.#count(o.symbol, 'cancel', r);
      })
      .finally(() => this.#strangersSeen.delete(o.orderLinkId));
  }

  /**
   * Start-up sweep: open orders of ours from an earlier run are cancelled (or adopted); foreign
   * orders are left alone. Throws when the venue cannot be queried (the bot must not start blind).
   */
  async sweep(symbols: readonly string[]): Promise<{ found: number }> {
    let found = 0;
    for (const symbol of symbols) {
      const open = await this.#d.venue.getOpenOrders({ symbol });
      for (const o of open) {
        if (!isOurOrder(this.#d.ids.prefix, o.orderLinkId) || !isOpenStatus(o.orderStatus)) continue;
        found++;
        this.#stranger(o, 'startup');
      }
    }
    this.#d.metrics.reconcileRuns.inc({ kind: 'startup' });
    return { found };
  }

  /**
   * Compares our orders of a symbol with the venue's open orders and corrects every difference:
   * a venue order of ours we do not know is cancelled (or adopted); an order we believe open that
   * the venue does not list (after a grace for pushes in flight) is asked for by id, and the
   * answer is fed to its machine.
   */
  async reconcile(symbol: string): Promise<number> {
    const { clock, timings, metrics } = this.#d;
    const now = clock.now();
    const open = await this.#d.venue.getOpenOrders({ symbol });
    metrics.reconcileRuns.inc({ kind: 'periodic' });
    let mismatches = 0;
    const listed = new Set<string>();
    for (const o of open) {
      if (!isOurOrder(this.#d.ids.prefix, o.orderLinkId)) continue;
      listed.add(o.orderLinkId);
      const m = this.#orders.get(o.orderLinkId);
      if (m === undefined) {
        mismatches++;
        metrics.reconcileMismatches.inc({ kind: 'unknown_open_order' });
        this.#stranger(o, 'reconcile');
        continue;
      }
      if (TERMINAL.has(m.state) && m.state !== 'unresolved') {
        mismatches++;
        metrics.reconcileMismatches.inc({ kind: 'closed_locally_open_on_venue' });
        const r = toReport(this.#inst(symbol), o);
        if (r !== undefined) this.#send(m, { type: 'venue.order', ...r });
      }
    }
    for (const m of [...this.#orders.values()]) {
      if (
        m.symbol !== symbol ||
        listed.has(m.orderLinkId) ||
        TERMINAL.has(m.state) ||
        m.state === 'reconciling'
      )
        continue;
      if (now - m.createdAt < timings.missingGraceMs) continue;
      if (m.state === 'pendingNew' || m.state === 'pendingAmend' || m.state === 'pendingCancel') continue;
      mismatches++;
      metrics.reconcileMismatches.inc({ kind: 'open_locally_missing_on_venue' });
      try {
        const r = await this.#query({ orderLinkId: m.orderLinkId, symbol });
        if (r.found)
          this.#send(m, {
            type: 'venue.order',
            status: r.status,
            orderId: r.orderId,
            price: r.price,
            qty: r.qty,
            cumQty: r.cumQty,
            rejectReason: r.rejectReason ?? '',
            cancelType: '',
          });
        else
          this.#send(m, {
            type: 'venue.order',
            status: 'Cancelled',
            orderId: m.actor.getSnapshot().context.orderId ?? '',
            price: 0,
            qty: 0,
            cumQty: 0,
            rejectReason: 'EC_OrderNotExist',
            cancelType: 'UNKNOWN',
          });
      } catch (err) {
        this.#log.warn({ err, orderLinkId: m.orderLinkId }, 'reconciliation query failed');
      }
    }
    if (mismatches > 0) this.#log.warn({ symbol, mismatches }, 'reconciliation corrected differences');
    return mismatches;
  }

  /**
   * Cancels every order of ours on the given symbols and verifies with a query, retrying until
   * none is left or the deadline passes. Foreign orders are never touched (cancel-all is followed
   * by a check of what remains, and only ours count).
   */
  async cancelAll(symbols: readonly string[], deadline: number): Promise<CancelAllResult> {
    const { clock, venue, timings } = this.#d;
    this.freeze();
    await this.settle();
    let remaining = Number.POSITIVE_INFINITY;
    for (let round = 0; ; round++) {
      remaining = 0;
      for (const symbol of symbols) {
        try {
          const all = await venue.getOpenOrders({ symbol });
          const open = all.filter(
            (o) => isOurOrder(this.#d.ids.prefix, o.orderLinkId) && isOpenStatus(o.orderStatus),
          );
          if (open.length === 0) continue;
          remaining += open.length;
          const foreign = all.some((o) => !isOurOrder(this.#d.ids.prefix, o.orderLinkId));
          // cancel-all would take foreign orders with it; cancel ours by id instead when others rest there.
          if (foreign) await this.#d.entry.cancel(open.map((o) => ({ symbol, orderLinkId: o.orderLinkId })));
          else await venue.cancelAllOrders(symbol);
        } catch (err) {
          remaining += 1;
          this.#log.warn({ err, symbol, round }, 'cancel-all attempt failed');
        }
      }
      if (remaining === 0 || clock.now() >= deadline) break;
      // The first check after a cancel is immediate (cancel-all is usually done when it answers);
      // later ones are spaced out.
      if (round === 0) continue;
      await new Promise<void>((resolve) =>
        clock.setTimeout(resolve, Math.min(timings.verifyPollMs, Math.max(0, deadline - clock.now()))),
      );
    }
    return { verified: remaining === 0, remaining };
  }

  /** Stops every order machine (at the very end of shutdown). */
  stop(): void {
    for (const m of this.#orders.values()) m.actor.stop();
    this.#orders.clear();
  }

  /** Counts our orders in flight or open per side, for the live-orders gauge. */
  countBySide(symbol: string): { Buy: number; Sell: number } {
    const out = { Buy: 0, Sell: 0 };
    for (const m of this.#orders.values()) if (m.symbol === symbol && !TERMINAL.has(m.state)) out[m.side]++;
    return out;
  }
}
