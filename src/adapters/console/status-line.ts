/**
 * The one-line status on a terminal: rewritten in place once a second, so an operator sees at a
 * glance what each machine is doing, the book, our position and PnL. Only used on a TTY; logs go to
 * a file then, so the two never interleave.
 */
export interface StatusLine {
  update(text: string): void;
  /** Ends the line (before exit or before printing something else). */
  done(): void;
}

export function createStatusLine(out: NodeJS.WriteStream): StatusLine {
  let last = '';
  return {
    update(text: string) {
      const width = out.columns > 0 ? out.columns - 1 : 200;
      const line = text.length > width ? text.slice(0, width) : text;
      out.write(`\r${line}${' '.repeat(Math.max(0, last.length - line.length))}`);
      last = line;
    },
    done() {
      if (last !== '') out.write('\n');
      last = '';
    },
  };
}
