/**
 * What the test GitHub API's operations share: the stored state, the handler's context and
 * answer, and GitHub's ways (its 422 body, user objects, pagination with Link headers).
 */
import { createHash } from 'node:crypto';
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

export const notFound: HandlerResult = { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' } };
export const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
export type Obj = Record<string, unknown>;

export function validationFailed(resource: string, field: string, code: string, message?: string): HandlerResult {
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [{ resource, field, code, ...(message ? { message } : {}) }],
      documentation_url: 'https://docs.github.com/rest',
    },
  };
}

export function user(ctx: HandlerContext, login: string, type?: 'Bot' | 'User'): Obj {
  const u = ctx.description.example<Obj>('issue-comment').user as Obj;
  const id = Number.parseInt(createHash('sha256').update(login).digest('hex').slice(0, 8), 16);
  return {
    ...u,
    login,
    id,
    node_id: `U_${id}`,
    url: `${ctx.baseUrl}/users/${encodeURIComponent(login)}`,
    html_url: `https://github.com/${encodeURIComponent(login)}`,
    type: type ?? (login.endsWith('[bot]') ? 'Bot' : 'User'),
  };
}

/** page/per_page as GitHub applies them (per_page at most 100), with the Link header it sends. */
export function paginate<T>(ctx: HandlerContext, items: T[], path: string): { page: T[]; headers: Record<string, string> } {
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
