/**
 * The commit status on the PR head SHA (never the test merge commit, which no reviewer sees):
 * `success` only for a passing verdict, the description naming the image digest within GitHub's
 * 140 characters, `target_url` the run.
 */
import type { GitHubClient } from './octokit.js';

export const MAX_STATUS_DESCRIPTION = 140;

export function statusDescription(verdict: 'pass' | 'fail' | 'error', passed: number, required: number, digest?: string): string {
  const head = `${verdict}: ${passed}/${required} required gates pass`;
  const full = digest ? `${head}; image ${digest}` : `${head}; no image digest`;
  if ([...full].length <= MAX_STATUS_DESCRIPTION) return full;
  return digest ? `${head}; ${digest}`.slice(0, MAX_STATUS_DESCRIPTION) : head.slice(0, MAX_STATUS_DESCRIPTION);
}

export async function setCommitStatus(
  octokit: GitHubClient,
  args: { owner: string; repo: string; sha: string; context: string; verdict: 'pass' | 'fail' | 'error'; description: string; targetUrl?: string },
): Promise<void> {
  await octokit.rest.repos.createCommitStatus({
    owner: args.owner,
    repo: args.repo,
    sha: args.sha,
    state: args.verdict === 'pass' ? 'success' : 'failure',
    context: args.context,
    description: args.description,
    ...(args.targetUrl ? { target_url: args.targetUrl } : {}),
  });
}
