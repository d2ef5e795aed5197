/**
 * The order machine: the lifecycle of one order, spawned by the order manager (which batches the
 * REST/WS requests itself and tells this machine what it sent and what came back). Venue reality
 * is allowed for: an acknowledgement is not a resting order, fills are idempotent by execId and may
 * arrive before or after the order update that covers them, a cancel can lose the race against a
 * fill, and any request whose outcome is unknown sends the order to `reconciling`, which asks the
 * venue (the named actor `queryOrder`) instead of guessing.
 *
 * Quantities are integers in instrument units. `cumQty` is min(qty, max(sum of distinct fills,
 * cumQty the venue reported)): both views only grow, so neither double-counts the other.
 */
import { and, enqueueActions, setup, type EventObject } from 'xstate';
import { missingPromise } from './placeholders.js';

/** An order side, as Bybit spells it. */
export type Side = 'Buy' | 'Sell';

/** The order statuses the venue adapters report (Bybit's, narrowed to what linear orders use). */
export type VenueOrderStatus = 'New' | 'PartiallyFilled' | 'Filled' | 'Cancelled' | 'Rejected';

/** Bybit's rejectReason when a PostOnly order would have crossed. */
export const POST_ONLY_REJECT_REASON = 'EC_PostOnlyWillTakeLiquidity';

/** Bybit's retCode for "order does not exist or is too late to cancel". */
export const ORDER_GONE_CODE = 110001;

/** What an order machine is started with. */
export interface OrderInput {
  readonly orderLinkId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly price: number;
  readonly qty: number;
  /** Without a venue confirmation (order update or fill) for this long, pendingNew reconciles. */
  readonly ackTimeoutMs: number;
  /** Without a venue confirmation of a cancel for this long, pendingCancel reconciles. */
  readonly cancelTimeoutMs: number;
  /** Terminal states absorb late or duplicate venue messages for this long before `done`. */
  readonly settleMs: number;
  /** Failed queries before reconciling gives up to `unresolved`. */
  readonly maxReconcileAttempts: number;
  /** First retry delay of a failed query, doubled per failure up to 30 s (default 500). */
  readonly reconcileBackoffMs?: number;
}

/** An order update from the venue (WS order topic). */
export interface VenueOrderReport {
  readonly status: VenueOrderStatus;
  readonly orderId: string;
  readonly price: number;
  readonly qty: number;
  readonly cumQty: number;
  readonly rejectReason: string;
  readonly cancelType: string;
}

/** What `queryOrder` resolves with. */
export type QueryOrderOutput =
  | { readonly found: false }
  | {
      readonly found: true;
      readonly status: VenueOrderStatus;
      readonly orderId: string;
      readonly price: number;
      readonly qty: number;
      readonly cumQty: number;
      readonly rejectReason?: string;
    };

/** What `queryOrder` is started with. */
export interface QueryOrderInput {
  readonly orderLinkId: string;
  readonly symbol: string;
}

/** Every event the order machine accepts. */
export type OrderEvent =
  | { type: 'create.accepted'; orderId: string }
  | { type: 'create.rejected'; code: number; reason: string }
  | { type: 'create.unknown' }
  | { type: 'amend.sent'; price: number; qty: number }
  | { type: 'amend.accepted' }
  | { type: 'amend.rejected'; code: number; reason: string }
  | { type: 'amend.unknown' }
  | { type: 'cancel.sent' }
  | { type: 'cancel.rejected'; code: number }
  | { type: 'cancel.unknown' }
  | ({ type: 'venue.order' } & VenueOrderReport)
  | { type: 'venue.fill'; execId: string; qty: number; price: number; fee: number; isMaker: boolean };

/** The names notifyTransition reports (the leaf states, with reconciling as one). */
export type OrderStateName =
  | 'pendingNew'
  | 'new'
  | 'partiallyFilled'
  | 'pendingAmend'
  | 'pendingCancel'
  | 'reconciling'
  | 'cancelled'
  | 'filled'
  | 'rejected'
  | 'unresolved'
  | 'done';

/** How an order ended. */
export type OrderOutcome = 'filled' | 'cancelled' | 'rejected' | 'unresolved';

/** What an order keeps from its spawn to its end: who it is and how long it waits. */
export interface OrderFixed {
  readonly orderLinkId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly ackTimeoutMs: number;
  readonly cancelTimeoutMs: number;
  readonly settleMs: number;
  readonly maxReconcileAttempts: number;
  readonly reconcileBackoffMs: number;
}

/** The price, qty and cumQty when the pending amend was sent. */
export interface AmendFrom {
  readonly price: number;
  readonly qty: number;
  readonly cumQty: number;
}

/**
 * The order machine's context. Every assign copies it with Object.assign({}, context, patch), and
 * V8 turns an object built that way into a slow dictionary past about 19 properties (a copy then
 * costs 20 times more, and so does every read of it): what never changes is one field (`fixed`),
 * and the test keeps the count at 16 or fewer.
 */
export interface OrderContext {
  readonly fixed: OrderFixed;
  /** The price and qty last sent (optimistic during pendingAmend; restored if the amend fails). */
  readonly price: number;
  readonly qty: number;
  readonly orderId: string | null;
  /** create.accepted arrived (the request reached the venue). */
  readonly acknowledged: boolean;
  /** The venue reported the order (order update, fill or query): it exists. */
  readonly confirmed: boolean;
  readonly execIds: readonly string[];
  /** Sum of the distinct fills seen. */
  readonly execQty: number;
  /** The largest cumQty the venue reported. */
  readonly venueCumQty: number;
  readonly cumQty: number;
  readonly amendFrom: AmendFrom;
  /** An amend was sent and neither its outcome nor a venue report has settled it. */
  readonly amendPending: boolean;
  readonly rejectReason: string | null;
  readonly reconcileFailures: number;
  /** The state last reported by notifyTransition. */
  readonly state: OrderStateName;
  readonly outcome: OrderOutcome | null;
}

/** The machine's output when it is done. */
export interface OrderOutput {
  readonly orderLinkId: string;
  readonly orderId: string | null;
  readonly status: OrderOutcome;
  readonly cumQty: number;
  readonly price: number;
  readonly qty: number;
}

/** Where a venue report (order update or query result) puts the order. */
export type VenueTarget = 'new' | 'partiallyFilled' | 'filled' | 'cancelled' | 'rejected' | 'postOnly';

/** What venueTarget reads from an order update or a query result. */
export interface VenueReport {
  readonly status: VenueOrderStatus;
  readonly qty: number;
  readonly cumQty: number;
  readonly rejectReason?: string;
}

/**
 * Returns the state a venue report puts the order in, given what the machine already knows. Fills
 * the machine has seen count too: an order update that lags the executions (PartiallyFilled while
 * the fills already add up to qty) puts the order in filled. With `postOnly`, an unfilled order
 * cancelled with EC_PostOnlyWillTakeLiquidity counts as rejected (it never rested); without it, as
 * cancelled.
 */
export function venueTarget(context: OrderContext, report: VenueReport, postOnly: boolean): VenueTarget {
  const filled = Math.max(context.execQty, context.venueCumQty, report.cumQty);
  if (report.status === 'Rejected') return 'rejected';
  if (report.status === 'Filled' || filled >= report.qty) return 'filled';
  if (report.status === 'Cancelled')
    return postOnly && report.rejectReason === POST_ONLY_REJECT_REASON && filled === 0
      ? 'postOnly'
      : 'cancelled';
  return filled > 0 ? 'partiallyFilled' : 'new';
}

function reportOf(event: OrderEvent | { type: string; output?: unknown }): VenueReport | null {
  if (event.type === 'venue.order') return event as VenueReport;
  if (event.type === 'xstate.done.actor.queryOrder') {
    const out = (event as { output?: QueryOrderOutput }).output;
    if (out?.found === true) return out;
  }
  return null;
}

function cumOf(qty: number, execQty: number, venueCumQty: number): number {
  return Math.min(qty, Math.max(execQty, venueCumQty));
}

const RECONCILE_BACKOFF_CAP_MS = 30_000;

type TransitionParams = { orderLinkId: string; from: OrderStateName; to: OrderStateName };
type FillParams = { orderLinkId: string; execId: string; qty: number; price: number };
type RejectedParams = { orderLinkId: string; reason: string };
type LeafAction =
  | { type: 'notifyTransition'; params: TransitionParams }
  | { type: 'notifyFill'; params: FillParams }
  | { type: 'notifyRejected'; params: RejectedParams };

const enter = enqueueActions<
  OrderContext,
  OrderEvent,
  { to: OrderStateName },
  OrderEvent,
  never,
  LeafAction,
  never,
  never,
  EventObject
>(({ context, enqueue }, { to }) => {
  if (context.state !== to)
    enqueue({
      type: 'notifyTransition',
      params: { orderLinkId: context.fixed.orderLinkId, from: context.state, to },
    });
  const outcome =
    to === 'filled' || to === 'cancelled' || to === 'rejected' || to === 'unresolved' ? to : context.outcome;
  // An assign copies the whole context: re-entering the same state with the same outcome needs none.
  if (context.state !== to || context.outcome !== outcome) enqueue.assign({ state: to, outcome });
});

const recordFill = enqueueActions<
  OrderContext,
  OrderEvent,
  undefined,
  OrderEvent,
  never,
  LeafAction,
  never,
  never,
  EventObject
>(({ context, event, enqueue }) => {
  if (event.type !== 'venue.fill') return;
  const execQty = context.execQty + event.qty;
  enqueue.assign({
    execIds: [...context.execIds, event.execId],
    execQty,
    cumQty: cumOf(context.qty, execQty, context.venueCumQty),
    confirmed: true,
  });
  enqueue({
    type: 'notifyFill',
    params: {
      orderLinkId: context.fixed.orderLinkId,
      execId: event.execId,
      qty: event.qty,
      price: event.price,
    },
  });
});

/** Whether `patch` would change any field of `context`. */
function changes(context: OrderContext, patch: Partial<OrderContext>): boolean {
  for (const key of Object.keys(patch) as (keyof OrderContext)[])
    if (!Object.is(context[key], patch[key])) return true;
  return false;
}

/** What applyReport writes for an order update or a query result. */
function reportPatch(
  context: OrderContext,
  r: VenueOrderReport | Extract<QueryOrderOutput, { found: true }>,
) {
  const venueCumQty = Math.max(context.venueCumQty, r.cumQty);
  return {
    orderId: r.orderId,
    price: r.price,
    qty: r.qty,
    venueCumQty,
    cumQty: cumOf(r.qty, context.execQty, venueCumQty),
    confirmed: true,
    amendPending: false,
  };
}

const settle = (outcome: Exclude<OrderOutcome, 'unresolved'>) =>
  ({
    entry: { type: 'enter', params: { to: outcome } },
    after: { settle: '#order.done' },
  }) as const;

const is = (target: VenueTarget, postOnly = false) =>
  ({ type: 'isVenueTarget', params: { target, postOnly } }) as const;

/**
 * Transitions for a venue report (order update or query result), in priority order; `postOnly`
 * applies the PostOnly-reject rule. Every candidate is guarded, so a query that found nothing
 * matches none of them.
 */
const routeReport = (postOnly: boolean) => [
  ...(postOnly
    ? [
        {
          guard: is('postOnly', true),
          target: '#order.rejected',
          actions: ['applyReport', 'markPostOnly'],
        } as const,
      ]
    : []),
  { guard: is('filled'), target: '#order.filled', actions: 'applyReport' } as const,
  {
    guard: is('rejected'),
    target: '#order.rejected',
    actions: ['applyReport', 'markVenueRejected'],
  } as const,
  { guard: is('partiallyFilled'), target: '#order.open.partiallyFilled', actions: 'applyReport' } as const,
  { guard: is('new'), target: '#order.open.new', actions: 'applyReport' } as const,
  { guard: is('cancelled', postOnly), target: '#order.cancelled', actions: 'applyReport' } as const,
];

/** A fill: completes the order, or moves it to `partial`; repeated execIds match nothing. */
const onFill = (partial: string | null) => [
  { guard: 'isCompletingFill', target: '#order.filled', actions: 'recordFill' } as const,
  partial === null
    ? ({ guard: 'isNewFill', actions: 'recordFill' } as const)
    : ({ guard: 'isNewFill', target: partial, actions: 'recordFill' } as const),
];

const unknownOutcome = {
  'create.unknown': '#order.reconciling',
  'amend.unknown': '#order.reconciling',
  'cancel.unknown': '#order.reconciling',
} as const;

const base = setup({
  types: {
    context: {} as OrderContext,
    events: {} as OrderEvent,
    input: {} as OrderInput,
    output: {} as OrderOutput,
  },
  actors: {
    queryOrder: missingPromise<QueryOrderOutput, QueryOrderInput>('queryOrder'),
  },
  actions: {
    notifyTransition: (_, _params: TransitionParams) => {},
    notifyFill: (_, _params: FillParams) => {},
    notifyRejected: (_, _params: RejectedParams) => {},
  },
  guards: {
    isNewFill: ({ context, event }) =>
      event.type === 'venue.fill' && event.qty > 0 && !context.execIds.includes(event.execId),
    isCompletingFill: ({ context, event }) =>
      event.type === 'venue.fill' &&
      event.qty > 0 &&
      !context.execIds.includes(event.execId) &&
      Math.max(context.execQty + event.qty, context.venueCumQty) >= context.qty,
    isVenueTarget: ({ context, event }, params: { target: VenueTarget; postOnly: boolean }) => {
      const report = reportOf(event);
      return report !== null && venueTarget(context, report, params.postOnly) === params.target;
    },
    isKnownReport: ({ context, event }) =>
      event.type === 'venue.order' &&
      (context.state === 'new' || context.state === 'partiallyFilled') &&
      venueTarget(context, event, false) === context.state &&
      !changes(context, reportPatch(context, event)),
    isAmendConfirmation: ({ context, event }) =>
      event.type === 'venue.order' &&
      (event.status === 'New' || event.status === 'PartiallyFilled') &&
      event.price === context.price &&
      event.qty === context.qty,
    isOrderGone: ({ event }) => event.type === 'cancel.rejected' && event.code === ORDER_GONE_CODE,
    isConfirmed: ({ context }) => context.confirmed,
    hasFills: ({ context }) => context.cumQty > 0,
    hasFillsSinceAmend: ({ context }) => context.cumQty > context.amendFrom.cumQty,
    isAmendPending: ({ context }) => context.amendPending,
    isFilledAtPendingAmend: ({ context }) =>
      context.amendPending && Math.max(context.execQty, context.venueCumQty) >= context.amendFrom.qty,
    isFilledAtPrevious: ({ context }) =>
      Math.max(context.execQty, context.venueCumQty) >= context.amendFrom.qty,
    isFilledAtAmended: ({ context }) => context.cumQty >= context.qty,
    isLost: ({ context, event }) =>
      (event as { type: string }).type === 'xstate.done.actor.queryOrder' &&
      (event as { output?: QueryOrderOutput }).output?.found === false &&
      !context.acknowledged &&
      !context.confirmed,
    hasReconcileAttemptsLeft: ({ context }) =>
      context.reconcileFailures + 1 < context.fixed.maxReconcileAttempts,
  },
  delays: {
    ackTimeout: ({ context }) => context.fixed.ackTimeoutMs,
    cancelTimeout: ({ context }) => context.fixed.cancelTimeoutMs,
    settle: ({ context }) => context.fixed.settleMs,
    reconcileBackoff: ({ context }) =>
      Math.min(
        context.fixed.reconcileBackoffMs * 2 ** Math.min(context.reconcileFailures - 1, 30),
        RECONCILE_BACKOFF_CAP_MS,
      ),
  },
});

/** The order machine. */
export const orderMachine = base
  .extend({
    actions: {
      enter,
      recordFill,
      recordAck: base.assign(({ context, event }) => ({
        orderId: event.type === 'create.accepted' ? event.orderId : context.orderId,
        acknowledged: true,
      })),
      recordCreateRejected: base.assign(({ context, event }) => ({
        rejectReason: event.type === 'create.rejected' ? event.reason : context.rejectReason,
      })),
      // Most venue pushes repeat what the machine knows already (the update after an amend it
      // saw accepted): an assign copies the whole context, so these enqueue one only on a change.
      applyReport: base.enqueueActions(({ context, event, enqueue }) => {
        const report = event.type === 'venue.order' ? event : reportOf(event);
        if (report === null || !('orderId' in report)) return;
        const patch = reportPatch(context, report as VenueOrderReport);
        if (changes(context, patch)) enqueue.assign(patch);
      }),
      applyProgress: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'venue.order') return;
        const venueCumQty = Math.max(context.venueCumQty, event.cumQty);
        const patch = {
          orderId: event.orderId,
          venueCumQty,
          cumQty: cumOf(context.qty, context.execQty, venueCumQty),
          confirmed: true,
        };
        if (changes(context, patch)) enqueue.assign(patch);
      }),
      markPostOnly: base.assign({ rejectReason: 'post_only' }),
      markLost: base.assign({ rejectReason: 'lost' }),
      markVenueRejected: base.assign(({ event }) => {
        const reason = reportOf(event)?.rejectReason;
        return { rejectReason: reason !== undefined && reason !== '' ? reason : 'venue_rejected' };
      }),
      beginAmend: base.assign(({ context, event }) => {
        if (event.type !== 'amend.sent') return {};
        return {
          amendFrom: { price: context.price, qty: context.qty, cumQty: context.cumQty },
          amendPending: true,
          price: event.price,
          qty: event.qty,
          cumQty: cumOf(event.qty, context.execQty, context.venueCumQty),
        };
      }),
      restorePrevious: base.assign(({ context }) => ({
        price: context.amendFrom.price,
        qty: context.amendFrom.qty,
        cumQty: cumOf(context.amendFrom.qty, context.execQty, context.venueCumQty),
        amendPending: false,
      })),
      settleAmend: base.assign({ amendPending: false }),
      countReconcileFailure: base.assign(({ context }) => ({
        reconcileFailures: context.reconcileFailures + 1,
      })),
      rejectedNotice: base.enqueueActions(({ context, enqueue }) => {
        enqueue({
          type: 'notifyRejected',
          params: { orderLinkId: context.fixed.orderLinkId, reason: context.rejectReason ?? 'rejected' },
        });
      }),
    },
  })
  .createMachine({
    id: 'order',
    description:
      'One order from request to settlement. The venue is the truth: fills are idempotent by execId, cumQty never exceeds qty, and an unknown outcome is reconciled by querying.',
    context: ({ input }) => ({
      fixed: {
        orderLinkId: input.orderLinkId,
        symbol: input.symbol,
        side: input.side,
        ackTimeoutMs: input.ackTimeoutMs,
        cancelTimeoutMs: input.cancelTimeoutMs,
        settleMs: input.settleMs,
        maxReconcileAttempts: input.maxReconcileAttempts,
        reconcileBackoffMs: input.reconcileBackoffMs ?? 500,
      },
      price: input.price,
      qty: input.qty,
      orderId: null,
      acknowledged: false,
      confirmed: false,
      execIds: [],
      execQty: 0,
      venueCumQty: 0,
      cumQty: 0,
      amendFrom: { price: input.price, qty: input.qty, cumQty: 0 },
      amendPending: false,
      rejectReason: null,
      reconcileFailures: 0,
      state: 'pendingNew',
      outcome: null,
    }),
    initial: 'pendingNew',
    states: {
      pendingNew: {
        description:
          'Sent, not yet resting. create.accepted is only an acknowledgement; the order rests once the venue reports it (order update or fill). No report for ackTimeoutMs: reconcile. A PostOnly order cancelled with EC_PostOnlyWillTakeLiquidity is rejected (post_only).',
        entry: { type: 'enter', params: { to: 'pendingNew' } },
        after: { ackTimeout: '#order.reconciling' },
        on: {
          ...unknownOutcome,
          'create.accepted': { actions: 'recordAck' },
          'create.rejected': { target: 'rejected', actions: 'recordCreateRejected' },
          'venue.order': routeReport(true),
          'venue.fill': onFill('#order.open.partiallyFilled'),
          'cancel.sent': 'pendingCancel',
        },
      },
      open: {
        description: 'Resting on the book. Fills move new to partiallyFilled; the venue’s status wins.',
        initial: 'new',
        on: {
          ...unknownOutcome,
          'create.accepted': { actions: 'recordAck' },
          'amend.sent': { target: 'pendingAmend', actions: 'beginAmend' },
          'cancel.sent': 'pendingCancel',
          // Most updates repeat what the order knows (the one after an amend it saw accepted):
          // nothing to leave or enter for them.
          'venue.order': [{ guard: 'isKnownReport' }, ...routeReport(false)],
        },
        states: {
          new: {
            entry: { type: 'enter', params: { to: 'new' } },
            on: { 'venue.fill': onFill('partiallyFilled') },
          },
          partiallyFilled: {
            entry: { type: 'enter', params: { to: 'partiallyFilled' } },
            on: { 'venue.fill': onFill(null) },
          },
          history: { type: 'history', history: 'shallow' },
        },
      },
      pendingAmend: {
        description:
          'Amend sent; price/qty hold the new values, the previous ones are kept. Rejected: back to the previous open state (history) with the previous price/qty. Fills are recorded but only the venue or the amend outcome decides completion.',
        entry: { type: 'enter', params: { to: 'pendingAmend' } },
        after: { ackTimeout: '#order.reconciling' },
        on: {
          ...unknownOutcome,
          'amend.accepted': [
            { guard: 'isFilledAtAmended', target: 'filled', actions: 'settleAmend' },
            { guard: 'hasFills', target: '#order.open.partiallyFilled', actions: 'settleAmend' },
            { target: '#order.open.new', actions: 'settleAmend' },
          ],
          'amend.rejected': [
            { guard: 'isFilledAtPrevious', target: 'filled', actions: 'restorePrevious' },
            {
              guard: 'hasFillsSinceAmend',
              target: '#order.open.partiallyFilled',
              actions: 'restorePrevious',
            },
            { target: '#order.open.history', actions: 'restorePrevious' },
          ],
          'cancel.sent': 'pendingCancel',
          'venue.order': [
            { guard: is('filled'), target: 'filled', actions: 'applyReport' },
            { guard: is('cancelled'), target: 'cancelled', actions: 'applyReport' },
            { guard: is('rejected'), target: 'rejected', actions: ['applyReport', 'markVenueRejected'] },
            {
              guard: and(['isAmendConfirmation', is('partiallyFilled')]),
              target: '#order.open.partiallyFilled',
              actions: 'applyReport',
            },
            { guard: 'isAmendConfirmation', target: '#order.open.new', actions: 'applyReport' },
            { actions: 'applyProgress' },
          ],
          'venue.fill': { guard: 'isNewFill', actions: 'recordFill' },
        },
      },
      pendingCancel: {
        description:
          'Cancel sent. Confirmed by the venue (Cancelled), or overtaken by a fill (Filled). 110001 (already gone) or no confirmation for cancelTimeoutMs: reconcile. Another rejection: back where it was.',
        entry: { type: 'enter', params: { to: 'pendingCancel' } },
        after: { cancelTimeout: '#order.reconciling' },
        on: {
          ...unknownOutcome,
          'create.accepted': { actions: 'recordAck' },
          // A late amend outcome still tells which price/qty the order rests with.
          'amend.accepted': { actions: 'settleAmend' },
          'amend.rejected': [
            { guard: 'isFilledAtPendingAmend', target: 'filled', actions: 'restorePrevious' },
            { guard: 'isAmendPending', actions: 'restorePrevious' },
          ],
          'cancel.rejected': [
            { guard: 'isOrderGone', target: 'reconciling' },
            // The cancel failed while an amend is unsettled: which price/qty rests is unknown.
            { guard: 'isAmendPending', target: 'reconciling' },
            { guard: 'hasFills', target: '#order.open.partiallyFilled' },
            { guard: 'isConfirmed', target: '#order.open.history' },
            { target: 'pendingNew' },
          ],
          'venue.order': [
            { guard: is('postOnly', true), target: 'rejected', actions: ['applyReport', 'markPostOnly'] },
            { guard: is('filled'), target: 'filled', actions: 'applyReport' },
            { guard: is('cancelled', true), target: 'cancelled', actions: 'applyReport' },
            { guard: is('rejected'), target: 'rejected', actions: ['applyReport', 'markVenueRejected'] },
            { actions: 'applyReport' },
          ],
          'venue.fill': onFill(null),
        },
      },
      reconciling: {
        description:
          'The outcome of a request is unknown: ask the venue (queryOrder) and move to the state it reports. Not found and never acknowledged: rejected (lost). Query failures retry with a doubling backoff; after maxReconcileAttempts: unresolved (the manager escalates).',
        entry: { type: 'enter', params: { to: 'reconciling' } },
        initial: 'querying',
        on: {
          'create.accepted': { actions: 'recordAck' },
          'venue.order': routeReport(true),
          'venue.fill': onFill(null),
        },
        states: {
          querying: {
            invoke: {
              id: 'queryOrder',
              src: 'queryOrder',
              input: ({ context }) => ({
                orderLinkId: context.fixed.orderLinkId,
                symbol: context.fixed.symbol,
              }),
              onDone: [
                ...routeReport(true),
                { guard: 'isLost', target: '#order.rejected', actions: 'markLost' },
                { guard: 'hasReconcileAttemptsLeft', target: 'waiting', actions: 'countReconcileFailure' },
                { target: '#order.unresolved', actions: 'countReconcileFailure' },
              ],
              onError: [
                { guard: 'hasReconcileAttemptsLeft', target: 'waiting', actions: 'countReconcileFailure' },
                { target: '#order.unresolved', actions: 'countReconcileFailure' },
              ],
            },
          },
          waiting: {
            after: { reconcileBackoff: 'querying' },
          },
        },
      },
      cancelled: {
        description:
          'Settling for settleMs. A fill arriving now (the cancel lost the race) is recorded, and moves the order to filled if it completes the qty.',
        ...settle('cancelled'),
        on: {
          'venue.fill': onFill(null),
          'venue.order': {
            guard: is('filled'),
            target: 'filled',
            actions: 'applyReport',
          },
        },
      },
      filled: {
        description:
          'Settling for settleMs: absorbs everything; late fills with new execIds are still recorded.',
        ...settle('filled'),
        on: { 'venue.fill': { guard: 'isNewFill', actions: 'recordFill' } },
      },
      rejected: {
        description: 'Settling for settleMs: absorbs everything; a fill with a new execId is still recorded.',
        entry: [{ type: 'enter', params: { to: 'rejected' } }, 'rejectedNotice'],
        after: { settle: '#order.done' },
        on: { 'venue.fill': { guard: 'isNewFill', actions: 'recordFill' } },
      },
      done: {
        type: 'final',
        entry: { type: 'enter', params: { to: 'done' } },
      },
      unresolved: {
        type: 'final',
        description: 'The venue could not be asked; the manager escalates (the order may still exist).',
        entry: { type: 'enter', params: { to: 'unresolved' } },
      },
    },
    output: ({ context }) => ({
      orderLinkId: context.fixed.orderLinkId,
      orderId: context.orderId,
      status: context.outcome ?? 'unresolved',
      cumQty: context.cumQty,
      price: context.price,
      qty: context.qty,
    }),
  });
