/**
 * v5 retCodes (docs/bybit-v5-protocol.md §2.6) sorted into what the client does with them. The
 * original bot treated unknown codes as transient and retried them; here only the codes known to
 * be transient are, and every other non-zero code is a business refusal.
 */
import {
  AuthError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
  OrderNotFoundError,
  RateLimitedError,
  TimestampError,
  type BotError,
} from '../../../errors.js';

export const RET_OK = 0;
export const RET_TIMESTAMP = 10002;
export const RET_RATE_LIMITED = 10006;
const AUTH_CODES: ReadonlySet<number> = new Set([10003, 10004, 10005, 10007]);
const NOT_FOUND_CODES: ReadonlySet<number> = new Set([110001, 110008, 170213]);
const UNAVAILABLE_CODES: ReadonlySet<number> = new Set([10000, 10016]);

export type RetCodeClass =
  'ok' | 'rate_limited' | 'timestamp' | 'auth' | 'not_found' | 'unavailable' | 'rejected';

/** Sorts a retCode into the class that decides retry and error type. */
export function classifyRetCode(retCode: number): RetCodeClass {
  if (retCode === RET_OK) return 'ok';
  if (retCode === RET_RATE_LIMITED) return 'rate_limited';
  if (retCode === RET_TIMESTAMP) return 'timestamp';
  if (AUTH_CODES.has(retCode)) return 'auth';
  if (NOT_FOUND_CODES.has(retCode)) return 'not_found';
  if (UNAVAILABLE_CODES.has(retCode)) return 'unavailable';
  return 'rejected';
}

/**
 * The typed error of a non-zero retCode. `retryAfterMs` is used for 10006 only; `status` is the
 * HTTP status the code came with (200 for business errors).
 */
export function errorForRetCode(
  retCode: number,
  retMsg: string,
  endpoint: string,
  retryAfterMs: number,
  status = 200,
): BotError {
  switch (classifyRetCode(retCode)) {
    case 'rate_limited':
      return new RateLimitedError(retryAfterMs, endpoint);
    case 'timestamp':
      return new TimestampError(retMsg, endpoint);
    case 'auth':
      return new AuthError(retCode, retMsg, endpoint);
    case 'not_found':
      return new OrderNotFoundError(retCode, retMsg, endpoint);
    case 'unavailable':
      return new ExchangeUnavailableError(status, retCode, endpoint);
    case 'ok':
    case 'rejected':
      return new ExchangeRejectedError(retCode, retMsg, endpoint);
  }
}
