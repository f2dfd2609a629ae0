/**
 * The root action (dist/pipeline/index.js) end to end, as the runner runs `uses: org/release-safety@v1`:
 * a config file in the repository, the gates' own bundles started by it, then the evidence action
 * against the test GitHub API. Asserts on what lands in the runner files and on the API.
 */
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBundle } from '../../src/core/bundle.js';
import { startGitHubApi, type GitHubApi } from '../../src/local/github-api.js';
import { randomSha, runAction } from '../../src/local/harness.js';
import { pullRequestEvent } from './events.js';
import { scratchSampleService } from './workspace.js';

const CONFIG = `# the sample service's pipeline, lint and test only
version: 1
gates:
  lint:
    with:
      working-directory: sample-service
  test:
    with:
      working-directory: sample-service
      timeout-seconds: 600
evidence:
  with:
    comment: always
`;

describe('root action: the pipeline in one job', () => {
  let api: GitHubApi;
  let ws: { workspace: string; service: string };
  const headSha = randomSha();
  const event = pullRequestEvent({ headSha, number: 5, repository: 'acme/service' });

  beforeAll(async () => {
    api = await startGitHubApi();
    ws = scratchSampleService();
    mkdirSync(join(ws.workspace, '.github'), { recursive: true });
    writeFileSync(join(ws.workspace, '.github', 'release-safety.yml'), CONFIG);
  });
  afterAll(async () => {
    await api.stop();
    rmSync(ws.workspace, { recursive: true, force: true });
  });

  it('runs the configured gates in parallel, then one comment and one commit status, and outputs the bundle', async () => {
    const run = await runAction('pipeline', {
      workspace: ws.workspace,
      eventName: 'pull_request',
      event,
      sha: randomSha(),
      repository: 'acme/service',
      inputs: { 'github-token': 'ghs_write' },
      env: { GITHUB_API_URL: api.url },
      timeoutMs: 600_000,
    });
    expect(run.exitCode, run.stdout.slice(-4000)).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    expect(run.outputs.digest).toBe('');
    // one line per gate start and end, each gate's own log after its end line
    expect(run.stdout).toMatch(/▶ lint started/);
    expect(run.stdout).toMatch(/■ lint pass in \d+\.\d s: eslint: no errors/);
    expect(run.stdout).toMatch(/■ test pass in \d+\.\d s: \d+ passed, 0 failed/);
    const bundle = parseBundle(readFileSync(run.outputs['bundle-path']!, 'utf8'), 'bundle');
    expect(bundle.records.map((r) => r.record.gate)).toEqual(['lint', 'test']);
    expect(bundle.commitSha).toBe(headSha);
    expect(bundle.verdict).toBe('pass');
    expect(api.state.comments.filter((c) => c.issueNumber === 5)).toHaveLength(1);
    expect(api.state.statuses.filter((s) => s.sha === headSha)).toHaveLength(1);
    expect(api.violations).toEqual([]);
    expect(run.summary).toContain('release-safety pipeline: pass');
    // The token reaches the runner only as its own mask command; nowhere else.
    expect(run.everything().split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n')).not.toContain('ghs_write');
    expect(run.masks).toContain('ghs_write');
  });

  it('a bad config file fails naming the key, before any gate runs', async () => {
    writeFileSync(join(ws.workspace, 'bad.yml'), 'version: 1\ngates:\n  lint:\n    with: { workdir: sample-service }\n');
    const run = await runAction('pipeline', { workspace: ws.workspace, eventName: 'pull_request', event, inputs: { config: 'bad.yml', 'github-token': 'ghs_write' }, env: { GITHUB_API_URL: api.url } });
    expect(run.exitCode).not.toBe(0);
    expect(run.outputs.verdict).toBe('error');
    const errors = run.annotations.filter((a) => a.command === 'error').map((a) => a.message);
    expect(errors.join('\n')).toMatch(/bad\.yml: unknown key "gates\.lint\.with\.workdir": inputs are the action's own input names/);
    expect(run.stdout).not.toMatch(/▶ lint started/);
  });

  it('a failing required gate makes the verdict fail and the step fail; a gate needing it is skipped with a record', async () => {
    const broken = scratchSampleService();
    try {
      mkdirSync(join(broken.workspace, '.github'), { recursive: true });
      writeFileSync(join(broken.service, 'src', 'broken.ts'), 'export const x = 1;;\nvar unused = 2;\n');
      writeFileSync(join(broken.workspace, '.github', 'release-safety.yml'), 'version: 1\ngates:\n  lint:\n    with: { working-directory: sample-service }\n  test:\n    needs: [lint]\n    with: { working-directory: sample-service }\nevidence:\n  with: { comment: never }\n');
      const run = await runAction('pipeline', { workspace: broken.workspace, eventName: 'pull_request', event: pullRequestEvent({ number: 6 }), inputs: { 'github-token': 'ghs_write' }, env: { GITHUB_API_URL: api.url } });
      expect(run.exitCode).not.toBe(0);
      expect(run.outputs.verdict).toBe('fail');
      expect(run.stdout).toMatch(/■ test skipped in 0\.0 s: not run: it needs lint \(fail\) to pass first/);
      const bundle = parseBundle(readFileSync(run.outputs['bundle-path']!, 'utf8'), 'bundle');
      expect(bundle.records.find((r) => r.record.gate === 'test')?.record.status).toBe('skipped');
      expect(bundle.verdict).not.toBe('pass');
    } finally {
      rmSync(broken.workspace, { recursive: true, force: true });
    }
  });
});
