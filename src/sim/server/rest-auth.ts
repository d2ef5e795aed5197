/**
 * REST authentication exactly as Bybit checks it (docs/bybit-v5-protocol.md §2.1–2.2): the key must
 * exist (10003), the timestamp must satisfy server_time - recv_window <= ts < server_time + 1000
 * (10002), and X-BAPI-SIGN must be the HMAC of timestamp + key + recvWindow + payload, where the
 * payload is the raw query string after `?` or the raw body bytes, never a re-serialisation (10004).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Account } from '../engine/accounts.js';
import type { Exchange } from '../engine/exchange.js';
import { SimReject } from '../engine/types.js';
import { hmacHex, signatureMatches } from './hmac.js';

const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The 10002 refusal, with the retMsg form Bybit uses. */
export function timestampReject(ts: string, now: number, recvWindow: string): SimReject {
  return new SimReject(
    10002,
    `invalid request, please check your server timestamp or recv_window param. req_timestamp[${ts}],server_timestamp[${now}],recv_window[${recvWindow}]`,
  );
}

/** Checks a timestamp against the recv window; undefined when it is acceptable. */
export function checkTimestamp(
  rawTs: string | undefined,
  rawWindow: string | undefined,
  now: number,
): SimReject | undefined {
  const recv = rawWindow ?? '5000';
  const ts = Number(rawTs);
  const window = Number(recv);
  if (rawTs === undefined || !Number.isFinite(ts) || !Number.isFinite(window) || window <= 0)
    return timestampReject(rawTs ?? '', now, recv);
  if (!(now - window <= ts && ts < now + 1000)) return timestampReject(rawTs, now, recv);
  return undefined;
}

/** Authenticates a private REST request; `payload` is the raw query string or body. */
export function authenticate(
  ex: Exchange,
  headers: IncomingHttpHeaders,
  payload: string,
  now: number,
): Account | SimReject {
  const key = header(headers, 'x-bapi-api-key');
  const account = key === undefined ? undefined : ex.accountByKey(key);
  if (key === undefined || account === undefined) return new SimReject(10003, 'API key is invalid.');
  const ts = header(headers, 'x-bapi-timestamp');
  const recv = header(headers, 'x-bapi-recv-window');
  const stale = checkTimestamp(ts, recv, now);
  if (stale !== undefined) return stale;
  const sign = header(headers, 'x-bapi-sign') ?? '';
  const expected = hmacHex(account.apiSecret, `${ts}${key}${recv ?? ''}${payload}`);
  if (!signatureMatches(expected, sign.toLowerCase()))
    return new SimReject(
      10004,
      `Error sign, please check your signature generation algorithm: origin_string[***${payload}]`,
    );
  return account;
}
