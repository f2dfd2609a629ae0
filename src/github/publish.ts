/**
 * Publishes a report to GitHub: the commit status on the head SHA, then the sticky comment. What
 * GitHub answers decides how it ends:
 * - 403 "Resource not accessible by integration" (a fork's read-only GITHUB_TOKEN): one warning,
 *   the job summary carries the report, the step does not fail for it;
 * - 401 (bad or expired token): the step fails;
 * - anything else: the step fails with GitHub's message.
 */
import { upsertStickyComment, type CommentMode, type StickyCommentResult } from './comment.js';
import { createOctokit } from './octokit.js';
import { setCommitStatus } from './status.js';
import type { MarkerState } from '../report/marker.js';

export interface PublishRequest {
  token: string;
  apiUrl: string;
  repository: string;
  headSha: string;
  prNumber?: number;
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

export async function publishReport(req: PublishRequest): Promise<PublishResult> {
  const octokit = createOctokit({ token: req.token, apiUrl: req.apiUrl, warn: req.warn });
  const [owner, repo] = req.repository.split('/') as [string, string];
  const result: PublishResult = { outcome: 'published', statusSet: false };
  try {
    await setCommitStatus(octokit, { owner, repo, sha: req.headSha, context: req.statusContext, verdict: req.verdict, description: req.statusDescription, targetUrl: req.runUrl });
    result.statusSet = true;
    req.info(`commit status ${req.statusContext} set on ${req.headSha}`);
  } catch (error) {
    if (isReadOnly(error)) {
      req.warn('The token is read-only (a fork pull request?): GitHub refused the commit status and the comment with "Resource not accessible by integration". The full report is in the job summary; the verdict is unchanged.');
      return { outcome: 'read-only', statusSet: false };
    }
    return { outcome: 'failed', statusSet: false, failure: describe(error, 'setting the commit status') };
  }
  const mode = req.comment.mode;
  if (mode === 'never') return result;
  if (req.prNumber === undefined) {
    req.info('no pull request in this event: no comment (the commit status and the job summary carry the report)');
    return result;
  }
  const mayCreate = mode === 'always' || (mode === 'on-failure' && req.verdict !== 'pass');
  try {
    result.comment = await upsertStickyComment(octokit, { owner, repo, issueNumber: req.prNumber, author: req.comment.author, body: req.comment.body, state: req.comment.state, mayCreate });
    const c = result.comment;
    if (c.action === 'kept-newer') req.info(`a newer run's comment is on the pull request (${c.url}): left as it is`);
    else if (c.action !== 'none') req.info(`comment ${c.action}: ${c.url}${c.removedDuplicates ? ` (${c.removedDuplicates} duplicate(s) from a race removed)` : ''}`);
  } catch (error) {
    if (isReadOnly(error)) {
      req.warn('The token is read-only (a fork pull request?): GitHub refused the comment with "Resource not accessible by integration". The full report is in the job summary; the verdict is unchanged.');
      return { ...result, outcome: 'read-only' };
    }
    return { ...result, outcome: 'failed', failure: describe(error, 'writing the pull request comment') };
  }
  return result;
}
