import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { credentials } from '../../../src/adapters/secrets/secret.js';
import { HmacKey, hmacHex, signRest, signWsAuth } from '../../../src/adapters/bybit/sign.js';

// Vectors from docs/bybit-v5-protocol.md §2.2 (secret "simulator-test-secret", key "TESTKEY").
const creds = credentials('TESTKEY', 'simulator-test-secret');

describe('v5 signing', () => {
  it('signs a GET query string exactly as sent', () => {
    expect(signRest(creds, 1658384314791, 5000, 'category=linear&symbol=BTCUSDT')).toBe(
      '4b537d45bf6ec7fdc4f873016c4c17e00a010e269d276ed1b47ad772b0b014e2',
    );
  });

  it('signs a POST body exactly as sent', () => {
    const body =
      '{"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.001","price":"50000","timeInForce":"PostOnly","orderLinkId":"mm-1"}';
    expect(signRest(creds, 1658385579423, 5000, body)).toBe(
      '3d834cdfc305f5a043045a185d8bdb7ecc75925f070ed877bf8995732ba9f623',
    );
  });

  it('signs the WebSocket auth string', () => {
    expect(signWsAuth(creds, 1662350400000)).toBe(
      '0aa785c634ba324a0de8aa11b580671274572c913bc8ff8c740c3ed07b4aae17',
    );
    expect(hmacHex('simulator-test-secret', 'GET/realtime1662350400000')).toBe(
      signWsAuth(creds, 1662350400000),
    );
  });

  it('signs with the pads hashed once exactly as createHmac does, for any key and message', () => {
    // Keys shorter than, as long as and longer than SHA-256's 64-byte block (a longer key is
    // hashed first), in any characters; the same key signs many messages.
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 100 }),
        fc.array(fc.string({ unit: 'grapheme', maxLength: 300 }), { minLength: 1, maxLength: 4 }),
        (secret, messages) => {
          const key = new HmacKey(secret);
          for (const m of messages) expect(key.hex(m)).toBe(hmacHex(secret, m));
        },
      ),
      { numRuns: 500 },
    );
    for (const secret of ['k'.repeat(63), 'k'.repeat(64), 'k'.repeat(65), 'é'.repeat(40)])
      expect(new HmacKey(secret).hex('GET/realtime1')).toBe(hmacHex(secret, 'GET/realtime1'));
  });

  it('never prints the secret', () => {
    expect(String(creds.apiSecret)).toBe('[REDACTED]');
    expect(JSON.stringify(creds)).not.toContain('simulator-test-secret');
  });
});
