import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOctokit } from '../github/octokit.js';
import { startGitHubApi, type GitHubApi } from './github-api.js';

const owner = 'acme';
const repo = 'service';
const sha = 'a'.repeat(40);

describe('the test GitHub API, driven by the real Octokit client', () => {
  let api: GitHubApi;
  beforeAll(async () => {
    api = await startGitHubApi({
      tokens: { t_write: { login: 'github-actions[bot]' }, t_read: { login: 'github-actions[bot]', access: 'read' }, t_person: { login: 'alice' } },
    });
  });
  afterAll(async () => {
    await api.stop();
  });

  it('serves comments with pagination followed through Link headers, and every request and answer is valid', async () => {
    for (let i = 0; i < 45; i++) api.seedComment('acme/service', 7, 'alice', `comment ${i}`);
    const octokit = await createOctokit({ token: 't_write', apiUrl: api.url });
    const created = await octokit.rest.issues.createComment({ owner, repo, issue_number: 7, body: 'mine' });
    expect(created.status).toBe(201);
    expect(created.data.user?.login).toBe('github-actions[bot]');
    const all = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: 7, per_page: 20 });
    expect(all).toHaveLength(46);
    expect(all.at(-1)!.body).toBe('mine');
    expect(api.requests.filter((r) => r.operation === 'issues/list-comments').map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3']);
    const updated = await octokit.rest.issues.updateComment({ owner, repo, comment_id: created.data.id, body: 'mine, edited' });
    expect(updated.data.body).toBe('mine, edited');
    await octokit.rest.issues.deleteComment({ owner, repo, comment_id: created.data.id });
    expect(api.state.comments.some((c) => c.id === created.data.id)).toBe(false);
    expect(api.violations).toEqual([]);
  });

  it('statuses, the combined status, deployments and releases with an asset upload round-trip', async () => {
    const octokit = await createOctokit({ token: 't_write', apiUrl: api.url });
    await octokit.rest.repos.createCommitStatus({ owner, repo, sha, state: 'pending', context: 'release-safety' });
    await octokit.rest.repos.createCommitStatus({
      owner,
      repo,
      sha,
      state: 'success',
      context: 'release-safety',
      description: 'ok',
      target_url: 'https://example.test/run',
    });
    await octokit.rest.repos.createCommitStatus({ owner, repo, sha, state: 'success', context: 'other' });
    const combined = await octokit.rest.repos.getCombinedStatusForRef({ owner, repo, ref: sha });
    expect(combined.data).toMatchObject({ state: 'success', total_count: 2 });
    const listed = await octokit.rest.repos.listCommitStatusesForRef({ owner, repo, ref: sha });
    expect(listed.data.map((s) => s.state)).toEqual(['success', 'success', 'pending']);
    const deployment = await octokit.rest.repos.createDeployment({ owner, repo, ref: sha, environment: 'prod', auto_merge: false, required_contexts: [] });
    expect(deployment.status).toBe(201);
    const id = (deployment.data as { id: number }).id;
    await octokit.rest.repos.createDeploymentStatus({ owner, repo, deployment_id: id, state: 'success', environment_url: 'https://prod.example.test' });
    expect((await octokit.rest.repos.listDeploymentStatuses({ owner, repo, deployment_id: id })).data[0]!.state).toBe('success');
    expect((await octokit.rest.repos.listDeployments({ owner, repo, environment: 'prod' })).data).toHaveLength(1);
    const release = await octokit.rest.repos.createRelease({ owner, repo, tag_name: 'v1.0.0', name: 'v1.0.0' });
    expect(release.data.upload_url.startsWith(api.url)).toBe(true);
    const asset = await octokit.rest.repos.uploadReleaseAsset({
      owner,
      repo,
      release_id: release.data.id,
      name: 'bundle.json',
      data: '{"a":1}',
      baseUrl: api.url,
      headers: { 'content-type': 'application/json' },
    } as never);
    expect(asset.status).toBe(201);
    const fetched = await octokit.rest.repos.getReleaseByTag({ owner, repo, tag: 'v1.0.0' });
    expect(fetched.data.assets.map((a) => a.name)).toEqual(['bundle.json']);
    const download = await fetch(fetched.data.assets[0]!.browser_download_url);
    expect(await download.text()).toBe('{"a":1}');
    await octokit.rest.repos.updateRelease({ owner, repo, release_id: release.data.id, body: 'notes' });
    await expect(octokit.rest.repos.getReleaseByTag({ owner, repo, tag: 'v9' })).rejects.toMatchObject({ status: 404 });
    expect((await octokit.rest.repos.get({ owner, repo })).data.full_name).toBe('acme/service');
    expect(api.violations).toEqual([]);
  });

  it('reports requests that the description does not allow', async () => {
    const before = api.violations.length;
    const octokit = await createOctokit({ token: 't_write', apiUrl: api.url, retries: 0 });
    await octokit.request('POST /repos/{owner}/{repo}/statuses/{sha}', { owner, repo, sha, state: 'green' as 'success' }).catch(() => undefined);
    await octokit
      .request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: 7, body: 'x', colour: 'red' })
      .catch(() => undefined);
    await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: 7, sort: 'created' }).catch(() => undefined);
    await octokit.request('GET /repos/{owner}/{repo}/no-such-thing', { owner, repo }).catch(() => undefined);
    const found = api.violations.slice(before);
    expect(found.join('\n')).toContain('"green" is not one of');
    expect(found.join('\n')).toContain('body.colour is not a property the description names');
    expect(found.join('\n')).toContain('query parameter sort');
    expect(found.join('\n')).toContain('no path of the description matches /repos/acme/service/no-such-thing');
    api.violations.splice(before);
  });

  it('faults: read-only token, 401, 422 over 65,536 characters, secondary rate limit retried once, 502 after a stored write', async () => {
    const reader = await createOctokit({ token: 't_read', apiUrl: api.url });
    await expect(reader.rest.issues.createComment({ owner, repo, issue_number: 8, body: 'x' })).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('Resource not accessible by integration'),
    });
    await expect((await createOctokit({ token: 'nope', apiUrl: api.url })).rest.repos.get({ owner, repo })).rejects.toMatchObject({ status: 401 });
    const writer = await createOctokit({ token: 't_write', apiUrl: api.url, retries: 0 });
    await expect(writer.rest.issues.createComment({ owner, repo, issue_number: 8, body: '😀'.repeat(65_537) })).rejects.toMatchObject({ status: 422 });
    await writer.rest.issues.createComment({ owner, repo, issue_number: 8, body: '😀'.repeat(65_536) });
    const warnings: string[] = [];
    api.faults.push({ kind: 'secondary-rate-limit', retryAfterSeconds: 1, operation: 'repos/create-commit-status' });
    const t0 = Date.now();
    await (
      await createOctokit({ token: 't_write', apiUrl: api.url, warn: (m) => warnings.push(m) })
    ).rest.repos.createCommitStatus({
      owner,
      repo,
      sha,
      state: 'failure',
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(warnings.join('\n')).toContain('retrying POST');
    api.faults.push({ kind: 'bad-gateway-after-write', operation: 'issues/create-comment' });
    const stored = api.state.comments.length;
    await expect(writer.rest.issues.createComment({ owner, repo, issue_number: 8, body: 'y' })).rejects.toMatchObject({ status: 502 });
    expect(api.state.comments.length).toBe(stored + 1);
    expect(api.violations).toEqual([]);
  }, 30_000);
});
