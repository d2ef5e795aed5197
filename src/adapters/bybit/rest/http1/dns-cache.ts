/**
 * A DNS cache for new connections (connection_pool.ttl_dns_cache): the system resolver's answer
 * for a host name is kept for the TTL, so a reconnect storm does not become a resolver storm.
 * An answer is dropped early when a connection to it fails, so a moved endpoint is found again.
 */
import { lookup as systemLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';

interface Entry {
  readonly addresses: LookupAddress[];
  readonly until: number;
}

export class DnsCache {
  readonly #entries = new Map<string, Entry>();

  /** `ttlMs` 0 caches nothing; `now` is the wall clock (sockets live in real time). */
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly resolve: typeof systemLookup = systemLookup,
  ) {}

  /** A lookup for net.connect / tls.connect, which ask with `all` or without it. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const answer = (addresses: LookupAddress[]): void => {
      const family = options.family === 4 || options.family === 6 ? options.family : 0;
      const fit = family === 0 ? addresses : addresses.filter((a) => a.family === family);
      if (fit.length === 0) {
        const err = Object.assign(new Error(`no IPv${family} address for ${hostname}`), {
          code: 'ENOTFOUND',
        });
        callback(err, '', 0);
      } else if (options.all === true) {
        (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, fit);
      } else {
        callback(null, fit[0]!.address, fit[0]!.family);
      }
    };
    const hit = this.#entries.get(hostname);
    if (hit !== undefined && hit.until > this.now()) {
      process.nextTick(answer, hit.addresses);
      return;
    }
    const all: LookupAllOptions = {
      all: true,
      ...(options.hints === undefined ? {} : { hints: options.hints }),
    };
    this.resolve(hostname, all, (err, addresses) => {
      if (err !== null) {
        callback(err, '', 0);
        return;
      }
      if (this.ttlMs > 0) this.#entries.set(hostname, { addresses, until: this.now() + this.ttlMs });
      answer(addresses);
    });
  };

  /** Forgets a host's answer (a connection to it failed). */
  forget(hostname: string): void {
    this.#entries.delete(hostname);
  }
}
