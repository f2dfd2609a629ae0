import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../../local/scratch.js';
import { policyAt, type PolicyFiles } from './policy.js';
import { gitIn } from './range.js';
import type { Logger } from '../../core/log.js';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

describe('policyAt: suppressions and config read from the base commit', () => {
  let dir: string;
  let scratch: string;
  let base = '';
  let head = '';
  const warnings: string[] = [];
  const log: Logger = {
    info: () => {},
    warning: (m) => void warnings.push(m),
    debug: () => {},
    group: (_n, fn) => fn(),
    untrusted: () => {},
    untrustedStream: () => ({ write: () => {}, end: () => {} }),
  };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: GIT_ENV, encoding: 'utf8' }).trim();
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  const files = (): PolicyFiles => ({
    configPath: join(dir, '.gitleaks.toml'),
    configRel: '.gitleaks.toml',
    configSource: '.gitleaks.toml',
    gitleaksIgnorePath: join(dir, '.gitleaksignore'),
    baselinePath: join(dir, 'baseline.json'),
    baselineRel: 'baseline.json',
    exceptions: [{ key: 'from-the-checkout', kind: 'fingerprint', reason: 'x', owner: 'o', expires: '2099-01-01', where: 'checkout' }],
    exceptionsRel: '.github/release-safety-exceptions.yml',
  });

  beforeAll(() => {
    dir = scratchDir('rs-secrets-policy-');
    scratch = scratchDir('rs-secrets-policy-scratch-');
    git('init', '-q', '-b', 'main');
    write('.gitleaksignore', 'base:fp:1\n');
    write('.github/release-safety-exceptions.yml', 'exceptions: [not, a, mapping');
    symlinkSync('elsewhere.json', join(dir, 'baseline.json'));
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    base = git('rev-parse', 'HEAD');
    rmSync(join(dir, 'baseline.json'));
    write('baseline.json', '[]');
    write('.gitleaks.toml', '[allowlist]\npaths = [".*"]\n');
    write('.gitleaksignore', 'head:fp:1\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'head');
    head = git('rev-parse', 'HEAD');
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('absent at base = none, a symlink is not followed, a broken file suppresses nothing (with a warning), and changes are named', async () => {
    const p = await policyAt(files(), gitIn(dir, 30_000), base, head, [head, `^${base}`], scratch, log);
    // The head adds a config that allowlists everything: the base has none, so default rules.
    expect(p.configPath).toBeUndefined();
    expect(p.configSource).toBe("gitleaks' default rules");
    expect([...p.ignore]).toEqual(['base:fp:1']);
    expect(p.baseline.size).toBe(0);
    expect(p.notes.some((n) => n.includes('baseline.json') && n.includes('not a regular file'))).toBe(true);
    expect(p.exceptions).toEqual([]);
    expect(warnings.some((w) => w.includes('exceptions file at the base commit is not usable'))).toBe(true);
    expect(p.changedInRange.sort()).toEqual(['.gitleaks.toml', '.gitleaksignore', 'baseline.json']);
    expect(p.from).toBe(base);
  });

  it('a config present at base is copied out of the repository and used', async () => {
    const p = await policyAt(files(), gitIn(dir, 30_000), head, head, [head, `^${head}`], scratch, log);
    expect(p.configPath).toBe(join(scratch, 'base-config.toml'));
    expect(readFileSync(p.configPath!, 'utf8')).toContain('[allowlist]');
    expect(p.changedInRange).toEqual([]);
  });
});
