/**
 * The fork-safe pair in workflows-examples/: the gates run on `pull_request` (a fork's read-only
 * token, the PR's code) and upload their records; the reporter runs on `workflow_run` in the base
 * repository with a write token and only downloads JSON: it never checks out or runs PR code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../src/local/harness.js';

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
type Job = { if?: string; permissions?: Record<string, string>; steps?: Step[] };
type Workflow = { name: string; on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, Job> };

const read = (file: string) => parse(readFileSync(join(REPO_ROOT, 'workflows-examples', file), 'utf8')) as Workflow;
const gates = read('pr-gates.yml');
const reporter = read('evidence-fork-safe.yml');

describe('the fork-safe workflow pair', () => {
  it('gates: pull_request (never pull_request_target), read-only by default, each gate job uploads its records as an evidence-* artifact', () => {
    expect(Object.keys(gates.on)).toContain('pull_request');
    expect(Object.keys(gates.on)).not.toContain('pull_request_target');
    expect(gates.permissions).toEqual({ contents: 'read' });
    const uploads: string[] = [];
    for (const [name, job] of Object.entries(gates.jobs)) {
      const gate = (job.steps ?? []).find((s) => /^org\/release-safety\/actions\/[\w-]+@v1$/.test(s.uses ?? ''));
      if (!gate) continue;
      expect(gate.uses, `${name} does not run the evidence reporter with the PR's token`).not.toMatch(/actions\/evidence@/);
      const upload = (job.steps ?? []).find((s) => (s.uses ?? '').startsWith('actions/upload-artifact@'));
      expect(upload, `${name} uploads its records`).toBeDefined();
      expect(upload!.with!.path).toBe(gate.with!['evidence-dir'] === 'evidence' ? 'evidence/' : gate.with!['evidence-dir']);
      uploads.push(String(upload!.with!.name));
    }
    expect(uploads.sort()).toEqual(['evidence-audit', 'evidence-image', 'evidence-lint', 'evidence-rules', 'evidence-secrets', 'evidence-test']);
  });

  it('reporter: workflow_run of the gates workflow, write permissions only for statuses and the comment, no checkout and no script', () => {
    expect(reporter.on).toEqual({ workflow_run: { workflows: [gates.name], types: ['completed'] } });
    expect(reporter.permissions).toEqual({ contents: 'read' });
    const jobs = Object.values(reporter.jobs);
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    expect(job.if).toContain("github.event.workflow_run.event == 'pull_request'");
    expect(job.permissions).toEqual({ actions: 'read', statuses: 'write', 'pull-requests': 'write' });
    const steps = job.steps ?? [];
    expect(steps.filter((s) => s.run !== undefined)).toEqual([]);
    expect(steps.map((s) => (s.uses ?? '').split('@')[0])).toEqual([
      'actions/download-artifact',
      'org/release-safety/actions/evidence',
      'actions/upload-artifact',
    ]);
    const download = steps[0]!.with!;
    expect(download['run-id']).toBe('${{ github.event.workflow_run.id }}');
    expect(download.pattern).toBe('evidence-*');
    const evidence = steps[1]!.with!;
    expect(evidence['evidence-dir']).toBe(download.path);
    // Every gate the PR workflow uploads is required, so a missing artifact fails the verdict.
    expect(
      String(evidence['required-gates'])
        .split(/[\s,]+/)
        .filter(Boolean)
        .sort(),
    ).toEqual(['audit', 'image', 'lint', 'rules', 'secrets', 'test']);
  });
});
