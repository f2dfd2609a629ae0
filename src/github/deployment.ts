/**
 * A GitHub deployment for a promotion: created on the attested commit in the environment the
 * promotion targets, with statuses in_progress then success or failure, `log_url` the run, and
 * the payload {digest, previousDigest, bundleSha256} a later rollback reads.
 */
import type { GitHubClient } from './octokit.js';

export interface DeploymentPayload {
  digest: string;
  previousDigest: string;
  bundleSha256: string;
}

export interface DeploymentRef {
  owner: string;
  repo: string;
  id: number;
}

export async function createDeployment(
  octokit: GitHubClient,
  args: { repository: string; sha: string; environment: string; payload: DeploymentPayload; description: string },
): Promise<DeploymentRef> {
  const [owner, repo] = args.repository.split('/') as [string, string];
  const res = await octokit.rest.repos.createDeployment({
    owner,
    repo,
    ref: args.sha,
    environment: args.environment,
    task: 'deploy',
    // The image was verified here; commit checks are not this deployment's gate, and a merge would change the commit.
    auto_merge: false,
    required_contexts: [],
    payload: { ...args.payload },
    description: args.description.slice(0, 140),
    production_environment: args.environment === 'prod' || args.environment === 'production',
  });
  const data = res.data as { id?: unknown };
  if (res.status !== 201 || typeof data.id !== 'number') throw new Error(`creating the deployment answered HTTP ${res.status} without a deployment id`);
  return { owner, repo, id: data.id };
}

export async function setDeploymentStatus(
  octokit: GitHubClient,
  ref: DeploymentRef,
  args: { state: 'in_progress' | 'success' | 'failure' | 'error'; description: string; logUrl?: string },
): Promise<void> {
  await octokit.rest.repos.createDeploymentStatus({
    owner: ref.owner,
    repo: ref.repo,
    deployment_id: ref.id,
    state: args.state,
    description: args.description.slice(0, 140),
    ...(args.logUrl ? { log_url: args.logUrl } : {}),
  });
}
