/**
 * Signature checks of the simulated venue (docs/bybit-v5-protocol.md §2.2, §4.6). The simulator keeps
 * its own copy rather than importing the bot's signing adapter: it shares only domain/ with the bot,
 * so a signing bug in the bot cannot hide itself by being mirrored here.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Lower-case hex HMAC-SHA256. */
export function hmacHex(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message).digest('hex');
}

/** Compares a received hex signature with the expected one in constant time. */
export function signatureMatches(expected: string, received: string): boolean {
  if (expected.length !== received.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(received));
}
