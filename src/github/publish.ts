/**
 * Publishes a report to GitHub: the commit status on the head SHA, then the sticky comment. What
 * GitHub answers decides how it ends:
 * - 403 "Resource not accessible by integration" (a fork's read-only GITHUB_TOKEN): one warning,
 *   the job summary carries the report, the step does not fail for it;
 * - 401 (bad or expired token): the step fails;
 * - anything else: the step fails with GitHub's message.
 */
import { ConfigurationError } from '../core/errors.js';
import { sameRepository } from '../core/identifiers.js';
import { upsertStickyComment, type CommentMode, type StickyCommentResult } from './comment.js';
import { createOctokit, type GitHubClient } from './octokit.js';
import { setCommitStatus } from './status.js';
import type { MarkerState } from '../report/marker.js';

export interface PublishRequest {
  token: string;
  apiUrl: string;
  repository: string;
  headSha: string;
  prNumber?: number;
  /**
   * PR numbers the records name, for a workflow_run whose event lists none (GitHub lists no pull
   * requests for a fork's run). Records are untrusted: a number is used only when GitHub says that
   * pull request's head is the head SHA this report is about.
   */
  prCandidates?: number[];
  verdict: 'pass' | 'fail' | 'error';
  statusContext: string;
  statusDescription: string;
  runUrl?: string;
  comment: { mode: CommentMode; author: string; body: string; state: MarkerState };
  warn: (message: string) => void;
  info: (message: string) => void;
}

export interface PublishResult {
  /** `read-only`: GitHub refused the writes as it does for a fork's token. */
  outcome: 'published' | 'read-only' | 'failed';
  comment?: StickyCommentResult;
  statusSet: boolean;
  /** Why the step fails (401, other API errors). */
  failure?: string;
}

function isReadOnly(error: unknown): boolean {
  const e = error as { status?: number; message?: string };
  return e.status === 403 && /Resource not accessible by integration/i.test(e.message ?? '');
}

function describe(error: unknown, what: string): string {
  const e = error as { status?: number; message?: string };
  if (e.status === 401) return `GitHub refused the token while ${what} (401 ${e.message ?? 'Bad credentials'}): check the github-token input`;
  return `GitHub answered ${e.status ?? 'no HTTP status'} while ${what}: ${e.message ?? String(error)}`;
}

async function verifiedPullRequest(octokit: GitHubClient, req: PublishRequest, owner: string, repo: string): Promise<number | undefined> {
  for (const n of [...new Set(req.prCandidates ?? [])].slice(0, 3)) {
    try {
      const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: n });
      if (data.head.sha === req.headSha && sameRepository(data.base.repo.full_name, req.repository)) return n;
      req.info(`pull request #${n}, named by a record, has head ${data.head.sha.slice(0, 12)}, not ${req.headSha.slice(0, 12)}: not commented on`);
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw error;
    }
  }
  return undefined;
}

export async function publishReport(req: PublishRequest): Promise<PublishResult> {
  const octokit = await createOctokit({ token: req.token, apiUrl: req.apiUrl, warn: req.warn });
  const [owner, repo] = req.repository.split('/') as [string, string];
  const result: PublishResult = { outcome: 'published', statusSet: false };
  try {
    await setCommitStatus(octokit, {
      owner,
      repo,
      sha: req.headSha,
      context: req.statusContext,
      verdict: req.verdict,
      description: req.statusDescription,
      targetUrl: req.runUrl,
    });
    result.statusSet = true;
    req.info(`commit status ${req.statusContext} set on ${req.headSha}`);
  } catch (error) {
    if (isReadOnly(error)) {
      req.warn(
        'The token is read-only (a fork pull request?): GitHub refused the commit status and the comment with "Resource not accessible by integration". The full report is in the job summary; the verdict is unchanged.',
      );
      return { outcome: 'read-only', statusSet: false };
    }
    return { outcome: 'failed', statusSet: false, failure: describe(error, 'setting the commit status') };
  }
  const mode = req.comment.mode;
  if (mode === 'never') return result;
  let prNumber = req.prNumber;
  try {
    if (prNumber === undefined) prNumber = await verifiedPullRequest(octokit, req, owner, repo);
  } catch (error) {
    return { ...result, outcome: 'failed', failure: describe(error, 'looking up the pull request') };
  }
  if (prNumber === undefined) {
    req.info('no pull request in this event: no comment (the commit status and the job summary carry the report)');
    return result;
  }
  const mayCreate = mode === 'always' || (mode === 'on-failure' && req.verdict !== 'pass');
  try {
    result.comment = await upsertStickyComment(octokit, {
      owner,
      repo,
      issueNumber: prNumber,
      author: req.comment.author,
      body: req.comment.body,
      state: req.comment.state,
      mayCreate,
    });
    const c = result.comment;
    if (c.action === 'kept-newer') req.info(`a newer run's comment is on the pull request (${c.url}): left as it is`);
    else if (c.action !== 'none')
      req.info(`comment ${c.action}: ${c.url}${c.removedDuplicates ? ` (${c.removedDuplicates} duplicate(s) from a race removed)` : ''}`);
  } catch (error) {
    if (isReadOnly(error)) {
      req.warn(
        'The token is read-only (a fork pull request?): GitHub refused the comment with "Resource not accessible by integration". The full report is in the job summary; the verdict is unchanged.',
      );
      return { ...result, outcome: 'read-only' };
    }
    if (error instanceof ConfigurationError) return { ...result, outcome: 'failed', failure: error.message };
    return { ...result, outcome: 'failed', failure: describe(error, 'writing the pull request comment') };
  }
  return result;
}
