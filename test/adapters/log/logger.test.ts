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

  it('redacts free text: messages after interpolation, string fields, error messages, stacks and causes', () => {
    const { stream, lines } = sink();
    const log = createLogger({ level: 'debug', stream });
    const key = 'XyZ123abcDEF456ghi';
    const sig = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
    log.info('connecting with password=hunter22x');
    log.debug('signed %s for %s', sig, 'order');
    log.warn({ detail: `X-BAPI-API-KEY: ${key}` }, 'request refused');
    const reply = { retCode: 10003, retMsg: `invalid api key ${key}`, list: [{ note: `sig ${sig}` }] };
    log.warn({ reply }, 'auth refused');
    expect(reply.retMsg).toContain(key); // the caller's object is left as it was
    const cause = new Error(`auth frame {"op":"auth","args":["${key}",1700000000000,"${sig}"]}`);
    log.error({ err: new Error(`auth failed for ${key}`, { cause }) }, 'private socket refused');
    log.error(new Error(`token=${sig}`));
    const text = lines.join('');
    for (const secret of [key, sig, 'hunter22x']) expect(text).not.toContain(secret);
    const records = lines.map((l) => JSON.parse(l) as { msg: string });
    expect(records[0]!.msg).toBe('connecting with password=[REDACTED]');
    expect(records[1]!.msg).toBe('signed [REDACTED] for order');
  });

  it('censors secret-named fields three levels down, in any spelling, even with free-text redaction off', () => {
    const { stream, lines } = sink();
    const log = createLogger({ level: 'info', stream, redaction: false });
    log.info(
      { a: { b: { c: { PASSWORD: 'pw1', 'x-admin-token': 'at1' } } }, list: [{ api_secret: 's1' }] },
      'x',
    );
    const rec = JSON.parse(lines[0]!) as {
      a: { b: { c: Record<string, string> } };
      list: Record<string, string>[];
    };
    expect(rec.a.b.c).toEqual({ PASSWORD: '[REDACTED]', 'x-admin-token': '[REDACTED]' });
    expect(rec.list[0]).toEqual({ api_secret: '[REDACTED]' });
  });

  it('keeps messages without secrets as they are', () => {
    const { stream, lines } = sink();
    const log = createLogger({ level: 'info', stream });
    log.info({ symbol: 'BTCUSDT', url: 'ws://127.0.0.1:8000/v5/public/linear' }, 'socket %s live', 'public');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      msg: 'socket public live',
      url: 'ws://127.0.0.1:8000/v5/public/linear',
    });
  });
});
