/**
 * What the test GitHub API does for each operation it serves: in-memory state, GitHub's rules
 * (pagination with Link headers, newest-first statuses, the combined state, the 65,536-character
 * comment limit, unique release tags), and answers built from the description's own examples.
 */

import { deployments, releases } from './github-api-deploy.js';
import {
  MAX_COMMENT_BYTES,
  MAX_COMMENT_CODE_POINTS,
  notFound,
  now,
  paginate,
  user,
  validationFailed,
  type HandlerContext,
  type HandlerResult,
  type Obj,
  type StoredComment,
  type StoredStatus,
} from './github-api-shared.js';

function repoOf(ctx: HandlerContext): string | undefined {
  const full = `${ctx.match.params.owner}/${ctx.match.params.repo}`;
  return ctx.state.repositories.find((r) => r.toLowerCase() === full.toLowerCase());
}

function commentJson(ctx: HandlerContext, c: StoredComment): Obj {
  const base = ctx.description.example<Obj>('issue-comment');
  return {
    ...base,
    id: c.id,
    node_id: `IC_${c.id}`,
    url: `${ctx.baseUrl}/repos/${c.repository}/issues/comments/${c.id}`,
    html_url: `https://github.com/${c.repository}/pull/${c.issueNumber}#issuecomment-${c.id}`,
    issue_url: `${ctx.baseUrl}/repos/${c.repository}/issues/${c.issueNumber}`,
    body: c.body,
    user: user(ctx, c.login, c.userType),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    author_association: c.userType === 'Bot' ? 'NONE' : 'MEMBER',
  };
}

function commentTooLong(body: string): HandlerResult | undefined {
  if ([...body].length > MAX_COMMENT_CODE_POINTS || Buffer.byteLength(body, 'utf8') > MAX_COMMENT_BYTES) {
    return validationFailed('IssueComment', 'data', 'unprocessable', `Body is too long (maximum is ${MAX_COMMENT_CODE_POINTS} characters)`);
  }
  return undefined;
}

function comments(ctx: HandlerContext, repo: string): HandlerResult {
  const id = ctx.match.params.comment_id ? Number(ctx.match.params.comment_id) : undefined;
  const op = ctx.match.operation.operationId;
  if (op === 'issues/list-comments') {
    const issue = Number(ctx.match.params.issue_number);
    const since = ctx.query.get('since');
    const all = ctx.state.comments
      .filter((c) => c.repository === repo && c.issueNumber === issue && (!since || c.updatedAt >= since))
      .sort((a, b) => a.id - b.id);
    const { page, headers } = paginate(ctx, all, `/repos/${repo}/issues/${issue}/comments`);
    return { status: 200, body: page.map((c) => commentJson(ctx, c)), headers };
  }
  if (op === 'issues/create-comment') {
    const body = String((ctx.body as Obj).body ?? '');
    const tooLong = commentTooLong(body);
    if (tooLong) return tooLong;
    const at = now();
    const c: StoredComment = {
      id: ctx.state.nextId++,
      repository: repo,
      issueNumber: Number(ctx.match.params.issue_number),
      body,
      login: ctx.login,
      userType: ctx.userType,
      createdAt: at,
      updatedAt: at,
    };
    ctx.state.comments.push(c);
    const json = commentJson(ctx, c);
    return { status: 201, body: json, headers: { location: String(json.url) } };
  }
  const c = ctx.state.comments.find((x) => x.repository === repo && x.id === id);
  if (!c) return notFound;
  if (op === 'issues/get-comment') return { status: 200, body: commentJson(ctx, c) };
  if (op === 'issues/update-comment') {
    const body = String((ctx.body as Obj).body ?? '');
    const tooLong = commentTooLong(body);
    if (tooLong) return tooLong;
    c.body = body;
    c.updatedAt = now();
    return { status: 200, body: commentJson(ctx, c) };
  }
  ctx.state.comments.splice(ctx.state.comments.indexOf(c), 1);
  return { status: 204 };
}

function statusJson(ctx: HandlerContext, s: StoredStatus): Obj {
  return {
    ...ctx.description.example<Obj>('status'),
    id: s.id,
    node_id: `SC_${s.id}`,
    url: `${ctx.baseUrl}/repos/${s.repository}/statuses/${s.sha}`,
    avatar_url: null,
    state: s.state,
    description: s.description,
    target_url: s.targetUrl,
    context: s.context,
    created_at: s.createdAt,
    updated_at: s.createdAt,
    creator: user(ctx, s.login),
  };
}

function statuses(ctx: HandlerContext, repo: string): HandlerResult {
  const op = ctx.match.operation.operationId;
  if (op === 'repos/create-commit-status') {
    const b = ctx.body as Obj;
    const description = (b.description as string | null | undefined) ?? null;
    if (description !== null && [...description].length > 140)
      return validationFailed('Status', 'description', 'custom', 'description is too long (maximum is 140 characters)');
    const s: StoredStatus = {
      id: ctx.state.nextId++,
      repository: repo,
      sha: ctx.match.params.sha!,
      state: b.state as StoredStatus['state'],
      context: String(b.context ?? 'default'),
      description,
      targetUrl: (b.target_url as string | null | undefined) ?? null,
      login: ctx.login,
      createdAt: now(),
    };
    ctx.state.statuses.push(s);
    return { status: 201, body: statusJson(ctx, s), headers: { location: `${ctx.baseUrl}/repos/${repo}/statuses/${s.sha}` } };
  }
  const ref = ctx.match.params.ref!;
  const forRef = ctx.state.statuses.filter((s) => s.repository === repo && s.sha === ref).sort((a, b) => b.id - a.id);
  if (op === 'repos/list-commit-statuses-for-ref') {
    const { page, headers } = paginate(ctx, forRef, `/repos/${repo}/commits/${ref}/statuses`);
    return { status: 200, body: page.map((s) => statusJson(ctx, s)), headers };
  }
  const latest = [...new Map(forRef.map((s) => [s.context.toLowerCase(), s] as const).reverse()).values()].sort((a, b) => b.id - a.id);
  const combined = latest.some((s) => s.state === 'error' || s.state === 'failure')
    ? 'failure'
    : latest.length === 0 || latest.some((s) => s.state === 'pending')
      ? 'pending'
      : 'success';
  const example = ctx.description.example<Obj>('combined-commit-status');
  return {
    status: 200,
    body: {
      ...example,
      state: combined,
      sha: ref,
      total_count: latest.length,
      statuses: latest
        .map((s) => ({ ...statusJson(ctx, s), creator: undefined, node_id: `SC_${s.id}`, required: false }))
        .map(({ creator: _creator, ...rest }) => rest),
      repository: { ...(example.repository as Obj), full_name: repo, name: repo.split('/')[1] },
      commit_url: `${ctx.baseUrl}/repos/${repo}/commits/${ref}`,
      url: `${ctx.baseUrl}/repos/${repo}/commits/${ref}/status`,
    },
  };
}

function repository(ctx: HandlerContext, repo: string): HandlerResult {
  const base = ctx.description.example<Obj>('full-repository-default-response');
  const [owner, name] = repo.split('/') as [string, string];
  // The description's example lacks `language`, which its schema requires; a fork's parent/source is optional.
  delete base.source;
  delete base.parent;
  return {
    status: 200,
    body: {
      ...base,
      language: 'TypeScript',
      name,
      full_name: repo,
      owner: user(ctx, owner, 'User'),
      url: `${ctx.baseUrl}/repos/${repo}`,
      html_url: `https://github.com/${repo}`,
      default_branch: 'main',
      private: false,
      visibility: 'public',
    },
  };
}

function pull(ctx: HandlerContext, repo: string): HandlerResult {
  const p = ctx.state.pulls.find((x) => x.repository === repo && x.number === Number(ctx.match.params.pull_number));
  if (!p) return notFound;
  const base = ctx.description.example<Obj>('pull-request');
  const head = base.head as Obj;
  const baseRef = base.base as Obj;
  const api = `${ctx.baseUrl}/repos/${repo}/pulls/${p.number}`;
  return {
    status: 200,
    body: {
      ...base,
      number: p.number,
      title: p.title,
      // The description's example team lacks `type`, which its schema requires.
      requested_teams: [],
      url: api,
      html_url: `https://github.com/${repo}/pull/${p.number}`,
      head: {
        ...head,
        sha: p.headSha,
        ref: p.headRef,
        label: `${p.headRepository.split('/')[0]}:${p.headRef}`,
        repo: { ...(head.repo as Obj), full_name: p.headRepository, name: p.headRepository.split('/')[1], fork: p.headRepository !== repo },
      },
      base: { ...baseRef, ref: 'main', repo: { ...(baseRef.repo as Obj), full_name: repo, name: repo.split('/')[1] } },
    },
  };
}

export function handleRoute(ctx: HandlerContext): HandlerResult {
  const repo = repoOf(ctx);
  if (!repo) return notFound;
  const op = ctx.match.operation.operationId;
  if (op === 'repos/get') return repository(ctx, repo);
  if (op === 'pulls/get') return pull(ctx, repo);
  if (op.startsWith('issues/') && op.includes('comment')) return comments(ctx, repo);
  if (['repos/create-commit-status', 'repos/list-commit-statuses-for-ref', 'repos/get-combined-status-for-ref'].includes(op)) return statuses(ctx, repo);
  if (op.includes('deployment')) return deployments(ctx, repo);
  if (op.includes('release')) return releases(ctx, repo);
  return { status: 501, body: { message: `the test GitHub API does not serve ${op}` } };
}
