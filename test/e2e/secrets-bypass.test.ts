/**
 * Ways a pull request could hide a secret from the range scan: content git or gitleaks treat as
 * binary (NUL bytes, UTF-16, file-type magic, archive names) and merge commits (octopus, evil and
 * conflict-resolving merges). Each runs the shipped bundle on a real repository with the real
 * gitleaks engine and must fail, never pass.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pullRequestEvent } from './events.js';
import { fakeAwsKeyId, fakeGithubPat, initRepo, removeTempRepos, type GitRepo } from './git-fixtures.js';
import { GITLEAKS, runSecrets } from './secrets-support.js';
import { evidenceOf } from './workspace.js';
import type { ActionRun } from '../../src/local/harness.js';

afterAll(() => {
  removeTempRepos();
});

function scanRange(repo: GitRepo, base: string, head: string, inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runSecrets({
    workspace: repo.dir,
    eventName: 'pull_request',
    event: pullRequestEvent({ headSha: head, baseSha: base }),
    sha: head,
    inputs: { 'gitleaks-path': GITLEAKS, ...inputs },
  });
}

function branchFromMain(name: string): { repo: GitRepo; base: string } {
  const repo = initRepo();
  const base = repo.head();
  repo.git('checkout', '-q', '-b', name);
  return { repo, base };
}

describe('secrets gate: content that looks binary is still scanned on a range', () => {
  it('a text file holding one NUL byte and a token fails, as scope: tree does', async () => {
    const { repo, base } = branchFromMain('nul');
    const token = fakeGithubPat();
    const head = repo.commit('a text file with a NUL byte', { 'src/settings.txt': `header\u0000\ntoken = "${token}"\n` });
    const run = await scanRange(repo, base, head);
    expect(run.outputs, run.stdout).toMatchObject({ status: 'fail', findings: '1', 'commits-scanned': '1' });
    expect(evidenceOf(run).findings[0]).toMatchObject({ file: 'src/settings.txt', line: 2, commit: head, rule: 'github-pat' });
    expect(run.everything()).not.toContain(token);
    const tree = await runSecrets({
      workspace: repo.dir,
      eventName: 'workflow_dispatch',
      event: { inputs: {} },
      sha: head,
      inputs: { 'gitleaks-path': GITLEAKS, scope: 'tree' },
    });
    expect(tree.outputs.status).toBe('fail');
  });

  it('a UTF-16 file with a token fails (its text is scanned, not its bytes)', async () => {
    const { repo, base } = branchFromMain('utf16');
    const key = fakeAwsKeyId();
    writeFileSync(join(repo.dir, 'config.ini'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`[aws]\r\nAWS_ACCESS_KEY_ID=${key}\r\n`, 'utf16le')]));
    const head = repo.commit('a UTF-16 config');
    const run = await scanRange(repo, base, head);
    expect(run.outputs, run.stdout).toMatchObject({ status: 'fail', findings: '1' });
    expect(evidenceOf(run).findings[0]).toMatchObject({ file: 'config.ini', commit: head, rule: 'aws-access-token' });
    expect(run.everything()).not.toContain(key);
  });

  it('text files named like archives (.zip, .gz, .tar, a.brand.env) or starting with file-type magic (MZ, %PDF) are scanned', async () => {
    const { repo, base } = branchFromMain('names');
    const tokens = Array.from({ length: 6 }, () => fakeGithubPat());
    const files = {
      // gitleaks does not open a file whose name merely contains an archive extension.
      'config/app.brand.env': `token = "${tokens[5]}"\n`,
      'deploy/creds.zip': `token = "${tokens[0]}"\n`,
      'deploy/creds.gz': `token = "${tokens[1]}"\n`,
      'deploy/creds.TAR': `token = "${tokens[2]}"\n`,
      'notes/mz.txt': `MZ\ntoken = "${tokens[3]}"\n`,
      'notes/pdf.txt': `%PDF-1.7\ntoken = "${tokens[4]}"\n`,
    };
    const head = repo.commit('archive names and magic bytes', files);
    const run = await scanRange(repo, base, head);
    expect(run.outputs, run.stdout).toMatchObject({ status: 'fail', findings: '6' });
    const found = evidenceOf(run)
      .findings.map((f) => `${f.file}:${f.line}`)
      .sort();
    expect(found).toEqual(['config/app.brand.env:1', 'deploy/creds.TAR:1', 'deploy/creds.gz:1', 'deploy/creds.zip:1', 'notes/mz.txt:2', 'notes/pdf.txt:2']);
    for (const t of tokens) expect(run.everything()).not.toContain(t);
  });

  it('a clean range with a real binary passes and says nothing was skipped', async () => {
    const { repo, base } = branchFromMain('logo');
    const head = repo.commit('an image', { 'assets/logo.dat': '\u0089PNG\r\n\u001a\n\u0000\u0000\u0000\rIHDR\u0000\u0000\u0000\u0010\n' });
    const run = await scanRange(repo, base, head);
    expect(run.outputs, run.stdout).toMatchObject({ status: 'pass', findings: '0' });
    expect(evidenceOf(run).metrics).toMatchObject({ filesScanned: 1, skipped: 0 });
  });
});

describe('secrets gate: every commit is scanned whatever its number of parents', () => {
  /** main plus three branches off the same base, each adding its own clean file. */
  function threeBranches(): { repo: GitRepo; base: string } {
    const repo = initRepo();
    const base = repo.head();
    for (const name of ['one', 'two', 'three']) {
      repo.git('checkout', '-q', '-b', name, base);
      repo.commit(`branch ${name}`, { [`${name}.txt`]: `${name}\n` });
    }
    repo.git('checkout', '-q', '-b', 'octopus', base);
    return { repo, base };
  }

  it('an octopus merge (3 parents) that adds a token only in the merge commit fails', async () => {
    const { repo, base } = threeBranches();
    // The octopus branch stands at the base: merging two branches makes three parents.
    repo.git('merge', '-q', '--no-ff', '--no-commit', 'one', 'two');
    const token = fakeGithubPat();
    repo.write('src/merged.ts', `export const t = "${token}";\n`);
    const head = repo.commit('octopus merge');
    expect(repo.git('rev-list', '--parents', '-n', '1', head).split(' ')).toHaveLength(4);
    const run = await scanRange(repo, base, head);
    expect(run.outputs, run.stdout).toMatchObject({ status: 'fail', findings: '1', 'commits-scanned': '3' });
    expect(evidenceOf(run).findings[0]).toMatchObject({ file: 'src/merged.ts', line: 1, commit: head, rule: 'github-pat' });
    expect(run.everything()).not.toContain(token);
  });

  it('an octopus merge that edits a file every parent has: only the merge-made line is reported, at its line', async () => {
    const { repo, base } = threeBranches();
    repo.git('merge', '-q', '--no-ff', '--no-commit', 'one', 'two', 'three');
    const key = fakeAwsKeyId();
    repo.write('one.txt', `one\nAWS_ACCESS_KEY_ID=${key}\n`);
    const head = repo.commit('octopus merge editing one.txt');
    const run = await scanRange(repo, base, head);
    expect(run.outputs, run.stdout).toMatchObject({ status: 'fail', findings: '1' });
    expect(evidenceOf(run).findings[0]).toMatchObject({ file: 'one.txt', line: 2, commit: head });
  });

  it('a clean octopus merge passes, counting every commit', async () => {
    const { repo, base } = threeBranches();
    repo.git('merge', '-q', '--no-ff', '--no-edit', 'one', 'two', 'three');
    const run = await scanRange(repo, base, repo.head());
    expect(run.outputs, run.stdout).toMatchObject({ status: 'pass', findings: '0', 'commits-scanned': '4' });
  });

  it('an evil two-parent merge (content in neither parent) fails', async () => {
    const { repo, base } = threeBranches();
    repo.git('merge', '-q', '--no-ff', '--no-commit', 'one');
    const token = fakeGithubPat();
    repo.write('evil.ts', `export const t = "${token}";\n`);
    const head = repo.commit('evil merge');
    const run = await scanRange(repo, base, head);
    expect(run.outputs, run.stdout).toMatchObject({ status: 'fail', findings: '1' });
    expect(evidenceOf(run).findings[0]).toMatchObject({ file: 'evil.ts', commit: head });
  });

  it('a merge whose conflict resolution adds the token fails', async () => {
    const repo = initRepo();
    repo.commit('config', { 'app.env': 'MODE=dev\n' });
    const base = repo.head();
    repo.git('checkout', '-q', '-b', 'left');
    repo.commit('left', { 'app.env': 'MODE=left\n' });
    repo.git('checkout', '-q', '-b', 'right', base);
    repo.commit('right', { 'app.env': 'MODE=right\n' });
    try {
      repo.git('merge', '-q', 'left');
    } catch {
      // the conflict is the point
    }
    const key = fakeAwsKeyId();
    repo.write('app.env', `MODE=both\nAWS_ACCESS_KEY_ID=${key}\n`);
    const head = repo.commit('resolve the conflict');
    const run = await scanRange(repo, base, head);
    expect(run.outputs, run.stdout).toMatchObject({ status: 'fail', findings: '1', 'commits-scanned': '3' });
    expect(evidenceOf(run).findings[0]).toMatchObject({ file: 'app.env', line: 2, commit: head });
  });
});

describe('secrets gate: scope tree opens what gitleaks alone would not', () => {
  it('a checkout file whose name contains an archive extension (a.brand.env) is scanned and reported under its own name', async () => {
    const repo = initRepo();
    const token = fakeGithubPat();
    const head = repo.commit('a brand config', { 'config/app.brand.env': `token = "${token}"\n` });
    const run = await runSecrets({
      workspace: repo.dir,
      eventName: 'workflow_dispatch',
      event: { inputs: {} },
      sha: head,
      inputs: { 'gitleaks-path': GITLEAKS, scope: 'tree' },
    });
    expect(run.outputs, run.stdout).toMatchObject({ status: 'fail', findings: '1' });
    expect(evidenceOf(run).findings[0]).toMatchObject({ file: 'config/app.brand.env', fingerprint: 'config/app.brand.env:github-pat:1' });
    expect(run.everything()).not.toContain('release-safety-text');
  });
});
