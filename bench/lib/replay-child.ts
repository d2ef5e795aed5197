/**
 * `node <npm run replay's flags> bench/lib/replay-child.ts <recording>`: replays a recording the
 * way `npm run replay` does (same entry, same V8 flags, a process of its own) and prints the
 * summary as one JSON line; the decisions are counted, not written.
 */
import { replay } from '../../src/actors/replay/run.js';

const recording = process.argv[2];
if (recording === undefined) {
  process.stderr.write('usage: replay-child.ts <recording>\n');
  process.exit(2);
}
const summary = await replay({ recording, out: () => {} });
process.stdout.write(`${JSON.stringify(summary)}\n`);
