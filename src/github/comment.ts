/**
 * The sticky PR comment. Ours is a comment whose body starts with the marker AND whose author is
 * the login the token writes as: a person quoting the marker, or another bot, is never touched.
 * The marker's state orders runs: a newer run's comment is never overwritten by an older run.
 * Updates are PATCHes in place; after a create the comments are listed again and duplicates left
 * by a race (two runs creating at once, a create retried after a 502 the server had stored) are
 * deleted, keeping the oldest. Listing follows pagination to the end.
 */
import { ConfigurationError } from '../core/errors.js';
import { compareRuns, parseMarker, type MarkerState } from '../report/marker.js';
import type { GitHubClient } from './octokit.js';

export type CommentMode = 'always' | 'on-failure' | 'update-only' | 'never';

export interface StickyCommentRequest {
  owner: string;
  repo: string;
  issueNumber: number;
  /** The login the token writes as (github-actions[bot] for GITHUB_TOKEN). */
  author: string;
  body: string;
  state: MarkerState;
  /** false: only an existing comment is updated (update-only, or on-failure with a pass). */
  mayCreate: boolean;
}

export interface StickyCommentResult {
  action: 'created' | 'updated' | 'kept-newer' | 'none';
  url?: string;
  removedDuplicates: number;
}

interface Ours {
  id: number;
  url: string;
  state: MarkerState;
}

async function listOurs(octokit: GitHubClient, req: StickyCommentRequest): Promise<Ours[]> {
  const all = await octokit.paginate(octokit.rest.issues.listComments, { owner: req.owner, repo: req.repo, issue_number: req.issueNumber, per_page: 100 });
  const author = req.author.toLowerCase();
  const ours: Ours[] = [];
  for (const c of all) {
    if (c.user?.login.toLowerCase() !== author) continue;
    const state = parseMarker(c.body ?? '');
    if (state) ours.push({ id: c.id, url: c.html_url, state });
  }
  return ours.sort((a, b) => a.id - b.id);
}

function status(error: unknown): number | undefined {
  const s = (error as { status?: unknown }).status;
  return typeof s === 'number' ? s : undefined;
}

async function remove(octokit: GitHubClient, req: StickyCommentRequest, id: number): Promise<boolean> {
  try {
    await octokit.rest.issues.deleteComment({ owner: req.owner, repo: req.repo, comment_id: id });
    return true;
  } catch (error) {
    // Another run removed it first.
    if (status(error) === 404) return false;
    throw error;
  }
}

/** Keeps the oldest of ours, with the newest state's body, and deletes the rest that are not newer than us. */
async function settle(octokit: GitHubClient, req: StickyCommentRequest, ours: Ours[]): Promise<{ kept: Ours; removed: number; newer: boolean }> {
  const kept = ours[0]!;
  const newer = ours.some((o) => compareRuns(o.state, req.state) > 0);
  if (!newer && compareRuns(kept.state, req.state) !== 0) {
    await octokit.rest.issues.updateComment({ owner: req.owner, repo: req.repo, comment_id: kept.id, body: req.body });
    kept.state = req.state;
  }
  let removed = 0;
  for (const dup of ours.slice(1)) if (compareRuns(dup.state, req.state) <= 0 && (await remove(octokit, req, dup.id))) removed++;
  return { kept, removed, newer };
}

/**
 * A comment-author that is not the login the token writes as would never find its own comment:
 * every run would add one more. The created comment is removed and the input named.
 */
async function refuseOtherAuthor(octokit: GitHubClient, req: StickyCommentRequest, created: { id: number; user?: { login: string } | null }): Promise<void> {
  const login = created.user?.login;
  if (login === undefined || login.toLowerCase() === req.author.toLowerCase()) return;
  await remove(octokit, req, created.id);
  throw new ConfigurationError(
    `input "comment-author" is ${req.author}, but the token writes as ${login}: set comment-author to ${login} (the comment it created was removed again)`,
  );
}

export async function upsertStickyComment(octokit: GitHubClient, req: StickyCommentRequest): Promise<StickyCommentResult> {
  const ours = await listOurs(octokit, req);
  if (ours.length > 0) {
    if (ours.some((o) => compareRuns(o.state, req.state) > 0)) return { action: 'kept-newer', url: ours[0]!.url, removedDuplicates: 0 };
    const target = ours[0]!;
    await octokit.rest.issues.updateComment({ owner: req.owner, repo: req.repo, comment_id: target.id, body: req.body });
    let removed = 0;
    for (const dup of ours.slice(1)) if (await remove(octokit, req, dup.id)) removed++;
    return { action: 'updated', url: target.url, removedDuplicates: removed };
  }
  if (!req.mayCreate) return { action: 'none', removedDuplicates: 0 };
  try {
    // No automatic retry: a create that timed out may have been stored; the listing below decides.
    const created = await octokit.rest.issues.createComment({
      owner: req.owner,
      repo: req.repo,
      issue_number: req.issueNumber,
      body: req.body,
      request: { retries: 0 },
    });
    await refuseOtherAuthor(octokit, req, created.data);
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    const s = status(error);
    if (s !== undefined && s < 500) throw error;
    const after = await listOurs(octokit, req);
    if (!after.some((o) => compareRuns(o.state, req.state) === 0))
      await octokit.rest.issues.createComment({ owner: req.owner, repo: req.repo, issue_number: req.issueNumber, body: req.body, request: { retries: 0 } });
  }
  const after = await listOurs(octokit, req);
  if (after.length === 0) throw new Error('the comment was created but is not listed: GitHub did not store it');
  const { kept, removed, newer } = await settle(octokit, req, after);
  return { action: newer ? 'kept-newer' : 'created', url: kept.url, removedDuplicates: removed };
}
