/**
 * The Octokit factory against the test GitHub API (and, for the Enterprise Server base path, a
 * bare loopback server): what the retry and throttling plugins are configured to do is observed
 * in the requests the server received, not read back from the options.
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubApi, type GitHubApi } from '../local/github-api.js';
import { createOctokit } from './octokit.js';
import type { AddressInfo } from 'node:net';

const owner = 'acme';
const repo = 'service';
const sha = 'c'.repeat(40);

describe('createOctokit', () => {
  let api: GitHubApi;
  beforeAll(async () => {
    api = await startGitHubApi({ latencyMs: 300 });
  });
  afterAll(async () => {
    await api.stop();
  });
  const since = (start: number, operation: string) => api.requests.slice(start).filter((r) => r.operation === operation);

  it('spaces writes apart but not reads', async () => {
    const octokit = await createOctokit({ token: 'ghs_write', apiUrl: api.url });
    let start = api.requests.length;
    await Promise.all([
      octokit.rest.repos.createCommitStatus({ owner, repo, sha, state: 'success', context: 'a' }),
      octokit.rest.repos.createCommitStatus({ owner, repo, sha, state: 'success', context: 'b' }),
    ]);
    const writes = since(start, 'repos/create-commit-status');
    expect(writes).toHaveLength(2);
    // One at a time: the second write leaves only once the first is answered (the API answers
    // after 300 ms); without the write lock both arrive within ~10 ms, or ~200 ms apart throttled.
    expect(writes[1]!.at - writes[0]!.at).toBeGreaterThanOrEqual(300);
    start = api.requests.length;
    await Promise.all([octokit.rest.repos.get({ owner, repo }), octokit.rest.repos.get({ owner, repo })]);
    const reads = since(start, 'repos/get');
    expect(reads).toHaveLength(2);
    expect(Math.abs(reads[1]!.at - reads[0]!.at)).toBeLessThan(250);
    expect(api.violations).toEqual([]);
  });

  it('retries a secondary rate limit once after retry-after, and gives up on the second', async () => {
    const warnings: string[] = [];
    const octokit = await createOctokit({ token: 'ghs_write', apiUrl: api.url, warn: (m) => warnings.push(m) });
    const start = api.requests.length;
    api.faults.push({ kind: 'secondary-rate-limit', retryAfterSeconds: 1, times: 2, operation: 'repos/create-commit-status' });
    await expect(octokit.rest.repos.createCommitStatus({ owner, repo, sha, state: 'failure', context: 'c' })).rejects.toMatchObject({ status: 403 });
    const tries = since(start, 'repos/create-commit-status');
    expect(tries.map((t) => t.status)).toEqual([403, 403]);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(warnings.join('\n')).toContain('retrying POST');
    expect(warnings.join('\n')).toContain('giving up');
  });

  it('does not wait out a retry-after longer than the cap', async () => {
    const octokit = await createOctokit({ token: 'ghs_write', apiUrl: api.url, maxRetryAfterSeconds: 1 });
    const start = api.requests.length;
    api.faults.push({ kind: 'secondary-rate-limit', retryAfterSeconds: 30, operation: 'repos/create-commit-status' });
    const t0 = Date.now();
    await expect(octokit.rest.repos.createCommitStatus({ owner, repo, sha, state: 'failure', context: 'd' })).rejects.toMatchObject({ status: 403 });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(since(start, 'repos/create-commit-status')).toHaveLength(1);
  });

  it('never retries another 4xx (401, 403 read-only, 404, 422), and retries a 5xx', async () => {
    const writer = await createOctokit({ token: 'ghs_write', apiUrl: api.url });
    const reader = await createOctokit({ token: 'ghs_read', apiUrl: api.url });
    const start = api.requests.length;
    await expect(writer.rest.issues.createComment({ owner, repo, issue_number: 3, body: 'x'.repeat(65_537) })).rejects.toMatchObject({ status: 422 });
    await expect(reader.rest.issues.createComment({ owner, repo, issue_number: 3, body: 'x' })).rejects.toMatchObject({ status: 403 });
    await expect(writer.rest.pulls.get({ owner, repo, pull_number: 404 })).rejects.toMatchObject({ status: 404 });
    await expect((await createOctokit({ token: 'ghs_revoked', apiUrl: api.url })).rest.repos.get({ owner, repo })).rejects.toMatchObject({ status: 401 });
    expect(api.requests.slice(start).map((r) => `${r.operation} ${r.status}`)).toEqual([
      'issues/create-comment 422',
      'issues/create-comment 403',
      'pulls/get 404',
      'repos/get 401',
    ]);
    const retried = api.requests.length;
    api.faults.push({ kind: 'bad-gateway-after-write', method: 'GET', operation: 'issues/list-comments' });
    const listed = await writer.rest.issues.listComments({ owner, repo, issue_number: 3 });
    expect(listed.status).toBe(200);
    expect(since(retried, 'issues/list-comments').map((r) => r.status)).toEqual([502, 200]);
  }, 20_000);

  it('holds a write until the one before it is answered, however slow GitHub is to answer', async () => {
    const arrivals: { at: number; url: string }[] = [];
    const server = createServer((req, res) => {
      arrivals.push({ at: Date.now(), url: req.url ?? '' });
      // Slower than the throttling plugin's one-second spacing of write starts.
      setTimeout(() => res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":1}'), 1500);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const octokit = await createOctokit({ token: 'ghs_write', apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
      await Promise.all(['a', 'b'].map((context) => octokit.rest.repos.createCommitStatus({ owner, repo, sha, state: 'success', context })));
      expect(arrivals).toHaveLength(2);
      expect(arrivals[1]!.at - arrivals[0]!.at).toBeGreaterThanOrEqual(1500);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('sends every request under GITHUB_API_URL, a GitHub Enterprise Server base path included', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"full_name":"acme/service"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3/`;
      const octokit = await createOctokit({ token: 'ghs_enterprise', apiUrl: base });
      await octokit.rest.repos.get({ owner, repo });
      expect(seen).toEqual(['GET /api/v3/repos/acme/service token ghs_enterprise']);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
