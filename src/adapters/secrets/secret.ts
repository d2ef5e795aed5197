/**
 * A secret value that never prints: toString, toJSON, util.inspect and string conversion all give
 * [REDACTED], so a key that reaches a log line, an error message or a JSON dump shows nothing. The
 * value sits in a private field, which spreading, Object.keys, structuredClone and JSON never see.
 * Only `reveal()` gives it, and only the code that uses it (signing, auth, the database driver)
 * calls that.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';

const REDACTED = '[REDACTED]';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    Object.freeze(this);
  }

  /** The value itself; call only where it is used (signing, auth). */
  reveal(): string {
    return this.#value;
  }

  /**
   * Whether `candidate` equals the secret, in time that depends on neither value: both are hashed
   * first, so even their lengths stay hidden (admin tokens).
   */
  matches(candidate: string): boolean {
    return timingSafeEqual(digest(candidate), digest(this.#value));
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** API credentials; the key is an identifier but still kept out of logs. */
export interface Credentials {
  readonly apiKey: Secret;
  readonly apiSecret: Secret;
}

export const credentials = (apiKey: string, apiSecret: string): Credentials => ({
  apiKey: new Secret(apiKey),
  apiSecret: new Secret(apiSecret),
});
