/**
 * Every machine of the bot, by name, with a one-line summary: what `npm run machines` exports and
 * what the export test checks.
 */
import type { AnyStateMachine } from 'xstate';
import { bookMachine } from './book.js';
import { connectionMachine } from './connection.js';
import { orderMachine } from './order.js';
import { disablingEvents, enablingEvents, quoterMachine } from './quoter.js';
import { riskMachine } from './risk.js';
import { rootChildNames, rootMachine } from './root.js';
import { shutdownMachine } from './shutdown.js';
import { soakMachine } from './soak.js';

/** One entry of the catalogue. */
export interface CatalogueEntry {
  readonly name: string;
  readonly file: string;
  readonly summary: string;
  readonly machine: AnyStateMachine;
  /** The named actors and actions the actor layer provides with `machine.provide` (the rest are pure). */
  readonly effects: { readonly actors: readonly string[]; readonly actions: readonly string[] };
  /** Named sets of events the diagram shows under one name. */
  readonly eventGroups?: Readonly<Record<string, readonly string[]>>;
}

/** The machines, in the order the docs list them. */
export const machineCatalogue: readonly CatalogueEntry[] = [
  {
    name: 'connection',
    file: 'src/machines/connection.ts',
    summary:
      'One WebSocket (public, private, trade): handshake, live/stale watchdog, jittered backoff, give-up.',
    machine: connectionMachine,
    effects: {
      actors: ['socket'],
      actions: ['countReconnectAttempt', 'countGiveUp', 'notifyLive', 'notifyDown', 'notifyStale'],
    },
  },
  {
    name: 'book',
    file: 'src/machines/book.ts',
    summary: 'Whether one symbol’s order book can be trusted: syncing, live, stale, invalid (resync).',
    machine: bookMachine,
    effects: { actors: [], actions: ['notifyLive', 'notifyNotLive', 'requestResync'] },
  },
  {
    name: 'order',
    file: 'src/machines/order.ts',
    summary:
      'One order from request to settlement, with idempotent fills and reconciliation of unknown outcomes.',
    machine: orderMachine,
    effects: { actors: ['queryOrder'], actions: ['notifyTransition', 'notifyFill', 'notifyRejected'] },
  },
  {
    name: 'quoter',
    file: 'src/machines/quoter.ts',
    summary:
      'When to quote one symbol: waiting, quoting (throttled requotes), paused (with or without pulling).',
    machine: quoterMachine,
    effects: { actors: [], actions: ['requote', 'pullQuotes'] },
    eventGroups: { '(a fact turns good)': enablingEvents, '(a fact turns bad)': disablingEvents },
  },
  {
    name: 'risk',
    file: 'src/machines/risk.ts',
    summary: 'Risk state with memory: active, reducing, halted (sticky kill switch until reset).',
    machine: riskMachine,
    effects: { actors: [], actions: ['notifyRisk', 'cancelAll', 'requestExit'] },
  },
  {
    name: 'shutdown',
    file: 'src/machines/shutdown.ts',
    summary: 'The ordered shutdown of DESIGN §6, each step bounded by its own timeout.',
    machine: shutdownMachine,
    effects: {
      actors: ['stopQuoter', 'cancelAllOrders', 'closePrivate', 'closePublic', 'flush', 'stopWeb'],
      actions: ['stepStarted', 'stepEnded'],
    },
  },
  {
    name: 'root',
    file: 'src/machines/root.ts',
    summary: 'The supervisor: start-up, children with a restart budget, escalation to shutdown, exit code.',
    machine: rootMachine,
    effects: { actors: ['startup', 'shutdown', ...rootChildNames], actions: ['childRestarted', 'escalated'] },
  },
  {
    name: 'soak',
    file: 'src/machines/soak.ts',
    summary:
      'A soak run: preparing, running with periodic checkpoints, stopping the bot, analysing, passed or failed.',
    machine: soakMachine,
    effects: {
      actors: ['prepare', 'monitor', 'watchBot', 'checkpoint', 'stopBot', 'analyse'],
      actions: ['announce'],
    },
  },
];
