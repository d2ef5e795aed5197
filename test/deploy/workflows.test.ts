/**
 * The GitHub workflows, checked without GitHub: valid against the workflow schema
 * (@action-validator/core), and holding the steps the issue asks for. The shell of the soak's
 * plan step runs here for real, so its input checks and timeout arithmetic are tested.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readText } from './monitoring-files.js';

interface Step {
  'timeout-minutes'?: unknown;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  id?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  'runs-on': unknown;
  'timeout-minutes'?: unknown;
  needs?: string;
  strategy?: { matrix: Record<string, unknown[]> };
  steps: Step[];
  outputs?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const load = (name: string) => {
  const text = readText(`.github/workflows/${name}`);
  return { text, wf: parse(text) as Workflow };
};

describe('workflow files', () => {
  it.each(['ci.yml', 'soak.yml'])('%s is a valid workflow with read-only default permissions', (name) => {
    const { text, wf } = load(name);
    expect(validateWorkflow(text).errors).toEqual([]);
    expect(wf.permissions).toEqual({ contents: 'read' });
  });

  it('the validator does catch a malformed workflow', () => {
    const bad = 'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - rnu: echo\n';
    expect(validateWorkflow(bad).errors.length).toBeGreaterThan(0);
  });
});

describe('ci.yml', () => {
  const { wf } = load('ci.yml');
  const job = wf.jobs['test']!;

  it('runs on Node 20 and 22 for pushes and pull requests', () => {
    expect(Object.keys(wf.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    expect(job.strategy?.matrix['node']).toEqual([20, 22]);
    const setup = job.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(setup?.with?.['node-version']).toBe('${{ matrix.node }}');
  });

  it('installs with npm ci, then lints, type-checks and tests, in that order', () => {
    const runs = job.steps.map((s) => s.run ?? '').filter((r) => r !== '');
    const index = (re: RegExp) => runs.findIndex((r) => re.test(r));
    const order = [/^npm ci\b/, /^npm run lint$/, /^npm run typecheck$/, /^npm test$/].map(index);
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(job['timeout-minutes']).toBeGreaterThan(0);
  });
});

describe('soak.yml', () => {
  const { wf } = load('soak.yml');
  const soak = wf.jobs['soak']!;
  const step = (re: RegExp) => soak.steps.find((s) => re.test(s.name ?? ''));

  it('is started by hand with soak_hours (24 by default) and a runner choice', () => {
    const inputs = (wf.on['workflow_dispatch'] as { inputs: Record<string, Record<string, unknown>> }).inputs;
    expect(Object.keys(wf.on)).toEqual(['workflow_dispatch']);
    expect(inputs['soak_hours']).toMatchObject({ default: 24, type: 'number' });
    expect(inputs['runner']!['options']).toEqual(['self-hosted-windows-soak', 'ubuntu-latest']);
    expect(soak['runs-on']).toBe('${{ fromJSON(needs.plan.outputs.runs_on) }}');
    expect(soak['timeout-minutes']).toBe('${{ fromJSON(needs.plan.outputs.timeout_minutes) }}');
  });

  it('runs the soak with the resource monitor in the background, analyses, uploads and alerts', () => {
    const run = step(/^Soak/)!.run!;
    expect(run).toMatch(/src\/cli\/soak\.ts --hours "\$HOURS" .*&$/m);
    expect(run).toMatch(/npm run monitor -- --pid "\$pid".*&$/m);
    // On the Windows runner the monitor gets the Windows id of the harness, not Git Bash's own.
    expect(run).toMatch(/pid=\$soak\n.*\/proc\/\$soak\/winpid/);
    expect(run).toMatch(/wait "\$soak"/);
    // The soak step stops before the job does, leaving time to analyse, upload and alert.
    expect(step(/^Soak/)!['timeout-minutes']).toBe('${{ fromJSON(needs.plan.outputs.soak_minutes) }}');
    expect(step(/^Analysis/)).toMatchObject({ if: 'always()' });
    expect(step(/^Analysis/)!.run).toMatch(/verdict\.json/);
    const upload = step(/^Upload/)!;
    expect(upload).toMatchObject({ if: 'always()', with: { path: 'artifacts/soak/' } });
    expect(upload.uses).toMatch(/^actions\/upload-artifact@v\d/);
  });

  it('sends a Telegram message on failure with the run URL and the commit, from GitHub secrets', () => {
    const tg = step(/Telegram/)!;
    // A soak stopped by its timeout ends cancelled, not failed: it must alert as well.
    expect(tg.if).toBe('failure() || cancelled()');
    expect(tg.env).toMatchObject({
      TELEGRAM_BOT_TOKEN: '${{ secrets.TELEGRAM_BOT_TOKEN }}',
      TELEGRAM_CHAT_ID: '${{ secrets.TELEGRAM_CHAT_ID }}',
      RUN_URL: '${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}',
      COMMIT: '${{ github.sha }}',
    });
    // Secrets reach the script through the environment only, never pasted into its text.
    expect(tg.run).not.toContain('${{');
    expect(tg.run).toMatch(/\$RUN_URL/);
    expect(tg.run).toMatch(/\$COMMIT/);
  });

  describe('the plan step', () => {
    const script = wf.jobs['plan']!.steps[0]!.run!;
    const plan = (hours: string, runner: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'mm-soak-plan-'));
      const env = {
        ...process.env,
        HOURS: hours,
        RUNNER: runner,
        GITHUB_OUTPUT: join(dir, 'output'),
        GITHUB_STEP_SUMMARY: join(dir, 'summary'),
      };
      try {
        execFileSync('bash', ['-e', '-c', script], { env, stdio: 'pipe' });
      } catch (e) {
        return {
          ok: false,
          out: String((e as { stdout: Buffer }).stdout) + String((e as { stderr: Buffer }).stderr),
        };
      }
      return { ok: true, out: readFileSync(join(dir, 'output'), 'utf8') };
    };

    it('gives 24 hours on the self-hosted Windows runner a timeout with a buffer', () => {
      const r = plan('24', 'self-hosted-windows-soak');
      expect(r.ok).toBe(true);
      expect(r.out).toContain('runs_on=["self-hosted","windows","soak"]');
      expect(r.out).toContain(`timeout_minutes=${Math.ceil(24 * 60 * 1.1 + 60)}`);
      expect(r.out).toContain(`soak_minutes=${Math.ceil(24 * 60 * 1.1 + 60) - 30}`);
      const minutes = Number(/timeout_minutes=(\d+)/.exec(r.out)![1]);
      expect(minutes).toBeGreaterThan(24 * 60);
    });

    it('refuses more than GitHub-hosted runners allow, and nonsense hours', () => {
      expect(plan('2', 'ubuntu-latest')).toMatchObject({ ok: true });
      expect(plan('2', 'ubuntu-latest').out).toContain('runs_on="ubuntu-latest"');
      expect(plan('4.5', 'ubuntu-latest').ok).toBe(true);
      expect(plan('4.6', 'ubuntu-latest').ok).toBe(false);
      const long = plan('24', 'ubuntu-latest');
      expect(long.ok).toBe(false);
      expect(long.out).toMatch(/360 min/);
      expect(plan('0', 'self-hosted-windows-soak').ok).toBe(false);
      expect(plan('abc', 'self-hosted-windows-soak').out).toMatch(/between 0.1 and 120/);
    });
  });
});
