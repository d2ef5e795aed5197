/**
 * `npm run replay:goldens`: regenerates the golden decisions logs of the committed recordings
 * (test/fixtures/recordings/<name>/ → test/fixtures/goldens/<name>.decisions.jsonl). Run it on
 * purpose, when a change of the bot's decisions is intended, and review the diff of the goldens
 * in the commit: test/replay/goldens.test.ts fails on any decision that differs from them.
 *
 *   npm run replay:goldens            # every recording
 *   npm run replay:goldens -- NAME    # one
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { replayRecording } from '../src/actors/replay/run.js';

const RECORDINGS_DIR = 'test/fixtures/recordings';
const GOLDENS_DIR = 'test/fixtures/goldens';

async function main(names: readonly string[]): Promise<void> {
  const all = (await readdir(RECORDINGS_DIR, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const unknown = names.filter((n) => !all.includes(n));
  if (unknown.length > 0)
    throw new Error(`no recording ${unknown.join(', ')} in ${RECORDINGS_DIR} (${all.join(', ')})`);
  for (const name of names.length > 0 ? names : all) {
    let text = '';
    const s = await replayRecording(join(RECORDINGS_DIR, name), { out: (l) => (text += l) });
    const target = join(GOLDENS_DIR, `${name}.decisions.jsonl`);
    await writeFile(target, text);
    process.stdout.write(`${target}: ${s.decisions} decisions, ${s.divergences} divergences\n`);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
