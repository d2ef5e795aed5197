/**
 * Identifiers drawn from a seeded source: UUID-shaped order, execution and trade ids (what Bybit
 * uses on linear contracts), xid-style connection ids for private sockets, trace ids, and API
 * credentials generated from the seed when none are given.
 */
import type { Rng } from '../domain/random.js';

const HEX = '0123456789abcdef';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const XID = '0123456789abcdefghijklmnopqrstuv';

function hex(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX[rng.int(16)];
  return s;
}

/** A version-4-shaped UUID. */
export function uuid(rng: Rng): string {
  const variant = HEX[8 + rng.int(4)];
  return `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-${variant}${hex(rng, 3)}-${hex(rng, 12)}`;
}

/** A 32-hex-digit trace id. */
export const traceId = (rng: Rng): string => hex(rng, 32);

/** A private/trade connection id: 20 xid characters, a dash and a base-36 counter. */
export function xidConnId(rng: Rng, counter: number): string {
  let s = '';
  for (let i = 0; i < 20; i++) s += XID[rng.int(32)];
  return `${s}-${counter.toString(36)}`;
}

function alnum(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[rng.int(ALNUM.length)];
  return s;
}

/** An API key and secret of Bybit's lengths (18 and 36 characters). */
export function generateCredentials(rng: Rng): { apiKey: string; apiSecret: string } {
  return { apiKey: alnum(rng, 18), apiSecret: alnum(rng, 36) };
}
