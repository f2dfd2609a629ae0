/**
 * Temporary git repositories for end-to-end tests, and fake secrets in shapes gitleaks' default
 * rules catch. The secrets are assembled at run time so this repository never holds a literal one.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { scratchDir } from '../../src/local/scratch.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomFrom(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/** An AWS access key id: the prefix and 16 base32 characters (never AWS's documented example). */
export function fakeAwsKeyId(): string {
  for (;;) {
    const body = randomFrom(BASE32, 16);
    // Enough distinct characters to clear the rule's entropy floor; never the EXAMPLE suffix.
    if (new Set(body).size >= 10 && !body.endsWith('EXAMPLE')) return ['AK', 'IA'].join('') + body;
  }
}

/** A GitHub personal access token: the prefix and 36 alphanumerics. */
export function fakeGithubPat(): string {
  for (;;) {
    const body = randomFrom(ALNUM, 36);
    if (new Set(body).size >= 16) return ['gh', 'p_'].join('') + body;
  }
}

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Committer',
  GIT_COMMITTER_EMAIL: 'committer@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

export class GitRepo {
  constructor(readonly dir: string) {}

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, env: GIT_ENV, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  }

  write(path: string, content: string): void {
    const full = join(this.dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }

  remove(path: string): void {
    rmSync(join(this.dir, path), { force: true });
  }

  /** Writes the files (null deletes), stages everything and commits; returns the new SHA. */
  commit(message: string, files: Record<string, string | null> = {}): string {
    for (const [path, content] of Object.entries(files)) {
      if (content === null) this.remove(path);
      else this.write(path, content);
    }
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.head();
  }

  head(): string {
    return this.git('rev-parse', 'HEAD');
  }

  /** A file:// clone (so --depth is honoured) in a new temporary directory. */
  clone(extra: string[] = []): GitRepo {
    const parent = tempDir('rs-secrets-clone-');
    const dir = join(parent, 'repo');
    execFileSync('git', ['clone', '-q', ...extra, `file://${this.dir}`, dir], { env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    return new GitRepo(dir);
  }
}

/** Every temporary directory made here, removed by removeTempRepos(). */
const madeDirs = new Set<string>();

/** A temporary directory that removeTempRepos() removes. */
export function tempDir(prefix: string): string {
  const dir = scratchDir(prefix);
  madeDirs.add(dir);
  return dir;
}

/** Removes every repository, clone and directory made by this module (call in afterAll). */
export function removeTempRepos(): void {
  for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true });
  madeDirs.clear();
}

/** A new repository on branch main with one initial commit. */
export function initRepo(prefix = 'rs-secrets-repo-'): GitRepo {
  const dir = tempDir(prefix);
  execFileSync('git', ['init', '-q', '-b', 'main', dir], { env: GIT_ENV });
  const repo = new GitRepo(dir);
  repo.git('config', 'user.name', 'Test');
  repo.git('config', 'user.email', 'test@example.com');
  repo.git('config', 'commit.gpgsign', 'false');
  repo.commit('initial', { 'README.md': '# service\n' });
  return repo;
}
