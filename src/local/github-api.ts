/**
 * A test GitHub REST API on 127.0.0.1 and a port chosen at run time, for the endpoints the suite
 * uses: the repository, a pull request (read), issue comments, commit statuses, deployments and releases (assets are
 * uploaded to the same server: the `upload_url` it hands out points here).
 *
 * Every request is judged against GitHub's published description (`./openapi.ts`): the path must
 * be one of its templates with that method, path and query parameters as declared, the JSON body
 * valid against the operation's schema (unknown properties included). Every JSON response it
 * sends is judged against the description too. Anything wrong lands in `violations`, which tests
 * assert is empty. Responses start from the description's own examples, overridden with state.
 *
 * Tokens map to logins (`tokens`), so "the token's own author" is testable; a `read` token gets
 * the 403 "Resource not accessible by integration" a fork's GITHUB_TOKEN gets on writes; an
 * unknown token a 401. `faults` injects what GitHub does under load: a secondary rate limit 403
 * with `retry-after`, a 502 after a write was stored, a 401.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { handleRoute } from './github-api-routes.js';
import { githubDescription, type RouteMatch } from './openapi.js';
import type { ApiState, HandlerContext, HandlerResult } from './github-api-shared.js';
import type { AddressInfo } from 'node:net';

export type {
  ApiState,
  StoredPull,
  StoredComment,
  StoredStatus,
  StoredDeployment,
  StoredDeploymentStatus,
  StoredRelease,
  StoredAsset,
} from './github-api-shared.js';

export interface TokenInfo {
  login: string;
  /** `read`: every write is refused with 403 "Resource not accessible by integration". */
  access?: 'write' | 'read';
  type?: 'Bot' | 'User';
}

export interface FaultMatch {
  method?: string;
  /** An operationId of the description, e.g. `issues/create-comment`. */
  operation?: string;
}
export type Fault =
  | ({ kind: 'secondary-rate-limit'; retryAfterSeconds: number; times?: number } & FaultMatch)
  /** The write is stored, then the answer is a 502 (a proxy timing out after the backend committed). */
  | ({ kind: 'bad-gateway-after-write'; times?: number } & FaultMatch)
  | ({ kind: 'unauthorized'; times?: number } & FaultMatch);

export interface RecordedApiRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  operation?: string;
  login?: string;
  body?: unknown;
  status: number;
  at: number;
}

export interface GitHubApiOptions {
  /** token -> who it writes as. Default: `ghs_write` as github-actions[bot] (write) and `ghs_read` (read). */
  tokens?: Record<string, TokenInfo>;
  /** `owner/name` of the repositories served. Default: acme/service. */
  repositories?: string[];
  /** Delay before each answer, to widen the windows in which concurrent runs race. */
  latencyMs?: number;
}

export interface GitHubApi {
  url: string;
  state: ApiState;
  requests: RecordedApiRequest[];
  violations: string[];
  faults: Fault[];
  /** Adds a comment as `login` (a person, or another bot) without going through the API. */
  seedComment(repository: string, issueNumber: number, login: string, body: string): number;
  stop(): Promise<void>;
}

export const DEFAULT_TOKENS: Record<string, TokenInfo> = {
  ghs_write: { login: 'github-actions[bot]', access: 'write', type: 'Bot' },
  ghs_read: { login: 'github-actions[bot]', access: 'read', type: 'Bot' },
};

const MAX_REQUEST_BODY = 16 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BODY) {
        reject(new Error('request body over 16 MiB'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function tokenOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization ?? '';
  const m = /^(?:token|bearer)\s+(\S+)$/i.exec(header);
  return m?.[1];
}

function takeFault(faults: Fault[], method: string, operation: string): Fault | undefined {
  const i = faults.findIndex((f) => (!f.method || f.method.toUpperCase() === method) && (!f.operation || f.operation === operation));
  if (i < 0) return undefined;
  const fault = faults[i]!;
  const left = (fault.times ?? 1) - 1;
  if (left <= 0) faults.splice(i, 1);
  else fault.times = left;
  return fault;
}

const DOCS = 'https://docs.github.com/rest';

interface ServerContext {
  description: ReturnType<typeof githubDescription>;
  options: GitHubApiOptions;
  tokens: Record<string, TokenInfo>;
  requests: RecordedApiRequest[];
  violations: string[];
  faults: Fault[];
  state: ApiState;
  baseUrl: string;
}

function send(srv: ServerContext, res: ServerResponse, record: RecordedApiRequest, match: RouteMatch | undefined, result: HandlerResult): void {
  const { description, violations } = srv;
  record.status = result.status;
  const headers: Record<string, string> = { 'x-github-api-version-selected': '2022-11-28', ...result.headers };
  if (result.raw !== undefined) {
    res.writeHead(result.status, { 'content-type': result.contentType ?? 'application/octet-stream', ...headers }).end(result.raw);
    return;
  }
  if (match) {
    // GitHub answers 401, 403 and 404 on every operation; the description lists them on some only.
    if (!description.hasResponse(match.operation, result.status) && result.status < 500 && ![401, 403, 404].includes(result.status)) {
      violations.push(`response: ${match.operation.operationId} answered ${result.status}, which the description does not list`);
    }
    const schema = description.responseSchema(match.operation, result.status);
    if (schema && result.body !== undefined) {
      for (const p of description.validate(schema, result.body, `${match.operation.operationId} ${result.status} response`)) violations.push(`response: ${p}`);
    }
  }
  if (result.body === undefined) {
    res.writeHead(result.status, headers).end();
    return;
  }
  res.writeHead(result.status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(result.body));
}

async function handle(srv: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { description, options, tokens, requests, violations, faults, state, baseUrl } = srv;
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = (req.method ?? 'GET').toUpperCase();
  const raw = await readBody(req);
  const record: RecordedApiRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), status: 0, at: Date.now() };
  requests.push(record);
  if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
  // Asset downloads are served by github.com, not the API: outside the description.
  const download = /^\/download\/([^/]+\/[^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (download && method === 'GET') {
    const [, repo, tag, name] = download.map((part) => decodeURIComponent(part ?? ''));
    const release = state.releases.find((r) => r.repository === repo && r.tagName === tag);
    const asset = state.assets.find((a) => a.releaseId === release?.id && a.name === name);
    if (!asset) send(srv, res, record, undefined, { status: 404, raw: 'Not Found', contentType: 'text/plain' });
    else send(srv, res, record, undefined, { status: 200, raw: asset.data, contentType: asset.contentType });
    return;
  }
  const match = description.match(method, url.pathname);
  if ('error' in match) {
    violations.push(`${method} ${url.pathname}: ${match.error}`);
    send(srv, res, record, undefined, { status: 404, body: { message: 'Not Found', documentation_url: DOCS } });
    return;
  }
  record.operation = match.operation.operationId;
  for (const p of description.checkParameters(match, url.searchParams)) violations.push(`${method} ${url.pathname}: ${p}`);
  const contentType = String(req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim();
  let body: unknown;
  const schema = description.requestSchema(match.operation, contentType);
  if (schema && contentType !== 'application/octet-stream' && !(schema.type === 'string' && schema.format === 'binary')) {
    try {
      body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      violations.push(`${method} ${url.pathname}: the body is not JSON`);
      send(srv, res, record, match, { status: 400, body: { message: 'Problems parsing JSON', documentation_url: DOCS } });
      return;
    }
    record.body = body;
    if (body === undefined && match.operation.requestBody?.required) violations.push(`${method} ${url.pathname}: a body is required`);
    if (body !== undefined) for (const p of description.validate(schema, body, 'body', true)) violations.push(`${match.operation.operationId}: ${p}`);
  } else if (!match.operation.requestBody && raw.length > 0) {
    violations.push(`${method} ${url.pathname}: ${match.operation.operationId} takes no body`);
  }

  const token = tokenOf(req);
  const who = token ? tokens[token] : undefined;
  record.login = who?.login;
  const fault = takeFault(faults, method, match.operation.operationId);
  if (!who || fault?.kind === 'unauthorized') {
    send(srv, res, record, match, { status: 401, body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' } });
    return;
  }
  if (fault?.kind === 'secondary-rate-limit') {
    send(srv, res, record, match, {
      status: 403,
      headers: { 'retry-after': String(fault.retryAfterSeconds) },
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
        status: '403',
      },
    });
    return;
  }
  const isWrite = method !== 'GET' && method !== 'HEAD';
  if (isWrite && who.access === 'read') {
    send(srv, res, record, match, { status: 403, body: { message: 'Resource not accessible by integration', documentation_url: DOCS, status: '403' } });
    return;
  }
  const ctx: HandlerContext = {
    description,
    state,
    baseUrl,
    login: who.login,
    userType: who.type ?? (who.login.endsWith('[bot]') ? 'Bot' : 'User'),
    match,
    query: url.searchParams,
    body,
    raw,
    contentType,
  };
  const result = handleRoute(ctx);
  if (result.status === 501) violations.push(`${method} ${url.pathname}: ${match.operation.operationId} is in the description but not served here`);
  if (fault?.kind === 'bad-gateway-after-write' && result.status < 300) {
    send(srv, res, record, undefined, { status: 502, raw: 'Bad Gateway', contentType: 'text/plain' });
    return;
  }
  send(srv, res, record, match, result);
}

export async function startGitHubApi(options: GitHubApiOptions = {}): Promise<GitHubApi> {
  const description = githubDescription();
  const tokens = options.tokens ?? DEFAULT_TOKENS;
  const requests: RecordedApiRequest[] = [];
  const violations: string[] = [];
  const faults: Fault[] = [];
  const state: ApiState = {
    repositories: options.repositories ?? ['acme/service'],
    pulls: [],
    comments: [],
    statuses: [],
    deployments: [],
    deploymentStatuses: [],
    releases: [],
    assets: [],
    nextId: 1000,
  };
  const srv: ServerContext = { description, options, tokens, requests, violations, faults, state, baseUrl: '' };

  const server = createServer((req, res) => {
    handle(srv, req, res).catch((error: unknown) => {
      violations.push(`server error on ${req.method} ${req.url}: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"Server Error"}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  srv.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: srv.baseUrl,
    state,
    requests,
    violations,
    faults,
    seedComment(repository, issueNumber, login, body) {
      const id = state.nextId++;
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      state.comments.push({ id, repository, issueNumber, body, login, userType: login.endsWith('[bot]') ? 'Bot' : 'User', createdAt: now, updatedAt: now });
      return id;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
