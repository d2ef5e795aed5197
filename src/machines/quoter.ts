/**
 * The quoter machine: one per symbol, deciding *when* to quote (the quote maths is pure domain
 * code the actor runs on `requote`). It quotes only while every condition holds: the book is live,
 * risk is not halted, the request budget is not spent, the operator has not paused it, and the
 * start-up reconciliation is done. Requotes are throttled to one per requoteIntervalMs; a market
 * move during the cool-down is remembered and served when the cool-down ends.
 *
 * Conditions live in context; each condition event is judged on the context it produces (the
 * pure `applyCondition`), so a transition never acts on a stale view.
 */
import { setup } from 'xstate';

/** The risk machine's state, as the quoter sees it. */
export type RiskState = 'active' | 'reducing' | 'halted';

/** Why the quoter is paused, most important first. */
export type PauseReason = 'risk' | 'book' | 'operator' | 'orders' | 'budget';

/** What a quoter machine is started with. */
export interface QuoterInput {
  readonly symbol: string;
  /** At most one requote per this many ms. */
  readonly requoteIntervalMs: number;
}

/** The conditions the quoter tracks. */
export interface QuoterConditions {
  readonly bookLive: boolean;
  readonly risk: RiskState;
  readonly budgetOk: boolean;
  readonly operatorPaused: boolean;
  readonly ordersReady: boolean;
}

/** The quoter machine's context. */
export interface QuoterContext extends QuoterConditions {
  readonly symbol: string;
  readonly requoteIntervalMs: number;
  /** A market move arrived during the cool-down. */
  readonly dirty: boolean;
  /** Why it is not quoting (null while quoting). */
  readonly pauseReason: PauseReason | null;
}

/** Condition events (facts and operator commands). */
export type ConditionEvent =
  | { type: 'book.live' }
  | { type: 'book.notLive' }
  | { type: 'risk.changed'; state: RiskState }
  | { type: 'budget.spent' }
  | { type: 'budget.available' }
  | { type: 'quotes.pause' }
  | { type: 'quotes.resume' }
  | { type: 'orders.ready' }
  | { type: 'orders.notReady' };

/**
 * Every event the quoter machine accepts. `requote.served`: the actor requoted a market move at
 * once, as `ready` allows (see Quoting.marketChanged); the cool-down starts without a second requote.
 */
export type QuoterEvent =
  ConditionEvent | { type: 'market.changed' } | { type: 'requote.served' } | { type: 'quoter.stop' };

/** Returns the conditions after a condition event (other events change nothing). */
export function applyCondition<T extends QuoterConditions>(c: T, event: { type: string }): T {
  const e = event as QuoterEvent;
  switch (e.type) {
    case 'book.live':
      return { ...c, bookLive: true };
    case 'book.notLive':
      return { ...c, bookLive: false };
    case 'risk.changed':
      return { ...c, risk: e.state };
    case 'budget.spent':
      return { ...c, budgetOk: false };
    case 'budget.available':
      return { ...c, budgetOk: true };
    case 'quotes.pause':
      return { ...c, operatorPaused: true };
    case 'quotes.resume':
      return { ...c, operatorPaused: false };
    case 'orders.ready':
      return { ...c, ordersReady: true };
    case 'orders.notReady':
      return { ...c, ordersReady: false };
    default:
      return c;
  }
}

/** Returns why quoting is not allowed, or null when it is. */
export function pauseReasonOf(c: QuoterConditions): PauseReason | null {
  if (c.risk === 'halted') return 'risk';
  if (!c.bookLive) return 'book';
  if (c.operatorPaused) return 'operator';
  if (!c.ordersReady) return 'orders';
  if (!c.budgetOk) return 'budget';
  return null;
}

/** Returns whether resting quotes must be pulled (not merely left alone, as for a spent budget). */
export function needsPull(c: QuoterConditions): boolean {
  return !c.bookLive || c.risk === 'halted' || c.operatorPaused || !c.ordersReady;
}

/** Condition events that can only make quoting possible (facts turning good). */
export const enablingEvents = ['book.live', 'budget.available', 'quotes.resume', 'orders.ready'] as const;

/** Condition events that can only make quoting impossible (facts turning bad). */
export const disablingEvents = ['book.notLive', 'budget.spent', 'quotes.pause', 'orders.notReady'] as const;

type ConditionType = ConditionEvent['type'];

/** The same transitions for several events. */
function onEach<K extends ConditionType, T>(types: readonly K[], transitions: T): Record<K, T> {
  return Object.fromEntries(types.map((type) => [type, transitions])) as Record<K, T>;
}

/** While not quoting: quote if the event makes every condition hold, else just record it. */
const quoteIfAllowed = [
  { guard: 'canQuoteAfter', target: '#quoter.quoting', actions: 'updateConditions' },
  { actions: 'updateConditions' },
] as const;

/**
 * Asks for a requote and clears the dirty mark: two plain actions rather than an enqueueActions,
 * which builds a dozen closures on every call (a requote is the quoter's most frequent step).
 */
const sendRequote = [
  'clearDirty',
  {
    type: 'requote',
    params: ({ context }: { context: QuoterContext }) => ({
      symbol: context.symbol,
      reduceOnly: context.risk === 'reducing',
    }),
  },
] as const;

const base = setup({
  types: {
    context: {} as QuoterContext,
    events: {} as QuoterEvent,
    input: {} as QuoterInput,
  },
  actions: {
    requote: (_, _params: { symbol: string; reduceOnly: boolean }) => {},
    pullQuotes: (_, _params: { symbol: string; reason: PauseReason }) => {},
  },
  guards: {
    canQuoteAfter: ({ context, event }) => pauseReasonOf(applyCondition(context, event)) === null,
    needsPullAfter: ({ context, event }) => needsPull(applyCondition(context, event)),
    isReduceOnlyChange: ({ context, event }) =>
      event.type === 'risk.changed' &&
      (event.state === 'reducing') !== (context.risk === 'reducing') &&
      pauseReasonOf(applyCondition(context, event)) === null,
    isDirty: ({ context }) => context.dirty,
  },
  delays: {
    requoteInterval: ({ context }) => context.requoteIntervalMs,
  },
});

/** The quoter machine. */
export const quoterMachine = base
  .extend({
    actions: {
      updateConditions: base.assign(({ context, event }) => {
        const next = applyCondition(context, event);
        return { ...next, pauseReason: pauseReasonOf(next) };
      }),
      markDirty: base.assign({ dirty: true }),
      clearDirty: base.assign({ dirty: false }),
      sendPull: base.enqueueActions(({ context, enqueue }) => {
        enqueue({
          type: 'pullQuotes',
          params: { symbol: context.symbol, reason: context.pauseReason ?? 'book' },
        });
      }),
      raiseMarketChanged: base.raise({ type: 'market.changed' }),
    },
  })
  .createMachine({
    id: 'quoter',
    description:
      'When to quote one symbol. Quoting needs bookLive && risk != halted && budgetOk && !operatorPaused && ordersReady.',
    options: { maxIterations: 1000 },
    context: ({ input }) => ({
      symbol: input.symbol,
      requoteIntervalMs: input.requoteIntervalMs,
      bookLive: false,
      risk: 'active',
      budgetOk: true,
      operatorPaused: false,
      ordersReady: false,
      dirty: false,
      pauseReason: 'book',
    }),
    initial: 'waiting',
    on: { 'quoter.stop': '.stopped' },
    states: {
      waiting: {
        description: 'Not quoted yet: waits until every condition holds (nothing to pull).',
        on: {
          ...onEach(enablingEvents, quoteIfAllowed),
          'risk.changed': quoteIfAllowed,
          ...onEach(disablingEvents, { actions: 'updateConditions' }),
        },
      },
      quoting: {
        description:
          'Requotes on entry and on market.changed, at most once per requoteIntervalMs; a change during the cool-down is served when it ends. A change of reduce-only (risk active ⇄ reducing) counts as a market change. In ready the actor may serve a move itself and report requote.served.',
        entry: sendRequote,
        initial: 'cooling',
        on: {
          'book.notLive': { target: '#quoter.paused.pulled', actions: 'updateConditions' },
          'quotes.pause': { target: '#quoter.paused.pulled', actions: 'updateConditions' },
          'orders.notReady': { target: '#quoter.paused.pulled', actions: 'updateConditions' },
          'budget.spent': { target: '#quoter.paused.holding', actions: 'updateConditions' },
          'risk.changed': [
            { guard: 'isReduceOnlyChange', actions: ['updateConditions', 'raiseMarketChanged'] },
            { guard: 'needsPullAfter', target: '#quoter.paused.pulled', actions: 'updateConditions' },
            { actions: 'updateConditions' },
          ],
        },
        states: {
          cooling: {
            description: 'Entered with a requote asked for (on entering quoting, or on the transition here).',
            after: {
              requoteInterval: [
                { guard: 'isDirty', target: 'cooling', reenter: true, actions: sendRequote },
                { target: 'ready' },
              ],
            },
            on: { 'market.changed': { actions: 'markDirty' } },
          },
          ready: {
            description:
              'A move is served at once: by the machine on market.changed, or by the actor, which requotes before it reports requote.served (the order leaves without waiting for this transition).',
            on: {
              'market.changed': { target: 'cooling', actions: sendRequote },
              'requote.served': 'cooling',
            },
          },
        },
      },
      paused: {
        description:
          'Not quoting, with a reason. Book not live, risk halted, operator pause or the order feed down (orders.notReady: fills and order updates cannot be seen): quotes are pulled (pullQuotes). A spent budget only stops new requests: resting quotes stay.',
        initial: 'holding',
        states: {
          holding: {
            description:
              'Only the budget is spent: send nothing, pull nothing. Every other condition holds here, so budget.available resumes quoting.',
            on: {
              'budget.available': { target: '#quoter.quoting', actions: 'updateConditions' },
              'book.notLive': { target: 'pulled', actions: 'updateConditions' },
              'quotes.pause': { target: 'pulled', actions: 'updateConditions' },
              'orders.notReady': { target: 'pulled', actions: 'updateConditions' },
              'risk.changed': [
                { guard: 'needsPullAfter', target: 'pulled', actions: 'updateConditions' },
                { actions: 'updateConditions' },
              ],
            },
          },
          pulled: {
            entry: 'sendPull',
            on: {
              ...onEach(
                ['book.live', 'budget.available', 'quotes.resume', 'orders.ready'] as const,
                quoteIfAllowed,
              ),
              'risk.changed': quoteIfAllowed,
              ...onEach(disablingEvents, { actions: 'updateConditions' }),
            },
          },
        },
      },
      stopped: { type: 'final' },
    },
  });
