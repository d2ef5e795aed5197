/**
 * The security workflow, checked without GitHub: valid against the workflow schema, weekly and by
 * hand, and running the commands this repository defines (npm ci, npm run audit, npm run
 * scan:secrets over the full history).
 */
import { readFileSync } from 'node:fs';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: { schedule?: { cron: string }[]; workflow_dispatch?: unknown; push?: unknown; pull_request?: unknown };
  permissions?: Record<string, string>;
  jobs: Record<string, { 'timeout-minutes'?: number; steps: Step[] }>;
}

const text = readFileSync('.github/workflows/security.yml', 'utf8');
const wf = parse(text) as Workflow;
const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
  .scripts;
const runs = (job: string) => wf.jobs[job]!.steps.flatMap((s) => (s.run === undefined ? [] : [s.run]));

describe('security.yml', () => {
  it('is a valid workflow with read-only permissions', () => {
    expect(validateWorkflow(text).errors).toEqual([]);
    expect(wf.permissions).toEqual({ contents: 'read' });
  });

  it('runs weekly, by hand, and on pushes and pull requests', () => {
    const crons = (wf.on.schedule ?? []).map((s) => s.cron.trim().split(/\s+/));
    expect(crons).toHaveLength(1);
    const [minute, hour, dayOfMonth, month, dayOfWeek] = crons[0]!;
    // Once a week: a fixed minute, hour and weekday, any day of the month.
    expect([minute, hour].every((f) => /^\d+$/.test(f!))).toBe(true);
    expect([dayOfMonth, month]).toEqual(['*', '*']);
    expect(dayOfWeek).toMatch(/^[0-6]$/);
    expect(wf.on).toHaveProperty('workflow_dispatch');
    expect(wf.on).toHaveProperty('pull_request');
  });

  it('installs with npm ci, then audits and scans with the repository scripts', () => {
    expect(runs('audit')).toEqual(['npm ci --no-audit --no-fund', 'npm run audit']);
    expect(runs('secret-scan')).toEqual(['npm ci --no-audit --no-fund', 'npm run scan:secrets']);
    expect(scripts['audit']).toBe('node --import tsx src/cli/audit.ts');
    expect(scripts['scan:secrets']).toBe('node --import tsx src/cli/scan-secrets.ts');
    for (const job of Object.values(wf.jobs)) expect(job['timeout-minutes']).toBeLessThanOrEqual(30);
  });

  it('checks out the whole history for the secret scan', () => {
    const checkout = wf.jobs['secret-scan']!.steps.find((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with?.['fetch-depth']).toBe(0);
  });
});
