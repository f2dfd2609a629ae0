// Part of the rules gate's collect phase: the files a pull request changes (for only-changed).
import { execTool } from '../../core/exec.js';

export type ChangedFiles = { ok: true; files: Set<string> } | { ok: false; reason: string };

/**
 * Files changed between base and head (`git diff --name-only base...head`, three dots: what the
 * pull request changes since it forked). Any failure (shallow clone, unknown commit, no git) is
 * returned as a reason, for the caller to fall back to every file with a warning.
 */
export async function changedFiles(workspace: string, baseSha: string, headSha: string): Promise<ChangedFiles> {
  try {
    const r = await execTool('git', ['-c', 'core.quotepath=off', 'diff', '--name-only', '--no-renames', `${baseSha}...${headSha}`, '--'], {
      cwd: workspace,
      timeoutMs: 60_000,
    });
    if (r.timedOut || r.exitCode !== 0) {
      const why = r.stderr.trim().split('\n')[0] || `git exited with code ${r.exitCode}`;
      return {
        ok: false,
        reason: `git could not compare ${baseSha.slice(0, 12)}...${headSha.slice(0, 12)} (${why}); fetch the base commit, e.g. actions/checkout with fetch-depth: 0`,
      };
    }
    return {
      ok: true,
      files: new Set(
        r.stdout
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== ''),
      ),
    };
  } catch (error) {
    return { ok: false, reason: `git could not be run: ${(error as Error).message}` };
  }
}
