/**
 * Order entry: the requests the order manager sends, over REST batches by default or over the
 * WebSocket trade API (exchange.order_entry: ws) with REST as its fallback. Every item comes back
 * with an outcome the order machine understands; a request whose outcome is unknown (sent, then a
 * timeout or a server error) is reported as such, never as a rejection, so the order reconciles.
 */
import {
  ExchangeRejectedError,
  OrderNotFoundError,
  RateLimitedError,
  UnreachableError,
  isBotError,
  type BotError,
} from '../../errors.js';
import type { Side, TimeInForce } from '../../adapters/bybit/rest/requests.js';

export interface CreateItem {
  readonly symbol: string;
  readonly side: Side;
  readonly price: string;
  readonly qty: string;
  readonly orderLinkId: string;
  readonly timeInForce: TimeInForce;
  readonly reduceOnly: boolean;
}

export interface AmendItem {
  readonly symbol: string;
  readonly orderLinkId: string;
  readonly price?: string;
  readonly qty?: string;
}

export interface CancelItem {
  readonly symbol: string;
  readonly orderLinkId: string;
}

/** How one item fared. `unknown`: it may or may not have been executed. */
export type EntryResult =
  | { readonly ok: true; readonly orderId: string }
  | {
      readonly ok: false;
      readonly kind: 'rejected' | 'not_found' | 'not_sent' | 'unknown';
      readonly code: number;
      readonly msg: string;
    };

/**
 * Sends orders in batches. `onWrite`, when given, is called for each request at the latest as it
 * starts being written, so before any answer to it can be read; it may come sooner (a request
 * refused locally may call it), so it tells the caller when waiting no longer helps, not that
 * anything was sent.
 */
export interface OrderEntry {
  readonly name: 'rest' | 'ws';
  create(items: readonly CreateItem[], onWrite?: () => void): Promise<EntryResult[]>;
  amend(items: readonly AmendItem[], onWrite?: () => void): Promise<EntryResult[]>;
  cancel(items: readonly CancelItem[], onWrite?: () => void): Promise<EntryResult[]>;
}

/** Bybit's batch limit for linear orders. */
export const BATCH_LIMIT = 20;

/** Splits a list into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size = BATCH_LIMIT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The outcome of a whole request that failed, applied to each of its items. */
export function failureOf(error: unknown): EntryResult {
  if (error instanceof RateLimitedError)
    return { ok: false, kind: 'not_sent', code: 10006, msg: error.message };
  if (error instanceof UnreachableError)
    return { ok: false, kind: error.sent ? 'unknown' : 'not_sent', code: -1, msg: error.message };
  if (error instanceof OrderNotFoundError)
    return { ok: false, kind: 'not_found', code: error.retCode, msg: error.message };
  if (error instanceof ExchangeRejectedError)
    return { ok: false, kind: 'rejected', code: error.retCode, msg: error.retMsg };
  if (isBotError(error) && error.disposition === 'retry')
    return { ok: false, kind: 'not_sent', code: -1, msg: error.message };
  // Anything else (a bad answer, an auth failure mid-run): we cannot tell what happened.
  return { ok: false, kind: 'unknown', code: -1, msg: (error as Error).message ?? String(error) };
}

/** The outcome of one failed batch item from its typed error. */
export function itemFailure(code: number, msg: string, error: BotError): EntryResult {
  if (error instanceof OrderNotFoundError) return { ok: false, kind: 'not_found', code, msg };
  if (error instanceof RateLimitedError) return { ok: false, kind: 'not_sent', code, msg };
  if (error instanceof UnreachableError)
    return { ok: false, kind: error.sent ? 'unknown' : 'not_sent', code, msg };
  return { ok: false, kind: 'rejected', code, msg };
}

/** Runs `send` on each chunk in turn and concatenates the results in request order. */
export async function inChunks<T>(
  items: readonly T[],
  send: (batch: readonly T[]) => Promise<EntryResult[]>,
): Promise<EntryResult[]> {
  const out: EntryResult[] = [];
  for (const batch of chunk(items)) {
    try {
      out.push(...(await send(batch)));
    } catch (e) {
      const f = failureOf(e);
      for (let i = 0; i < batch.length; i++) out.push(f);
    }
  }
  return out;
}
