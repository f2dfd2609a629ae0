import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../../local/scratch.js';
import { checkRunbooks, readAllAtHead, runbookProblem, runbookTarget, type RunbookAlert } from './runbooks.js';

describe('runbookTarget', () => {
  it('maps this repository URLs to paths and refuses others', () => {
    expect(runbookTarget('https://github.com/acme/svc/blob/main/docs/rb.md', 'acme/svc', 'https://github.com')).toEqual({ kind: 'path', path: 'docs/rb.md' });
    expect(runbookTarget('https://raw.githubusercontent.com/acme/svc/abc/docs/rb.md', 'acme/svc', 'https://github.com')).toEqual({
      kind: 'path',
      path: 'docs/rb.md',
    });
    expect(runbookTarget('https://wiki.example.com/rb', 'acme/svc', 'https://github.com').kind).toBe('unresolvable');
    expect(runbookTarget('https://github.com/other/svc/blob/main/rb.md', 'acme/svc', 'https://github.com').kind).toBe('unresolvable');
    expect(runbookTarget('docs/rb.md#steps', 'acme/svc', 'https://github.com')).toEqual({ kind: 'path', path: 'docs/rb.md' });
    expect(runbookTarget('../outside.md', 'acme/svc', 'https://github.com').kind).toBe('unresolvable');
  });
});

describe('runbookProblem', () => {
  const t = { kind: 'path' as const, path: 'rb.md' };
  const cases: [string | undefined, string | undefined, RegExp | undefined][] = [
    [undefined, undefined, /no runbook_url or runbook/],
    ['TODO', undefined, /placeholder runbook/],
    ['rb.md', undefined, /does not exist/],
    ['rb.md', '# Title\n\n## Steps\n', /empty/],
    ['rb.md', '# Title\nTBD\n', /placeholder/],
    ['rb.md', '# Title\n1. Open the 5xx panel.\n', undefined],
  ];
  for (const [value, content, want] of cases) {
    it(`${String(value)} / ${JSON.stringify(content)}`, () => {
      const p = runbookProblem(value, content, value === undefined ? undefined : t);
      if (want) expect(p).toMatch(want);
      else expect(p).toBeUndefined();
    });
  }
});

describe('checkRunbooks', () => {
  const dir = scratchDir('rs-runbooks-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('counts complete runbooks and fails below the threshold', async () => {
    mkdirSync(join(dir, 'rb'));
    writeFileSync(join(dir, 'rb', 'A.md'), '# A\n1. Check the panel.\n');
    writeFileSync(join(dir, 'rb', 'B.md'), 'TODO\n');
    const alerts: RunbookAlert[] = [
      { alert: 'A', file: 'r.yml', line: 3, annotations: { runbook: 'rb/A.md' } },
      { alert: 'B', file: 'r.yml', line: 9, annotations: { runbook_url: 'https://github.com/acme/svc/blob/main/rb/B.md' } },
    ];
    const opts = { workspace: dir, headSha: 'a'.repeat(40), repository: 'acme/svc', serverUrl: 'https://github.com' };
    const strict = await checkRunbooks(alerts, { ...opts, threshold: 100 });
    expect(strict).toMatchObject({ total: 2, complete: 1, percent: 50 });
    expect(strict.findings).toEqual([
      {
        severity: 'error',
        file: 'r.yml',
        line: 9,
        rule: 'runbook',
        message: expect.stringContaining('alert B names the runbook rb/B.md, which is a placeholder'),
      },
    ]);
    const lenient = await checkRunbooks(alerts, { ...opts, threshold: 50 });
    expect(lenient.findings.map((f) => f.severity)).toEqual(['warning']);
  });
});

describe('readAllAtHead (one git cat-file --batch for every runbook)', () => {
  const repo = scratchDir('rs-runbooks-git-');
  afterAll(() => rmSync(repo, { recursive: true, force: true }));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo, encoding: 'utf8' }).trim();

  it('reads each file as committed at the head commit, byte-exact across multi-byte and invalid UTF-8 files', async () => {
    git('init', '-q');
    mkdirSync(join(repo, 'rb'));
    writeFileSync(join(repo, 'rb', 'multi.md'), '# Épée\n1. Vérifier le tableau « 5xx » — puis 🚨.\n');
    writeFileSync(join(repo, 'rb', 'latin1.md'), Buffer.from([0x23, 0x20, 0x41, 0x0a, 0xe9, 0x74, 0xe9, 0x0a]));
    writeFileSync(join(repo, 'rb', 'plain.md'), '# B\n1. Restart.\n');
    writeFileSync(join(repo, 'rb', 'empty.md'), '');
    git('add', '.');
    git('commit', '-qm', 'runbooks');
    const head = git('rev-parse', 'HEAD');
    // The working tree differs from the head commit: what counts is the commit.
    writeFileSync(join(repo, 'rb', 'plain.md'), 'changed after the commit\n');
    writeFileSync(join(repo, 'rb', 'uncommitted.md'), '# C\n1. Only in the working tree.\n');
    const read = await readAllAtHead(repo, head, [
      'rb/multi.md',
      'rb/latin1.md',
      'rb/missing.md',
      'rb',
      'rb/empty.md',
      'rb/uncommitted.md',
      'rb/plain.md',
      'rb/x\nrb/plain.md',
      '../outside.md',
    ]);
    expect(read.get('rb/multi.md')).toBe('# Épée\n1. Vérifier le tableau « 5xx » — puis 🚨.\n');
    expect(read.get('rb/latin1.md')).toBe(Buffer.from([0x23, 0x20, 0x41, 0x0a, 0xe9, 0x74, 0xe9, 0x0a]).toString('utf8'));
    expect(read.get('rb/missing.md')).toBeUndefined();
    expect(read.get('rb')).toBeUndefined(); // a tree, not a file
    expect(read.get('rb/empty.md')).toBe('');
    expect(read.get('rb/uncommitted.md')).toBeUndefined();
    expect(read.get('rb/plain.md')).toBe('# B\n1. Restart.\n');
    expect(read.get('rb/x\nrb/plain.md')).toBeUndefined(); // a line break cannot smuggle a second name into the batch
    expect(read.get('../outside.md')).toBeUndefined();
  });

  it('an unknown head commit: nothing is found, nothing is read from the working tree', async () => {
    const read = await readAllAtHead(repo, 'f'.repeat(40), ['rb/plain.md']);
    expect(read.get('rb/plain.md')).toBeUndefined();
  });
});
