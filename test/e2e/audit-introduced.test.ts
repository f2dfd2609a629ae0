/**
 * `advisories: introduced` on the shipped audit bundle: a pull request is judged only for what it
 * adds against the base commit's lockfile (read from git), with the real npm CLI pointed at the
 * local advisory server. Each case builds main and a pull request branch in a scratch repository.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdvisoryServer, type AdvisoryServer, type BulkAdvisory } from '../../src/local/advisory-server.js';
import { REPO_ROOT, runAction } from '../../src/local/harness.js';
import { pullRequestEvent } from './events.js';
import { initRepo, removeTempRepos, type GitRepo } from './git-fixtures.js';
import { evidenceOf } from './workspace.js';

afterAll(() => {
  removeTempRepos();
});

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'audit');
const advisories = JSON.parse(readFileSync(join(FIXTURES, 'advisories.json'), 'utf8')) as Record<string, BulkAdvisory[]>;
const packuments = JSON.parse(readFileSync(join(FIXTURES, 'packuments.json'), 'utf8')) as Record<string, unknown>;

interface Installed {
  version: string;
  dependencies?: Record<string, string>;
  dev?: boolean;
}

/** app/package.json and app/package-lock.json (lockfileVersion 3) for these root dependencies and installed copies. */
function project(
  dependencies: Record<string, string>,
  installed: Record<string, Installed>,
  devDependencies: Record<string, string> = {},
): Record<string, string> {
  const root = { name: 'app', version: '1.0.0', dependencies, ...(Object.keys(devDependencies).length ? { devDependencies } : {}) };
  const packages: Record<string, unknown> = { '': root };
  for (const [location, p] of Object.entries(installed)) {
    const name = location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);
    packages[location] = {
      version: p.version,
      resolved: `https://registry.npmjs.org/${name}/-/${name}-${p.version}.tgz`,
      ...(p.dependencies ? { dependencies: p.dependencies } : {}),
      ...(p.dev ? { dev: true } : {}),
    };
  }
  return {
    'app/package.json': `${JSON.stringify({ ...root, private: true }, null, 2)}\n`,
    'app/package-lock.json': `${JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  };
}

/** main: lodash 4.17.15 (two high advisories, one moderate) and mkdirp 0.5.1 with its minimist 0.0.8 (critical). */
const BASE_INSTALLED: Record<string, Installed> = {
  'node_modules/lodash': { version: '4.17.15' },
  'node_modules/mkdirp': { version: '0.5.1', dependencies: { minimist: '0.0.8' } },
  'node_modules/minimist': { version: '0.0.8' },
};
const BASE_DEPS = { lodash: '^4.17.15', mkdirp: '0.5.1' };

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

type Listed = { package: string; version: string; advisory: string };
const listed = (xs: Listed[]) => xs.map((f) => `${f.package}@${f.version} ${f.advisory}`).sort();

describe('audit advisories: introduced (pull requests judged against the base lockfile)', () => {
  let server: AdvisoryServer;
  beforeAll(async () => {
    server = await startAdvisoryServer({ advisories, packuments });
  });
  afterAll(async () => {
    await server?.close();
  });

  function pullRequest(prFiles: Record<string, string | null>): { repo: GitRepo; base: string; head: string } {
    const repo = initRepo('rs-audit-intro-');
    const base = repo.commit('service on main', project(BASE_DEPS, BASE_INSTALLED));
    repo.git('checkout', '-q', '-b', 'feature');
    const head = repo.commit('the change under review', prFiles);
    return { repo, base, head };
  }
  const onPullRequest = (pr: { repo: GitRepo; base: string; head: string }, inputs: Record<string, string> = {}) =>
    runAction('audit', {
      workspace: pr.repo.dir,
      eventName: 'pull_request',
      event: pullRequestEvent({ baseSha: pr.base, headSha: pr.head }),
      sha: pr.head,
      inputs: { 'working-directory': 'app', registry: server.url, advisories: 'introduced', ...inputs },
    });

  const EXISTING = [
    'lodash@4.17.15 GHSA-29mw-wpgm-hmr9',
    'lodash@4.17.15 GHSA-35jh-r3h4-6jhm',
    'lodash@4.17.15 GHSA-p6mc-m468-83gw',
    'minimist@0.0.8 GHSA-vh95-rmgr-6w4m',
    'minimist@0.0.8 GHSA-xvch-5gv4-984h',
  ];

  it('a pull request that adds nothing vulnerable to a lockfile with a high (and a critical) on main passes; they are listed as existing', async () => {
    const pr = pullRequest(project({ ...BASE_DEPS, rc: '1.2.8' }, { ...BASE_INSTALLED, 'node_modules/rc': { version: '1.2.8' } }));
    const run = await onPullRequest(pr);
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'pass', blocking: '0', high: '0', critical: '0' });
    const ev = evidenceOf(run);
    expect(ev.metrics.existingOnBase).toBe(5);
    const onBase = ev.details.existingOnBase as { total: number; findings: Listed[]; comparedWith: { commit: string; lockfile: string } };
    expect(listed(onBase.findings)).toEqual(EXISTING);
    expect(onBase.comparedWith).toEqual({ commit: pr.base, lockfile: 'app/package-lock.json' });
    expect(ev.summary).toContain('5 existing on the base commit, not judged (advisories: introduced)');
    expect(run.summary).toContain('Existing on the base commit (5): not judged');
    expect(run.annotations.filter((a) => a.command === 'error' || a.command === 'warning')).toEqual([]);
    // The same pull request with every advisory judged fails on what main already has.
    const all = await onPullRequest(pr, { advisories: 'all' });
    expect(all.outputs).toMatchObject({ status: 'fail', blocking: '3' });
  });

  it('a pull request that adds a vulnerable package fails on it alone; what main has stays listed, not judged', async () => {
    const pr = pullRequest(
      project(
        { ...BASE_DEPS, rc: '1.2.8' },
        {
          ...BASE_INSTALLED,
          'node_modules/rc': { version: '1.2.8', dependencies: { minimist: '^1.2.0' } },
          'node_modules/rc/node_modules/minimist': { version: '1.2.5' },
        },
      ),
    );
    const run = await onPullRequest(pr);
    expect(run.outputs, run.stdout.slice(-3000)).toMatchObject({ status: 'fail', blocking: '1', critical: '1', high: '0' });
    const ev = evidenceOf(run);
    expect(listed(ev.details.findings as Listed[])).toEqual(['minimist@1.2.5 GHSA-xvch-5gv4-984h']);
    expect(listed((ev.details.existingOnBase as { findings: Listed[] }).findings)).toEqual(EXISTING);
    // The advisory annotations (the step's own failure line carries no title).
    const errors = run.annotations.filter((a) => a.command === 'error' && a.properties.title !== undefined);
    expect(errors.map((a) => a.properties.title)).toEqual(['release-safety audit: GHSA-xvch-5gv4-984h']);
    expect(errors[0]!.message).toContain('minimist@1.2.5');
  });

  it('upgrading a package into another vulnerable version is introduced', async () => {
    const pr = pullRequest(project({ ...BASE_DEPS, lodash: '^4.17.20' }, { ...BASE_INSTALLED, 'node_modules/lodash': { version: '4.17.20' } }));
    const run = await onPullRequest(pr);
    expect(run.outputs, run.stdout.slice(-3000)).toMatchObject({ status: 'fail', blocking: '1', high: '1', moderate: '1' });
    const ev = evidenceOf(run);
    expect(listed(ev.details.findings as Listed[])).toEqual(['lodash@4.17.20 GHSA-29mw-wpgm-hmr9', 'lodash@4.17.20 GHSA-35jh-r3h4-6jhm']);
    expect(listed((ev.details.existingOnBase as { findings: Listed[] }).findings)).toEqual([
      'minimist@0.0.8 GHSA-vh95-rmgr-6w4m',
      'minimist@0.0.8 GHSA-xvch-5gv4-984h',
    ]);
  });

  it('an advisory main already has, reached through a new dependency path, is introduced', async () => {
    // The project now depends on minimist 0.0.8 itself: the same installed copy, a new dependent.
    const pr = pullRequest(project({ ...BASE_DEPS, minimist: '0.0.8' }, BASE_INSTALLED));
    const run = await onPullRequest(pr);
    expect(run.outputs, run.stdout.slice(-3000)).toMatchObject({ status: 'fail', blocking: '1', critical: '1', moderate: '1', high: '0' });
    expect(listed(evidenceOf(run).details.findings as Listed[])).toEqual(['minimist@0.0.8 GHSA-vh95-rmgr-6w4m', 'minimist@0.0.8 GHSA-xvch-5gv4-984h']);
    // A dev-only copy on main that the change ships at runtime is introduced too.
    const devOnMain = initRepo('rs-audit-intro-');
    const base = devOnMain.commit(
      'lodash as a dev dependency',
      project({}, { 'node_modules/lodash': { version: '4.17.15', dev: true } }, { lodash: '^4.17.15' }),
    );
    devOnMain.git('checkout', '-q', '-b', 'feature');
    const head = devOnMain.commit('ship lodash', project({ lodash: '^4.17.15' }, { 'node_modules/lodash': { version: '4.17.15' } }));
    const shipped = await onPullRequest({ repo: devOnMain, base, head });
    expect(shipped.outputs, shipped.stdout.slice(-3000)).toMatchObject({ status: 'fail', blocking: '2', high: '2' });
  });

  it('a checkout without the base commit cannot tell what the change introduces: error naming fetch-depth', async () => {
    const pr = pullRequest(project({ ...BASE_DEPS, rc: '1.2.8' }, { ...BASE_INSTALLED, 'node_modules/rc': { version: '1.2.8' } }));
    const shallow = pr.repo.clone(['--depth', '1', '--branch', 'feature']);
    const run = await onPullRequest({ repo: shallow, base: pr.base, head: pr.head });
    expect(run.outputs.status, run.stdout.slice(-3000)).toBe('error');
    expect(run.exitCode).toBe(1);
    expect(evidenceOf(run).summary).toContain('fetch-depth: 0');
  });

  it('on a push there is no base to compare with: every advisory is judged, and the summary says so', async () => {
    const pr = pullRequest({});
    const event = { ref: 'refs/heads/feature', before: pr.base, after: pr.head, created: false, forced: false, repository: { default_branch: 'main' } };
    const run = await runAction('audit', {
      workspace: pr.repo.dir,
      eventName: 'push',
      event,
      sha: pr.head,
      inputs: { 'working-directory': 'app', registry: server.url, advisories: 'introduced' },
    });
    expect(run.outputs, run.stdout.slice(-3000)).toMatchObject({ status: 'fail', blocking: '3' });
    expect(run.summary).toContain('this event has none, so every advisory is judged');
  });

  it('mode: warn (report-only first run) records the failing verdict but does not fail the step; an error still fails it', async () => {
    const pr = pullRequest({});
    const run = await onPullRequest(pr, { advisories: 'all', mode: 'warn' });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'fail', blocking: '3' });
    const ev = evidenceOf(run);
    expect(ev).toMatchObject({ status: 'fail', details: { mode: 'warn' } });
    expect(run.annotations.some((a) => a.command === 'warning' && a.message.startsWith('report-only (mode: warn), the step does not fail: audit:'))).toBe(true);
    expect(run.summary).toContain('**Report-only** (`mode: warn`)');
    // The same change with mode: block (the default) fails the step.
    expect((await onPullRequest(pr, { advisories: 'all' })).exitCode).toBe(1);
    // Could not judge (nothing listens on the registry's port): error, and the step fails even in warn mode.
    const down = await onPullRequest(pr, { mode: 'warn', registry: 'http://127.0.0.1:9/' });
    expect(down.outputs.status, down.stdout.slice(-3000)).toBe('error');
    expect(down.exitCode).toBe(1);
  });

  it("an exceptions file with three problems lists all three, each at its line, in the suite's own words", async () => {
    const pr = pullRequest({ '.github/release-safety-exceptions.yml': THREE_PROBLEMS });
    const run = await onPullRequest(pr);
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

  it('scope: introduced is a configuration error that names the advisories input', async () => {
    const pr = pullRequest({});
    const run = await onPullRequest(pr, { scope: 'introduced', advisories: '' });
    expect(run.outputs.status).toBe('error');
    const message = run.annotations.find((a) => a.command === 'error')?.message ?? '';
    expect(message).toContain('input "scope" says which dependencies count');
    expect(message).toContain('set input "advisories" to introduced');
  });
});
