/**
 * The root action (dist/pipeline/index.js) end to end, as the runner runs `uses: org/release-safety@v1`:
 * a config file in the repository, the gates' own bundles started by it, then the evidence action
 * against the test GitHub API. Asserts on what lands in the runner files and on the API.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBundle } from '../../src/core/bundle.js';
import { evidenceSchema, GATES } from '../../src/core/evidence.js';
import { startAdvisoryServer, type AdvisoryServer } from '../../src/local/advisory-server.js';
import { makeBaseImage } from '../../src/local/base-image.js';
import { startGitHubApi, type GitHubApi } from '../../src/local/github-api.js';
import { randomSha, REPO_ROOT, runAction } from '../../src/local/harness.js';
import { startRegistry, type LocalRegistry } from '../../src/local/registry.js';
import { pullRequestEvent } from './events.js';
import { initRepo, removeTempRepos, tempDir, type GitRepo } from './git-fixtures.js';
import { makeKeyPair, skopeoRaw } from './promote-fixtures.js';
import { copySampleService, scratchSampleService } from './workspace.js';

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
    // The runner starts an action in the workspace, so the gates run as threads of the pipeline's process.
    expect(run.stdout).toMatch(/release-safety: 2 gate\(s\) from .*, each gate in a worker thread of this process: lint, test/);
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
    expect(
      run
        .everything()
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n'),
    ).not.toContain('ghs_write');
    expect(run.masks).toContain('ghs_write');
  });

  it('a bad config file fails naming the key, before any gate runs', async () => {
    writeFileSync(join(ws.workspace, 'bad.yml'), 'version: 1\ngates:\n  lint:\n    with: { workdir: sample-service }\n');
    const run = await runAction('pipeline', {
      workspace: ws.workspace,
      eventName: 'pull_request',
      event,
      inputs: { config: 'bad.yml', 'github-token': 'ghs_write' },
      env: { GITHUB_API_URL: api.url },
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.outputs.verdict).toBe('error');
    const errors = run.annotations.filter((a) => a.command === 'error').map((a) => a.message);
    expect(errors.join('\n')).toMatch(/bad\.yml: unknown key "gates\.lint\.with\.workdir": inputs are the action's own input names/);
    expect(run.stdout).not.toMatch(/▶ lint started/);
  });

  it('attach configured but nothing to attach (no image gate): the gates pass, the verdict is error, and the log says why', async () => {
    writeFileSync(
      join(ws.workspace, 'attach.yml'),
      'version: 1\nisolation: process\ngates:\n  lint:\n    with: { working-directory: sample-service }\nevidence:\n  with: { comment: never, attach: true }\n',
    );
    const run = await runAction('pipeline', {
      workspace: ws.workspace,
      eventName: 'pull_request',
      event: pullRequestEvent({ number: 8 }),
      inputs: { config: 'attach.yml', 'github-token': 'ghs_write' },
      env: { GITHUB_API_URL: api.url },
    });
    // The same pipeline with each gate a process of its own (isolation: process).
    expect(run.stdout).toMatch(/each gate in a Node process of its own \(isolation: process\)/);
    expect(run.stdout).toMatch(/■ lint pass in /);
    expect(run.exitCode).not.toBe(0);
    expect(run.outputs.verdict).toBe('error');
    expect(run.outputs['attestation-digest']).toBe('');
    const errors = run.annotations
      .filter((a) => a.command === 'error')
      .map((a) => a.message)
      .join('\n');
    expect(errors).toMatch(/attach: error: the evidence has no valid image record/);
    expect(errors).toMatch(/verdict error: the config asks the evidence step to attach the attestation and none was attached/);
  });

  it('a failing required gate makes the verdict fail and the step fail; a gate needing it is skipped with a record', async () => {
    const broken = scratchSampleService();
    try {
      mkdirSync(join(broken.workspace, '.github'), { recursive: true });
      writeFileSync(join(broken.service, 'src', 'broken.ts'), 'export const x = 1;;\nvar unused = 2;\n');
      writeFileSync(
        join(broken.workspace, '.github', 'release-safety.yml'),
        'version: 1\ngates:\n  lint:\n    with: { working-directory: sample-service }\n  test:\n    needs: [lint]\n    with: { working-directory: sample-service }\nevidence:\n  with: { comment: never }\n',
      );
      const run = await runAction('pipeline', {
        workspace: broken.workspace,
        eventName: 'pull_request',
        event: pullRequestEvent({ number: 6 }),
        inputs: { 'github-token': 'ghs_write' },
        env: { GITHUB_API_URL: api.url },
      });
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

/**
 * Every gate enabled, the image pushed to a real registry, the evidence attached as a signed
 * attestation. The alerts gate checks the metric contract and runbooks on the built image; its
 * live drill (minutes of Prometheus time) is exercised in alerts.test.ts and the demo, not here.
 */
describe('root action: every gate, then the attestation in the registry', () => {
  const keys = makeKeyPair();
  let registry: LocalRegistry;
  let advisories: AdvisoryServer;
  let api: GitHubApi;
  let storage: string;
  let base: string;
  let repo: GitRepo;
  let baseSha: string;
  let headSha: string;

  beforeAll(async () => {
    [registry, advisories, api] = await Promise.all([
      startRegistry(),
      startAdvisoryServer({ advisories: {} }),
      startGitHubApi({ repositories: ['acme/sample-service'] }),
    ]);
    storage = tempDir('rs-pipeline-buildah-');
    base = makeBaseImage(registry, storage);
    repo = initRepo('rs-pipeline-repo-');
    copySampleService(repo.dir);
    baseSha = repo.commit('sample-service as on main', { '.gitignore': 'node_modules\nreports/\ndist/\n' });
    headSha = repo.commit('Document item ordering', { 'sample-service/CHANGELOG.md': '- Items are listed in creation order.\n' });
    const gitleaks = join(REPO_ROOT, 'node_modules', '.bin', 'gitleaks');
    const smoke = 'node --input-type=module -e "await import(\'/app/dist/app.js\')"';
    repo.write(
      '.github/release-safety.yml',
      [
        'version: 1',
        'gates:',
        '  lint: { with: { working-directory: sample-service } }',
        '  test: { with: { working-directory: sample-service, timeout-seconds: 600 } }',
        `  audit: { with: { working-directory: sample-service, registry: "${advisories.url}" } }`,
        `  secrets: { with: { gitleaks-path: "${gitleaks}" } }`,
        '  rules: { with: { rules: "sample-service/prometheus/rules/*.yml", tests: "sample-service/prometheus/tests/*.yml", promtool-path: /usr/bin/promtool } }',
        '  image:',
        '    needs: [lint, test]',
        `    with: { context: sample-service, image: "${registry.host}/acme/sample-service", insecure-registry: "true", build-args: "BASE_IMAGE=${base}", storage-dir: "${storage}", smoke-command: ${JSON.stringify(smoke)}, sbom: "false" }`,
        `  alerts: { with: { rules: "sample-service/prometheus/rules/*.yml", service-env: FAULTS_ENABLED=1, prometheus-path: /usr/bin/prometheus, storage-dir: "${storage}", tls-verify: "false" } }`,
        'evidence:',
        '  with: { comment: always, attach: true }',
        '',
      ].join('\n'),
    );
  }, 600_000);
  afterAll(async () => {
    await Promise.allSettled([registry?.stop(), advisories?.close(), api?.stop()]);
    removeTempRepos();
  });

  it('one bundle whose records all validate, one comment on the test GitHub API, one commit status, one attestation in the registry', async () => {
    const run = await runAction('pipeline', {
      workspace: repo.dir,
      eventName: 'pull_request',
      event: pullRequestEvent({ number: 42, headSha, baseSha, repository: 'acme/sample-service' }),
      sha: headSha,
      repository: 'acme/sample-service',
      inputs: { 'github-token': 'ghs_write', 'signing-key': keys.privatePem },
      env: { GITHUB_API_URL: api.url },
      timeoutMs: 1_200_000,
    });
    expect(run.exitCode, run.stdout.slice(-6000)).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    const digest = run.outputs.digest!;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const gate of GATES) expect(run.stdout).toMatch(new RegExp(`■ ${gate} pass in `));

    // One bundle: parseBundle re-verifies every record hash and the bundle hash; each record is valid on its own.
    const bundle = parseBundle(readFileSync(run.outputs['bundle-path']!, 'utf8'), 'bundle');
    expect(bundle.records.map((r) => r.record.gate).sort()).toEqual([...GATES].sort());
    for (const entry of bundle.records) expect(evidenceSchema.safeParse(entry.record).success).toBe(true);
    expect(bundle).toMatchObject({ verdict: 'pass', commitSha: headSha, digest });

    expect(api.state.comments.filter((c) => c.issueNumber === 42)).toHaveLength(1);
    expect(api.state.statuses.filter((s) => s.sha === headSha)).toHaveLength(1);
    expect(api.violations).toEqual([]);

    // One attestation, found by skopeo under the sha256-<hex> tag, and verified by the CLI with the public key.
    const referrer = run.outputs['attestation-digest']!;
    expect(referrer).toMatch(/^sha256:[0-9a-f]{64}$/);
    const index = JSON.parse(skopeoRaw(`${registry.host}/acme/sample-service:${digest.replace(':', '-')}`).toString()) as {
      manifests: { digest: string; annotations?: Record<string, string> }[];
    };
    // Beside the evidence attestation, the image's provenance (sbom is off here) as its own referrer.
    expect(index.manifests.map((m) => m.digest)).toContain(referrer);
    expect(index.manifests.map((m) => m.annotations?.['dev.sigstore.bundle.predicateType']).sort()).toEqual([
      'https://release-safety.dev/evidence-bundle/v1',
      'https://slsa.dev/provenance/v1',
    ]);
    const dir = tempDir('rs-pipeline-key-');
    writeFileSync(join(dir, 'pub.pem'), keys.publicPem);
    const cli = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'bin', 'release-safety.mjs'), 'verify', `${registry.host}/acme/sample-service@${digest}`, '--key', join(dir, 'pub.pem')],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(cli.status, cli.stdout + cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`verified: attestation ${referrer}, signed, commit ${headSha}`);
    expect(run.stdout).toContain(`attestation: ${referrer}`);
    // The signing key reaches the runner only as its mask commands.
    const shown = run
      .everything()
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    for (const line of keys.privatePem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'))) expect(shown).not.toContain(line);
  }, 1_300_000);
});
