/**
 * Adopting the secrets gate on a repository that already has leaks: the fingerprint a
 * .gitleaksignore line needs is shown whole (summary and annotations), and
 * `npx release-safety baseline secrets` (dist/cli) writes the findings that exist on main into
 * .gitleaksignore, which later scans, and pull requests through their base commit, obey.
 * The real gitleaks engine (its WebAssembly build) scans; the bundles run as the runner runs them.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { md } from '../../src/core/markdown.js';
import { REPO_ROOT } from '../../src/local/harness.js';
import { pullRequestEvent } from './events.js';
import { fakeAwsKeyId, fakeGithubPat, initRepo, removeTempRepos, tempDir, type GitRepo } from './git-fixtures.js';
import { GITLEAKS, runSecrets } from './secrets-support.js';
import { evidenceOf } from './workspace.js';

afterAll(() => {
  removeTempRepos();
});

const THREE_PROBLEMS = [
  'exceptions:',
  '  - id: GHSA-aaaa-bbbb-cccc',
  '    owner: a',
  '    expires: 2026-01-01',
  '  - fingerprint: abc:a.env:r:1',
  '    reason: because',
  '    owner: 42',
  '    expires: 31/12/2026',
  '',
].join('\n');

const history = (repo: GitRepo, inputs: Record<string, string> = {}) =>
  runSecrets({
    workspace: repo.dir,
    eventName: 'workflow_dispatch',
    event: { inputs: {} },
    sha: repo.head(),
    inputs: { 'gitleaks-path': GITLEAKS, scope: 'history', ...inputs },
  });

/** `npx release-safety baseline secrets ...` in the repository, with a private tool cache. */
function baselineCli(repo: GitRepo, ...args: string[]) {
  const cache = tempDir('rs-baseline-cache-');
  return spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'release-safety.mjs'), 'baseline', ...args], {
    cwd: repo.dir,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, XDG_CACHE_HOME: cache },
  });
}

describe('secrets: the fingerprint is never cut', () => {
  it('a finding deep in a long path shows its whole fingerprint in the findings table, the fingerprint list and the annotation', async () => {
    const repo = initRepo();
    const path = `services/payments/${'settlement-reconciliation/'.repeat(6)}config/production.env`;
    const commit = repo.commit('add the production config', { [path]: `AWS_ACCESS_KEY_ID=${fakeAwsKeyId()}\n` });
    const run = await history(repo);
    expect(run.outputs.status, run.stdout.slice(-3000)).toBe('fail');
    const fingerprint = `${commit}:${path}:aws-access-token:1`;
    expect(fingerprint.length).toBeGreaterThan(200);
    const ev = evidenceOf(run);
    expect(ev.findings[0]).toMatchObject({ fingerprint });
    // The message is longer than the findings table shows (300 characters): the rest is cut, not the fingerprint.
    expect(ev.findings[0]!.message.length).toBeGreaterThan(300);
    const row = run.summary.split('\n').find((l) => l.startsWith('| error |'));
    expect(row, run.summary).toBeDefined();
    expect(row).toContain(md(fingerprint));
    // The list form wraps a long value at the page edge; it holds the fingerprint whole too.
    expect(run.summary).toContain('### Open findings (1): fingerprints');
    expect(run.summary).toContain(`fingerprint <code>${md(fingerprint)}</code>`);
    const annotation = run.annotations.find((a) => a.command === 'error' && a.properties.file === path);
    expect(annotation?.message).toContain(fingerprint);
  });
});

describe('secrets mode: warn (report-only first run)', () => {
  it('a finding is recorded as fail, the step does not fail, and the summary says report-only', async () => {
    const repo = initRepo();
    repo.commit('a key', { 'config/old.env': `AWS_ACCESS_KEY_ID=${fakeAwsKeyId()}\n` });
    const run = await history(repo, { mode: 'warn' });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'fail', findings: '1' });
    expect(evidenceOf(run)).toMatchObject({ status: 'fail', details: { mode: 'warn' } });
    expect(run.summary).toContain('**Report-only** (`mode: warn`)');
    expect((await history(repo)).exitCode).toBe(1);
  });
});

describe('secrets: an exceptions file with several problems', () => {
  it("lists all three, each at its line, in the suite's own words", async () => {
    const repo = initRepo();
    repo.commit('exceptions with mistakes', { '.github/release-safety-exceptions.yml': THREE_PROBLEMS });
    const run = await history(repo);
    expect(run.outputs.status).toBe('error');
    const message = run.annotations.find((a) => a.command === 'error')?.message ?? '';
    expect(message).toContain('exceptions file .github/release-safety-exceptions.yml has 3 problems');
    for (const part of [
      ':2: field "reason" is missing',
      ':7: field "owner" must name who owns the exception',
      ':8: field "expires" must be a date in the form YYYY-MM-DD',
    ])
      expect(message).toContain(part);
    expect(message).not.toMatch(/Invalid input|expected string|received/);
    expect(evidenceOf(run).status).toBe('error');
  });
});

describe('npx release-safety baseline secrets', () => {
  it('writes the findings that exist on main into .gitleaksignore; committed, later scans pass, a new secret still fails, and a pull request cannot baseline its own', async () => {
    const repo = initRepo();
    const c1 = repo.commit('an old key', { 'config/old.env': `AWS_ACCESS_KEY_ID=${fakeAwsKeyId()}\n` });
    const c2 = repo.commit('a token in a script', { 'scripts/deploy.sh': `#!/bin/sh\nTOKEN="${fakeGithubPat()}"\n` });
    const before = await history(repo);
    expect(before.outputs, before.stdout.slice(-3000)).toMatchObject({ status: 'fail', findings: '2' });

    const made = baselineCli(repo, 'secrets', '--gitleaks', GITLEAKS);
    expect(made.status, made.stdout + made.stderr).toBe(0);
    expect(made.stdout).toContain('2 finding(s) written to .gitleaksignore');
    const ignore = readFileSync(join(repo.dir, '.gitleaksignore'), 'utf8');
    expect(
      ignore
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#'))
        .sort(),
    ).toEqual([`${c1}:config/old.env:aws-access-token:1`, `${c2}:scripts/deploy.sh:github-pat:2`].sort());
    expect(ignore).toMatch(/^# release-safety baseline: 2 finding\(s\) that already exist \(scope history at [0-9a-f]{12}\)/);
    // Run again: nothing new to add, the file is left as it is.
    const again = baselineCli(repo, 'secrets', '--gitleaks', GITLEAKS);
    expect(again.status, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain("no finding to add: the scan's 2 finding(s) are all suppressed already");
    expect(readFileSync(join(repo.dir, '.gitleaksignore'), 'utf8')).toBe(ignore);
    const base = repo.commit('baseline the existing findings', {});

    const after = await history(repo);
    expect(after.outputs, after.stdout.slice(-3000)).toMatchObject({ status: 'pass', findings: '0' });
    expect(evidenceOf(after).metrics.suppressed).toBe(2);

    // A pull request that adds a secret and runs the baseline command for it is judged by main's file.
    repo.git('checkout', '-q', '-b', 'feature');
    repo.commit('a new key', { 'config/new.env': `AWS_ACCESS_KEY_ID=${fakeAwsKeyId()}\n` });
    const own = baselineCli(repo, 'secrets', '--gitleaks', GITLEAKS);
    expect(own.status, own.stdout + own.stderr).toBe(0);
    expect(own.stdout).toContain('1 finding(s) written to .gitleaksignore (2 already suppressed)');
    const head = repo.commit('baseline my own key', {});
    const pr = await runSecrets({
      workspace: repo.dir,
      eventName: 'pull_request',
      event: pullRequestEvent({ baseSha: base, headSha: head }),
      sha: head,
      inputs: { 'gitleaks-path': GITLEAKS },
    });
    expect(pr.outputs, pr.stdout.slice(-3000)).toMatchObject({ status: 'fail', findings: '1' });
    expect(pr.summary).toContain('suppressions changed in this range are not applied until merged');
  });

  it('a scan that cannot judge writes no baseline; a wrong gate name is a usage error', () => {
    const repo = initRepo();
    const broken = baselineCli(repo, 'secrets', '--gitleaks', join(repo.dir, 'no-such-gitleaks'));
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain('no baseline was written');
    expect(() => readFileSync(join(repo.dir, '.gitleaksignore'))).toThrow();
    const usage = baselineCli(repo, 'audit');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('baseline takes one gate: "release-safety baseline secrets"');
  });
});
