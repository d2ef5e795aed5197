/**
 * A secret value that never prints: toString, toJSON and util.inspect all give [REDACTED], so a
 * key that reaches a log line, an error message or a JSON dump shows nothing. Only `reveal()`
 * gives the value, and only the signing code calls it.
 */
import { inspect } from 'node:util';

const REDACTED = '[REDACTED]';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value itself; call only where it is used (signing, auth). */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
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
