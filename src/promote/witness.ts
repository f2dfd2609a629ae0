/**
 * The second witness for an unsigned attestation: the `release-safety` commit status the evidence
 * action wrote on the attested commit must be `success` and its description must name the digest
 * being promoted. Whoever can push a commit status could forge this; it is accepted only because
 * it must agree with the attestation, and the summary says the attestation is unsigned.
 */
import { z } from 'zod';
import type { GitHubClient } from '../github/octokit.js';

export const STATUS_CONTEXT = 'release-safety';

const statusSchema = z
  .object({ context: z.string(), state: z.string(), description: z.string().nullable().optional(), id: z.number().optional() })
  .passthrough();

export interface WitnessVerdict {
  ok: boolean;
  reason: string;
}

/** Statuses newest first (as GitHub lists them): the newest of our context decides. Pure. */
export function judgeCommitStatus(statuses: readonly unknown[], sha: string, digest: string): WitnessVerdict {
  const ours = statuses.map((s) => statusSchema.safeParse(s)).flatMap((p) => (p.success && p.data.context === STATUS_CONTEXT ? [p.data] : []));
  const latest = ours[0];
  if (!latest) return { ok: false, reason: `commit ${sha} has no "${STATUS_CONTEXT}" commit status: an unsigned attestation needs it as a second witness` };
  if (latest.state !== 'success') return { ok: false, reason: `the "${STATUS_CONTEXT}" commit status on ${sha} is ${latest.state}, not success` };
  const description = latest.description ?? '';
  if (!description.includes(digest)) {
    return {
      ok: false,
      reason: `the "${STATUS_CONTEXT}" commit status on ${sha} is success but names ${/sha256:[0-9a-f]{64}/.exec(description)?.[0] ?? 'no digest'}, not ${digest}`,
    };
  }
  return { ok: true, reason: `the "${STATUS_CONTEXT}" commit status on ${sha} is success and names ${digest}` };
}

export async function checkCommitStatus(octokit: GitHubClient, repository: string, sha: string, digest: string): Promise<WitnessVerdict> {
  const [owner, repo] = repository.split('/') as [string, string];
  const res = await octokit.rest.repos.listCommitStatusesForRef({ owner, repo, ref: sha, per_page: 100 });
  return judgeCommitStatus(res.data as unknown[], sha, digest);
}
