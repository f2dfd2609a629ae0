import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomSha, type ActionRun } from '../../src/local/harness.js';
import { pullRequestEvent } from './events.js';
import { fakeAwsKeyId, fakeGithubPat, initRepo, removeTempRepos, tempDir, type GitRepo } from './git-fixtures.js';
import { GITLEAKS, runSecrets } from './secrets-support.js';
import { evidenceOf } from './workspace.js';
import type { AddressInfo } from 'node:net';

afterAll(() => {
  removeTempRepos();
});

/** Everything the run left behind, plus the SARIF and report files. */
function allArtifacts(run: ActionRun): string {
  const extra = ['sarif-path', 'report-path'].map((k) => (run.outputs[k] ? readFileSync(run.outputs[k]!, 'utf8') : ''));
  return [run.everything(), ...extra].join('\n');
}

/**
 * The GITHUB_PATH file of a run. The harness (src/local/harness.ts) keeps the GITHUB_* files in
 * <home>/files and the runner temp in <home>/runner-temp, and does not return the files' paths.
 */
function githubPathOf(run: ActionRun): string {
  return readFileSync(join(dirname(run.runnerTemp), 'files', 'path'), 'utf8');
}

function sarifOf(run: ActionRun) {
  return JSON.parse(readFileSync(run.outputs['sarif-path']!, 'utf8')) as {
    version: string;
    runs: {
      tool: { driver: { name: string; rules: { id: string }[] } };
      results: {
        ruleId: string;
        partialFingerprints: Record<string, string>;
        locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
      }[];
    }[];
  };
}

function reportOf(run: ActionRun) {
  return JSON.parse(readFileSync(run.outputs['report-path']!, 'utf8')) as {
    RuleID: string;
    File: string;
    StartLine: number;
    Commit: string;
    Fingerprint: string;
    Status: string;
    Secret: string;
    Match: string;
  }[];
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function scan(repo: GitRepo, opts: { eventName?: string; event?: unknown; inputs?: Record<string, string>; sha?: string } = {}) {
  return runSecrets({
    workspace: repo.dir,
    eventName: opts.eventName ?? 'workflow_dispatch',
    event: opts.event ?? { inputs: {} },
    sha: opts.sha ?? repo.head(),
    inputs: { 'gitleaks-path': GITLEAKS, ...opts.inputs },
  });
}

describe('secrets gate on a pull request (bundle, real gitleaks engine)', () => {
  let repo: GitRepo;
  const pat = fakeGithubPat();
  const baseSecret = fakeAwsKeyId();
  const mainLater = fakeAwsKeyId();
  let base = '';
  let c2 = '';
  let head = '';
  let run: ActionRun;

  beforeAll(async () => {
    repo = initRepo();
    repo.commit('base: an old key in history', { 'config/old.env': `AWS_ACCESS_KEY_ID=${baseSecret}\n` });
    base = repo.head();
    repo.git('checkout', '-q', '-b', 'feature');
    repo.commit('feature: scaffold', { 'src/client.ts': 'export const a = 1;\nexport const b = 2;\n' });
    c2 = repo.commit('feature: wire the token', { 'src/client.ts': `export const a = 1;\nexport const b = 2;\nexport const token = "${pat}";\n` });
    repo.commit('feature: remove the token again', { 'src/client.ts': 'export const a = 1;\nexport const b = 2;\nexport const token = process.env.TOKEN;\n' });
    // main moves on with another key, and the feature branch merges it in: the merge commit is in
    // base..head, but what it brings from main is main's, not the pull request's.
    repo.git('checkout', '-q', 'main');
    repo.commit('main: another key on main', { 'config/later.env': `AWS_ACCESS_KEY_ID=${mainLater}\n` });
    base = repo.head();
    repo.git('checkout', '-q', 'feature');
    repo.git('merge', '-q', '--no-edit', 'main');
    head = repo.head();
    run = await scan(repo, { eventName: 'pull_request', event: pullRequestEvent({ headSha: head, baseSha: base, number: 31 }), sha: randomSha() });
  });

  it('finds the token added in one commit and removed in a later one, at its commit and line', () => {
    expect(run.exitCode, run.stdout).toBe(1);
    expect(run.outputs).toMatchObject({ status: 'fail', findings: '1', 'commits-scanned': '4' });
    const annotation = run.annotations.find((a) => a.command === 'error' && a.properties.file === 'src/client.ts');
    expect(annotation, JSON.stringify(run.annotations)).toMatchObject({ properties: { line: '3', title: 'release-safety secrets: github-pat' } });
    expect(annotation!.message).toContain(c2);
    const ev = evidenceOf(run);
    expect(ev).toMatchObject({ gate: 'secrets', status: 'fail', tool: { name: 'gitleaks', version: '8.28.0' }, subject: { commitSha: head, prNumber: 31 } });
    expect(ev.metrics).toMatchObject({ findings: 1, suppressed: 0, commitsScanned: 4 });
    expect(ev.metrics.filesScanned).toBe(3);
    expect(ev.details).toMatchObject({ scope: 'auto', head, base });
    expect(ev.findings).toHaveLength(1);
    expect(ev.findings[0]).toMatchObject({ file: 'src/client.ts', line: 3, commit: c2, rule: 'github-pat', fingerprint: `${c2}:src/client.ts:github-pat:3` });
  });

  it('does not report keys that only the base branch history holds (nor main merged into the branch)', () => {
    const all = allArtifacts(run);
    expect(all).not.toContain('config/old.env');
    expect(all).not.toContain('config/later.env');
    expect(reportOf(run).map((f) => f.File)).toEqual(['src/client.ts']);
  });

  it('writes SARIF 2.1.0 and a gitleaks-shaped report, both redacted', () => {
    const sarif = sarifOf(run);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.tool.driver.name).toBe('gitleaks');
    expect(sarif.runs[0]!.results).toHaveLength(1);
    const result = sarif.runs[0]!.results[0]!;
    expect(result.ruleId).toBe('github-pat');
    expect(result.locations[0]!.physicalLocation).toMatchObject({ artifactLocation: { uri: 'src/client.ts' }, region: { startLine: 3 } });
    expect(result.partialFingerprints['gitleaks/fingerprint/v1']).toBe(`${c2}:src/client.ts:github-pat:3`);
    const report = reportOf(run);
    expect(report[0]).toMatchObject({
      RuleID: 'github-pat',
      File: 'src/client.ts',
      StartLine: 3,
      Commit: c2,
      Status: 'open',
      Secret: 'REDACTED',
      Match: 'REDACTED',
    });
  });

  it('never shows the raw secret: stdout, stderr, outputs, summary, evidence, SARIF, report', () => {
    const all = allArtifacts(run);
    for (const secret of [pat, baseSecret, mainLater]) {
      expect(all).not.toContain(secret);
      // nor a recognisable part of it
      expect(all).not.toContain(secret.slice(4, 20));
    }
    expect(run.summary).toContain('release-safety secrets: fail');
    // the scratch tree of added lines is removed after the scan
    expect(readdirSafe(run.runnerTemp).filter((n) => n.startsWith('rs-secrets-'))).toEqual([]);
  });

  it('an empty range (base == head) passes with 0 commits scanned', async () => {
    const r = await scan(repo, { eventName: 'pull_request', event: pullRequestEvent({ headSha: head, baseSha: head }) });
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.outputs).toMatchObject({ status: 'pass', findings: '0', 'commits-scanned': '0' });
    expect(evidenceOf(r).metrics).toMatchObject({ commitsScanned: 0, findings: 0 });
  });

  it('scope: tree scans the working tree, with file:rule:line fingerprints', async () => {
    const r = await scan(repo, { inputs: { scope: 'tree' } });
    expect(r.exitCode, r.stdout).toBe(1);
    expect(r.outputs).toMatchObject({ status: 'fail', 'commits-scanned': '0', findings: '2' });
    const fingerprints = evidenceOf(r)
      .findings.map((f) => f.fingerprint)
      .sort();
    expect(fingerprints).toEqual(['config/later.env:aws-access-token:1', 'config/old.env:aws-access-token:1']);
    expect(allArtifacts(r)).not.toContain(baseSecret);
  });

  it('scope: tree applies .gitleaksignore itself (suppressed, not vanished) and scans the ignore file too', async () => {
    const token = fakeGithubPat();
    writeFileSync(join(repo.dir, '.gitleaksignore'), `config/old.env:aws-access-token:1\n${token}\n`);
    try {
      const r = await scan(repo, { inputs: { scope: 'tree' } });
      expect(r.outputs, r.stdout).toMatchObject({ status: 'fail', findings: '2' });
      const ev = evidenceOf(r);
      expect(ev.metrics).toMatchObject({ findings: 2, suppressed: 1 });
      expect(ev.findings.map((f) => f.fingerprint).sort()).toEqual(['.gitleaksignore:github-pat:2', 'config/later.env:aws-access-token:1']);
      expect(reportOf(r).find((f) => f.Fingerprint === 'config/old.env:aws-access-token:1')?.Status).toBe('suppressed');
      // gitleaks logs invalid ignore entries verbatim: it must never have read this file.
      expect(allArtifacts(r)).not.toContain(token);
      expect(allArtifacts(r)).not.toContain('release-safety-reserved');
      // the checkout is untouched
      expect(readFileSync(join(repo.dir, '.gitleaksignore'), 'utf8')).toContain(token);
    } finally {
      rmSync(join(repo.dir, '.gitleaksignore'), { force: true });
    }
  });

  it('scope: history on workflow_dispatch scans every commit reachable from the head', async () => {
    const r = await scan(repo, { inputs: { scope: 'history' } });
    expect(r.exitCode, r.stdout).toBe(1);
    const ev = evidenceOf(r);
    expect(ev.metrics.commitsScanned).toBe(Number(repo.git('rev-list', '--count', 'HEAD')));
    expect(ev.findings.map((f) => `${f.file}:${f.rule}`).sort()).toEqual([
      'config/later.env:aws-access-token',
      'config/old.env:aws-access-token',
      'src/client.ts:github-pat',
    ]);
  });

  it('a push of a new branch scans the commits not on the default branch', async () => {
    const clone = repo.clone();
    clone.git('checkout', '-q', 'feature');
    const event = { ref: 'refs/heads/feature', before: '0'.repeat(40), after: head, created: true, forced: false, repository: { default_branch: 'main' } };
    const r = await scan(clone, { eventName: 'push', event, sha: head });
    expect(r.outputs, r.stdout).toMatchObject({ status: 'fail', findings: '1', 'commits-scanned': '4' });
    expect(evidenceOf(r).findings[0]).toMatchObject({ commit: c2, file: 'src/client.ts' });
  });

  it('a forced push whose previous head is gone scans what the default branch lacks, and says so', async () => {
    const clone = repo.clone();
    clone.git('checkout', '-q', 'feature');
    const event = { ref: 'refs/heads/feature', before: randomSha(), after: head, created: false, forced: true, repository: { default_branch: 'main' } };
    const r = await scan(clone, { eventName: 'push', event, sha: head });
    expect(r.outputs, r.stdout).toMatchObject({ status: 'fail', findings: '1', 'commits-scanned': '4' });
    expect(r.summary).toContain('forced push');
    expect(String(evidenceOf(r).details.note)).toMatch(/no longer reachable/);
  });

  it('a shallow clone is an error that names fetch-depth: 0, never a pass', async () => {
    const shallow = repo.clone(['--depth', '1', '--branch', 'feature']);
    const r = await scan(shallow, { eventName: 'pull_request', event: pullRequestEvent({ headSha: head, baseSha: base }) });
    expect(r.exitCode).toBe(1);
    expect(r.outputs.status).toBe('error');
    expect(r.summary).toContain('fetch-depth: 0');
    expect(evidenceOf(r).status).toBe('error');
    // No SARIF: an empty one uploaded by the example workflow would close every open alert.
    expect(r.outputs).toMatchObject({ 'sarif-path': '', 'report-path': '' });
    expect(readdirSafe(join(r.runnerTemp, 'release-safety', 'secrets'))).toEqual([]);
  });

  it('a base commit missing from the checkout is an error naming fetch-depth: 0', async () => {
    const r = await scan(repo, { eventName: 'pull_request', event: pullRequestEvent({ headSha: head, baseSha: randomSha() }) });
    expect(r.outputs.status).toBe('error');
    expect(r.stdout).toContain('fetch-depth: 0');
    expect(r.outputs['sarif-path']).toBe('');
  });
});

describe('secrets gate on a 40-commit pull request', () => {
  it('finds the secret in commit 1 and the one in commit 40 (every commit, not a page of 30)', async () => {
    const repo = initRepo();
    const base = repo.head();
    repo.git('checkout', '-q', '-b', 'long');
    const first = fakeGithubPat();
    const last = fakeAwsKeyId();
    const c1 = repo.commit('commit 1', { 'src/first.ts': `export const t = "${first}";\n` });
    for (let i = 2; i <= 39; i++) repo.commit(`commit ${i}`, { 'notes.txt': `${Array.from({ length: i }, (_, k) => `note ${k}`).join('\n')}\n` });
    const c40 = repo.commit('commit 40', { 'src/last.env': `AWS_ACCESS_KEY_ID=${last}\n` });
    const r = await scan(repo, { eventName: 'pull_request', event: pullRequestEvent({ headSha: c40, baseSha: base }) });
    expect(r.outputs, r.stdout).toMatchObject({ status: 'fail', findings: '2', 'commits-scanned': '40' });
    const found = evidenceOf(r).findings.map((f) => ({ commit: f.commit, file: f.file, line: f.line }));
    expect(found).toEqual(
      expect.arrayContaining([
        { commit: c1, file: 'src/first.ts', line: 1 },
        { commit: c40, file: 'src/last.env', line: 1 },
      ]),
    );
    expect(allArtifacts(r)).not.toContain(first);
    expect(allArtifacts(r)).not.toContain(last);
  });
});

describe('secrets gate: a scan that cannot judge', () => {
  it('gitleaks failing on a broken config is an error with no SARIF and an empty sarif-path', async () => {
    const repo = initRepo();
    repo.commit('a broken gitleaks config', { 'broken.toml': '[[rules]\nid = \n' });
    const r = await scan(repo, { inputs: { scope: 'history', config: 'broken.toml' } });
    expect(r.exitCode).toBe(1);
    expect(r.outputs, r.stdout).toMatchObject({ status: 'error', 'sarif-path': '', 'report-path': '' });
    expect(r.summary).toContain('could not be scanned');
    expect(readdirSafe(join(r.runnerTemp, 'release-safety', 'secrets'))).toEqual([]);
  });
});

describe('secrets gate: .gitattributes cannot hide added lines', () => {
  it('a pull request adding "*.env -diff" / "secrets/** binary" with keys is scanned; a real binary\'s text is scanned too', async () => {
    const repo = initRepo();
    const base = repo.head();
    repo.git('checkout', '-q', '-b', 'attributes');
    const envKey = fakeAwsKeyId();
    const token = fakeGithubPat();
    const c1 = repo.commit('mark env files and secrets/ as binary, and add keys', {
      '.gitattributes': '*.env -diff\nsecrets/** binary\n',
      'config/prod.env': `AWS_ACCESS_KEY_ID=${envKey}\n`,
      'secrets/token.txt': `token = "${token}"\n`,
    });
    const c2 = repo.commit('a real binary', { 'assets/logo.bin': 'PNG\u0000\u0000\u0001\u0002binary\n' });
    const r = await scan(repo, { eventName: 'pull_request', event: pullRequestEvent({ headSha: c2, baseSha: base }) });
    expect(r.outputs, r.stdout).toMatchObject({ status: 'fail', findings: '2', 'commits-scanned': '2' });
    const ev = evidenceOf(r);
    expect(ev.findings.map((f) => `${f.commit}:${f.file}:${f.line}`).sort()).toEqual([`${c1}:config/prod.env:1`, `${c1}:secrets/token.txt:1`]);
    expect(ev.findings.some((f) => f.commit === c2)).toBe(false);
    // A NUL byte no longer takes a file out of the scan: the binary's text is scanned too.
    expect(ev.metrics).toMatchObject({ skipped: 0, filesScanned: 4 });
    expect(ev.details.skipped).toBeUndefined();
    expect(ev.details.withNulBytes).toBe(1);
    expect(ev.summary).not.toContain('skipped');
    expect(r.summary).not.toContain('Not scanned');
    expect(r.summary).toContain('held NUL bytes');
    expect(allArtifacts(r)).not.toContain(envKey);
    expect(allArtifacts(r)).not.toContain(token);
  });
});

describe('secrets gate: many commits editing the same lines', () => {
  let repo: GitRepo;
  let base = '';
  let head = '';
  const commits: string[] = [];
  const k4 = fakeAwsKeyId();
  const k7 = fakeAwsKeyId();

  beforeAll(() => {
    repo = initRepo();
    repo.commit('gitleaks config: docs hold examples', { '.gitleaks.toml': "[extend]\nuseDefault = true\n\n[allowlist]\npaths = ['''^docs/''']\n" });
    base = repo.head();
    repo.git('checkout', '-q', '-b', 'bumps');
    for (let i = 1; i <= 10; i++) {
      const line = i === 4 ? `AWS_ACCESS_KEY_ID=${k4}` : i === 7 ? `AWS_ACCESS_KEY_ID=${k7}` : `VERSION=1.0.${i}`;
      // Every commit rewrites line 2 of the same files; docs/ is allowlisted by the config.
      commits.push(repo.commit(`bump ${i}`, { 'config/app.env': `# app\n${line}\n`, 'docs/example.md': `# example\nAWS_ACCESS_KEY_ID=${fakeAwsKeyId()}\n` }));
    }
    head = repo.head();
  });

  it('a 10-commit pull request editing one line is one gitleaks run; findings keep their commit and original line', async () => {
    const r = await scan(repo, { eventName: 'pull_request', event: pullRequestEvent({ headSha: head, baseSha: base }) });
    expect(r.outputs, r.stdout).toMatchObject({ status: 'fail', findings: '2', 'commits-scanned': '10' });
    const ev = evidenceOf(r);
    expect(ev.details.gitleaksRuns).toBe(1);
    expect(ev.findings.map((f) => f.fingerprint).sort()).toEqual(
      [`${commits[3]}:config/app.env:aws-access-token:2`, `${commits[6]}:config/app.env:aws-access-token:2`].sort(),
    );
    expect(ev.findings.map((f) => f.line)).toEqual([2, 2]);
    expect(allArtifacts(r)).not.toContain('docs/example.md');
  });

  it('a .gitleaksignore fingerprint with the original line still suppresses exactly that finding', async () => {
    const fp4 = `${commits[3]}:config/app.env:aws-access-token:2`;
    repo.git('checkout', '-q', 'main');
    const ignoreBase = repo.commit('ignore a revoked key', { '.gitleaksignore': `${fp4}\n` });
    repo.git('checkout', '-q', 'bumps');
    const r = await scan(repo, { eventName: 'pull_request', event: pullRequestEvent({ headSha: head, baseSha: ignoreBase }) });
    expect(r.outputs, r.stdout).toMatchObject({ status: 'fail', findings: '1', 'commits-scanned': '10' });
    const ev = evidenceOf(r);
    expect(ev.metrics).toMatchObject({ findings: 1, suppressed: 1 });
    expect(ev.findings.map((f) => f.fingerprint)).toEqual([`${commits[6]}:config/app.env:aws-access-token:2`]);
  });
});

describe('secrets gate: legitimate histories that once stopped the gate', () => {
  it('a file later replaced by a directory of the same name, and a backslash in a file name', async () => {
    const repo = initRepo();
    const base = repo.head();
    repo.git('checkout', '-q', '-b', 'reshape');
    const k1 = fakeAwsKeyId();
    const k2 = fakeAwsKeyId();
    const k3 = fakeGithubPat();
    const c1 = repo.commit('conf as a file', { conf: `AWS_ACCESS_KEY_ID=${k1}\n` });
    const c2 = repo.commit('conf becomes a directory', { conf: null, 'conf/app.env': `AWS_ACCESS_KEY_ID=${k2}\n` });
    const c3 = repo.commit('a backslash in a file name', { 'odd\\name.ts': `export const t = "${k3}";\n` });
    const r = await scan(repo, { eventName: 'pull_request', event: pullRequestEvent({ headSha: c3, baseSha: base }) });
    expect(r.stdout).not.toContain('unexpected error');
    expect(r.outputs, r.stdout).toMatchObject({ status: 'fail', findings: '3', 'commits-scanned': '3' });
    expect(
      evidenceOf(r)
        .findings.map((f) => f.fingerprint)
        .sort(),
    ).toEqual([`${c1}:conf:aws-access-token:1`, `${c2}:conf/app.env:aws-access-token:1`, `${c3}:odd\\name.ts:github-pat:1`].sort());
    for (const k of [k1, k2, k3]) expect(allArtifacts(r)).not.toContain(k);
  });
});

describe('secrets gate: a repository checked out into a subdirectory (actions/checkout path:)', () => {
  let workspace = '';
  let repo: GitRepo;
  let base = '';
  let head = '';

  beforeAll(() => {
    workspace = tempDir('rs-secrets-ws-');
    repo = initRepo();
    repo.commit('config: docs hold examples', { '.gitleaks.toml': "[extend]\nuseDefault = true\n\n[allowlist]\npaths = ['''^docs/''']\n" });
    base = repo.head();
    repo.git('checkout', '-q', '-b', 'feature');
    head = repo.commit('a key, and one in the docs', {
      'src/app.env': `AWS_ACCESS_KEY_ID=${fakeAwsKeyId()}\n`,
      'docs/a.md': `AWS_ACCESS_KEY_ID=${fakeAwsKeyId()}\n`,
    });
    // The workspace holds the checkout in svc/, as actions/checkout with "path: svc" leaves it.
    execFileSync('git', ['clone', '-q', '--no-local', repo.dir, join(workspace, 'svc')], { stdio: 'ignore' });
    execFileSync('git', ['-C', join(workspace, 'svc'), 'checkout', '-q', head], { stdio: 'ignore' });
  });

  it('repository-path: the range is resolved there and its config applies', async () => {
    const r = await runSecrets({
      workspace,
      eventName: 'pull_request',
      event: pullRequestEvent({ headSha: head, baseSha: base }),
      sha: head,
      inputs: { 'gitleaks-path': GITLEAKS, 'repository-path': 'svc' },
    });
    expect(r.outputs, r.stdout).toMatchObject({ status: 'fail', findings: '1', 'commits-scanned': '1' });
    expect(evidenceOf(r).findings[0]).toMatchObject({ file: 'src/app.env', commit: head });
    expect(r.summary).toContain('.gitleaks.toml');
  });

  it('without it, the error says to set repository-path, not only fetch-depth', async () => {
    const r = await runSecrets({
      workspace,
      eventName: 'pull_request',
      event: pullRequestEvent({ headSha: head, baseSha: base }),
      sha: head,
      inputs: { 'gitleaks-path': GITLEAKS },
    });
    expect(r.outputs.status).toBe('error');
    expect(r.summary).toContain('is not a git checkout');
    expect(r.summary).toContain('"repository-path"');
  });

  it('a repository-path that is not a directory is a configuration error naming the input', async () => {
    const r = await runSecrets({
      workspace,
      eventName: 'pull_request',
      event: pullRequestEvent({ headSha: head, baseSha: base }),
      sha: head,
      inputs: { 'gitleaks-path': GITLEAKS, 'repository-path': 'nope' },
    });
    expect(r.outputs.status).toBe('error');
    expect(r.stdout).toContain('input "repository-path"');
  });
});

describe('secrets gate suppression: config allowlist, .gitleaksignore, exceptions', () => {
  let repo: GitRepo;
  let base = '';
  let head = '';
  let fpOne = '';
  let fpTwo = '';
  const docsKey = fakeAwsKeyId();
  const one = fakeGithubPat();
  const two = fakeAwsKeyId();
  const event = () => pullRequestEvent({ headSha: head, baseSha: base });

  /** A base commit: main plus `files` on a branch of its own (the checkout stays at the head). */
  function baseWith(name: string, files: Record<string, string>): string {
    repo.git('checkout', '-q', '-b', name, 'main');
    const sha = repo.commit(`base: ${name}`, files);
    repo.git('checkout', '-q', 'feature');
    return sha;
  }

  beforeAll(() => {
    repo = initRepo();
    repo.commit('gitleaks config: docs hold examples', {
      '.gitleaks.toml': "[extend]\nuseDefault = true\n\n[allowlist]\ndescription = \"documentation examples\"\npaths = ['''^docs/''']\n",
    });
    base = repo.head();
    repo.git('checkout', '-q', '-b', 'feature');
    repo.commit('docs and code', {
      'docs/setup.md': `# Setup\n\nexport AWS_ACCESS_KEY_ID=${docsKey}\n`,
      'src/one.ts': `export const token = "${one}";\n`,
    });
    head = repo.commit('more code', { 'src/two.env': `\nAWS_ACCESS_KEY_ID=${two}\n` });
    const c1 = repo.git('rev-parse', 'HEAD~1');
    fpOne = `${c1}:src/one.ts:github-pat:1`;
    fpTwo = `${head}:src/two.env:aws-access-token:2`;
  });

  it('a path the gitleaks config allowlists (^docs/) is not reported; the rest is', async () => {
    const r = await scan(repo, { eventName: 'pull_request', event: event() });
    expect(r.outputs, r.stdout).toMatchObject({ status: 'fail', findings: '2' });
    expect(
      evidenceOf(r)
        .findings.map((f) => f.fingerprint)
        .sort(),
    ).toEqual([fpOne, fpTwo].sort());
    expect(allArtifacts(r)).not.toContain('docs/setup.md');
    expect(evidenceOf(r).tool.configSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.summary).toContain('.gitleaks.toml');
  });

  it('a .gitleaksignore fingerprint in the base commit suppresses exactly that finding', async () => {
    const ignoreBase = baseWith('ignore-one', { '.gitleaksignore': `# revoked test token\n${fpOne}\n` });
    const r = await scan(repo, { eventName: 'pull_request', event: pullRequestEvent({ headSha: head, baseSha: ignoreBase }) });
    expect(r.outputs, r.stdout).toMatchObject({ status: 'fail', findings: '1' });
    const ev = evidenceOf(r);
    expect(ev.metrics).toMatchObject({ findings: 1, suppressed: 1 });
    expect(ev.findings.map((f) => f.fingerprint)).toEqual([fpTwo]);
    expect(ev.details).toMatchObject({ policyFrom: ignoreBase });
    expect(reportOf(r).find((f) => f.Fingerprint === fpOne)?.Status).toBe('suppressed');
    expect(sarifOf(r).runs[0]!.results).toHaveLength(1);
  });

  it('a .gitleaksignore only in the checkout (not in the base commit) suppresses nothing', async () => {
    writeFileSync(join(repo.dir, '.gitleaksignore'), `${fpOne}\n`);
    try {
      const r = await scan(repo, { eventName: 'pull_request', event: event() });
      expect(r.outputs, r.stdout).toMatchObject({ status: 'fail', findings: '2' });
    } finally {
      rmSync(join(repo.dir, '.gitleaksignore'), { force: true });
    }
  });

  it('a baseline report suppresses exactly the findings it names', async () => {
    const baseline = join(tempDir('rs-secrets-baseline-'), 'baseline.json');
    writeFileSync(
      baseline,
      JSON.stringify([{ RuleID: 'aws-access-token', File: 'src/two.env', StartLine: 2, Commit: head, Fingerprint: fpTwo, Secret: 'REDACTED' }]),
    );
    const r = await scan(repo, { eventName: 'pull_request', event: event(), inputs: { 'baseline-path': baseline } });
    expect(r.outputs, r.stdout).toMatchObject({ status: 'fail', findings: '1' });
    expect(evidenceOf(r).findings.map((f) => f.fingerprint)).toEqual([fpOne]);
  });

  it('an expired exception fails the gate and names the entry; a live one suppresses; an unused one warns', async () => {
    const exceptionsBase = baseWith('exceptions', {
      '.github/release-safety-exceptions.yml': [
        'exceptions:',
        `  - fingerprint: ${fpOne}`,
        '    reason: revoked test token, kept for the fixture',
        '    owner: "@acme/security"',
        '    expires: 2099-12-31',
        `  - fingerprint: ${fpTwo}`,
        '    reason: rotated key, waiting for history rewrite',
        '    owner: alice',
        '    expires: 2020-01-31',
        '  - fingerprint: 0000000000000000000000000000000000000000:gone.txt:generic-api-key:1',
        '    reason: the secret is long gone',
        '    owner: bob',
        '    expires: 2099-01-01',
        '',
      ].join('\n'),
    });
    const r = await scan(repo, { eventName: 'pull_request', event: pullRequestEvent({ headSha: head, baseSha: exceptionsBase }) });
    expect(r.exitCode).toBe(1);
    expect(r.outputs, r.stdout).toMatchObject({ status: 'fail', findings: '1' });
    const ev = evidenceOf(r);
    expect(ev.metrics).toMatchObject({ findings: 1, suppressed: 1, expiredExceptions: 1, unusedExceptions: 1 });
    expect(ev.findings[0]!.fingerprint).toBe(fpTwo);
    expect(ev.findings[0]!.message).toContain('expired on 2020-01-31');
    expect(ev.summary).toContain('expired exception(s): .github/release-safety-exceptions.yml:6');
    expect(r.annotations.some((a) => a.command === 'warning' && a.message.includes('gone.txt'))).toBe(true);
  });
});

describe('secrets gate: a change cannot approve itself', () => {
  const NOT_APPLIED = 'suppressions changed in this range are not applied until merged';

  function sneakyRepo(): { repo: GitRepo; base: string } {
    const repo = initRepo();
    repo.commit('config', { '.gitleaks.toml': '[extend]\nuseDefault = true\n' });
    const base = repo.head();
    repo.git('checkout', '-q', '-b', 'sneaky');
    return { repo, base };
  }

  it('a pull request that weakens the gitleaks config is scanned with the base config and fails', async () => {
    const { repo, base } = sneakyRepo();
    const key = fakeAwsKeyId();
    repo.commit('allowlist src and add a key', {
      '.gitleaks.toml': "[extend]\nuseDefault = true\n\n[allowlist]\npaths = ['''^src/''']\n",
      'src/keys.env': `AWS_ACCESS_KEY_ID=${key}\n`,
    });
    const r = await scan(repo, { eventName: 'pull_request', event: pullRequestEvent({ headSha: repo.head(), baseSha: base }) });
    expect(r.outputs, r.stdout).toMatchObject({ status: 'fail', findings: '1', 'commits-scanned': '1' });
    expect(evidenceOf(r).findings[0]).toMatchObject({ file: 'src/keys.env', line: 1 });
    expect(r.annotations.some((a) => a.command === 'warning' && a.message.includes(NOT_APPLIED))).toBe(true);
    expect(r.summary).toContain(NOT_APPLIED);
    expect(evidenceOf(r).details).toMatchObject({ policyFrom: base, policyChangedInRange: ['.gitleaks.toml'] });
    expect(allArtifacts(r)).not.toContain(key);
  });

  it('a pull request deleting the config is scanned with the base config', async () => {
    const { repo } = sneakyRepo();
    repo.commit('strict rules in the base config', {
      '.gitleaks.toml': "[extend]\nuseDefault = true\n\n[[rules]]\nid = \"acme-token\"\nregex = '''acme_[a-z0-9]{24}'''\n",
    });
    const strictBase = repo.head();
    repo.commit('drop the config and add a token', { '.gitleaks.toml': null, 'src/acme.ts': 'export const t = "acme_0123456789abcdefghijklmn";\n' });
    const r = await scan(repo, { eventName: 'pull_request', event: pullRequestEvent({ headSha: repo.head(), baseSha: strictBase }) });
    expect(r.outputs, r.stdout).toMatchObject({ status: 'fail', findings: '1' });
    expect(evidenceOf(r).findings[0]).toMatchObject({ rule: 'acme-token', file: 'src/acme.ts' });
    expect(r.summary).toContain(NOT_APPLIED);
  });

  it('a key plus its own .gitleaksignore entry, exception (expiring 2099) or baseline entry in the same pull request fails', async () => {
    const { repo, base } = sneakyRepo();
    const key = fakeAwsKeyId();
    const c1 = repo.commit('a key', { 'src/keys.env': `AWS_ACCESS_KEY_ID=${key}\n` });
    const fp = `${c1}:src/keys.env:aws-access-token:1`;
    repo.commit('and suppress it every way', {
      '.gitleaksignore': `${fp}\nsrc/keys.env:aws-access-token:1\n`,
      '.github/release-safety-exceptions.yml': `exceptions:\n  - fingerprint: ${fp}\n    reason: approved by myself\n    owner: me\n    expires: 2099-12-31\n`,
      'baseline.json': JSON.stringify([{ RuleID: 'aws-access-token', File: 'src/keys.env', StartLine: 1, Commit: c1, Fingerprint: fp }]),
    });
    const r = await scan(repo, {
      eventName: 'pull_request',
      event: pullRequestEvent({ headSha: repo.head(), baseSha: base }),
      inputs: { 'baseline-path': 'baseline.json' },
    });
    expect(r.outputs, r.stdout).toMatchObject({ status: 'fail', findings: '1', 'commits-scanned': '2' });
    const ev = evidenceOf(r);
    expect(ev.metrics).toMatchObject({ findings: 1, suppressed: 0 });
    expect(ev.findings[0]!.fingerprint).toBe(fp);
    expect((ev.details.policyChangedInRange as string[]).sort()).toEqual(['.github/release-safety-exceptions.yml', '.gitleaksignore', 'baseline.json']);
    expect(r.summary).toContain(NOT_APPLIED);
  });

  it('once merged, the same entries apply: the base holds them', async () => {
    const { repo } = sneakyRepo();
    const key = fakeAwsKeyId();
    const c1 = repo.commit('a key', { 'src/keys.env': `AWS_ACCESS_KEY_ID=${key}\n` });
    repo.git('checkout', '-q', 'main');
    const approved = repo.commit('approve the revoked key', { '.gitleaksignore': `${c1}:src/keys.env:aws-access-token:1\n` });
    repo.git('checkout', '-q', 'sneaky');
    const r = await scan(repo, { eventName: 'pull_request', event: pullRequestEvent({ headSha: c1, baseSha: approved }) });
    expect(r.outputs, r.stdout).toMatchObject({ status: 'pass', findings: '0' });
    expect(evidenceOf(r).metrics).toMatchObject({ suppressed: 1 });
    // The base moved on after the branch was cut: not a change made by this range.
    expect(r.summary).not.toContain(NOT_APPLIED);
  });

  it('a secret inside .gitleaksignore itself is scanned (under a renamed path) and reported at .gitleaksignore', async () => {
    const { repo, base } = sneakyRepo();
    const token = fakeGithubPat();
    const c1 = repo.commit('a token in the ignore file', { '.gitleaksignore': `# note\n${token}\n` });
    const r = await scan(repo, { eventName: 'pull_request', event: pullRequestEvent({ headSha: c1, baseSha: base }) });
    expect(r.outputs, r.stdout).toMatchObject({ status: 'fail', findings: '1' });
    expect(evidenceOf(r).findings[0]).toMatchObject({ file: '.gitleaksignore', line: 2, commit: c1, fingerprint: `${c1}:.gitleaksignore:github-pat:2` });
    expect(allArtifacts(r)).not.toContain(token);
    expect(allArtifacts(r)).not.toContain('release-safety-reserved');
  });
});

describe('secrets gate: installing gitleaks', () => {
  let server: Server;
  let mirror = '';
  const requests: string[] = [];

  beforeAll(async () => {
    // A mirror that serves the right file names with the wrong bytes.
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/gzip' });
      res.end(Buffer.from('not the gitleaks release archive'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gitleaks`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('an archive that fails its pinned sha256 is an error, nothing is scanned, and nothing is added to PATH', async () => {
    const repo = initRepo();
    const r = await runSecrets({ workspace: repo.dir, sha: repo.head(), inputs: { 'mirror-url': mirror } });
    expect(r.exitCode).toBe(1);
    expect(r.outputs.status).toBe('error');
    expect(r.summary).toContain('could not be installed');
    expect(requests.some((u) => u.startsWith('/gitleaks/gitleaks_8.28.0_linux_x64.tar.gz'))).toBe(true);
    expect(evidenceOf(r)).toMatchObject({ gate: 'secrets', status: 'error' });
    expect(r.outputs['sarif-path'] ?? '').toBe('');
    expect(githubPathOf(r)).toBe('');
    expect(r.commands.some((c) => c.command === 'add-path')).toBe(false);
  });

  it('an unknown gitleaks version is a configuration error naming the input and the pinned versions', async () => {
    const repo = initRepo();
    const before = requests.length;
    const r = await runSecrets({ workspace: repo.dir, sha: repo.head(), inputs: { 'gitleaks-version': '0.0.1', 'mirror-url': mirror } });
    expect(r.exitCode).toBe(1);
    expect(r.outputs.status).toBe('error');
    expect(r.stdout).toMatch(/input "gitleaks-version" is "0\.0\.1".*8\.28\.0/);
    expect(requests.length).toBe(before);
    expect(githubPathOf(r)).toBe('');
  });

  it('a mirror-url that is not http(s), or holds credentials, is a configuration error that does not echo them', async () => {
    const repo = initRepo();
    for (const url of ['ftp://127.0.0.1/gitleaks', `http://deploy:s3cretMirrorPass@127.0.0.1:1/gitleaks`]) {
      const r = await runSecrets({ workspace: repo.dir, sha: repo.head(), inputs: { 'mirror-url': url } });
      expect(r.exitCode).toBe(1);
      expect(r.outputs.status).toBe('error');
      expect(r.stdout).toContain('input "mirror-url"');
      expect(r.everything()).not.toContain('s3cretMirrorPass');
    }
  });
});

// Last in the file: every repository above is finished with.
describe('secrets e2e fixtures', () => {
  it('removeTempRepos removes every repository, clone and temporary directory the fixtures made', () => {
    const repo = initRepo();
    const clone = repo.clone();
    const dir = tempDir('rs-secrets-baseline-');
    for (const d of [repo.dir, clone.dir, dir]) expect(existsSync(d)).toBe(true);
    removeTempRepos();
    for (const d of [repo.dir, dirname(clone.dir), dir]) expect(existsSync(d), d).toBe(false);
  });
});
