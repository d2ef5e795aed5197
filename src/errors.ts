/**
 * The error catalogue. Every error the bot raises on purpose is a BotError with a stable
 * `MM_<AREA>_<CONDITION>` code and a disposition telling the caller what to do next; payload facts
 * are fields, never parsed out of the message. docs/errors.md lists every code (a test keeps the
 * two in step). A retired code is never reused.
 */

export const errorCodes = {
  MM_CONFIG_INVALID: 'the configuration was refused before anything started',
  MM_SECRET_INVALID: 'a secret file or variable is missing, empty or malformed',
  MM_EXCHANGE_REJECTED: 'the exchange refused a request for a business reason; retrying will not help',
  MM_EXCHANGE_RATE_LIMITED: 'the exchange rate limit was hit (retCode 10006, HTTP 403 or 429)',
  MM_EXCHANGE_TIMESTAMP: 'the request timestamp fell outside the recv window (retCode 10002)',
  MM_EXCHANGE_AUTH: 'the API key or signature was refused (retCode 10003, 10004, 10005, 10007)',
  MM_EXCHANGE_UNAVAILABLE: 'the exchange answered with a server error (HTTP 5xx, retCode 10000 or 10016)',
  MM_EXCHANGE_UNREACHABLE:
    'the request did not reach the exchange or its answer never came: the outcome is unknown',
  MM_EXCHANGE_BAD_RESPONSE: 'the exchange answered with something that is not a valid v5 envelope',
  MM_ORDER_NOT_FOUND: 'the order does not exist or is already closed (retCode 110001, 110008, 170213)',
  MM_WS_HEARTBEAT_TIMEOUT: 'no pong arrived within the pong timeout',
  MM_WS_SUBSCRIBE_FAILED: 'the venue refused a subscription',
  MM_WS_AUTH_FAILED: 'the private or trade socket was refused at authentication',
  MM_WS_NOT_CONNECTED: 'a request was sent on a socket that is not open',
  MM_WS_REQUEST_TIMEOUT: 'a WebSocket request got no answer in time',
  MM_INVARIANT_BROKEN: 'an internal invariant was broken; the bot halts rather than guess',
  MM_RECORDING_UNREADABLE:
    'a recording cannot be replayed: missing, empty, without a session header, or of a newer format',
  MM_RECORDING_LINE_INVALID:
    'a recording line is truncated, corrupt or lacks its fields: skipped (with its line number), or fatal under --strict',
  MM_JOURNAL_UNAVAILABLE:
    'the trade journal database could not be opened, migrated or written: writes wait in a bounded queue and are retried',
  MM_SECURITY_ALLOWLIST_INVALID:
    'an allowlist of the secret scan or the dependency audit is malformed, or an entry lacks its reason or expiry',
  MM_AUDIT_UNAVAILABLE:
    'npm audit could not run or did not answer with an audit report: the dependencies are unchecked, so the audit fails',
  MM_SECRET_SCAN_FAILED: 'git could not list or read the repository the secret scan was asked to scan',
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** What the caller should do next. */
export type Disposition = 'retry' | 'give-up' | 'halt' | 'reconcile';

/** The base of every error this project raises on purpose. */
export class BotError extends Error {
  readonly code: ErrorCode;
  readonly disposition: Disposition;

  constructor(code: ErrorCode, message: string, disposition: Disposition, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.disposition = disposition;
  }
}

/** A configuration that failed validation; `issues` name each key with what was expected and found. */
export class ConfigError extends BotError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], source: string) {
    super(
      'MM_CONFIG_INVALID',
      `invalid configuration in ${source}:\n` +
        issues.map((i) => `  - ${i.key}: expected ${i.expected}, found ${i.found}`).join('\n'),
      'give-up',
    );
    this.issues = issues;
  }
}

export interface ConfigIssue {
  readonly key: string;
  readonly expected: string;
  readonly found: string;
}

/** The exchange answered with a non-zero retCode that retrying will not fix. */
export class ExchangeRejectedError extends BotError {
  constructor(
    readonly retCode: number,
    readonly retMsg: string,
    readonly endpoint: string,
  ) {
    super('MM_EXCHANGE_REJECTED', `${endpoint} rejected: retCode ${retCode} (${retMsg})`, 'give-up');
  }
}

/** The order named in a request is unknown to the exchange or already closed. */
export class OrderNotFoundError extends BotError {
  constructor(
    readonly retCode: number,
    readonly retMsg: string,
    readonly endpoint: string,
  ) {
    super('MM_ORDER_NOT_FOUND', `${endpoint}: order not found, retCode ${retCode} (${retMsg})`, 'reconcile');
  }
}

export class RateLimitedError extends BotError {
  constructor(
    readonly retryAfterMs: number,
    readonly endpoint: string,
    options?: { cause?: unknown },
  ) {
    super(
      'MM_EXCHANGE_RATE_LIMITED',
      `${endpoint} rate limited, retry after ${retryAfterMs} ms`,
      'retry',
      options,
    );
  }
}

export class TimestampError extends BotError {
  constructor(
    readonly retMsg: string,
    readonly endpoint: string,
  ) {
    super('MM_EXCHANGE_TIMESTAMP', `${endpoint}: timestamp outside recv window (${retMsg})`, 'retry');
  }
}

export class AuthError extends BotError {
  constructor(
    readonly retCode: number,
    readonly retMsg: string,
    readonly endpoint: string,
  ) {
    super('MM_EXCHANGE_AUTH', `${endpoint}: authentication refused, retCode ${retCode} (${retMsg})`, 'halt');
  }
}

export class ExchangeUnavailableError extends BotError {
  constructor(
    readonly status: number,
    readonly retCode: number | undefined,
    readonly endpoint: string,
  ) {
    super(
      'MM_EXCHANGE_UNAVAILABLE',
      `${endpoint}: exchange unavailable (HTTP ${status}${retCode === undefined ? '' : `, retCode ${retCode}`})`,
      'retry',
    );
  }
}

/**
 * The request may or may not have reached the exchange. For order requests the outcome is unknown
 * and must be reconciled by a query, never assumed.
 */
export class UnreachableError extends BotError {
  constructor(
    readonly endpoint: string,
    readonly sent: boolean,
    options?: { cause?: unknown },
  ) {
    super(
      'MM_EXCHANGE_UNREACHABLE',
      `${endpoint}: ${sent ? 'no answer (outcome unknown)' : 'could not connect'}`,
      sent ? 'reconcile' : 'retry',
      options,
    );
  }
}

export class BadResponseError extends BotError {
  constructor(
    readonly endpoint: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('MM_EXCHANGE_BAD_RESPONSE', `${endpoint}: bad response (${detail})`, 'reconcile', options);
  }
}

export class InvariantError extends BotError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MM_INVARIANT_BROKEN', message, 'halt', options);
  }
}

export const isBotError = (e: unknown): e is BotError => e instanceof BotError;
export const isRetryable = (e: unknown): boolean => e instanceof BotError && e.disposition === 'retry';
