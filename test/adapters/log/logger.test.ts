import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/adapters/log/logger.js';
import { credentials } from '../../../src/adapters/secrets/secret.js';

function sink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { stream, lines };
}

describe('logger', () => {
  it('writes JSON lines with a child logger per component', () => {
    const { stream, lines } = sink();
    const log = createLogger({ level: 'info', stream }).child({ component: 'orders' });
    log.info({ orderLinkId: 'mm-1', side: 'Buy' }, 'order sent');
    const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(rec).toMatchObject({ level: 'info', component: 'orders', orderLinkId: 'mm-1', msg: 'order sent' });
  });

  it('redacts secret fields at any depth, and Secret values print as [REDACTED]', () => {
    const { stream, lines } = sink();
    const log = createLogger({ level: 'info', stream });
    const creds = credentials('KEY123456789', 'super-secret-value');
    log.info(
      {
        apiSecret: 'plain-secret-1',
        req: { headers: { 'X-BAPI-SIGN': 'deadbeef', 'X-BAPI-API-KEY': 'KEY123456789' } },
        nested: { deeper: { password: 'hunter22', token: 'tok-1' } },
        creds,
      },
      'request',
    );
    const text = lines.join('');
    for (const secret of [
      'plain-secret-1',
      'deadbeef',
      'KEY123456789',
      'hunter22',
      'tok-1',
      'super-secret-value',
    ])
      expect(text).not.toContain(secret);
    expect(text).toContain('[REDACTED]');
  });
});
