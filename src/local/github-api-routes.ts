/**
 * What the test GitHub API does for each operation it serves: in-memory state, GitHub's rules
 * (pagination with Link headers, newest-first statuses, the combined state, the 65,536-character
 * comment limit, unique release tags), and answers built from the description's own examples.
 */
import { createHash } from 'node:crypto';
import { isCommitSha } from '../core/identifiers.js';
import type { GitHubDescription, RouteMatch } from './openapi.js';

export interface StoredComment {
  id: number;
  repository: string;
  issueNumber: number;
  body: string;
  login: string;
  userType: 'Bot' | 'User';
  createdAt: string;
  updatedAt: string;
}
export interface StoredStatus {
  id: number;
  repository: string;
  sha: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  context: string;
  description: string | null;
  targetUrl: string | null;
  login: string;
  createdAt: string;
}
export interface StoredDeployment {
  id: number;
  repository: string;
  ref: string;
  sha: string;
  task: string;
  environment: string;
  description: string | null;
  payload: unknown;
  login: string;
  createdAt: string;
}
export interface StoredDeploymentStatus {
  id: number;
  deploymentId: number;
  state: string;
  description: string;
  environmentUrl: string;
  logUrl: string;
  login: string;
  createdAt: string;
}
export interface StoredRelease {
  id: number;
  repository: string;
  tagName: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  targetCommitish: string;
  login: string;
  createdAt: string;
}
export interface StoredAsset {
  id: number;
  releaseId: number;
  name: string;
  label: string | null;
  contentType: string;
  data: Buffer;
  login: string;
  createdAt: string;
}
export interface StoredPull {
  repository: string;
  number: number;
  title: string;
  headSha: string;
  headRef: string;
  /** The repository the head branch is in: another one for a fork. */
  headRepository: string;
}
export interface ApiState {
  repositories: string[];
  pulls: StoredPull[];
  comments: StoredComment[];
  statuses: StoredStatus[];
  deployments: StoredDeployment[];
  deploymentStatuses: StoredDeploymentStatus[];
  releases: StoredRelease[];
  assets: StoredAsset[];
  nextId: number;
}

export interface HandlerContext {
  description: GitHubDescription;
  state: ApiState;
  baseUrl: string;
  login: string;
  userType: 'Bot' | 'User';
  match: RouteMatch;
  query: URLSearchParams;
  body: unknown;
  raw: Buffer;
  contentType: string;
}
export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  raw?: string | Buffer;
  contentType?: string;
}

/** GitHub's limit for comment bodies. Measured, GitHub refuses over 65,536 code points or 262,144 UTF-8 bytes: both are enforced. */
export const MAX_COMMENT_CODE_POINTS = 65_536;
export const MAX_COMMENT_BYTES = 262_144;

const notFound: HandlerResult = { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' } };
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
type Obj = Record<string, unknown>;

function validationFailed(resource: string, field: string, code: string, message?: string): HandlerResult {
  return { status: 422, body: { message: 'Validation Failed', errors: [{ resource, field, code, ...(message ? { message } : {}) }], documentation_url: 'https://docs.github.com/rest' } };
}

function user(ctx: HandlerContext, login: string, type?: 'Bot' | 'User'): Obj {
  const u = ctx.description.example<Obj>('issue-comment').user as Obj;
  const id = Number.parseInt(createHash('sha256').update(login).digest('hex').slice(0, 8), 16);
  return { ...u, login, id, node_id: `U_${id}`, url: `${ctx.baseUrl}/users/${encodeURIComponent(login)}`, html_url: `https://github.com/${encodeURIComponent(login)}`, type: type ?? (login.endsWith('[bot]') ? 'Bot' : 'User') };
}

/** page/per_page as GitHub applies them (per_page at most 100), with the Link header it sends. */
function paginate<T>(ctx: HandlerContext, items: T[], path: string): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(ctx.query.get('per_page') ?? 30) || 30));
  const pageNo = Math.max(1, Number(ctx.query.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (p: number, rel: string) => {
    const q = new URLSearchParams(ctx.query);
    q.set('per_page', String(perPage));
    q.set('page', String(p));
    return `<${ctx.baseUrl}${path}?${q.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (pageNo > 1) links.push(link(pageNo - 1, 'prev'), link(1, 'first'));
  if (pageNo < last) links.push(link(pageNo + 1, 'next'), link(last, 'last'));
  return { page: items.slice((pageNo - 1) * perPage, pageNo * perPage), headers: links.length ? { link: links.join(', ') } : {} };
}

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
    const all = ctx.state.comments.filter((c) => c.repository === repo && c.issueNumber === issue && (!since || c.updatedAt >= since)).sort((a, b) => a.id - b.id);
    const { page, headers } = paginate(ctx, all, `/repos/${repo}/issues/${issue}/comments`);
    return { status: 200, body: page.map((c) => commentJson(ctx, c)), headers };
  }
  if (op === 'issues/create-comment') {
    const body = String((ctx.body as Obj).body ?? '');
    const tooLong = commentTooLong(body);
    if (tooLong) return tooLong;
    const at = now();
    const c: StoredComment = { id: ctx.state.nextId++, repository: repo, issueNumber: Number(ctx.match.params.issue_number), body, login: ctx.login, userType: ctx.userType, createdAt: at, updatedAt: at };
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
    if (description !== null && [...description].length > 140) return validationFailed('Status', 'description', 'custom', 'description is too long (maximum is 140 characters)');
    const s: StoredStatus = { id: ctx.state.nextId++, repository: repo, sha: ctx.match.params.sha!, state: b.state as StoredStatus['state'], context: String(b.context ?? 'default'), description, targetUrl: (b.target_url as string | null | undefined) ?? null, login: ctx.login, createdAt: now() };
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
  const combined = latest.some((s) => s.state === 'error' || s.state === 'failure') ? 'failure' : latest.length === 0 || latest.some((s) => s.state === 'pending') ? 'pending' : 'success';
  const example = ctx.description.example<Obj>('combined-commit-status');
  return {
    status: 200,
    body: {
      ...example,
      state: combined,
      sha: ref,
      total_count: latest.length,
      statuses: latest.map((s) => ({ ...statusJson(ctx, s), creator: undefined, node_id: `SC_${s.id}`, required: false })).map(({ creator: _creator, ...rest }) => rest),
      repository: { ...(example.repository as Obj), full_name: repo, name: repo.split('/')[1] },
      commit_url: `${ctx.baseUrl}/repos/${repo}/commits/${ref}`,
      url: `${ctx.baseUrl}/repos/${repo}/commits/${ref}/status`,
    },
  };
}

function deploymentJson(ctx: HandlerContext, d: StoredDeployment): Obj {
  const base = ctx.description.example<Obj>('deployment');
  return { ...base, id: d.id, node_id: `DE_${d.id}`, url: `${ctx.baseUrl}/repos/${d.repository}/deployments/${d.id}`, sha: d.sha, ref: d.ref, task: d.task, payload: d.payload, environment: d.environment, original_environment: d.environment, description: d.description, creator: user(ctx, d.login), created_at: d.createdAt, updated_at: d.createdAt, statuses_url: `${ctx.baseUrl}/repos/${d.repository}/deployments/${d.id}/statuses`, repository_url: `${ctx.baseUrl}/repos/${d.repository}` };
}

function deploymentStatusJson(ctx: HandlerContext, repo: string, s: StoredDeploymentStatus): Obj {
  const base = ctx.description.example<Obj>('deployment-status');
  return { ...base, id: s.id, node_id: `DES_${s.id}`, state: s.state, description: s.description, environment_url: s.environmentUrl, log_url: s.logUrl, target_url: s.logUrl, creator: user(ctx, s.login), created_at: s.createdAt, updated_at: s.createdAt, url: `${ctx.baseUrl}/repos/${repo}/deployments/${s.deploymentId}/statuses/${s.id}`, deployment_url: `${ctx.baseUrl}/repos/${repo}/deployments/${s.deploymentId}`, repository_url: `${ctx.baseUrl}/repos/${repo}` };
}

function deployments(ctx: HandlerContext, repo: string): HandlerResult {
  const op = ctx.match.operation.operationId;
  if (op === 'repos/create-deployment') {
    const b = ctx.body as Obj;
    const ref = String(b.ref);
    const d: StoredDeployment = { id: ctx.state.nextId++, repository: repo, ref, sha: isCommitSha(ref) ? ref : createHash('sha1').update(ref).digest('hex'), task: String(b.task ?? 'deploy'), environment: String(b.environment ?? 'production'), description: (b.description as string | null | undefined) ?? '', payload: b.payload ?? {}, login: ctx.login, createdAt: now() };
    ctx.state.deployments.push(d);
    return { status: 201, body: deploymentJson(ctx, d) };
  }
  if (op === 'repos/list-deployments') {
    const q = ctx.query;
    const all = ctx.state.deployments
      .filter((d) => d.repository === repo && (!q.get('sha') || d.sha === q.get('sha')) && (!q.get('ref') || d.ref === q.get('ref')) && (!q.get('task') || d.task === q.get('task')) && (!q.get('environment') || d.environment === q.get('environment')))
      .sort((a, b) => b.id - a.id);
    const { page, headers } = paginate(ctx, all, `/repos/${repo}/deployments`);
    return { status: 200, body: page.map((d) => deploymentJson(ctx, d)), headers };
  }
  const id = Number(ctx.match.params.deployment_id);
  if (!ctx.state.deployments.some((d) => d.repository === repo && d.id === id)) return notFound;
  if (op === 'repos/create-deployment-status') {
    const b = ctx.body as Obj;
    const s: StoredDeploymentStatus = { id: ctx.state.nextId++, deploymentId: id, state: String(b.state), description: String(b.description ?? ''), environmentUrl: String(b.environment_url ?? `https://github.com/${repo}/deployments`), logUrl: String(b.log_url ?? b.target_url ?? `https://github.com/${repo}/deployments`), login: ctx.login, createdAt: now() };
    ctx.state.deploymentStatuses.push(s);
    return { status: 201, body: deploymentStatusJson(ctx, repo, s) };
  }
  const all = ctx.state.deploymentStatuses.filter((s) => s.deploymentId === id).sort((a, b) => b.id - a.id);
  const { page, headers } = paginate(ctx, all, `/repos/${repo}/deployments/${id}/statuses`);
  return { status: 200, body: page.map((s) => deploymentStatusJson(ctx, repo, s)), headers };
}

function assetJson(ctx: HandlerContext, repo: string, a: StoredAsset): Obj {
  const base = ctx.description.example<Obj>('release-asset');
  const release = ctx.state.releases.find((r) => r.id === a.releaseId);
  return { ...base, id: a.id, node_id: `RA_${a.id}`, name: a.name, label: a.label, content_type: a.contentType, size: a.data.length, digest: `sha256:${createHash('sha256').update(a.data).digest('hex')}`, state: 'uploaded', download_count: 0, url: `${ctx.baseUrl}/repos/${repo}/releases/assets/${a.id}`, browser_download_url: `${ctx.baseUrl}/download/${repo}/${encodeURIComponent(release?.tagName ?? '')}/${encodeURIComponent(a.name)}`, uploader: user(ctx, a.login), created_at: a.createdAt, updated_at: a.createdAt };
}

function releaseJson(ctx: HandlerContext, r: StoredRelease): Obj {
  const base = ctx.description.example<Obj>('release');
  const api = `${ctx.baseUrl}/repos/${r.repository}/releases/${r.id}`;
  return { ...base, id: r.id, node_id: `RE_${r.id}`, url: api, assets_url: `${api}/assets`, upload_url: `${api}/assets{?name,label}`, html_url: `https://github.com/${r.repository}/releases/tag/${encodeURIComponent(r.tagName)}`, tarball_url: `${ctx.baseUrl}/repos/${r.repository}/tarball/${encodeURIComponent(r.tagName)}`, zipball_url: `${ctx.baseUrl}/repos/${r.repository}/zipball/${encodeURIComponent(r.tagName)}`, tag_name: r.tagName, target_commitish: r.targetCommitish, name: r.name, body: r.body, draft: r.draft, prerelease: r.prerelease, immutable: false, created_at: r.createdAt, published_at: r.draft ? null : r.createdAt, updated_at: r.createdAt, author: user(ctx, r.login), assets: ctx.state.assets.filter((a) => a.releaseId === r.id).map((a) => assetJson(ctx, r.repository, a)) };
}

function releases(ctx: HandlerContext, repo: string): HandlerResult {
  const op = ctx.match.operation.operationId;
  const b = (ctx.body ?? {}) as Obj;
  if (op === 'repos/create-release') {
    const tagName = String(b.tag_name);
    if (ctx.state.releases.some((r) => r.repository === repo && r.tagName === tagName)) return validationFailed('Release', 'tag_name', 'already_exists');
    const r: StoredRelease = { id: ctx.state.nextId++, repository: repo, tagName, name: (b.name as string | undefined) ?? null, body: (b.body as string | undefined) ?? null, draft: Boolean(b.draft), prerelease: Boolean(b.prerelease), targetCommitish: String(b.target_commitish ?? 'main'), login: ctx.login, createdAt: now() };
    ctx.state.releases.push(r);
    return { status: 201, body: releaseJson(ctx, r), headers: { location: `${ctx.baseUrl}/repos/${repo}/releases/${r.id}` } };
  }
  if (op === 'repos/list-releases') {
    const all = ctx.state.releases.filter((r) => r.repository === repo).sort((x, y) => y.id - x.id);
    const { page, headers } = paginate(ctx, all, `/repos/${repo}/releases`);
    return { status: 200, body: page.map((r) => releaseJson(ctx, r)), headers };
  }
  const release =
    op === 'repos/get-release-by-tag'
      ? ctx.state.releases.find((r) => r.repository === repo && r.tagName === ctx.match.params.tag && !r.draft)
      : ctx.state.releases.find((r) => r.repository === repo && r.id === Number(ctx.match.params.release_id));
  if (!release) return notFound;
  if (op === 'repos/update-release') {
    if (typeof b.tag_name === 'string') release.tagName = b.tag_name;
    if (b.name !== undefined) release.name = (b.name as string | null) ?? null;
    if (b.body !== undefined) release.body = (b.body as string | null) ?? null;
    if (typeof b.draft === 'boolean') release.draft = b.draft;
    if (typeof b.prerelease === 'boolean') release.prerelease = b.prerelease;
    if (typeof b.target_commitish === 'string') release.targetCommitish = b.target_commitish;
  }
  if (op === 'repos/upload-release-asset') {
    const name = ctx.query.get('name') ?? '';
    if (ctx.state.assets.some((a) => a.releaseId === release.id && a.name === name)) return validationFailed('ReleaseAsset', 'name', 'already_exists');
    const a: StoredAsset = { id: ctx.state.nextId++, releaseId: release.id, name, label: ctx.query.get('label'), contentType: ctx.contentType || 'application/octet-stream', data: Buffer.from(ctx.raw), login: ctx.login, createdAt: now() };
    ctx.state.assets.push(a);
    return { status: 201, body: assetJson(ctx, repo, a) };
  }
  if (op === 'repos/list-release-assets') return { status: 200, body: ctx.state.assets.filter((a) => a.releaseId === release.id).map((a) => assetJson(ctx, repo, a)) };
  return { status: 200, body: releaseJson(ctx, release) };
}

function repository(ctx: HandlerContext, repo: string): HandlerResult {
  const base = ctx.description.example<Obj>('full-repository-default-response');
  const [owner, name] = repo.split('/') as [string, string];
  // The description's example lacks `language`, which its schema requires; a fork's parent/source is optional.
  delete base.source;
  delete base.parent;
  return { status: 200, body: { ...base, language: 'TypeScript', name, full_name: repo, owner: user(ctx, owner, 'User'), url: `${ctx.baseUrl}/repos/${repo}`, html_url: `https://github.com/${repo}`, default_branch: 'main', private: false, visibility: 'public' } };
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
      head: { ...head, sha: p.headSha, ref: p.headRef, label: `${p.headRepository.split('/')[0]}:${p.headRef}`, repo: { ...(head.repo as Obj), full_name: p.headRepository, name: p.headRepository.split('/')[1], fork: p.headRepository !== repo } },
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
