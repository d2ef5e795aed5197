import { describe, it, expect } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { machineCatalogue } from '../../src/machines/catalogue.js';
import { listStates, toMermaid, toStatelyConfig } from '../../src/machines/diagram.js';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = path.join(repo, 'scripts', 'export-machines.ts');
const exportMachines = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', script, ...args], { cwd: repo });

/** The label a state gets in the diagram. */
const shownAs = (s: { key: string; type: string }) => (s.type === 'history' ? `${s.key} (H)` : s.key);

/**
 * Checks the one Mermaid rule the renderer works around: every transition joins two states
 * declared in the same block (Mermaid cannot draw one between states of different composites).
 */
function crossBlockEdges(mmd: string): string[] {
  const blocks: Set<string>[] = [new Set()];
  const problems: string[] = [];
  for (const raw of mmd.split('\n')) {
    const line = raw.trim();
    const declared = /^state "[^"]*" as (\S+)$/.exec(line);
    const opened = /^state (\S+) \{$/.exec(line);
    const edge = /^(\S+) --> (\S+)/.exec(line);
    if (declared !== null) blocks.at(-1)!.add(declared[1]!);
    else if (opened !== null) blocks.push(new Set());
    else if (line === '}') blocks.pop();
    else if (edge !== null) {
      for (const end of [edge[1]!, edge[2]!])
        if (end !== '[*]' && !blocks.at(-1)!.has(end)) problems.push(line);
    }
  }
  return problems;
}

describe('machine export (npm run machines)', () => {
  it('writes a config, a diagram naming every state, and an index for every machine', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'mm-machines-'));
    try {
      const { stdout } = await exportMachines('--out', out);
      expect(stdout).toContain(`wrote ${machineCatalogue.length * 2 + 1} files`);
      const readme = await readFile(path.join(out, 'README.md'), 'utf8');
      for (const { name, machine } of machineCatalogue) {
        const mmd = await readFile(path.join(out, `${name}.mmd`), 'utf8');
        expect(mmd.startsWith('stateDiagram-v2\n')).toBe(true);
        for (const state of listStates(machine)) expect(mmd).toContain(`state "${shownAs(state)}" as `);
        expect(crossBlockEdges(mmd)).toEqual([]);
        expect(readme).toContain('```mermaid\n' + mmd.trimEnd() + '\n```');
        const json = JSON.parse(await readFile(path.join(out, `${name}.json`), 'utf8')) as {
          id: string;
          states: Record<string, unknown>;
        };
        expect(json.id).toBe(machine.id);
        expect(Object.keys(json.states)).toEqual(Object.keys(machine.root.states));
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('keeps the committed docs/machines up to date', async () => {
    const { stdout } = await exportMachines('--check');
    expect(stdout).toContain('up to date');
  });

  it('prints its usage with --help and refuses an unknown option', async () => {
    const { stdout } = await exportMachines('--help');
    expect(stdout).toContain('Usage: npm run machines');
    await expect(exportMachines('--bogus')).rejects.toMatchObject({ code: 2 });
  });
});

describe('diagram rendering', () => {
  it('lists as effects only actors and actions the machine names', () => {
    for (const { machine, effects } of machineCatalogue) {
      const impl = machine.implementations as unknown as { actors: object; actions: object };
      for (const a of effects.actors) expect(Object.keys(impl.actors)).toContain(a);
      for (const a of effects.actions) expect(Object.keys(impl.actions)).toContain(a);
    }
  });

  it('renders the same text twice (deterministic output)', () => {
    for (const { machine, eventGroups } of machineCatalogue) {
      expect(toMermaid(machine, eventGroups)).toBe(toMermaid(machine, eventGroups));
      expect(JSON.stringify(toStatelyConfig(machine))).toBe(JSON.stringify(toStatelyConfig(machine)));
    }
  });

  it('replaces every function of a config by a name or an action type', () => {
    for (const { machine } of machineCatalogue) {
      const text = JSON.stringify(toStatelyConfig(machine));
      expect(text).not.toContain('=>');
      const walk = (v: unknown): void => {
        expect(typeof v).not.toBe('function');
        if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
      };
      walk(toStatelyConfig(machine));
    }
  });

  it('lifts a transition between two composites to their common block and names its real ends', () => {
    const order = machineCatalogue.find((e) => e.name === 'order')!;
    const mmd = toMermaid(order.machine);
    expect(mmd).toContain('reconciling --> open : ');
    expect(mmd).toMatch(
      /reconciling --> open : [^\n]*done queryOrder \[isVenueTarget\(new\)\] from querying to new/,
    );
    expect(mmd).toContain('open__any --> open_new : venue.order [isVenueTarget(new)]');
  });
});
