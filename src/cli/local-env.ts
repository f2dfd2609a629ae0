/**
 * The runner environment for a run on a developer's machine: what GitHub would give the job,
 * made from the local git checkout (HEAD as a push of the branch, the range from the base given),
 * with private runner files and a tool cache kept between runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ConfigurationError } from '../core/errors.js';

function git(cwd: string, ...args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000 }).trim();
  } catch {
    return undefined;
  }
}

/** owner/name from the origin remote (https or ssh form), else local/<folder>. */
export function repositoryName(remote: string | undefined, dir: string): string {
  const m = remote ? /[:/]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(remote) : null;
  if (m) return `${m[1]}/${m[2]}`;
  return `local/${basename(dir).replace(/[^\w.-]/g, '-') || 'repository'}`;
}

export interface LocalRun {
  workspace: string;
  env: NodeJS.ProcessEnv;
  home: string;
  headSha: string;
  baseSha?: string;
}

export function localRunnerEnv(cwd: string, base: string | undefined): LocalRun {
  const workspace = git(cwd, 'rev-parse', '--show-toplevel');
  if (!workspace)
    throw new ConfigurationError(
      `${cwd} is not inside a git checkout: release-safety run needs the repository's history (git init, or run it from the repository)`,
    );
  const headSha = git(workspace, 'rev-parse', 'HEAD');
  if (!headSha) throw new ConfigurationError(`${workspace} has no commit yet: commit the change first (the gates judge a commit)`);
  const branch = git(workspace, 'rev-parse', '--abbrev-ref', 'HEAD') ?? 'HEAD';
  const baseRev = base ?? (git(workspace, 'rev-parse', '--verify', '--quiet', 'origin/HEAD') ? 'origin/HEAD' : undefined);
  const baseSha = baseRev ? git(workspace, 'merge-base', baseRev, 'HEAD') : git(workspace, 'rev-parse', '--verify', '--quiet', 'HEAD~1');
  if (base !== undefined && !baseSha) throw new ConfigurationError(`--base ${base} is not a revision of this repository: give a branch, tag or commit`);
  const home = mkdtempSync(join(tmpdir(), 'release-safety-local-'));
  const runnerTemp = join(home, 'runner-temp');
  const toolCache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'release-safety', 'tool-cache');
  const files = { GITHUB_EVENT_PATH: join(home, 'event.json'), GITHUB_ENV: join(home, 'env'), GITHUB_PATH: join(home, 'path') };
  for (const dir of [runnerTemp, toolCache]) mkdirSync(dir, { recursive: true });
  const repository = repositoryName(git(workspace, 'remote', 'get-url', 'origin'), workspace);
  const event = {
    before: baseSha ?? '0'.repeat(40),
    after: headSha,
    ref: `refs/heads/${branch}`,
    repository: { full_name: repository, default_branch: 'main' },
  };
  writeFileSync(files.GITHUB_EVENT_PATH, JSON.stringify(event));
  writeFileSync(files.GITHUB_ENV, '');
  writeFileSync(files.GITHUB_PATH, '');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_OWNER: repository.split('/')[0],
    GITHUB_SHA: headSha,
    GITHUB_REF: `refs/heads/${branch}`,
    GITHUB_WORKSPACE: workspace,
    GITHUB_RUN_ID: String(Date.now()),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_ACTOR: process.env.USER || 'local',
    GITHUB_WORKFLOW: 'release-safety (local)',
    GITHUB_JOB: 'local',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: toolCache,
    ...files,
  };
  return { workspace, env, home, headSha, ...(baseSha ? { baseSha } : {}) };
}
