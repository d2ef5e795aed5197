/**
 * Outbound frames (protocol doc §4.3, §4.4, §4.6, §7). Public and private sockets carry the id as
 * `req_id`, the trade socket as `reqId`; pings are alike everywhere. Auth frames are the only ones
 * holding a secret-derived value, so they also have a redacted twin for recording.
 */
import type { WsType } from '../../metrics/metrics.js';

const idKey = (kind: WsType): 'req_id' | 'reqId' => (kind === 'trade' ? 'reqId' : 'req_id');

/** `{"req_id":"7","op":"ping"}`, the same on every endpoint (protocol doc §4.3). */
export function pingFrame(reqId: string): string {
  return JSON.stringify({ req_id: reqId, op: 'ping' });
}

/** `{"req_id":"8","op":"subscribe","args":[...topics]}`, likewise for unsubscribe. */
export function topicsFrame(
  op: 'subscribe' | 'unsubscribe',
  reqId: string,
  topics: readonly string[],
): string {
  return JSON.stringify({ req_id: reqId, op, args: topics });
}

/** `{"req_id":"9","op":"auth","args":[apiKey, expires, signature]}`. */
export function authFrame(
  kind: WsType,
  reqId: string,
  apiKey: string,
  expires: number,
  signature: string,
): string {
  return JSON.stringify({ [idKey(kind)]: reqId, op: 'auth', args: [apiKey, expires, signature] });
}

/** The auth frame with its key and signature replaced, for recorders. */
export function redactedAuthFrame(kind: WsType, reqId: string, expires: number): string {
  return authFrame(kind, reqId, '[REDACTED]', expires, '[REDACTED]');
}

/** A trade-socket request: `{reqId, header:{X-BAPI-TIMESTAMP, X-BAPI-RECV-WINDOW[, Referer]}, op, args}`. */
export function tradeRequestFrame(
  reqId: string,
  op: string,
  args: readonly unknown[],
  timestamp: number,
  recvWindowMs: number,
  referer: string | undefined,
): string {
  const header: Record<string, string> = {
    'X-BAPI-TIMESTAMP': String(timestamp),
    'X-BAPI-RECV-WINDOW': String(recvWindowMs),
  };
  if (referer !== undefined) header['Referer'] = referer;
  return JSON.stringify({ reqId, header, op, args });
}
