/**
 * Bybit v5 request signing (docs/bybit-v5-protocol.md §2.2, §4.6). REST signs
 * `timestamp + apiKey + recvWindow + payload`, where the payload is the exact query string after
 * `?` (GET) or the exact body bytes (POST): callers must sign the very string they send.
 */
import { createHmac } from 'node:crypto';
import type { Credentials } from '../secrets/secret.js';

/** Lower-case hex HMAC-SHA256. */
export function hmacHex(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message).digest('hex');
}

/** The X-BAPI-SIGN value of a REST request. */
export function signRest(creds: Credentials, timestamp: number, recvWindow: number, payload: string): string {
  return hmacHex(creds.apiSecret.reveal(), `${timestamp}${creds.apiKey.reveal()}${recvWindow}${payload}`);
}

/** The signature of a WebSocket auth frame for the given expiry (ms epoch, in the future). */
export function signWsAuth(creds: Credentials, expires: number): string {
  return hmacHex(creds.apiSecret.reveal(), `GET/realtime${expires}`);
}
