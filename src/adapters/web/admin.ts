/**
 * The admin endpoints (POST /admin/...): operator commands behind a token. The token lives in a
 * file (web.admin_token_file, read with the rules of the other secrets and re-read on every
 * request, so rotating it needs no restart); it is sent as `Authorization: Bearer <token>` or
 * `X-Admin-Token`, never in the URL, and compared in constant time over SHA-256 digests. Each
 * caller address gets a fixed number of requests per minute, counted before the token is checked
 * so guessing is as slow as using. Every request is audit-logged (who, what, when, outcome) and
 * the token never is. A wrong or missing token gets 401 and changes nothing; with no token file
 * configured every admin path answers 403 and says how to enable it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../domain/clock.js';
import type { Logger } from '../log/logger.js';
import { loadSecret, SecretError } from '../secrets/load.js';
import type { Secret } from '../secrets/secret.js';
import type { RouteHandler } from './metrics-server.js';

/** What an admin action answers. */
export interface AdminResult {
  /** HTTP status: 200 when done, 409 when the bot cannot do it now. */
  readonly status: number;
  readonly message: string;
  /** Anything else worth returning (the state reached...). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** One admin command. */
export type AdminAction = (request: {
  readonly caller: string;
  readonly query: URLSearchParams;
}) => AdminResult | Promise<AdminResult>;

/** One audit record; also kept in memory for /status and the page. */
export interface AuditEntry {
  /** Milliseconds since the epoch. */
  readonly at: number;
  /** The caller's address. */
  readonly caller: string;
  readonly action: string;
  /** ok, refused (the action declined), unauthorized, rate_limited, disabled, error. */
  readonly outcome: string;
  readonly status: number;
}

export interface AdminOptions {
  /** Path of the token file; empty disables the admin endpoints. */
  readonly tokenFile: string;
  readonly ratePerMin: number;
  readonly clock: Clock;
  /** Audit records go here, at info (ok) or warn (anything else). */
  readonly logger: Logger;
  /** Actions by name: '/admin/<name>' runs actions[name]. */
  readonly actions: Readonly<Record<string, AdminAction>>;
  /** Called once per request with its action and outcome (metrics). */
  readonly onOutcome?: (action: string, outcome: string) => void;
}

/** How many audit records /status keeps. */
const AUDIT_KEPT = 50;
const WINDOW_MS = 60_000;

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Compares two tokens in time independent of where they differ (digests have equal length). */
export function tokensEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The token a request presents, or undefined. */
function presentedToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m !== null) return m[1];
  }
  const header = req.headers['x-admin-token'];
  return typeof header === 'string' && header !== '' ? header : undefined;
}

/** Reads the token file; a missing or malformed file is a SecretError naming the key. */
export function readAdminToken(path: string): Secret {
  const token = loadSecret('ADMIN_TOKEN', { env: { ADMIN_TOKEN_FILE: path } });
  if (token === undefined) throw new SecretError('web.admin_token_file', `${path} holds no token`);
  if (token.reveal().length < 16)
    throw new SecretError('web.admin_token_file', `the token in ${path} is shorter than 16 characters`);
  return token;
}

/** The admin endpoints as a route, plus their recent audit records. */
export interface AdminRoute {
  readonly route: RouteHandler;
  /** Whether a token file is configured. */
  readonly enabled: boolean;
  /** The most recent audit records, newest last. */
  audit(): readonly AuditEntry[];
}

/** Builds the admin route. */
export function adminRoute(options: AdminOptions): AdminRoute {
  const { clock, logger } = options;
  const enabled = options.tokenFile !== '';
  const windows = new Map<string, { start: number; count: number }>();
  const audit: AuditEntry[] = [];

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  };

  const record = (entry: AuditEntry, extra: Record<string, unknown> = {}) => {
    audit.push(entry);
    if (audit.length > AUDIT_KEPT) audit.shift();
    options.onOutcome?.(entry.action, entry.outcome);
    const line = { audit: true, ...entry, at: new Date(entry.at).toISOString(), ...extra };
    if (entry.outcome === 'ok') logger.info(line, 'admin request');
    else logger.warn(line, 'admin request');
  };

  /** True when the caller still has requests left this minute (and counts this one). */
  const allow = (caller: string, now: number): { ok: boolean; retryAfterS: number } => {
    // Forget windows that ended, so the map holds only callers active this minute.
    for (const [k, w] of windows) if (now - w.start >= WINDOW_MS) windows.delete(k);
    const w = windows.get(caller) ?? { start: now, count: 0 };
    windows.set(caller, w);
    w.count++;
    return {
      ok: w.count <= options.ratePerMin,
      retryAfterS: Math.max(1, Math.ceil((w.start + WINDOW_MS - now) / 1000)),
    };
  };

  const route: RouteHandler = async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/admin/')) return false;
    const name = url.pathname.slice('/admin/'.length);
    const action = Object.hasOwn(options.actions, name) ? options.actions[name] : undefined;
    if (action === undefined) return false;
    const caller = req.socket.remoteAddress ?? 'unknown';
    const now = clock.now();
    const base = { at: now, caller, action: name };
    if (req.method !== 'POST') {
      send(res, 405, { error: `${url.pathname} accepts POST only` }, { allow: 'POST' });
      return true;
    }
    // Drain any body: commands take their arguments from the query string.
    req.resume();
    if (!enabled) {
      record({ ...base, outcome: 'disabled', status: 403 });
      send(res, 403, {
        error: 'admin endpoints are disabled: set web.admin_token_file to a file holding a token',
      });
      return true;
    }
    const quota = allow(caller, now);
    if (!quota.ok) {
      record({ ...base, outcome: 'rate_limited', status: 429 });
      send(
        res,
        429,
        { error: `more than ${options.ratePerMin} admin requests a minute from ${caller}` },
        { 'retry-after': String(quota.retryAfterS) },
      );
      return true;
    }
    let expected: Secret;
    try {
      expected = readAdminToken(options.tokenFile);
    } catch (err) {
      const message = err instanceof SecretError ? err.message : String(err);
      record({ ...base, outcome: 'error', status: 503 }, { reason: message });
      send(res, 503, { error: `the admin token cannot be read: ${message}` });
      return true;
    }
    const presented = presentedToken(req);
    if (presented === undefined || !tokensEqual(presented, expected.reveal())) {
      record({ ...base, outcome: 'unauthorized', status: 401 }, { tokenPresented: presented !== undefined });
      send(
        res,
        401,
        { error: 'a valid admin token is required (Authorization: Bearer <token>)' },
        { 'www-authenticate': 'Bearer realm="mm-bot admin"' },
      );
      return true;
    }
    let result: AdminResult;
    try {
      result = await action({ caller, query: url.searchParams });
    } catch (err) {
      record({ ...base, outcome: 'error', status: 500 }, { err });
      send(res, 500, { error: `the action failed: ${(err as Error).message}` });
      return true;
    }
    record({ ...base, outcome: result.status < 300 ? 'ok' : 'refused', status: result.status });
    send(res, result.status, { message: result.message, ...result.detail });
    return true;
  };

  return { route, enabled, audit: () => [...audit] };
}
