/**
 * The configuration of a replay: today's defaults under the recorded configuration. A key the bot
 * no longer has is dropped and reported, so an older recording stays replayable; a value the bot
 * refuses is a ConfigError naming it.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { replayRecording } from '../../src/actors/replay/run.js';

const FIXTURE = 'test/fixtures/recordings/paper-btcusdt-15s/0001.jsonl.gz';
let dir: string;
let lines: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mm-replay-config-'));
  lines = gunzipSync(await readFile(FIXTURE))
    .toString('utf8')
    .split('\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The fixture with its header's configuration changed by `edit`. */
async function withConfig(name: string, edit: (config: Record<string, Record<string, unknown>>) => void) {
  const header = JSON.parse(lines[0]!) as { config: Record<string, Record<string, unknown>> };
  edit(header.config);
  const file = join(dir, `${name}.jsonl`);
  await writeFile(file, [JSON.stringify(header), ...lines.slice(1)].join('\n'));
  return file;
}

describe('the configuration of a replay', () => {
  it('drops keys this bot no longer has, says so, and replays', async () => {
    const file = await withConfig('old', (c) => {
      c['strategy']!['retired_knob'] = 3;
      c['legacy_section'] = { on: true };
    });
    let text = '';
    const s = await replayRecording(file, { out: (l) => (text += l) });
    expect(s.end).toBe('shutdown');
    const dropped = text
      .split('\n')
      .filter((l) => l.includes('config_keys_dropped'))
      .map((l) => JSON.parse(l) as { keys: string[] });
    expect(dropped).toHaveLength(1);
    expect(dropped[0]!.keys.sort()).toEqual(['legacy_section', 'strategy.retired_knob']);
  });

  it('refuses a value the bot refuses, naming the key', async () => {
    const file = await withConfig('bad', (c) => {
      c['limits']!['max_active_per_side'] = -1;
    });
    const run = replayRecording(file, { out: () => undefined });
    await expect(run).rejects.toBeInstanceOf(ConfigError);
    await expect(replayRecording(file, { out: () => undefined })).rejects.toThrow(
      /limits\.max_active_per_side/,
    );
  });
});
