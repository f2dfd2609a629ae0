/**
 * `@actions/github`'s client with the retry and throttling plugins, in a module of its own so that
 * ./octokit.ts can load it on first use (the bundler makes it a chunk beside index.js).
 */
import { GitHub, getOctokitOptions } from '@actions/github/lib/utils';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

export const ClientWithPlugins = GitHub.plugin(retry, throttling);
export { getOctokitOptions };
