import type { IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ClosedEarlyError,
  HttpParseError,
  ResponseParser,
  type Completion,
} from '../../../../../src/adapters/bybit/rest/http1/response-parser.js';

interface Parsed {
  status?: number;
  headers?: IncomingHttpHeaders;
  body: string;
  completion?: Completion;
}

/** Feeds `pieces` one by one to a fresh parser and collects what it tells. */
function parse(pieces: readonly (string | Buffer)[], opts: { eof?: boolean; maxHead?: number } = {}): Parsed {
  const out: Parsed = { body: '' };
  const parser = new ResponseParser(
    {
      onHead: (status, headers) => {
        expect(out.status).toBeUndefined();
        out.status = status;
        out.headers = headers;
      },
      onBody: (chunk) => {
        out.body += chunk.toString('latin1');
      },
    },
    opts.maxHead,
  );
  parser.expect();
  for (const p of pieces) {
    expect(out.completion).toBeUndefined();
    const c = parser.feed(typeof p === 'string' ? Buffer.from(p, 'latin1') : p);
    if (c !== undefined) out.completion = c;
  }
  if (opts.eof === true && out.completion === undefined) out.completion = parser.eof();
  return out;
}

/** Every way to cut `text` in two, and in single bytes. */
function splits(text: string): string[][] {
  const ways: string[][] = [[text], [...text]];
  for (let i = 1; i < text.length; i++) ways.push([text.slice(0, i), text.slice(i)]);
  return ways;
}

const CL = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"retCode"}';
const CHUNKED =
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Bapi-Limit-Status: 9\r\n\r\n' +
  '5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n';

describe('ResponseParser', () => {
  it('reads a Content-Length response whatever the cuts between reads', () => {
    for (const pieces of splits(CL)) {
      const r = parse(pieces);
      expect(r).toMatchObject({ status: 200, body: '{"retCode"}', completion: { keepAlive: true } });
      expect(r.headers).toEqual({ 'content-type': 'application/json', 'content-length': '11' });
    }
  });

  it('reads a chunked response, extensions and trailers included, whatever the cuts', () => {
    for (const pieces of splits(CHUNKED)) {
      const r = parse(pieces);
      expect(r).toMatchObject({ status: 200, body: 'hello, world', completion: { keepAlive: true } });
      expect(r.headers!['x-bapi-limit-status']).toBe('9');
    }
  });

  it('reads a body up to the close when there is no length, and keeps the connection no further', () => {
    const r = parse(['HTTP/1.1 200 OK\r\n\r\nsome', ' bytes'], { eof: true });
    expect(r).toMatchObject({ status: 200, body: 'some bytes', completion: { keepAlive: false } });
  });

  it('completes 204, 304 and an empty Content-Length body at the end of the head', () => {
    expect(parse(['HTTP/1.1 204 No Content\r\n\r\n'])).toMatchObject({
      status: 204,
      body: '',
      completion: {},
    });
    expect(parse(['HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n'])).toMatchObject({
      status: 304,
      completion: {},
    });
    expect(parse(['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'])).toMatchObject({
      body: '',
      completion: {},
    });
  });

  it('skips interim 1xx responses before the real one', () => {
    const text = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n' + CL;
    for (const pieces of splits(text)) {
      expect(parse(pieces)).toMatchObject({ status: 200, body: '{"retCode"}' });
    }
  });

  it('follows Connection and Keep-Alive: close, HTTP/1.0, and the server timeout hint', () => {
    const close = parse(['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok']);
    expect(close.completion).toEqual({ keepAlive: false, keepAliveHintMs: undefined });
    const old = parse(['HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok']);
    expect(old.completion!.keepAlive).toBe(false);
    const oldKept = parse(['HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok']);
    expect(oldKept.completion!.keepAlive).toBe(true);
    const hinted = parse([
      'HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 2\r\n\r\nok',
    ]);
    expect(hinted.completion).toEqual({ keepAlive: true, keepAliveHintMs: 5000 });
  });

  it('keeps repeated headers as an array and trims optional whitespace around values', () => {
    const r = parse([
      'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-A:\t v \t\r\nContent-Length: 0\r\n\r\n',
    ]);
    expect(r.headers).toMatchObject({ 'set-cookie': ['a=1', 'b=2'], 'x-a': 'v' });
  });

  it('can read the next response after expect()', () => {
    const out: string[] = [];
    const parser = new ResponseParser({
      onHead: (s) => out.push(`head ${s}`),
      onBody: (b) => out.push(b.toString()),
    });
    for (const status of [200, 404]) {
      parser.expect();
      expect(
        parser.feed(Buffer.from(`HTTP/1.1 ${status} X\r\nContent-Length: 1\r\n\r\n${status % 10}`)),
      ).toBeDefined();
      expect(parser.reading).toBe(false);
    }
    expect(out).toEqual(['head 200', '0', 'head 404', '4']);
  });

  const refuses: [string, string, RegExp][] = [
    ['a bad status line', 'HTTP/2 200 OK\r\n\r\n', /bad status line/],
    ['a status below 100', 'HTTP/1.1 099 X\r\n\r\n', /bad status line/],
    ['bare LF in the head', 'HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n', /bad status line/],
    ['bare CR in a header', 'HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n', /bad header line/],
    [
      'obsolete line folding',
      'HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n',
      /bad header line/,
    ],
    ['a space before the colon', 'HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx', /bad header line/],
    ['both lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n', /both/],
    [
      'conflicting lengths',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      /conflicting/,
    ],
    ['a signed length', 'HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx', /bad content-length/],
    ['gzip transfer coding', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', /unsupported/],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /bad chunk size/],
    [
      'a huge chunk size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffff\r\n',
      /bad chunk size/,
    ],
    ['chunk data without CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy', /CRLF/],
    ['a chunk line with bare LF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\nx', /bare LF/],
    ['101 Switching Protocols', 'HTTP/1.1 101 Switching Protocols\r\n\r\n', /101/],
    ['bytes after the end', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK', /after the end/],
  ];
  it.each(refuses)('refuses %s with HttpParseError', (_name, text, message) => {
    expect(() => parse([text])).toThrow(HttpParseError);
    expect(() => parse([text])).toThrow(message);
  });

  it('refuses a head over the cap, before its end is seen', () => {
    const big = `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(2000)}`;
    expect(() => parse([big, 'b'.repeat(100)], { maxHead: 1024 })).toThrow(/head over 1024/);
  });

  it('refuses bytes when no response is expected', () => {
    const parser = new ResponseParser({ onHead: () => undefined, onBody: () => undefined });
    expect(() => parser.feed(Buffer.from('HTTP/1.1 200 OK\r\n'))).toThrow(/no request outstanding/);
  });

  it('tells a response cut short by the close apart from a malformed one', () => {
    const parser = new ResponseParser({ onHead: () => undefined, onBody: () => undefined });
    parser.expect();
    expect(() => parser.eof()).toThrow(ClosedEarlyError);
    expect(() => parser.eof()).toThrow(/before any response/);
    parser.expect();
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab'));
    expect(() => parser.eof()).toThrow(/middle of the response/);
  });

  it('hands body bytes over as views of the socket chunk, not copies', () => {
    const chunk = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc', 'latin1');
    const views: Buffer[] = [];
    const parser = new ResponseParser({ onHead: () => undefined, onBody: (b) => views.push(b) });
    parser.expect();
    parser.feed(chunk);
    expect(views).toHaveLength(1);
    expect(views[0]!.buffer).toBe(chunk.buffer);
  });
});

describe('ResponseParser, generated responses', () => {
  const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
  const value = fc.stringMatching(/^[!-~]([ !-~]{0,30}[!-~])?$/);
  const header = fc
    .tuple(token, value)
    .filter(([n]) => !/^(content-length|transfer-encoding|connection|keep-alive)$/i.test(n));
  const body = fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a));
  const response = fc.record({
    status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
    headers: fc.array(header, { maxLength: 8 }),
    body,
    chunked: fc.boolean(),
    chunkSizes: fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 8 }),
  });

  /** The response's bytes, chunked in the given sizes (cycled) when asked. */
  function encode(r: {
    status: number;
    headers: [string, string][];
    body: Buffer;
    chunked: boolean;
    chunkSizes: number[];
  }): Buffer {
    const head = [`HTTP/1.1 ${r.status} Whatever`, ...r.headers.map(([n, v]) => `${n}: ${v}`)];
    if (!r.chunked)
      return Buffer.concat([
        Buffer.from([...head, `Content-Length: ${r.body.length}`, '', ''].join('\r\n'), 'latin1'),
        r.body,
      ]);
    const parts: Buffer[] = [
      Buffer.from([...head, 'Transfer-Encoding: chunked', '', ''].join('\r\n'), 'latin1'),
    ];
    for (let at = 0, i = 0; at < r.body.length; i++) {
      const n = Math.min(r.chunkSizes[i % r.chunkSizes.length]!, r.body.length - at);
      parts.push(Buffer.from(`${n.toString(16)}\r\n`), r.body.subarray(at, at + n), Buffer.from('\r\n'));
      at += n;
    }
    parts.push(Buffer.from('0\r\n\r\n'));
    return Buffer.concat(parts);
  }

  /** Feeds `bytes` cut at `cuts` and returns the body read, or the error thrown. */
  function run(bytes: Buffer, cuts: number[]): { body: Buffer; status?: number; done: boolean } | Error {
    const pieces: Buffer[] = [];
    let status: number | undefined;
    const parser = new ResponseParser({
      onHead: (s) => (status = s),
      onBody: (b) => pieces.push(Buffer.from(b)),
    });
    parser.expect();
    const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
    let from = 0;
    let done = false;
    try {
      for (const to of [...points, bytes.length]) {
        if (to <= from) continue;
        if (parser.feed(bytes.subarray(from, to)) !== undefined) done = true;
        from = to;
      }
    } catch (err) {
      return err as Error;
    }
    return { body: Buffer.concat(pieces), ...(status === undefined ? {} : { status }), done };
  }

  it('reads any well-formed response the same whatever the cuts', () => {
    fc.assert(
      fc.property(response, fc.array(fc.nat(), { maxLength: 6 }), (r, cuts) => {
        const out = run(encode(r), cuts);
        expect(out).not.toBeInstanceOf(Error);
        expect(out).toMatchObject({ status: r.status, done: true });
        expect((out as { body: Buffer }).body.equals(r.body)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('meets any corrupted response with a result or an HttpParseError, never another exception', () => {
    fc.assert(
      fc.property(
        response,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        (r, flips, cuts) => {
          const bytes = Buffer.from(encode(r));
          for (const [at, byte] of flips) bytes[at % bytes.length] = byte;
          const out = run(bytes, cuts);
          if (out instanceof Error) expect(out).toBeInstanceOf(HttpParseError);
        },
      ),
      { numRuns: 500 },
    );
  });
});
