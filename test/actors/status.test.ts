import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { statusText, type BotStatus } from '../../src/actors/status.js';
import { createStatusLine } from '../../src/adapters/console/status-line.js';

const status: BotStatus = {
  feeds: { public: 'session.live.receiving', private: 'backoff' },
  risk: 'active',
  riskReasons: [],
  pnl: -1.234,
  symbols: [
    {
      symbol: 'BTCUSDT',
      quoter: 'quoting',
      book: 'live',
      bestBid: '60000.10',
      bestAsk: '60000.20',
      orders: [{ side: 'Buy', price: '59990.00', qty: '0.001', state: 'new' }],
      position: 0.002,
      realisedPnl: 0,
      unrealisedPnl: 0,
      fees: 0,
      fills: 3,
    },
  ],
};

describe('status line', () => {
  it('shows each machine, the book, orders, position, PnL and the sockets on one line', () => {
    const text = statusText(status);
    expect(text).toBe(
      'BTCUSDT quoting book 60000.10/60000.20 orders 1 pos 0.002 fills 3 | pnl -1.23 | risk active | public:receiving private:backoff',
    );
    expect(text).not.toContain('\n');
  });

  it('rewrites the line in place, clearing what a longer previous line left', () => {
    const out = new PassThrough() as unknown as NodeJS.WriteStream;
    Object.assign(out, { columns: 80 });
    let written = '';
    (out as unknown as PassThrough).on('data', (d: Buffer) => (written += d.toString()));
    const line = createStatusLine(out);
    line.update('a longer first line');
    line.update('short');
    line.done();
    expect(written).toBe(`\ra longer first line\rshort${' '.repeat(14)}\n`);
  });
});
