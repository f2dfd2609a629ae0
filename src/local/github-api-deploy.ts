/**
 * The test GitHub API's deployments and releases (with their statuses and assets): what the
 * promote action records.
 */
import { createHash } from 'node:crypto';
import { isCommitSha } from '../core/identifiers.js';
import {
  notFound,
  now,
  paginate,
  user,
  validationFailed,
  type HandlerContext,
  type HandlerResult,
  type Obj,
  type StoredAsset,
  type StoredDeployment,
  type StoredDeploymentStatus,
  type StoredRelease,
} from './github-api-shared.js';

function deploymentJson(ctx: HandlerContext, d: StoredDeployment): Obj {
  const base = ctx.description.example<Obj>('deployment');
  return {
    ...base,
    id: d.id,
    node_id: `DE_${d.id}`,
    url: `${ctx.baseUrl}/repos/${d.repository}/deployments/${d.id}`,
    sha: d.sha,
    ref: d.ref,
    task: d.task,
    payload: d.payload,
    environment: d.environment,
    original_environment: d.environment,
    description: d.description,
    creator: user(ctx, d.login),
    created_at: d.createdAt,
    updated_at: d.createdAt,
    statuses_url: `${ctx.baseUrl}/repos/${d.repository}/deployments/${d.id}/statuses`,
    repository_url: `${ctx.baseUrl}/repos/${d.repository}`,
  };
}

function deploymentStatusJson(ctx: HandlerContext, repo: string, s: StoredDeploymentStatus): Obj {
  const base = ctx.description.example<Obj>('deployment-status');
  return {
    ...base,
    id: s.id,
    node_id: `DES_${s.id}`,
    state: s.state,
    description: s.description,
    environment_url: s.environmentUrl,
    log_url: s.logUrl,
    target_url: s.logUrl,
    creator: user(ctx, s.login),
    created_at: s.createdAt,
    updated_at: s.createdAt,
    url: `${ctx.baseUrl}/repos/${repo}/deployments/${s.deploymentId}/statuses/${s.id}`,
    deployment_url: `${ctx.baseUrl}/repos/${repo}/deployments/${s.deploymentId}`,
    repository_url: `${ctx.baseUrl}/repos/${repo}`,
  };
}

export function deployments(ctx: HandlerContext, repo: string): HandlerResult {
  const op = ctx.match.operation.operationId;
  if (op === 'repos/create-deployment') {
    const b = ctx.body as Obj;
    const ref = String(b.ref);
    const d: StoredDeployment = {
      id: ctx.state.nextId++,
      repository: repo,
      ref,
      sha: isCommitSha(ref) ? ref : createHash('sha1').update(ref).digest('hex'),
      task: String(b.task ?? 'deploy'),
      environment: String(b.environment ?? 'production'),
      description: (b.description as string | null | undefined) ?? '',
      payload: b.payload ?? {},
      login: ctx.login,
      createdAt: now(),
    };
    ctx.state.deployments.push(d);
    return { status: 201, body: deploymentJson(ctx, d) };
  }
  if (op === 'repos/list-deployments') {
    const q = ctx.query;
    const all = ctx.state.deployments
      .filter(
        (d) =>
          d.repository === repo &&
          (!q.get('sha') || d.sha === q.get('sha')) &&
          (!q.get('ref') || d.ref === q.get('ref')) &&
          (!q.get('task') || d.task === q.get('task')) &&
          (!q.get('environment') || d.environment === q.get('environment')),
      )
      .sort((a, b) => b.id - a.id);
    const { page, headers } = paginate(ctx, all, `/repos/${repo}/deployments`);
    return { status: 200, body: page.map((d) => deploymentJson(ctx, d)), headers };
  }
  const id = Number(ctx.match.params.deployment_id);
  if (!ctx.state.deployments.some((d) => d.repository === repo && d.id === id)) return notFound;
  if (op === 'repos/create-deployment-status') {
    const b = ctx.body as Obj;
    const s: StoredDeploymentStatus = {
      id: ctx.state.nextId++,
      deploymentId: id,
      state: String(b.state),
      description: String(b.description ?? ''),
      environmentUrl: String(b.environment_url ?? `https://github.com/${repo}/deployments`),
      logUrl: String(b.log_url ?? b.target_url ?? `https://github.com/${repo}/deployments`),
      login: ctx.login,
      createdAt: now(),
    };
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
  return {
    ...base,
    id: a.id,
    node_id: `RA_${a.id}`,
    name: a.name,
    label: a.label,
    content_type: a.contentType,
    size: a.data.length,
    digest: `sha256:${createHash('sha256').update(a.data).digest('hex')}`,
    state: 'uploaded',
    download_count: 0,
    url: `${ctx.baseUrl}/repos/${repo}/releases/assets/${a.id}`,
    browser_download_url: `${ctx.baseUrl}/download/${repo}/${encodeURIComponent(release?.tagName ?? '')}/${encodeURIComponent(a.name)}`,
    uploader: user(ctx, a.login),
    created_at: a.createdAt,
    updated_at: a.createdAt,
  };
}

function releaseJson(ctx: HandlerContext, r: StoredRelease): Obj {
  const base = ctx.description.example<Obj>('release');
  const api = `${ctx.baseUrl}/repos/${r.repository}/releases/${r.id}`;
  return {
    ...base,
    id: r.id,
    node_id: `RE_${r.id}`,
    url: api,
    assets_url: `${api}/assets`,
    upload_url: `${api}/assets{?name,label}`,
    html_url: `https://github.com/${r.repository}/releases/tag/${encodeURIComponent(r.tagName)}`,
    tarball_url: `${ctx.baseUrl}/repos/${r.repository}/tarball/${encodeURIComponent(r.tagName)}`,
    zipball_url: `${ctx.baseUrl}/repos/${r.repository}/zipball/${encodeURIComponent(r.tagName)}`,
    tag_name: r.tagName,
    target_commitish: r.targetCommitish,
    name: r.name,
    body: r.body,
    draft: r.draft,
    prerelease: r.prerelease,
    immutable: false,
    created_at: r.createdAt,
    published_at: r.draft ? null : r.createdAt,
    updated_at: r.createdAt,
    author: user(ctx, r.login),
    assets: ctx.state.assets.filter((a) => a.releaseId === r.id).map((a) => assetJson(ctx, r.repository, a)),
  };
}

export function releases(ctx: HandlerContext, repo: string): HandlerResult {
  const op = ctx.match.operation.operationId;
  const b = (ctx.body ?? {}) as Obj;
  if (op === 'repos/create-release') {
    const tagName = String(b.tag_name);
    if (ctx.state.releases.some((r) => r.repository === repo && r.tagName === tagName)) return validationFailed('Release', 'tag_name', 'already_exists');
    const r: StoredRelease = {
      id: ctx.state.nextId++,
      repository: repo,
      tagName,
      name: (b.name as string | undefined) ?? null,
      body: (b.body as string | undefined) ?? null,
      draft: Boolean(b.draft),
      prerelease: Boolean(b.prerelease),
      targetCommitish: String(b.target_commitish ?? 'main'),
      login: ctx.login,
      createdAt: now(),
    };
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
    const a: StoredAsset = {
      id: ctx.state.nextId++,
      releaseId: release.id,
      name,
      label: ctx.query.get('label'),
      contentType: ctx.contentType || 'application/octet-stream',
      data: Buffer.from(ctx.raw),
      login: ctx.login,
      createdAt: now(),
    };
    ctx.state.assets.push(a);
    return { status: 201, body: assetJson(ctx, repo, a) };
  }
  if (op === 'repos/list-release-assets')
    return { status: 200, body: ctx.state.assets.filter((a) => a.releaseId === release.id).map((a) => assetJson(ctx, repo, a)) };
  return { status: 200, body: releaseJson(ctx, release) };
}
