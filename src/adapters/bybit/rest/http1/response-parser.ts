/**
 * An incremental parser of HTTP/1.1 responses, for one keep-alive connection that carries one
 * request at a time: status line and headers, then a body framed by Content-Length, by chunked
 * transfer coding, or by the end of the connection (RFC 9112 §6.3). Pure: it sees bytes and
 * tells its sink; the connection owns the socket.
 *
 * It is strict where leniency lets a response be read two ways (request smuggling): bare CR or
 * LF, obsolete line folding, both Content-Length and Transfer-Encoding, differing lengths, a
 * transfer coding other than chunked, and bytes after the end of a response are all errors, and
 * the connection is torn down. Header names are lower-cased; a repeated header becomes an array,
 * as in node:http's IncomingHttpHeaders.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** A response that cannot be read as HTTP/1.1. */
export class HttpParseError extends Error {
  readonly code = 'MM_HTTP_PARSE';
}

/** The connection closed before the response was complete: not malformed, cut short. */
export class ClosedEarlyError extends Error {
  readonly code = 'MM_HTTP_CLOSED';
}

/** What the parser tells, in order: the head once, then the body in pieces. */
export interface ResponseSink {
  onHead(status: number, headers: IncomingHttpHeaders): void;
  onBody(chunk: Buffer): void;
}

/** How the response ended, once `feed` or `eof` reports it complete. */
export interface Completion {
  /** The connection may carry another request. */
  readonly keepAlive: boolean;
  /** The server's `Keep-Alive: timeout=N`, in ms, if it gave one. */
  readonly keepAliveHintMs: number | undefined;
}

/** node:http's default cap on a response head. */
export const MAX_HEAD_BYTES = 16 * 1024;
/** A chunk-size line or trailer line longer than this is refused (no real server comes close). */
const MAX_LINE_BYTES = 4 * 1024;
/** Chunk sizes above this (1 TB) are refused rather than lose precision. */
const MAX_CHUNK_HEX_DIGITS = 10;

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  UntilClose,
  Done,
}

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: [^\r\n\0]*)?$/;
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([^\r\n\0]*?)[ \t]*$/;
const DIGITS = /^\d{1,15}$/;
const HEX = /^[0-9a-fA-F]+$/;
const CR = 13;
const LF = 10;

export class ResponseParser {
  #state = State.Done;
  /** Head bytes so far, as latin1 text (one char per byte). */
  #head = '';
  /** Chunk-size or trailer line so far. */
  #line = '';
  /** Body bytes still due in a Content-Length body or in the current chunk. */
  #remaining = 0;
  /** Bytes of a chunk's closing CRLF seen so far. */
  #crlfSeen = 0;
  #keepAlive = true;
  #hintMs: number | undefined = undefined;

  constructor(
    private readonly sink: ResponseSink,
    private readonly maxHeadBytes = MAX_HEAD_BYTES,
  ) {}

  /** Expects the response to a request just written (GET or POST: no HEAD, no CONNECT). */
  expect(): void {
    this.#state = State.Head;
    this.#head = '';
    this.#line = '';
    this.#keepAlive = true;
    this.#hintMs = undefined;
  }

  /** Whether a response is being read (expected and not complete). */
  get reading(): boolean {
    return this.#state !== State.Done;
  }

  /**
   * Reads the next bytes of the response. Returns its completion once the whole response is in,
   * else undefined. Throws HttpParseError on a malformed response, or on any byte after its end.
   */
  feed(chunk: Buffer): Completion | undefined {
    let at = 0;
    const end = chunk.length;
    while (at < end) {
      switch (this.#state) {
        case State.Head:
          at = this.#readHead(chunk, at);
          break;
        case State.Length: {
          const n = Math.min(this.#remaining, end - at);
          this.sink.onBody(at === 0 && n === end ? chunk : chunk.subarray(at, at + n));
          at += n;
          this.#remaining -= n;
          if (this.#remaining === 0) this.#state = State.Done;
          break;
        }
        case State.ChunkSize:
          at = this.#readLine(chunk, at, State.ChunkSize);
          break;
        case State.ChunkData: {
          const n = Math.min(this.#remaining, end - at);
          this.sink.onBody(chunk.subarray(at, at + n));
          at += n;
          this.#remaining -= n;
          if (this.#remaining === 0) {
            this.#state = State.ChunkEnd;
            this.#crlfSeen = 0;
          }
          break;
        }
        case State.ChunkEnd: {
          const expected = this.#crlfSeen === 0 ? CR : LF;
          if (chunk[at] !== expected) throw new HttpParseError('chunk data not followed by CRLF');
          at++;
          if (++this.#crlfSeen === 2) this.#state = State.ChunkSize;
          break;
        }
        case State.Trailers:
          at = this.#readLine(chunk, at, State.Trailers);
          break;
        case State.UntilClose:
          this.sink.onBody(at === 0 ? chunk : chunk.subarray(at));
          at = end;
          break;
        case State.Done:
          throw new HttpParseError('bytes with no request outstanding');
      }
      if (this.#state === State.Done) {
        if (at < end) throw new HttpParseError('bytes after the end of the response');
        return this.#completion();
      }
    }
    return undefined;
  }

  /**
   * The server closed the connection. Completes a body that runs until the close; anywhere else
   * in a response it throws ClosedEarlyError.
   */
  eof(): Completion {
    if (this.#state === State.UntilClose) {
      this.#state = State.Done;
      return this.#completion();
    }
    throw new ClosedEarlyError(
      this.#state === State.Head && this.#head === ''
        ? 'connection closed before any response'
        : 'connection closed in the middle of the response',
    );
  }

  #completion(): Completion {
    this.#head = '';
    return { keepAlive: this.#keepAlive, keepAliveHintMs: this.#hintMs };
  }

  /** Collects the head up to its blank line; returns where the body starts in `chunk`. */
  #readHead(chunk: Buffer, at: number): number {
    const before = this.#head.length;
    this.#head += chunk.toString('latin1', at);
    const blank = this.#head.indexOf('\r\n\r\n', Math.max(0, before - 3));
    if (blank < 0) {
      if (this.#head.length > this.maxHeadBytes) {
        throw new HttpParseError(`response head over ${this.maxHeadBytes} bytes`);
      }
      return chunk.length;
    }
    if (blank > this.maxHeadBytes) throw new HttpParseError(`response head over ${this.maxHeadBytes} bytes`);
    const bodyAt = at + (blank + 4 - before);
    this.#startBody(this.#head.slice(0, blank));
    return bodyAt;
  }

  /** Parses the head and picks the body's framing. */
  #startBody(head: string): void {
    const lines = head.split('\r\n');
    const status = STATUS_LINE.exec(lines[0]!);
    if (status === null)
      throw new HttpParseError(`bad status line ${JSON.stringify(lines[0]!.slice(0, 80))}`);
    const http10 = status[1] === '0';
    const code = Number(status[2]);
    const headers: IncomingHttpHeaders = {};
    let length: string | undefined;
    let coding: string | undefined;
    let connection = '';
    let keepAliveHeader: string | undefined;
    for (let i = 1; i < lines.length; i++) {
      const m = HEADER_LINE.exec(lines[i]!);
      if (m === null) throw new HttpParseError(`bad header line ${JSON.stringify(lines[i]!.slice(0, 80))}`);
      const name = m[1]!.toLowerCase();
      const value = m[2]!;
      const prev = headers[name];
      if (prev === undefined) headers[name] = value;
      else if (Array.isArray(prev)) prev.push(value);
      else headers[name] = [prev, value];
      if (name === 'content-length') {
        if (!DIGITS.test(value)) throw new HttpParseError(`bad content-length ${JSON.stringify(value)}`);
        if (length !== undefined && length !== value) throw new HttpParseError('conflicting content-length');
        length = value;
      } else if (name === 'transfer-encoding') {
        coding = coding === undefined ? value : `${coding}, ${value}`;
      } else if (name === 'connection') {
        connection += `,${value.toLowerCase()}`;
      } else if (name === 'keep-alive') {
        keepAliveHeader = value;
      }
    }
    const tokens = connection.split(',').map((t) => t.trim());
    this.#keepAlive = http10 ? tokens.includes('keep-alive') : !tokens.includes('close');
    this.#hintMs = keepAliveHintMs(keepAliveHeader);

    if (code < 200) {
      // 100 Continue and 103 Early Hints precede the real response; 101 switches protocols,
      // which a request of ours never asks for.
      if (code === 101) throw new HttpParseError('unexpected 101 Switching Protocols');
      this.expect();
      return;
    }
    this.sink.onHead(code, headers);
    if (code === 204 || code === 304) {
      this.#state = State.Done;
      return;
    }
    if (coding !== undefined) {
      if (length !== undefined) throw new HttpParseError('both content-length and transfer-encoding');
      if (coding.trim().toLowerCase() !== 'chunked') {
        throw new HttpParseError(`unsupported transfer-encoding ${JSON.stringify(coding)}`);
      }
      this.#state = State.ChunkSize;
      this.#line = '';
      return;
    }
    if (length !== undefined) {
      this.#remaining = Number(length);
      this.#state = this.#remaining === 0 ? State.Done : State.Length;
      return;
    }
    this.#keepAlive = false;
    this.#state = State.UntilClose;
  }

  /** Collects one CRLF-terminated line of a chunk size or trailer; returns where it stopped. */
  #readLine(chunk: Buffer, at: number, state: State.ChunkSize | State.Trailers): number {
    const lf = chunk.indexOf(LF, at);
    const stop = lf < 0 ? chunk.length : lf + 1;
    this.#line += chunk.toString('latin1', at, stop);
    if (this.#line.length > MAX_LINE_BYTES) throw new HttpParseError('chunk-size or trailer line too long');
    if (lf < 0) return stop;
    const line = this.#line;
    this.#line = '';
    if (line.length < 2 || line.charCodeAt(line.length - 2) !== CR) throw new HttpParseError('bare LF');
    const text = line.slice(0, -2);
    if (text.includes('\r')) throw new HttpParseError('bare CR');
    if (state === State.Trailers) {
      if (text === '') this.#state = State.Done;
      else if (!HEADER_LINE.test(text)) throw new HttpParseError('bad trailer line');
      return stop;
    }
    const semi = text.indexOf(';');
    const hex = (semi < 0 ? text : text.slice(0, semi)).trimEnd();
    if (!HEX.test(hex) || hex.length > MAX_CHUNK_HEX_DIGITS) {
      throw new HttpParseError(`bad chunk size ${JSON.stringify(text.slice(0, 40))}`);
    }
    const size = parseInt(hex, 16);
    if (size === 0) {
      this.#state = State.Trailers;
    } else {
      this.#remaining = size;
      this.#state = State.ChunkData;
    }
    return stop;
  }
}

/** `timeout=N` of a Keep-Alive header, in ms. */
function keepAliveHintMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /(?:^|[,;\s])timeout=(\d+)/i.exec(value);
  return m === null ? undefined : Number(m[1]) * 1000;
}
