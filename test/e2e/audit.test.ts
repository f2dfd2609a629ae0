/**
 * The audit gate's shipped bundle, run as the runner runs it, with the real npm CLI pointed at a
 * local advisory server (the npm registry is not reachable here) that answers in npm's format.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdvisoryServer, type AdvisoryServer, type BulkAdvisory } from '../../src/local/advisory-server.js';
import { REPO_ROOT, runAction, type ActionRun } from '../../src/local/harness.js';
import { scratchDir } from '../../src/local/scratch.js';
import { pullRequestEvent } from './events.js';
import { initRepo, removeTempRepos, type GitRepo } from './git-fixtures.js';
import { evidenceOf } from './workspace.js';

afterAll(() => {
  removeTempRepos();
});

/** A date `days` from today (UTC), YYYY-MM-DD: exceptions must expire within max-exception-days. */
function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'audit');
const advisories = JSON.parse(readFileSync(join(FIXTURES, 'advisories.json'), 'utf8')) as Record<string, BulkAdvisory[]>;
const packuments = JSON.parse(readFileSync(join(FIXTURES, 'packuments.json'), 'utf8')) as Record<string, unknown>;
const BULK = '/-/npm/v1/security/advisories/bulk';

/** A scratch workspace with one fixture project copied to app/. */
function workspaceWith(fixture: string): string {
  const ws = scratchDir('rs-audit-ws-');
  cpSync(join(FIXTURES, fixture), join(ws, 'app'), { recursive: true });
  return ws;
}

function writeExceptions(ws: string, body: string, path = '.github/release-safety-exceptions.yml'): void {
  mkdirSync(join(ws, path, '..'), { recursive: true });
  writeFileSync(join(ws, path), body);
}

/** The 1-based line of the lockfile entry for a location, read from the fixture itself. */
function lockLine(fixture: string, location: string): number {
  const lines = readFileSync(join(FIXTURES, fixture, 'package-lock.json'), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.trim().startsWith(`"${location}": {`));
  expect(i, location).toBeGreaterThanOrEqual(0);
  return i + 1;
}

function errorMessages(run: ActionRun): string {
  return run.annotations
    .filter((a) => a.command === 'error')
    .map((a) => a.message)
    .join('\n');
}

function noStackTrace(run: ActionRun): void {
  expect(`${run.stdout}\n${run.stderr}`).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
}

type DetailFinding = {
  package: string;
  version: string;
  advisory: string;
  severity: string;
  fixedIn: string | null;
  path: string[];
  direct: boolean;
  dev: boolean;
};

describe('audit gate with npm against a local advisory service', () => {
  let server: AdvisoryServer;
  const audit = (ws: string, inputs: Record<string, string> = {}) => {
    server.requests.length = 0;
    return runAction('audit', { workspace: ws, inputs: { 'working-directory': 'app', registry: server.url, ...inputs } });
  };

  beforeAll(async () => {
    server = await startAdvisoryServer({ advisories, packuments });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('lodash 4.17.15 fails at fail-on: moderate, with annotations on the lockfile line', async () => {
    const ws = workspaceWith('lodash-only');
    const run = await audit(ws, { 'fail-on': 'moderate' });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(1);
    expect(run.outputs).toMatchObject({ status: 'fail', critical: '0', high: '2', moderate: '1', low: '0', suppressed: '0', total: '3', blocking: '3' });
    const ev = evidenceOf(run);
    expect(ev).toMatchObject({
      gate: 'audit',
      status: 'fail',
      tool: { name: 'npm audit' },
      metrics: { critical: 0, high: 2, moderate: 1, low: 0, suppressed: 0, total: 3 },
    });
    expect(ev.tool.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(ev.tool.configSha256).toMatch(/^[0-9a-f]{64}$/);
    const line = lockLine('lodash-only', 'node_modules/lodash');
    const rules = run.annotations
      .filter((a) => a.command === 'error' && a.properties.file === 'app/package-lock.json')
      .map((a) => [a.properties.title, a.properties.line]);
    expect(rules.sort()).toEqual(
      [
        ['release-safety audit: GHSA-29mw-wpgm-hmr9', String(line)],
        ['release-safety audit: GHSA-35jh-r3h4-6jhm', String(line)],
        ['release-safety audit: GHSA-p6mc-m468-83gw', String(line)],
      ].sort(),
    );
    const details = ev.details.findings as DetailFinding[];
    expect(details.find((f) => f.advisory === 'GHSA-p6mc-m468-83gw')).toMatchObject({
      package: 'lodash',
      version: '4.17.15',
      severity: 'high',
      fixedIn: '4.17.19',
      path: ['lodash'],
      direct: true,
      dev: false,
    });
    expect(details.find((f) => f.advisory === 'GHSA-35jh-r3h4-6jhm')).toMatchObject({ fixedIn: '4.17.21' });
    expect(run.summary).toContain('release-safety audit: fail');
    expect(run.summary).toMatch(/\| total \| 3 \|/);
    expect(ev.details.registry).toEqual({ url: server.url, source: 'input "registry"' });
    expect(run.summary).toContain(`Advisories were requested from <code>${server.url.replace(/:/g, '&#58;')}</code> (input \`registry\`).`);
    // What npm asked: one gzip'd bulk request naming exactly the lockfile's packages, then the
    // packument of the vulnerable package (to work out the fix). Nothing else.
    const posts = server.requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({ path: BULK, body: { lodash: ['4.17.15'] } });
    expect(posts[0]!.headers['content-encoding']).toBe('gzip');
    expect(new Set(server.requests.filter((r) => r.method !== 'POST').map((r) => `${r.method} ${r.path}`))).toEqual(new Set(['GET /lodash']));
  });

  it('a .npmrc in the audited folder that redirects the advisory query (registry input empty) is named, recorded and warned about', async () => {
    const rogue = await startAdvisoryServer({ advisories: {} });
    try {
      const ws = workspaceWith('lodash-only');
      const rogueWithCredentials = rogue.url.replace('http://', 'http://bot:s3cr3t@'); // gitleaks:allow (test credential)
      writeFileSync(join(ws, 'app', '.npmrc'), `# our mirror\nregistry=${rogueWithCredentials}\n`);
      const run = await audit(ws, { registry: '' });
      // npm really asked the server the .npmrc names (it answers {}: no advisories), not ours
      expect(rogue.requests.filter((r) => r.method === 'POST' && r.path === BULK)).toHaveLength(1);
      expect(server.requests).toHaveLength(0);
      // A warning, not a failure (README: "Which registry answers")
      expect(run.outputs.status, run.stdout.slice(-3000)).toBe('pass');
      const shown = rogue.url.replace('http://', 'http://***@');
      const ev = evidenceOf(run);
      expect(ev.details.registry).toEqual({
        url: shown,
        source: 'app/.npmrc',
        projectOverride: { file: 'app/.npmrc', line: 2, instead: 'https://registry.npmjs.org/' },
      });
      expect(ev.summary).toContain(`advisories from ${shown} (set by app/.npmrc, see warning)`);
      const warning = run.annotations.find((a) => a.properties.title === 'release-safety audit: npmrc-registry');
      expect(warning).toMatchObject({ command: 'warning', properties: { file: 'app/.npmrc', line: '2' } });
      expect(warning?.message).toContain(`app/.npmrc sets the npm registry to ${shown}`);
      expect(run.summary).toContain('Registry set by <code>app/.npmrc</code>');
      const everything = [run.stdout, run.stderr, run.summary, readFileSync(run.outputs['evidence-path']!, 'utf8')].join('\n');
      expect(everything).not.toContain('s3cr3t');
    } finally {
      await rogue.close();
    }
  });

  it('offline=true in a .npmrc does not skip the advisory request (npm would print an empty report)', async () => {
    const ws = workspaceWith('lodash-only');
    writeFileSync(join(ws, 'app', '.npmrc'), 'offline=true\n');
    const run = await audit(ws);
    expect(server.requests.filter((r) => r.method === 'POST' && r.path === BULK)).toHaveLength(1);
    expect(run.outputs).toMatchObject({ status: 'fail', high: '2' });
  });

  it('the same lockfile passes at fail-on: critical (no critical advisory covers lodash 4.17.15)', async () => {
    const ws = workspaceWith('lodash-only');
    const run = await audit(ws, { 'fail-on': 'critical' });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'pass', critical: '0', high: '2', moderate: '1', blocking: '0', total: '3' });
    expect(run.annotations.filter((a) => a.command === 'error')).toHaveLength(0);
    // Below the threshold still shows, as notices.
    expect(run.annotations.filter((a) => a.command === 'notice')).toHaveLength(3);
    expect(evidenceOf(run).status).toBe('pass');
  });

  it('follows a transitive chain, tells dev from runtime, and scope: runtime leaves dev-only copies out', async () => {
    const ws = workspaceWith('mixed');
    const run = await audit(ws);
    expect(run.exitCode).toBe(1);
    // runtime: lodash (2 high, 1 moderate) and minimist 1.2.0 via rc (1 critical, 1 moderate)
    expect(run.outputs).toMatchObject({ status: 'fail', critical: '1', high: '2', moderate: '2', total: '5', blocking: '3' });
    const ev = evidenceOf(run);
    expect(ev.metrics.outOfScope).toBe(2);
    const details = ev.details.findings as DetailFinding[];
    expect(details.find((f) => f.package === 'minimist' && f.advisory === 'GHSA-xvch-5gv4-984h')).toMatchObject({
      version: '1.2.0',
      severity: 'critical',
      fixedIn: '1.2.6',
      path: ['rc', 'minimist'],
      direct: false,
      dev: false,
    });
    expect(details.some((f) => f.version === '0.0.8')).toBe(false);
    const minimist = run.annotations.find((a) => a.properties.title === 'release-safety audit: GHSA-xvch-5gv4-984h');
    expect(minimist?.properties).toMatchObject({ file: 'app/package-lock.json', line: String(lockLine('mixed', 'node_modules/minimist')) });
    expect(minimist?.message).toContain('via rc > minimist');
    expect(run.summary).toContain('2 dev-only finding(s) not counted');
    const bulk = server.requests.find((r) => r.method === 'POST');
    expect(bulk?.body).toEqual({
      'deep-extend': ['0.6.0'],
      ini: ['1.3.8'],
      lodash: ['4.17.15'],
      minimist: expect.arrayContaining(['1.2.0', '0.0.8']),
      mkdirp: ['0.5.1'],
      rc: ['1.2.8'],
      'strip-json-comments': ['2.0.1'],
    });
  });

  it('scope: all counts the dev-only copy nested under mkdirp, with its own fixed version', async () => {
    const ws = workspaceWith('mixed');
    const run = await audit(ws, { scope: 'all' });
    expect(run.outputs).toMatchObject({ status: 'fail', critical: '2', total: '7' });
    const details = evidenceOf(run).details.findings as DetailFinding[];
    expect(details.find((f) => f.version === '0.0.8' && f.advisory === 'GHSA-xvch-5gv4-984h')).toMatchObject({
      fixedIn: '0.2.4',
      path: ['mkdirp', 'minimist'],
      dev: true,
    });
    const nested = run.annotations.find((a) => a.message.startsWith('minimist@0.0.8') && a.command === 'error');
    expect(nested?.properties.line).toBe(String(lockLine('mixed', 'node_modules/mkdirp/node_modules/minimist')));
  });

  it('a live exception suppresses its advisory and is listed; an unused one warns', async () => {
    const ws = workspaceWith('lodash-only');
    writeExceptions(
      ws,
      [
        'exceptions:',
        '  - id: GHSA-35jh-r3h4-6jhm',
        '    reason: "we never call _.template with user input"',
        '    owner: "@acme/payments"',
        `    expires: ${inDays(60)}`,
        '  - id: GHSA-p6mc-m468-83gw',
        '    reason: zipObjectDeep is not used',
        '    owner: alice',
        `    expires: ${inDays(50)}`,
        '  - id: GHSA-9999-9999-9999',
        '    reason: left over from an old dependency',
        '    owner: bob',
        `    expires: ${inDays(40)}`,
        '  - id: CVE-2020-8203',
        '    reason: the CVE of GHSA-p6mc-m468-83gw, which npm findings do not carry',
        '    owner: carol',
        `    expires: ${inDays(40)}`,
        '',
      ].join('\n'),
    );
    const run = await audit(ws);
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'pass', high: '0', moderate: '1', suppressed: '2', total: '3', blocking: '0' });
    const ev = evidenceOf(run);
    const ex = ev.details.exceptions as {
      applied: { id: string; owner: string; matched: number }[];
      unused: { id: string; where: string }[];
      expired: unknown[];
    };
    expect(ex.applied.map((e) => [e.id, e.owner, e.matched]).sort()).toEqual([
      ['GHSA-35jh-r3h4-6jhm', '@acme/payments', 1],
      ['GHSA-p6mc-m468-83gw', 'alice', 1],
    ]);
    expect(ex.unused).toEqual([
      expect.objectContaining({ id: 'GHSA-9999-9999-9999', where: '.github/release-safety-exceptions.yml:10' }),
      expect.objectContaining({ id: 'CVE-2020-8203', where: '.github/release-safety-exceptions.yml:14', cannotMatch: 'npm findings carry no CVE ids' }),
    ]);
    expect(ex.expired).toEqual([]);
    expect(run.summary).toContain('### Exceptions (4)');
    expect(run.summary).toMatch(
      new RegExp(
        String.raw`✅ applied \| <code>GHSA-35jh-r3h4-6jhm</code> \| &#64;acme/payments \| we never call &#95;\.template with user input \| ${inDays(60)} \| 1 \|`,
      ),
    );
    expect(run.summary).toMatch(/⚠️ unused \| <code>GHSA-9999-9999-9999<\/code> \| bob/);
    expect(run.summary).toMatch(/⚠️ CVE id: npm cannot match \| <code>CVE-2020-8203<\/code> \| carol/);
    const warnings = run.annotations.filter((a) => a.command === 'warning' && a.properties.file === '.github/release-safety-exceptions.yml');
    expect(warnings.map((w) => [w.properties.line, w.properties.title])).toEqual([
      ['10', 'release-safety audit: unused-exception'],
      ['14', 'release-safety audit: cve-exception-npm'],
    ]);
    expect(warnings[1]!.message).toContain('cannot match an npm finding');
  });

  it('an expired exception suppresses nothing and the gate fails naming it', async () => {
    const ws = workspaceWith('lodash-only');
    writeExceptions(ws, 'exceptions:\n  - id: GHSA-29mw-wpgm-hmr9\n    reason: ReDoS needs long input we cap\n    owner: carol\n    expires: 2020-01-31\n');
    // fail-on: critical, so only the expired exception can fail the gate.
    const run = await audit(ws, { 'fail-on': 'critical' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({ status: 'fail', suppressed: '0', moderate: '1', blocking: '0' });
    expect(evidenceOf(run).summary).toContain('expired exception(s): GHSA-29mw-wpgm-hmr9');
    const expired = run.annotations.find((a) => a.properties.title === 'release-safety audit: expired-exception');
    expect(expired).toMatchObject({ command: 'error', properties: { file: '.github/release-safety-exceptions.yml', line: '2' } });
    expect(expired?.message).toContain('exception GHSA-29mw-wpgm-hmr9 (owner carol) expired on 2020-01-31');
    expect(run.summary).toMatch(/❌ expired \| <code>GHSA-29mw-wpgm-hmr9<\/code> \| carol/);
  });

  it('a malformed exceptions file is a configuration error naming the file and line', async () => {
    const ws = workspaceWith('lodash-only');
    writeExceptions(ws, 'exceptions:\n  - id: GHSA-29mw-wpgm-hmr9\n    owner: carol\n    expires: 2099-01-31\n', 'policy/exceptions.yml');
    const run = await audit(ws, { 'exceptions-file': 'policy/exceptions.yml' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(errorMessages(run)).toMatch(/exception at .*policy\/exceptions\.yml:2: field "reason"/);
    expect(server.requests).toHaveLength(0);
    noStackTrace(run);
  });
});

describe('audit gate: an advisory service that fails is error, never pass', () => {
  const servers: AdvisoryServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it.each([
    ['error-500', /HTTP 500|500 Internal Server Error/],
    ['close-connection', /socket hang up|ECONNRESET/],
    ['not-json', /invalid json|Unexpected token|not valid JSON|JSON/i],
  ] as const)('%s', async (mode, message) => {
    const server = await startAdvisoryServer({ advisories, mode });
    servers.push(server);
    const ws = workspaceWith('lodash-only');
    const run = await runAction('audit', { workspace: ws, inputs: { 'working-directory': 'app', registry: server.url } });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    const ev = evidenceOf(run);
    expect(ev.status).toBe('error');
    expect(ev.summary).toMatch(message);
    expect(run.summary).toContain('### Tool failure');
    const posts = server.requests.filter((r) => r.method === 'POST' && r.path === BULK);
    // npm never retries the POST; the gate tries once more after a 5xx or a network failure.
    expect(posts).toHaveLength(mode === 'not-json' ? 1 : 2);
    expect(run.durationMs).toBeLessThan(60_000);
  });

  it('nothing listening on the registry port is error', async () => {
    const server = await startAdvisoryServer({ advisories });
    const url = server.url;
    await server.close();
    const ws = workspaceWith('lodash-only');
    const run = await runAction('audit', { workspace: ws, inputs: { 'working-directory': 'app', registry: url } });
    expect(run.outputs.status).toBe('error');
    expect(evidenceOf(run).summary).toMatch(/ECONNREFUSED/);
  });
});

describe('audit gate: text from the advisory service is data, never commands or markup', () => {
  let server: AdvisoryServer;
  afterAll(async () => {
    await server?.close();
  });

  it('a hostile advisory title reaches annotations and the summary escaped', async () => {
    const hostile = '::error file=src/x.ts,line=1::forged%0A<img src=x onerror=alert(1)> @everyone | [click](https://evil.example)';
    server = await startAdvisoryServer({ advisories: { lodash: [{ ...advisories.lodash![0]!, title: hostile }] } });
    const ws = workspaceWith('lodash-only');
    const run = await runAction('audit', { workspace: ws, inputs: { 'working-directory': 'app', registry: server.url } });
    expect(run.outputs.status).toBe('fail');
    // one annotation for the one advisory, plus the step failure; none forged
    const errors = run.annotations.filter((a) => a.command === 'error');
    expect(errors).toHaveLength(2);
    expect(errors.some((a) => a.properties.file === 'src/x.ts')).toBe(false);
    expect(errors[0]!.message).toContain(hostile);
    expect(run.summary).not.toContain('<img');
    expect(run.summary).not.toContain('@everyone');
    expect(run.summary).not.toContain('](https://evil.example)');
  });
});

describe('audit gate: configuration errors name the input and the accepted form', () => {
  it.each([
    [{ ecosystem: 'ruby' }, 'lodash-only', 'input "ecosystem" must be one of auto, npm, python'],
    [{ 'fail-on': 'severe' }, 'lodash-only', 'input "fail-on" must be one of low, moderate, high, critical'],
    [{ scope: 'prod' }, 'lodash-only', 'input "scope" must be one of runtime, all'],
    [{ 'unknown-severity': 'ignore' }, 'lodash-only', 'input "unknown-severity" must be one of fail, warn'],
    [{ registry: 'ftp://example.com' }, 'lodash-only', 'input "registry" must be an http(s) URL'],
    [{ 'exceptions-file': 'no/such.yml' }, 'lodash-only', 'input "exceptions-file" names'],
  ])('%j', async (inputs, fixture, message) => {
    const ws = workspaceWith(fixture);
    const run = await runAction('audit', { workspace: ws, inputs: { 'working-directory': 'app', registry: 'http://127.0.0.1:9/', ...inputs } });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(errorMessages(run)).toContain(message);
    noStackTrace(run);
  });

  it('a missing lockfile names working-directory and how to create one', async () => {
    const ws = workspaceWith('lodash-only');
    rmSync(join(ws, 'app', 'package-lock.json'));
    for (const ecosystem of ['npm', 'auto']) {
      const run = await runAction('audit', { workspace: ws, inputs: { 'working-directory': 'app', ecosystem } });
      expect(run.outputs.status).toBe('error');
      expect(errorMessages(run)).toMatch(/package-lock\.json/);
      expect(errorMessages(run)).toContain('npm install --package-lock-only');
      noStackTrace(run);
    }
  });

  it('a folder with nothing to audit names the inputs to set', async () => {
    const ws = scratchDir('rs-audit-ws-');
    mkdirSync(join(ws, 'app'));
    const run = await runAction('audit', { workspace: ws, inputs: { 'working-directory': 'app' } });
    expect(run.outputs.status).toBe('error');
    expect(errorMessages(run)).toContain(
      'input "ecosystem" is auto, but app has none of npm-shrinkwrap.json, package-lock.json, requirements.txt, pyproject.toml',
    );
  });

  it('python without pip-audit installed is error with an install hint, never pass', async () => {
    const ws = scratchDir('rs-audit-ws-');
    mkdirSync(join(ws, 'app'));
    writeFileSync(join(ws, 'app', 'requirements.txt'), 'jinja2==2.11.2\n');
    const run = await runAction('audit', { workspace: ws, inputs: { 'working-directory': 'app' }, env: { PATH: '/usr/bin:/bin' } });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(evidenceOf(run).summary).toContain('pip install pip-audit');
  });
});

describe('audit gate on pull requests: the exceptions and the registry of the base commit decide', () => {
  let server: AdvisoryServer;
  beforeAll(async () => {
    server = await startAdvisoryServer({ advisories, packuments });
  });
  afterAll(async () => {
    await server?.close();
  });

  const EXCEPTIONS = '.github/release-safety-exceptions.yml';
  const selfApproval = (expires: string) =>
    [
      'exceptions:',
      ...['GHSA-p6mc-m468-83gw', 'GHSA-35jh-r3h4-6jhm', 'GHSA-29mw-wpgm-hmr9'].flatMap((id) => [
        `  - id: ${id}`,
        '    reason: fine',
        '    owner: anyone',
        `    expires: ${expires}`,
      ]),
      '',
    ].join('\n');

  /** main holds the vulnerable lockfile (and `baseFiles`); the pull request commits `prFiles` on top. */
  function pullRequest(baseFiles: Record<string, string> = {}, prFiles: Record<string, string | null> = {}): { repo: GitRepo; base: string; head: string } {
    const repo = initRepo('rs-audit-pr-');
    cpSync(join(FIXTURES, 'lodash-only'), join(repo.dir, 'app'), { recursive: true });
    const base = repo.commit('service with lodash 4.17.15', baseFiles);
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
      inputs: { 'working-directory': 'app', registry: server.url, ...inputs },
    });

  it('a pull request that adds an exceptions file for its own advisories is judged without them: fail, its entries shown as applied after merge', async () => {
    const pr = pullRequest({}, { [EXCEPTIONS]: selfApproval(inDays(30)) });
    const run = await onPullRequest(pr, { 'fail-on': 'moderate' });
    expect(run.outputs, run.stdout.slice(-3000)).toMatchObject({ status: 'fail', suppressed: '0', blocking: '3' });
    const ev = evidenceOf(run);
    const ex = ev.details.exceptions as { readFrom: string; applied: unknown[]; afterMerge: { id: string; where: string }[] };
    expect(ex.readFrom).toBe(pr.base);
    expect(ex.applied).toEqual([]);
    expect(ex.afterMerge.map((e) => e.id).sort()).toEqual(['GHSA-29mw-wpgm-hmr9', 'GHSA-35jh-r3h4-6jhm', 'GHSA-p6mc-m468-83gw']);
    expect(ex.afterMerge[0]!.where).toBe(`${EXCEPTIONS}:2`);
    expect(run.summary).toContain('Exceptions this change adds or edits: applied after merge (3)');
    expect(run.summary).toContain(`does not exist at the base commit ${pr.base.slice(0, 12)}`);
  });

  it('the same file already on the base commit applies to the pull request (within max-exception-days): pass', async () => {
    const pr = pullRequest({ [EXCEPTIONS]: selfApproval(inDays(30)) });
    const run = await onPullRequest(pr, { 'fail-on': 'moderate' });
    expect(run.outputs, run.stdout.slice(-3000)).toMatchObject({ status: 'pass', suppressed: '3', blocking: '0' });
    expect(run.summary).toContain(`at the base commit <code>${pr.base.slice(0, 12)}</code>: a change cannot approve itself`);
  });

  it('a pull request that edits a base exception (a later date) is judged by the base entry: the edit waits for the merge', async () => {
    const pr = pullRequest({ [EXCEPTIONS]: selfApproval('2020-01-31') }, { [EXCEPTIONS]: selfApproval(inDays(30)) });
    const run = await onPullRequest(pr, { 'fail-on': 'moderate' });
    expect(run.outputs.status, run.stdout.slice(-3000)).toBe('fail');
    expect(evidenceOf(run).summary).toContain('expired exception(s)');
    expect(run.summary).toContain('applied after merge (3)');
  });

  it('an exception dated beyond max-exception-days suppresses nothing and is named with file, line and id', async () => {
    const pr = pullRequest({ [EXCEPTIONS]: selfApproval('2099-12-31') });
    const run = await onPullRequest(pr, { 'fail-on': 'moderate' });
    expect(run.outputs, run.stdout.slice(-3000)).toMatchObject({ status: 'fail', suppressed: '0', blocking: '3' });
    const named = run.annotations.filter((a) => a.properties.title === 'release-safety audit: exception-beyond-cap');
    expect(named.map((a) => [a.properties.file, a.properties.line]).sort()).toEqual([
      [EXCEPTIONS, '10'],
      [EXCEPTIONS, '2'],
      [EXCEPTIONS, '6'],
    ]);
    expect(named[0]!.message).toMatch(/expires on 2099-12-31, more than 90 days ahead \(input "max-exception-days"\)/);
    expect(evidenceOf(run).summary).toContain(`GHSA-p6mc-m468-83gw (${EXCEPTIONS}:2)`);
    // The cap is an input: a team that allows longer says so.
    const longer = await onPullRequest(pr, { 'fail-on': 'moderate', 'max-exception-days': '36500' });
    expect(longer.outputs.status).toBe('pass');
  });

  it('an exceptions file that is a symlink on the base commit is not used', async () => {
    const pr = pullRequest({ 'policy/real.yml': selfApproval(inDays(30)) });
    mkdirSync(join(pr.repo.dir, '.github'), { recursive: true });
    symlinkSync('../policy/real.yml', join(pr.repo.dir, EXCEPTIONS));
    pr.repo.git('checkout', '-q', 'main');
    pr.repo.commit('link the exceptions');
    const base = pr.repo.head();
    pr.repo.git('checkout', '-q', 'feature');
    pr.repo.git('merge', '-q', '--no-edit', 'main');
    const run = await onPullRequest({ repo: pr.repo, base, head: pr.repo.head() }, { 'fail-on': 'moderate' });
    expect(run.outputs.status, run.stdout.slice(-3000)).toBe('fail');
    expect(run.summary).toContain('is not a regular file &#40;mode 120000&#41;&#58; not used');
  });

  it('a pull request whose .npmrc points the advisory query at its own server is error, not pass', async () => {
    const rogue = await startAdvisoryServer({ advisories: {} });
    try {
      const pr = pullRequest({}, { 'app/.npmrc': `registry=${rogue.url}\n` });
      const run = await onPullRequest(pr, { registry: '' });
      expect(rogue.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
      expect(run.outputs.status, run.stdout.slice(-3000)).toBe('error');
      expect(evidenceOf(run).summary).toContain('app/.npmrc sets in this change');
      const annotation = run.annotations.find((a) => a.properties.title === 'release-safety audit: npmrc-registry');
      expect(annotation).toMatchObject({ command: 'error', properties: { file: 'app/.npmrc', line: '1' } });
      // The same .npmrc already on the base commit is the team's mirror: a warning, as on a push.
      const mirror = pullRequest({ 'app/.npmrc': `registry=${rogue.url}\n` });
      const trusted = await onPullRequest(mirror, { registry: '' });
      expect(trusted.outputs.status, trusted.stdout.slice(-3000)).toBe('pass');
    } finally {
      await rogue.close();
    }
  });

  it('a checkout without the base commit cannot tell which exceptions apply: error naming fetch-depth', async () => {
    const pr = pullRequest({ [EXCEPTIONS]: selfApproval(inDays(30)) });
    const shallow = pr.repo.clone(['--depth', '1', '--branch', 'feature']);
    const run = await onPullRequest({ repo: shallow, base: pr.base, head: pr.head }, { 'fail-on': 'moderate' });
    expect(run.outputs.status, run.stdout.slice(-3000)).toBe('error');
    expect(evidenceOf(run).summary).toContain('fetch-depth: 0');
  });

  it('exceptions-file: a symlink out of the repository is a configuration error naming the input', async () => {
    const ws = workspaceWith('lodash-only');
    const outside = scratchDir('rs-audit-outside-');
    writeFileSync(join(outside, 'x.yml'), selfApproval(inDays(30)));
    mkdirSync(join(ws, '.github'));
    symlinkSync(join(outside, 'x.yml'), join(ws, EXCEPTIONS));
    const cases: Record<string, string>[] = [{}, { 'exceptions-file': EXCEPTIONS }, { 'exceptions-file': join(outside, 'x.yml') }];
    for (const inputs of cases) {
      const run = await runAction('audit', { workspace: ws, inputs: { 'working-directory': 'app', registry: server.url, 'fail-on': 'moderate', ...inputs } });
      expect(run.outputs.status, JSON.stringify(inputs)).toBe('error');
      expect(errorMessages(run)).toContain('input "exceptions-file" names');
      expect(errorMessages(run)).toContain('outside the repository');
    }
  });
});
