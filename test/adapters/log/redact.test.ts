import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findSecrets, isSecretToken, REDACTED, redact } from '../../../src/adapters/log/redact.js';
import {
  benignText,
  bybitKey,
  bybitSecret,
  hmacHex,
  messageWith,
  plantedSecret,
  randomToken,
} from './arbitraries.js';

describe('redact: the cases by name', () => {
  it('redacts "password: hunter22", which the original returned unchanged', () => {
    expect(redact('password: hunter22')).toBe(`password: ${REDACTED}`);
    expect(redact('password=hunter22')).toBe(`password=${REDACTED}`);
    expect(redact('db password = hunter22 retrying')).toBe(`db password = ${REDACTED} retrying`);
  });

  it('redacts key=value, key: value and JSON forms, quoted, escaped and in query strings', () => {
    expect(redact('{"password":"hunter 22","user":"mm"}')).toBe(`{"password":"${REDACTED}","user":"mm"}`);
    expect(redact('{\\"apiSecret\\":\\"abc\\"}')).toBe(`{\\"apiSecret\\":\\"${REDACTED}\\"}`);
    expect(redact("api_key='k1' token=t1&symbol=BTCUSDT")).toBe(
      `api_key='${REDACTED}' token=${REDACTED}&symbol=BTCUSDT`,
    );
    expect(redact('BYBIT_API_SECRET=s3cret, next')).toBe(`BYBIT_API_SECRET=${REDACTED}, next`);
  });

  it('leaves keys that only look alike, file paths to secrets, and placeholders', () => {
    for (const text of [
      'signal: SIGTERM',
      'design: flat',
      'tokens: 5',
      'passwordFile: /run/secrets/postgres_password',
      'BYBIT_API_KEY_FILE=/run/secrets/bybit_api_key',
      'token: null',
      'password=***',
      `password: ${REDACTED}`,
      'secretsDir: /run/secrets',
    ])
      expect(redact(text)).toBe(text);
  });

  it('redacts X-BAPI-SIGN and API-key headers and the key and signature of a WS auth frame', () => {
    const sig = 'a'.repeat(8) + '0123456789abcdef'.repeat(3) + 'deadbeef';
    expect(redact(`X-BAPI-SIGN: ${sig}`)).toBe(`X-BAPI-SIGN: ${REDACTED}`);
    expect(redact(`{"X-BAPI-API-KEY":"XyZ123abcDEF456ghi"}`)).toBe(`{"X-BAPI-API-KEY":"${REDACTED}"}`);
    const frame = JSON.stringify({ req_id: '3', op: 'auth', args: ['k', 1_700_000_000_000, 'short'] });
    expect(redact(frame)).toBe(
      JSON.stringify({ req_id: '3', op: 'auth', args: [REDACTED, 1_700_000_000_000, REDACTED] }),
    );
    expect(redact(frame)).toBe(redact(redact(frame)));
  });

  it('redacts bearer and Telegram bot tokens, JWTs and URL passwords', () => {
    expect(redact('Authorization: Bearer abc.DEF-123_x')).not.toContain('abc.DEF-123_x');
    expect(
      redact('GET https://api.telegram.org/bot123456789:AAEhBP0av28y5DqYxqPRYzK7xj0i2zU9sLw/getMe'),
    ).toBe(`GET https://api.telegram.org/bot${REDACTED}/getMe`);
    expect(redact('postgres://mm:pa55@db:5432/mm')).toBe(`postgres://mm:${REDACTED}@db:5432/mm`);
    expect(redact('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl x')).toBe(`${REDACTED} x`);
  });

  it('redacts e-mail and public addresses, keeping loopback, private and link-local ones', () => {
    expect(redact('ops@example.com from 8.8.8.8 and 2001:4860::8888')).toBe(
      `${REDACTED} from ${REDACTED} and ${REDACTED}`,
    );
    const kept =
      'listening on 127.0.0.1:8000, 10.1.2.3, 172.20.0.5, 192.168.1.9, [::1]:80, fe80::1, fd00::2 at 12:34:56';
    expect(redact(kept)).toBe(kept);
  });

  it('redacts Bybit keys and secrets, hex and base64 tokens by shape, and keeps identifiers', () => {
    expect(redact('key XyZ123abcDEF456ghi sent')).toBe(`key ${REDACTED} sent`);
    expect(redact('hash 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08')).toBe(
      `hash ${REDACTED}`,
    );
    expect(redact('tok dGhpcyBpcyBhIHNlY3JldA==')).toBe(`tok ${REDACTED}`);
    const kept =
      'at processTicksAndRejections (node:internal/process/task_queues:95:5) ws_reconnect_attempts_total ' +
      `MM_EXCHANGE_RATE_LIMITED /v5/order/create-batch reconcileIntervalMs XMLHttpRequest file://${join(tmpdir(), 'mm-bot-Xa3fQp', 'bot.log')}`;
    expect(redact(kept)).toBe(kept);
    expect(isSecretToken('parseJSONResponseBody')).toBe(false);
    expect(redact('data/recordings/2026-11-29T11-11-48-349Z-p24636/0001.jsonl')).toBe(
      'data/recordings/2026-11-29T11-11-48-349Z-p24636/0001.jsonl',
    );
    expect(redact('see https://github.com/advisories/GHSA-jrc7-96c5-q579')).toBe(
      'see https://github.com/advisories/GHSA-jrc7-96c5-q579',
    );
  });

  it('redacts order ids only when configured', () => {
    const text = 'orderId=550e8400-e29b-41d4-a716-446655440000 orderLinkId: mm-17';
    expect(redact(text)).toBe(text);
    expect(redact(text, { orderIds: true })).toBe(`orderId=${REDACTED} orderLinkId: ${REDACTED}`);
  });

  it('redacts tokens of other services by their prefixes', () => {
    for (const token of [
      'AKIAIOSFODNN7EXAMPLE',
      `ghp_${'a1B2'.repeat(9)}`,
      'xoxb-1234567890-abcdefghij',
      `sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`,
      `AIza${'SyA-1234567890abcdefghijklmnopqrstu'}`,
    ])
      expect(redact(`using ${token} now`)).toBe(`using ${REDACTED} now`);
  });

  it('redacts a whole PEM private key', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    expect(redact(`key:\n${pem}\nend`)).toBe(`key:\n${REDACTED}\nend`);
  });

  it('names the rule that fired', () => {
    expect(findSecrets('password: hunter22 from ops@example.com')).toEqual(['key-value', 'email']);
    expect(findSecrets('all quiet')).toEqual([]);
  });
});

describe('redact: properties', () => {
  it('a generated secret planted anywhere in a message never survives', () => {
    fc.assert(
      fc.property(messageWith(plantedSecret), ({ text, secrets }) => {
        const out = redact(text);
        for (const s of secrets) expect(out).not.toContain(s);
      }),
      { numRuns: 2_000 },
    );
  });

  it('Bybit keys, secrets, HMAC signatures and random tokens never survive, however many', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(bybitKey, bybitSecret, hmacHex, randomToken), { minLength: 1, maxLength: 5 }),
        benignText,
        (secrets, filler) => {
          const out = redact(`${filler} ${secrets.join(' ')} ${filler}`);
          for (const s of secrets) expect(out).not.toContain(s);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('text without secrets comes back unchanged', () => {
    fc.assert(
      fc.property(benignText, (text) => {
        expect(redact(text)).toBe(text);
      }),
      { numRuns: 3_000 },
    );
  });

  it('redacting twice changes nothing more', () => {
    fc.assert(
      fc.property(messageWith(plantedSecret), ({ text }) => {
        const once = redact(text);
        expect(redact(once)).toBe(once);
      }),
      { numRuns: 1_000 },
    );
  });
});
