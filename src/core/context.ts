import { z } from 'zod';
import { ConfigurationError } from './errors.js';
import { readTextOrConfigurationError } from './files.js';
import { commitShaAnyCaseSchema, isRepository, isZeroSha } from './identifiers.js';

/** The events whose payloads the suite understands. Anything else still runs, on GITHUB_SHA. */
export const KNOWN_EVENTS = ['pull_request', 'pull_request_target', 'push', 'merge_group', 'workflow_dispatch', 'workflow_run', 'schedule'] as const;

const sha = commitShaAnyCaseSchema;

const repoRef = z.object({ full_name: z.string() }).passthrough().nullable().optional();

const pullRequestPayload = z
  .object({
    number: z.number().int().positive(),
    pull_request: z
      .object({
        number: z.number().int().positive(),
        head: z.object({ sha, ref: z.string(), repo: repoRef }).passthrough(),
        base: z.object({ sha, ref: z.string(), repo: repoRef }).passthrough(),
        merge_commit_sha: sha.nullable().optional(),
        html_url: z.string().optional(),
      })
      .passthrough(),
  })
  .passthrough();

const pushPayload = z
  .object({
    before: sha,
    after: sha,
    ref: z.string(),
    created: z.boolean().optional(),
    deleted: z.boolean().optional(),
    forced: z.boolean().optional(),
    repository: z.object({ default_branch: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();

const mergeGroupPayload = z
  .object({
    merge_group: z.object({ head_sha: sha, base_sha: sha, head_ref: z.string(), base_ref: z.string() }).passthrough(),
  })
  .passthrough();

const workflowRunPayload = z
  .object({
    workflow_run: z
      .object({
        head_sha: sha,
        head_branch: z.string().nullable().optional(),
        id: z.number().optional(),
        event: z.string().optional(),
        pull_requests: z
          .array(z.object({ number: z.number().int().positive(), base: z.object({ sha: sha.optional() }).passthrough().optional() }).passthrough())
          .optional(),
        head_repository: repoRef,
        repository: repoRef,
      })
      .passthrough(),
  })
  .passthrough();

export interface RunnerContext {
  eventName: string;
  repository: string;
  serverUrl: string;
  apiUrl: string;
  /** The commit the change is about: the PR head SHA on pull requests (never the merge SHA). */
  headSha: string;
  /** The commit the change is compared with, when the event has one. */
  baseSha?: string;
  /** GITHUB_SHA when it differs from headSha (the test merge commit of a pull_request run). */
  mergeSha?: string;
  ref: string;
  headRef?: string;
  baseRef?: string;
  prNumber?: number;
  defaultBranch?: string;
  /** push only: GitHub marks force pushes and new branches. */
  forced?: boolean;
  created?: boolean;
  /** The PR comes from another repository: the token is read-only. */
  isFork: boolean;
  runId?: string;
  runAttempt?: string;
  runUrl?: string;
  workspace: string;
  runnerTemp: string;
  toolCache: string;
}

function requireEnv(env: NodeJS.ProcessEnv, name: string, form: string): string {
  const value = env[name];
  if (!value) throw new ConfigurationError(`environment variable ${name} is not set: expected ${form} (the GitHub runner sets it)`);
  return value;
}

function parsePayload<T extends z.ZodType>(schema: T, payload: unknown, eventName: string, path: string): z.infer<T> {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.join('.') || '(root)';
  throw new ConfigurationError(`event payload ${path} is not a valid ${eventName} event: field "${where}" ${issue?.message ?? 'is invalid'}`);
}

export function readEventPayload(path: string | undefined): unknown {
  if (!path) return {};
  const text = readTextOrConfigurationError(path, `GITHUB_EVENT_PATH ${path}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ConfigurationError(`GITHUB_EVENT_PATH ${path} is not JSON: expected the webhook payload the runner writes`);
  }
}

/** Builds the runner context from GITHUB_* variables and the event payload; validates both. */
export function buildContext(env: NodeJS.ProcessEnv): RunnerContext {
  const eventName = env.GITHUB_EVENT_NAME || 'workflow_dispatch';
  const repository = requireEnv(env, 'GITHUB_REPOSITORY', 'owner/name');
  if (!isRepository(repository)) {
    throw new ConfigurationError(`GITHUB_REPOSITORY "${repository}" is not of the form owner/name`);
  }
  const githubSha = requireEnv(env, 'GITHUB_SHA', 'a 40-character commit SHA');
  if (!sha.safeParse(githubSha).success) throw new ConfigurationError(`GITHUB_SHA "${githubSha}" is not a 40-character hex SHA`);
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const apiUrl = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  const eventPath = env.GITHUB_EVENT_PATH;
  const payload = readEventPayload(eventPath);
  const runId = env.GITHUB_RUN_ID || undefined;
  const ctx: RunnerContext = {
    eventName,
    repository,
    serverUrl,
    apiUrl,
    headSha: githubSha.toLowerCase(),
    ref: env.GITHUB_REF || '',
    isFork: false,
    runId,
    runAttempt: env.GITHUB_RUN_ATTEMPT || undefined,
    runUrl: runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : undefined,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    runnerTemp: env.RUNNER_TEMP || '',
    toolCache: env.RUNNER_TOOL_CACHE || '',
  };
  const where = eventPath ?? '(none)';
  switch (eventName) {
    case 'pull_request':
    case 'pull_request_target': {
      const p = parsePayload(pullRequestPayload, payload, eventName, where);
      const pr = p.pull_request;
      ctx.headSha = pr.head.sha.toLowerCase();
      ctx.baseSha = pr.base.sha.toLowerCase();
      ctx.prNumber = pr.number;
      ctx.headRef = pr.head.ref;
      ctx.baseRef = pr.base.ref;
      // pull_request runs on the test merge commit; pull_request_target on the base branch.
      if (eventName === 'pull_request' && githubSha.toLowerCase() !== ctx.headSha) ctx.mergeSha = githubSha.toLowerCase();
      ctx.isFork = !pr.head.repo || pr.head.repo.full_name !== (pr.base.repo?.full_name ?? repository);
      break;
    }
    case 'push': {
      const p = parsePayload(pushPayload, payload, eventName, where);
      ctx.headSha = p.after.toLowerCase();
      if (!isZeroSha(p.before)) ctx.baseSha = p.before.toLowerCase();
      ctx.ref = p.ref;
      ctx.forced = p.forced ?? false;
      ctx.created = p.created ?? isZeroSha(p.before);
      ctx.defaultBranch = p.repository?.default_branch;
      break;
    }
    case 'merge_group': {
      const p = parsePayload(mergeGroupPayload, payload, eventName, where);
      ctx.headSha = p.merge_group.head_sha.toLowerCase();
      ctx.baseSha = p.merge_group.base_sha.toLowerCase();
      ctx.headRef = p.merge_group.head_ref;
      ctx.baseRef = p.merge_group.base_ref;
      break;
    }
    case 'workflow_run': {
      const p = parsePayload(workflowRunPayload, payload, eventName, where);
      const run = p.workflow_run;
      ctx.headSha = run.head_sha.toLowerCase();
      ctx.headRef = run.head_branch ?? undefined;
      const pr = run.pull_requests?.[0];
      if (pr) {
        ctx.prNumber = pr.number;
        if (pr.base?.sha) ctx.baseSha = pr.base.sha.toLowerCase();
      }
      // A run from a fork lists no pull requests and its head repository differs.
      ctx.isFork = Boolean(run.head_repository && run.repository && run.head_repository.full_name !== run.repository.full_name);
      break;
    }
    default:
      // workflow_dispatch, schedule and unknown events: the checked-out commit is the subject.
      break;
  }
  return ctx;
}
