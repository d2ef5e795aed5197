/**
 * Lines from a byte stream in constant memory. Unlike readline, which holds a whole line however
 * long it is, a line longer than `maxLineBytes` is never kept: its bytes are counted and dropped as
 * they arrive, and it is reported as one `long` item. A line ends at `\n` (a `\r` before it is
 * dropped); the last line needs no newline.
 */
import type { Readable } from 'node:stream';

/**
 * A line of text, or a line too long to keep. `bytes` is its size without the newline; `open` marks
 * a last line with no newline after it (a line still being written, when the file grows).
 */
export type LineItem =
  | {
      readonly kind: 'line';
      readonly line: number;
      readonly text: string;
      readonly bytes: number;
      readonly open?: true;
    }
  | { readonly kind: 'long'; readonly line: number; readonly bytes: number; readonly open?: true };

const NEWLINE = 0x0a;
const CR = 0x0d;

function decode(parts: readonly Buffer[], size: number): string {
  const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
  const end = buf.length > 0 && buf[buf.length - 1] === CR ? buf.length - 1 : buf.length;
  return buf.toString('utf8', 0, end);
}

/**
 * Yields the lines of `input`. Memory stays under one chunk plus `maxLineBytes`, whatever the
 * input holds.
 */
export async function* readLines(
  input: Readable,
  maxLineBytes: number,
  counter?: { bytes: number },
): AsyncGenerator<LineItem> {
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  let line = 0;
  for await (const chunk of input as AsyncIterable<Buffer>) {
    if (counter !== undefined) counter.bytes += chunk.length;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl === -1 ? chunk.length : nl;
      const piece = end - start;
      if (!skipping && size + piece > maxLineBytes) {
        skipping = true;
        parts = [];
      }
      if (!skipping && piece > 0) parts.push(chunk.subarray(start, end));
      size += piece;
      if (nl === -1) break;
      line++;
      if (skipping) yield { kind: 'long', line, bytes: size };
      else yield { kind: 'line', line, text: decode(parts, size), bytes: size };
      parts = [];
      size = 0;
      skipping = false;
      start = nl + 1;
    }
    // Keep no reference to the chunk past its use: copy the unfinished tail.
    if (!skipping && parts.length > 0) {
      const tail = parts[parts.length - 1]!;
      if (tail.buffer === chunk.buffer) parts[parts.length - 1] = Buffer.from(tail);
    }
  }
  if (size > 0 || parts.length > 0) {
    line++;
    if (skipping) yield { kind: 'long', line, bytes: size, open: true };
    else yield { kind: 'line', line, text: decode(parts, size), bytes: size, open: true };
  }
}
