/**
 * What to scan, decided from the event payload alone (no API calls), and the git plumbing that
 * proves the checkout can answer it. Every way the range can be unresolvable is an error that says
 * what to change (almost always `fetch-depth: 0` on actions/checkout), never a silent pass.
 */
import { ConfigurationError, ToolError } from '../../core/errors.js';
import { describeExit, execTool, lastLines } from '../../core/exec.js';

export const SECRETS_SCOPES = ['auto', 'range', 'history', 'tree'] as const;
export type SecretsScope = (typeof SECRETS_SCOPES)[number];

export const FETCH_DEPTH_HINT = 'check out the full history: actions/checkout with "fetch-depth: 0"';

/** The event facts the plan needs (a subset of the runner context). */
export interface ScanEvent {
  eventName: string;
  headSha: string;
  baseSha?: string;
  ref?: string;
  forced?: boolean;
  created?: boolean;
  defaultBranch?: string;
}

export type ScanPlan =
  | { kind: 'tree'; description: string }
  | {
      kind: 'commits';
      /** rev-list arguments: commits reachable from the first, minus the ^excluded ones. */
      revs: string[];
      /** Human-readable range, e.g. "abc1234..def5678". */
      range: string;
      description: string;
      /** Said in the summary: how the range was chosen when it was not plain base..head. */
      note?: string;
      base?: string;
      head: string;
      /** A base commit that must be present in the checkout. */
      requireBase?: string;
      /** A ref that must be present (new-branch pushes exclude the default branch). */
      requireRef?: string;
    }
  | { kind: 'nothing'; description: string };

const ZERO = /^0{40}$/;

function short(sha: string): string {
  return sha.slice(0, 12);
}

function rangePlan(base: string, head: string, what: string): ScanPlan {
  return {
    kind: 'commits',
    revs: [head, `^${base}`],
    range: `${short(base)}..${short(head)}`,
    description: `${what}: every commit in ${short(base)}..${short(head)}`,
    base,
    head,
    requireBase: base,
  };
}

function historyPlan(head: string, why: string): ScanPlan {
  return { kind: 'commits', revs: [head], range: `history of ${short(head)}`, description: `${why}: every commit reachable from ${short(head)}`, head };
}

/** Safe for a remote-tracking ref name: git's own rules, minus anything that could read as an option. */
function validBranchName(name: string): boolean {
  return /^[\w./-]+$/.test(name) && !name.startsWith('-') && !name.includes('..') && !name.endsWith('.lock') && !name.endsWith('/') && !name.startsWith('/');
}

/**
 * The scan plan for an event and scope. A push of a new branch scans what is not on the
 * default branch; a forced push whose `before` is gone does the same and says so (decided later
 * by planForcedPush, which needs the repository).
 */
export function planScan(scope: SecretsScope, ev: ScanEvent): ScanPlan {
  if (scope === 'tree') return { kind: 'tree', description: 'the working tree as checked out' };
  if (ZERO.test(ev.headSha)) return { kind: 'nothing', description: 'the branch was deleted: there is nothing to scan' };
  if (scope === 'history') return historyPlan(ev.headSha, 'scope: history');
  const rangeEvents = ['pull_request', 'pull_request_target', 'merge_group', 'push', 'workflow_run'];
  if (!rangeEvents.includes(ev.eventName) || (ev.eventName === 'workflow_run' && !ev.baseSha)) {
    if (scope === 'range') {
      throw new ConfigurationError(
        `input "scope" is range, but a ${ev.eventName} event has no base commit: use scope: range on pull_request, pull_request_target, push or merge_group, or scope: history / tree`,
      );
    }
    return historyPlan(ev.headSha, `${ev.eventName} event`);
  }
  switch (ev.eventName) {
    case 'pull_request':
    case 'pull_request_target':
      return rangePlan(ev.baseSha!, ev.headSha, 'pull request');
    case 'merge_group':
      return rangePlan(ev.baseSha!, ev.headSha, 'merge group');
    case 'workflow_run':
      return rangePlan(ev.baseSha!, ev.headSha, 'workflow_run of a pull request');
    default:
      break;
  }
  // push
  const branch = ev.ref?.startsWith('refs/heads/') ? ev.ref.slice('refs/heads/'.length) : undefined;
  if (ev.created || !ev.baseSha) {
    if (!ev.defaultBranch || !validBranchName(ev.defaultBranch)) {
      throw new ConfigurationError(
        'the push event does not name a usable repository.default_branch, so a new branch cannot be told apart from it: use scope: history',
      );
    }
    if (branch === ev.defaultBranch) return historyPlan(ev.headSha, `first push of the default branch ${ev.defaultBranch}`);
    return newBranchPlan(ev.headSha, ev.defaultBranch, `new branch: the commits not on ${ev.defaultBranch}`);
  }
  return {
    ...rangePlan(ev.baseSha, ev.headSha, ev.forced ? 'forced push' : 'push'),
    ...(ev.forced ? { note: 'forced push: before is reachable, so before..after is scanned' } : {}),
  };
}

export function newBranchPlan(head: string, defaultBranch: string, description: string, note?: string): ScanPlan {
  const ref = `refs/remotes/origin/${defaultBranch}`;
  return {
    kind: 'commits',
    revs: [head, `^${ref}`],
    range: `${short(head)} not on origin/${defaultBranch}`,
    description: `${description}: every commit reachable from ${short(head)} and not from origin/${defaultBranch}`,
    head,
    requireRef: ref,
    ...(note ? { note } : {}),
  };
}

// ---- git ----------------------------------------------------------------------------------

export interface Git {
  (
    args: string[],
    opts?: { timeoutMs?: number; onStdout?: (chunk: string) => void; maxBuffer?: number },
  ): Promise<{ code: number | null; stdout: string; stderr: string; failure: string }>;
}

/** git in one repository, with user configuration that would change diff output neutralised. */
export function gitIn(repo: string, defaultTimeoutMs: number): Git {
  return async (args, opts = {}) => {
    const r = await execTool('git', ['-c', 'core.quotepath=off', '-c', 'diff.noprefix=false', '-c', 'log.showSignature=false', ...args], {
      cwd: repo,
      timeoutMs: opts.timeoutMs ?? defaultTimeoutMs,
      ...(opts.onStdout ? { onStdout: opts.onStdout } : {}),
      maxBuffer: opts.maxBuffer ?? 8 * 1024 * 1024,
      installHint: 'the secrets gate needs git on PATH',
    });
    const ok = !r.timedOut && r.exitCode === 0;
    return {
      code: ok ? 0 : (r.exitCode ?? -1),
      stdout: r.stdout,
      stderr: r.stderr,
      failure: ok ? '' : `git ${args[0]} ${describeExit(r)}: ${lastLines(r.stderr, 3) || '(no output)'}`,
    };
  };
}

/** The checkout cannot answer the scan plan (shallow, base or head missing, git failing): `error`. */
export class UnresolvableRangeError extends ToolError {
  override readonly name = 'UnresolvableRangeError';
}

async function hasCommit(git: Git, rev: string): Promise<boolean> {
  return (await git(['cat-file', '-e', `${rev}^{commit}`])).code === 0;
}

/** Where the gate looks for the repository, for messages. */
export interface RepositoryLocation {
  /** e.g. `the workspace (/home/runner/work/x/x)` or `repository-path "svc" (/home/...)`. */
  label: string;
  /** The action's input that moves it, named in the not-a-checkout message. */
  input?: string;
}

/**
 * Checks that the checkout can answer the plan and settles forced pushes. Throws UnresolvableRangeError
 * (reported as `error`) when it cannot.
 */
export async function resolvePlan(git: Git, plan: ScanPlan, ev: ScanEvent, where: RepositoryLocation = { label: 'the workspace' }): Promise<ScanPlan> {
  if (plan.kind !== 'commits') return plan;
  const inside = await git(['rev-parse', '--is-inside-work-tree']);
  if (inside.code !== 0 || inside.stdout.trim() !== 'true') {
    const moved = where.input
      ? `; if actions/checkout checks out into a subdirectory (its "path" input), set this action's "${where.input}" to the same path`
      : '';
    throw new UnresolvableRangeError(
      `${where.label} is not a git checkout (${inside.failure || 'not a work tree'}): run actions/checkout with "fetch-depth: 0" before this step${moved}`,
    );
  }
  const shallow = await git(['rev-parse', '--is-shallow-repository']);
  if (shallow.code !== 0) throw new UnresolvableRangeError(`cannot tell whether the checkout is shallow: ${shallow.failure}`);
  if (shallow.stdout.trim() === 'true') {
    throw new UnresolvableRangeError(`the checkout is shallow, so the ${plan.range} range cannot be scanned exactly: ${FETCH_DEPTH_HINT}`);
  }
  if (!(await hasCommit(git, plan.head))) {
    throw new UnresolvableRangeError(`the head commit ${plan.head} is not in the checkout: ${FETCH_DEPTH_HINT} and check out the head commit`);
  }
  if (plan.requireBase && !(await hasCommit(git, plan.requireBase))) {
    if (ev.eventName === 'push' && ev.forced && ev.defaultBranch && validBranchName(ev.defaultBranch)) {
      const fallback = newBranchPlan(
        plan.head,
        ev.defaultBranch,
        'forced push',
        `forced push: the previous head ${short(plan.requireBase)} is no longer reachable, so every commit reachable from ${short(plan.head)} and not from origin/${ev.defaultBranch} is scanned`,
      );
      return resolvePlan(git, fallback, ev, where);
    }
    throw new UnresolvableRangeError(
      `the base commit ${plan.requireBase} is not in the checkout, so the ${plan.range} range cannot be resolved: ${FETCH_DEPTH_HINT}`,
    );
  }
  if (plan.requireBase && ev.eventName === 'push' && ev.forced && ev.defaultBranch && validBranchName(ev.defaultBranch)) {
    // before exists but was rewritten away: what is new is what the default branch lacks.
    const ancestor = await git(['merge-base', '--is-ancestor', plan.requireBase, plan.head]);
    if (ancestor.code !== 0) {
      return resolvePlan(
        git,
        newBranchPlan(
          plan.head,
          ev.defaultBranch,
          'forced push',
          `forced push: the previous head ${short(plan.requireBase)} is not an ancestor of ${short(plan.head)}, so every commit reachable from ${short(plan.head)} and not from origin/${ev.defaultBranch} is scanned`,
        ),
        ev,
        where,
      );
    }
  }
  if (plan.requireRef) {
    const ref = await git(['rev-parse', '--verify', '--quiet', `${plan.requireRef}^{commit}`]);
    if (ref.code !== 0) {
      throw new UnresolvableRangeError(
        `${plan.requireRef} is not in the checkout, so the commits new to this branch cannot be told apart: ${FETCH_DEPTH_HINT} (it fetches every branch)`,
      );
    }
  }
  return plan;
}

export async function countCommits(git: Git, plan: Extract<ScanPlan, { kind: 'commits' }>): Promise<number> {
  const r = await git(['rev-list', '--count', ...plan.revs, '--']);
  if (r.code !== 0) throw new UnresolvableRangeError(`cannot list the commits of ${plan.range}: ${r.failure}`);
  return Number.parseInt(r.stdout.trim(), 10);
}
