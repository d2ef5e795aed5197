/**
 * One quoter machine per symbol, and the requote that binds it to the world: read the book and
 * the position, compute the desired ladder (pure domain), and hand it to the order manager. The
 * machines decide when; this decides nothing of its own.
 */
import { createActor, type Actor, type InspectionEvent, type Observer } from 'xstate';
import type { Clock } from '../domain/clock.js';
import type { Instrument } from '../domain/instrument.js';
import { computeQuotes, NO_QUOTES } from '../domain/strategy/quotes.js';
import type { QuoteParams } from '../domain/strategy/params.js';
import { quoterMachine, type QuoterEvent, type RiskState } from '../machines/quoter.js';
import type { Logger } from '../adapters/log/logger.js';
import type { Metrics } from '../adapters/metrics/metrics.js';
import type { MarketData } from './market/market-data.js';
import type { OrderManager } from './orders/order-manager.js';
import type { Portfolio } from './portfolio.js';

export interface QuotingDeps {
  readonly symbols: readonly string[];
  readonly instruments: ReadonlyMap<string, Instrument>;
  readonly params: ReadonlyMap<string, QuoteParams>;
  readonly requoteIntervalMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly market: MarketData;
  readonly orders: OrderManager;
  readonly portfolio: Portfolio;
  readonly inspect?: Observer<InspectionEvent> | ((e: InspectionEvent) => void) | undefined;
  /** The machine's state changed (for the machine-state gauge and the status line). */
  readonly onState?: (symbol: string, state: string) => void;
}

const QUOTER_STATES = ['waiting', 'quoting', 'paused', 'stopped'];
/** How soon a pull looks again for orders that were in flight the first time. */
const PULL_RETRY_MS = 250;

export class Quoting {
  readonly #d: QuotingDeps;
  readonly #quoters = new Map<string, Actor<typeof quoterMachine>>();
  /** Symbols whose move is being served (see marketChanged), and whether another came meanwhile. */
  readonly #serving = new Map<string, boolean>();

  constructor(deps: QuotingDeps) {
    this.#d = deps;
    for (const symbol of deps.symbols) {
      const actor = createActor(
        quoterMachine.provide({
          actions: {
            // Deferred out of the machine's action: the requote drives other actors (the order
            // machines), which must not run inside this one's transition.
            requote: (_, p: { symbol: string; reduceOnly: boolean }) =>
              queueMicrotask(() => this.#requote(p.symbol, p.reduceOnly)),
            pullQuotes: (_, p: { symbol: string; reason: string }) =>
              queueMicrotask(() => this.#pull(p.symbol, p.reason)),
          },
        }),
        {
          clock: deps.clock,
          input: { symbol, requoteIntervalMs: deps.requoteIntervalMs },
          ...(deps.inspect === undefined ? {} : { inspect: deps.inspect }),
        },
      );
      // Every event notifies, most without a change of state: the gauge is set on changes only.
      let last: string | undefined;
      actor.subscribe((s) => {
        const state = typeof s.value === 'string' ? s.value : (Object.keys(s.value)[0] ?? '');
        if (state === last) return;
        last = state;
        deps.metrics.setMachineState(`quoter.${symbol}`, state, QUOTER_STATES);
        deps.onState?.(symbol, state);
      });
      this.#quoters.set(symbol, actor);
    }
  }

  start(): void {
    for (const q of this.#quoters.values()) q.start();
  }

  /** Sends an event to one symbol's quoter, or to all of them. */
  send(event: QuoterEvent, symbol?: string): void {
    // A stopped quoter (shutdown) takes no more events; XState would only warn on the console.
    for (const [s, q] of this.#quoters)
      if ((symbol === undefined || s === symbol) && q.getSnapshot().status === 'active') q.send(event);
  }

  /**
   * The market of a symbol moved. Sent only where the quoter acts on it (ready, or cooling and not
   * yet dirty): elsewhere the event is a no-op, and book pushes come every few milliseconds, so
   * sending it anyway would run the machine, its subscribers and inspector for nothing.
   *
   * In `ready` the machine serves a move at once, so the requote runs here and the machine hears
   * `requote.served` once the order request is being written: tick-to-order waits neither for a
   * state transition, its timer and subscribers, nor (over REST, on a connection not yet ready)
   * for the connection. Until then the machine is still `ready`: a
   * move in between is held here and handed to it as it starts cooling down, as it would have
   * been. (Nothing runs a transition here: this is called from the socket's frame handler.)
   */
  marketChanged(symbol: string): void {
    const q = this.#quoters.get(symbol);
    if (q === undefined) return;
    const serving = this.#serving.get(symbol);
    if (serving !== undefined) {
      if (!serving) this.#serving.set(symbol, true);
      return;
    }
    const s = q.getSnapshot();
    if (s.status !== 'active') return;
    const v = s.value;
    if (typeof v === 'string' || !('quoting' in v)) return;
    if (v.quoting === 'ready') {
      this.#serving.set(symbol, false);
      this.#requote(symbol, s.context.risk === 'reducing', () => {
        const moved = this.#serving.get(symbol) === true;
        this.#serving.delete(symbol);
        // Stopped meanwhile (shutdown): nothing to tell.
        if (q.getSnapshot().status !== 'active') return;
        q.send({ type: 'requote.served' });
        if (moved) this.marketChanged(symbol);
      });
      return;
    }
    if (v.quoting === 'cooling' && s.context.dirty) return;
    q.send({ type: 'market.changed' });
  }

  riskChanged(state: RiskState): void {
    this.send({ type: 'risk.changed', state });
  }

  /** Stops quoting for good (shutdown); the machines reach their final state. */
  stop(): void {
    this.send({ type: 'quoter.stop' });
  }

  /** The quoter's top-level state (waiting, quoting, paused, stopped). */
  state(symbol: string): string {
    const v = this.#quoters.get(symbol)?.getSnapshot().value;
    if (v === undefined) return 'none';
    return typeof v === 'string' ? v : (Object.keys(v)[0] ?? 'none');
  }

  /** Requotes a symbol; `onWritten` as OrderManager.requote, and also when there is nothing to quote on. */
  #requote(symbol: string, reduceOnly: boolean, onWritten?: () => void): void {
    let handed = false;
    try {
      const d = this.#d;
      const market = d.market.marketInput(symbol);
      const inst = d.instruments.get(symbol);
      const params = d.params.get(symbol);
      if (market === undefined || inst === undefined || params === undefined) return;
      const quotes = computeQuotes(
        params,
        market,
        { positionUnits: d.portfolio.positionOf(symbol), mode: reduceOnly ? 'reducing' : 'normal' },
        inst,
      );
      d.metrics.quotes.inc({ symbol });
      if (Number.isFinite(quotes.spreadBps)) d.metrics.quoteSpread.set({ symbol }, quotes.spreadBps);
      if (Number.isFinite(quotes.skewBps)) d.metrics.quoteSkew.set({ symbol }, quotes.skewBps);
      handed = true;
      d.orders
        .requote(symbol, quotes, onWritten)
        .catch((err: unknown) => d.logger.error({ err, symbol }, 'requote failed'));
    } finally {
      // A quoter waiting for requote.served must hear it whatever happened here.
      if (!handed) onWritten?.();
    }
  }

  /**
   * Cancels our quotes of a symbol. Orders still in flight cannot be cancelled yet, so the pull
   * repeats until none of ours is left or quoting resumes.
   */
  #pull(symbol: string, reason: string, attempt = 0): void {
    const d = this.#d;
    if (attempt === 0) d.logger.info({ symbol, reason }, 'pulling quotes');
    d.orders
      .requote(symbol, NO_QUOTES)
      .then(() => {
        if (this.state(symbol) === 'quoting' || d.orders.liveOrders(symbol).length === 0) return;
        d.clock.setTimeout(() => {
          if (this.state(symbol) !== 'quoting') this.#pull(symbol, reason, attempt + 1);
        }, PULL_RETRY_MS);
      })
      .catch((err: unknown) => d.logger.error({ err, symbol }, 'pulling quotes failed'));
  }
}
