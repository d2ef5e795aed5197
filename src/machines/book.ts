/**
 * The book machine: one per symbol, tracking whether that symbol's order book can be trusted. The
 * book itself (levels, sequence numbers) lives outside XState in the feed actor; this machine only
 * receives control facts about it (`book.snapshot` applied, `book.activity` applied, `book.invalid`)
 * and about the public feed (`feed.down`, `feed.up`), and tells the rest of the bot when the book
 * becomes usable (`notifyLive`) and when it stops being usable (`notifyNotLive`, once per exit of
 * live). An invalid book asks the feed actor for a fresh snapshot (`requestResync`) and asks again
 * every resyncTimeoutMs until one arrives.
 */
import { setup } from 'xstate';

/** Why the feed actor declared a book invalid. */
export type InvalidReason = 'gap' | 'crossed' | 'malformed';

/** Why a resync is requested: an invalid book, a stale book, or no snapshot after feed.up. */
export type ResyncReason = InvalidReason | 'stale' | 'timeout';

/** Why a book stopped being live. */
export type NotLiveReason = InvalidReason | 'stale' | 'feed_down';

/** What a book machine is started with. */
export interface BookInput {
  readonly symbol: string;
  /** No `book.activity` for this long marks a live book stale, even while pings succeed. */
  readonly staleAfterMs: number;
  /** Resync requests repeat this often until a snapshot arrives. */
  readonly resyncTimeoutMs: number;
  /** Whether the public feed is already live when the machine starts (default false). */
  readonly feedUp?: boolean;
}

/** Every event the book machine accepts. */
export type BookEvent =
  | { type: 'book.snapshot' }
  | { type: 'book.activity' }
  | { type: 'book.invalid'; reason: InvalidReason }
  | { type: 'feed.down' }
  | { type: 'feed.up' };

/** The book machine's context. */
export interface BookContext {
  readonly symbol: string;
  readonly staleAfterMs: number;
  readonly resyncTimeoutMs: number;
  readonly feedUp: boolean;
  /** Why the book is (or was last) not live; also the reason of the pending resync. */
  readonly reason: ResyncReason | 'feed_down' | null;
}

const base = setup({
  types: {
    context: {} as BookContext,
    events: {} as BookEvent,
    input: {} as BookInput,
  },
  actions: {
    notifyLive: (_, _params: { symbol: string }) => {},
    notifyNotLive: (_, _params: { symbol: string; reason: NotLiveReason }) => {},
    requestResync: (_, _params: { symbol: string; reason: ResyncReason }) => {},
  },
  guards: {
    isFeedUp: ({ context }) => context.feedUp,
  },
  delays: {
    staleAfter: ({ context }) => context.staleAfterMs,
    resyncTimeout: ({ context }) => context.resyncTimeoutMs,
  },
});

/** The book machine. */
export const bookMachine = base
  .extend({
    actions: {
      markFeedUp: base.assign({ feedUp: true }),
      markFeedDown: base.assign({ feedUp: false, reason: 'feed_down' }),
      markInvalid: base.assign(({ event }) => ({
        reason: event.type === 'book.invalid' ? event.reason : null,
      })),
      markStale: base.assign({ reason: 'stale' }),
      markTimeout: base.assign({ reason: 'timeout' }),
      markStaleResync: base.assign({ reason: 'stale' }),
      clearReason: base.assign({ reason: null }),
      resync: base.enqueueActions(({ context, enqueue }) => {
        const reason = context.reason;
        if (reason !== null && reason !== 'feed_down')
          enqueue({ type: 'requestResync', params: { symbol: context.symbol, reason } });
      }),
      leaveLive: base.enqueueActions(({ context, event, enqueue }) => {
        // The exit runs before the transition's own actions, so the reason comes from the event.
        const reason: NotLiveReason =
          event.type === 'book.invalid' ? event.reason : event.type === 'feed.down' ? 'feed_down' : 'stale';
        enqueue({ type: 'notifyNotLive', params: { symbol: context.symbol, reason } });
      }),
    },
  })
  .createMachine({
    id: 'book',
    description:
      'Whether one symbol’s order book can be trusted. Hot data never enters: the feed actor applies frames and sends control facts only.',
    context: ({ input }) => ({
      symbol: input.symbol,
      staleAfterMs: input.staleAfterMs,
      resyncTimeoutMs: input.resyncTimeoutMs,
      feedUp: input.feedUp ?? false,
      reason: null,
    }),
    initial: 'syncing',
    on: {
      'feed.down': { target: '.syncing', actions: 'markFeedDown' },
      'book.invalid': { target: '.invalid', actions: 'markInvalid' },
    },
    states: {
      syncing: {
        description:
          'Waiting for a snapshot. Once the feed is up, a missing snapshot is requested again every resyncTimeoutMs.',
        after: {
          resyncTimeout: {
            guard: 'isFeedUp',
            target: 'syncing',
            reenter: true,
            actions: ['markTimeout', 'resync'],
          },
        },
        on: {
          'book.snapshot': 'live',
          'feed.up': { target: 'syncing', reenter: true, actions: 'markFeedUp' },
        },
      },
      live: {
        description:
          'Trusted. No book.activity for staleAfterMs marks it stale (a subscribed-but-silent topic). notifyNotLive runs once per exit.',
        entry: ['clearReason', { type: 'notifyLive', params: ({ context }) => ({ symbol: context.symbol }) }],
        exit: 'leaveLive',
        initial: 'receiving',
        on: { 'feed.up': { actions: 'markFeedUp' } },
        states: {
          receiving: {
            after: { staleAfter: { target: '#book.stale', actions: 'markStale' } },
            on: {
              'book.activity': { target: 'receiving', reenter: true },
              'book.snapshot': { target: 'receiving', reenter: true },
            },
          },
        },
      },
      stale: {
        description:
          'No data for staleAfterMs. Data or a snapshot brings it back; resyncTimeoutMs more of silence requests a fresh snapshot.',
        after: { resyncTimeout: { target: 'invalid', actions: 'markStaleResync' } },
        on: {
          'book.activity': 'live',
          'book.snapshot': 'live',
          'feed.up': { actions: 'markFeedUp' },
        },
      },
      invalid: {
        description:
          'A gap, a crossed book or a bad frame: the book is dropped until a fresh snapshot. Entry asks the feed actor to resubscribe (requestResync) and asks again every resyncTimeoutMs.',
        entry: 'resync',
        after: { resyncTimeout: { target: 'invalid', reenter: true } },
        on: {
          'book.snapshot': 'live',
          'book.invalid': {},
          'feed.up': { actions: 'markFeedUp' },
        },
      },
    },
  });
