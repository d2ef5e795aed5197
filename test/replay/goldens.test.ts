/**
 * Regression tests made of recorded behaviour: each committed recording (test/fixtures/recordings)
 * is replayed and its decisions compared line by line with its golden file
 * (test/fixtures/goldens). A changed decision fails with the first lines that differ, in context.
 * When the change is intended: `npm run replay:goldens`, then review the goldens' diff.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayRecording } from '../../src/actors/replay/run.js';
import { decisionsDiff } from './diff.js';

const RECORDINGS = 'test/fixtures/recordings';
const GOLDENS = 'test/fixtures/goldens';

const names = readdirSync(RECORDINGS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('replaying the committed recordings', () => {
  it('has recordings, each with its golden decisions', () => {
    expect(names.length).toBeGreaterThanOrEqual(2);
    for (const n of names) expect(readdirSync(GOLDENS)).toContain(`${n}.decisions.jsonl`);
  });

  it.each(names)('%s decides what its golden file says', async (name) => {
    let actual = '';
    await replayRecording(join(RECORDINGS, name), { out: (l) => (actual += l) });
    const expected = readFileSync(join(GOLDENS, `${name}.decisions.jsonl`), 'utf8');
    const diff = decisionsDiff(expected, actual);
    if (diff !== undefined)
      expect.fail(
        `${name}: the decisions differ from ${GOLDENS}/${name}.decisions.jsonl\n${diff}\n` +
          'If the change is intended, run `npm run replay:goldens` and commit the goldens.',
      );
    expect(actual.length).toBeGreaterThan(1_000);
  });

  it('reports a changed decision with its number, its neighbours and the fields that changed', () => {
    const golden = readFileSync(join(GOLDENS, `${names[0]!}.decisions.jsonl`), 'utf8');
    const lines = golden.split('\n');
    const i = lines.findIndex((l) => l.includes('"ev":"order"'));
    const changed = lines[i]!.replace(/"price":"([\d.]+)"/, '"price":"1.00"');
    const diff = decisionsDiff(golden, [...lines.slice(0, i), changed, ...lines.slice(i + 1)].join('\n'));
    expect(diff).toContain(`first difference at decision ${i + 1} (1 of`);
    expect(diff).toContain(`- ${String(i + 1).padStart(5)}   ${lines[i]!}`);
    expect(diff).toContain(`+ ${String(i + 1).padStart(5)}   ${changed}`);
    expect(diff).toMatch(/changed at decision \d+: price: "[\d.]+" → "1.00"/);
    expect(decisionsDiff(golden, golden)).toBeUndefined();
  });
});
