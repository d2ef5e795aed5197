/**
 * What free-text redaction costs per log line, run by hand: `node --import tsx
 * bench/log-redaction.ts [--rounds 9] [--lines 50000]`. The same records (the bot's busiest debug
 * lines, a warning with a nested reply, an error with a stack) go through the logger with
 * redaction on and off, into a stream that discards them; rounds alternate and the median per
 * line is reported for each, with the ratio from the same run. redact() alone is timed on four
 * messages without secrets.
 */
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createLogger } from '../src/adapters/log/logger.js';
import { redact } from '../src/adapters/log/redact.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '9' }, lines: { type: 'string', default: '50000' } },
});
const rounds = Number(values.rounds);
const lines = Number(values.lines);

const sink = () =>
  new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });

const error = new Error('request to /v5/order/create timed out after 2000 ms');
type Log = ReturnType<typeof createLogger>;
const emit: ((log: Log, i: number) => void)[] = [
  (log, i) =>
    log.debug({ orderLinkId: `mm-mx1qm2cf-${i}`, from: 'new', to: 'pendingAmend' }, 'order transition'),
  (log) => log.debug({ symbol: 'BTCUSDT', cancels: 0, amends: 1, creates: 0 }, 'executing plan'),
  (log) =>
    log.debug(
      { symbol: 'BTCUSDT', mid: 64011.75, spread_bps: 2.4, bids: ['64010.5', '64010'] },
      'quotes computed',
    ),
  (log) =>
    log.warn(
      { endpoint: '/v5/order/amend', reply: { retCode: 10006, retMsg: 'Too many visits!' }, waitMs: 998 },
      'rest retry',
    ),
  (log) => log.error({ err: error, symbol: 'BTCUSDT' }, 'requote failed'),
];

function nsPerLine(redaction: boolean, kinds: number): number {
  const log = createLogger({ level: 'debug', stream: sink(), ...(redaction ? {} : { redaction: false }) });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < lines; i++) emit[i % kinds]!(log, i);
  return Number(process.hrtime.bigint() - t0) / lines;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const figures: string[] = [];
// The three debug lines alone (the bulk of a debug log), then all five kinds in turn.
for (const [name, kinds] of [
  ['debug lines', 3],
  ['mixed lines (with a warning and an error)', emit.length],
] as const) {
  nsPerLine(true, kinds);
  nsPerLine(false, kinds); // warm-up
  const on: number[] = [];
  const off: number[] = [];
  for (let r = 0; r < rounds; r++) {
    on.push(nsPerLine(true, kinds));
    off.push(nsPerLine(false, kinds));
  }
  const mOn = median(on);
  const mOff = median(off);
  figures.push(
    `${name}: redaction on median ${(mOn / 1000).toFixed(2)} us, off ${(mOff / 1000).toFixed(2)} us, ` +
      `ratio ${(mOn / mOff).toFixed(2)} (${rounds} rounds of ${lines} lines)`,
  );
}
// redact() alone, on messages without secrets of the kinds the bot writes.
const texts: Record<string, string> = {
  plain: 'socket public live after 3 attempts, lag 12 ms',
  colons: 'reconcile: 3 orders corrected, mismatch count 2 at 12:30:01',
  url: 'socket public live after 3 attempts, lag 12 ms, url ws://127.0.0.1:9001/v5/public/linear',
  stack: error.stack ?? '',
};
for (const [name, text] of Object.entries(texts)) {
  for (let i = 0; i < lines / 5; i++) redact(text); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < lines; i++) redact(text);
  const us = Number(process.hrtime.bigint() - t0) / lines / 1000;
  figures.push(`redact() of a ${text.length}-character message (${name}): ${us.toFixed(2)} us`);
}
process.stdout.write(`${figures.join('\n')}\n`);
