/**
 * The one way the suite builds an Octokit: `@actions/github`'s client with the retry and
 * throttling plugins. Writes are serialised: one at a time (a lock held until GitHub has answered,
 * retries included: the throttling plugin alone only spaces their starts), a second apart and
 * comments three seconds apart (the throttling plugin); a secondary rate limit is retried once after its
 * `retry-after`; a primary rate limit is not waited out (a job should fail, not hang); the retry
 * plugin retries 5xx with backoff and never a 4xx. Built on call, never at import time, with the
 * API URL the caller names (GITHUB_API_URL: GitHub Enterprise Server works).
 *
 * The client itself (./octokit-client.ts) is loaded on the first call with a dynamic import, so
 * the bundler puts Octokit, its plugins and `@actions/github` in a chunk of their own that only a
 * GitHub API call reads: about 0.4 MB of the evidence and promote bundles, parsed and evaluated on
 * every start before (`@actions/github` also builds a proxy agent at import time), for what a run
 * without a token, with comments off or before its inputs are valid never uses.
 */
import type { ClientWithPlugins } from './octokit-client.js';

export interface OctokitOptions {
  token: string;
  /** GITHUB_API_URL, e.g. https://api.github.com or https://ghe.example/api/v3. */
  apiUrl: string;
  /** Where retries and rate-limit waits are reported. */
  warn?: (message: string) => void;
  /** Retries of a 5xx answer (default 2). */
  retries?: number;
  /** Longest `retry-after` honoured on a secondary rate limit, in seconds (default 60). */
  maxRetryAfterSeconds?: number;
}

export type GitHubClient = InstanceType<typeof ClientWithPlugins>;

const READ_METHODS = new Set(['GET', 'HEAD']);

/** Holds each write until the one before it has been answered (GitHub asks integrations to write serially). */
function serialiseWrites(client: GitHubClient): GitHubClient {
  let previous: Promise<unknown> = Promise.resolve();
  client.hook.wrap('request', (request, options) => {
    if (READ_METHODS.has(options.method.toUpperCase())) return request(options);
    const turn = previous.then(() => request(options));
    previous = turn.catch(() => undefined);
    return turn;
  });
  return client;
}

export async function createOctokit(options: OctokitOptions): Promise<GitHubClient> {
  const { ClientWithPlugins, getOctokitOptions } = await import('./octokit-client.js');
  const warn = options.warn ?? (() => undefined);
  const maxWait = options.maxRetryAfterSeconds ?? 60;
  const client = new ClientWithPlugins(
    getOctokitOptions(options.token, {
      baseUrl: options.apiUrl.replace(/\/+$/, ''),
      userAgent: 'release-safety',
      retry: { retries: options.retries ?? 2, doNotRetry: [400, 401, 403, 404, 410, 422, 451] },
      throttle: {
        onSecondaryRateLimit: (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
          if (retryCount >= 1 || retryAfter > maxWait) {
            warn(`GitHub's secondary rate limit refused ${request.method} ${request.url} again (retry-after ${retryAfter} s): giving up`);
            return false;
          }
          warn(`GitHub's secondary rate limit: retrying ${request.method} ${request.url} once after ${retryAfter} s`);
          return true;
        },
        onRateLimit: (retryAfter: number, request: { method: string; url: string }) => {
          warn(`GitHub's rate limit is used up for ${request.method} ${request.url} (resets in ${retryAfter} s): not waiting`);
          return false;
        },
      },
    }),
  );
  return serialiseWrites(client);
}
