/**
 * Reading files as a commit has them, with git in the workspace. On a pull request (and a merge
 * group) the files that can suppress findings (audit exceptions, the rules baseline) and what the
 * change is compared with (the base lockfile) are read at the base commit, so a change cannot
 * approve itself: see the audit and rules gates.
 */
import { ToolError } from './errors.js';
import { describeExit, execTool, lastLines } from './exec.js';
import type { Logger } from './log.js';

/** Events whose change is not merged yet: their policy comes from the base commit. */
export const BASE_POLICY_EVENTS = ['pull_request', 'pull_request_target', 'merge_group'];

/** What is read from git by default: policy files are small. */
const MAX_POLICY_BYTES = 4 * 1024 * 1024;

/** git in the workspace; paths given to it are relative to the workspace. */
async function git(workspace: string, args: string[], maxBytes = MAX_POLICY_BYTES): Promise<{ ok: boolean; stdout: string; failure: string }> {
  const r = await execTool('git', ['--literal-pathspecs', '-c', 'core.quotepath=off', ...args], {
    cwd: workspace,
    timeoutMs: 60_000,
    maxBuffer: maxBytes + 1024,
    installHint: 'on pull requests the gates read policy files (exceptions, baselines) and the base lockfile at the base commit with git',
  });
  const ok = !r.timedOut && r.exitCode === 0;
  return { ok, stdout: r.stdout, failure: ok ? '' : `git ${args[0]} ${describeExit(r)}: ${lastLines(r.stderr, 3) || '(no output)'}` };
}

/**
 * The blob of `rel` at commit `rev`: its text, or why there is none to use (absent, a symlink,
 * a directory). Throws ToolError when git cannot answer at all.
 */
export async function readAtCommit(workspace: string, rev: string, rel: string, maxBytes = MAX_POLICY_BYTES): Promise<{ text: string } | { absent: string }> {
  const listed = await git(workspace, ['ls-tree', '-l', '-z', rev, '--', rel]);
  if (!listed.ok) throw new ToolError(`cannot list ${rel} at the base commit ${rev.slice(0, 12)}: ${listed.failure}`);
  const entry = /^(\d+) (\w+) ([0-9a-f]+) +(-|\d+)\t/.exec(listed.stdout.split('\0')[0] ?? '');
  if (!entry) return { absent: `${rel} does not exist at the base commit ${rev.slice(0, 12)}` };
  const [, mode, type, oid, size] = entry;
  // A symlink is a pointer the next commit can move: only a regular file is policy.
  if (type !== 'blob' || mode === '120000') return { absent: `${rel} at the base commit ${rev.slice(0, 12)} is not a regular file (mode ${mode}): not used` };
  if (Number(size) > maxBytes) throw new ToolError(`${rel} at the base commit ${rev.slice(0, 12)} is ${size} bytes, more than the ${maxBytes} this gate reads`);
  const blob = await git(workspace, ['cat-file', 'blob', oid!], maxBytes);
  if (!blob.ok) throw new ToolError(`cannot read ${rel} at the base commit ${rev.slice(0, 12)}: ${blob.failure}`);
  return { text: blob.stdout };
}

/** True when the workspace's git has the commit (a shallow checkout of the merge commit does not). */
export async function hasCommit(workspace: string, rev: string): Promise<boolean> {
  return (await git(workspace, ['cat-file', '-e', `${rev}^{commit}`]).catch(() => ({ ok: false }))).ok;
}

/** A policy file as the base commit has it: its entries, or none with why (absent there, or broken there). */
export interface PolicyAtBase<T> {
  entries: T[];
  notes: string[];
  /** Set when the base commit has no such file. */
  absent?: string;
}

/**
 * Reads and parses a policy file (exceptions, a baseline) at the base commit. A broken base copy
 * applies nothing, with a warning: it must not block the change that fixes it.
 */
export async function policyAtBase<T>(
  workspace: string,
  base: string,
  rel: string,
  parse: (text: string) => T[],
  log: Logger,
  what: { name: string; nothing: string },
): Promise<PolicyAtBase<T>> {
  const atBase = await readAtCommit(workspace, base, rel);
  if ('absent' in atBase) return { entries: [], notes: [], absent: atBase.absent };
  try {
    return { entries: parse(atBase.text), notes: [] };
  } catch (error) {
    log.warning(`${what.name} at the base commit is not usable, so it ${what.nothing}: ${(error as Error).message}`);
    return { entries: [], notes: [`${rel} at the base commit ${base.slice(0, 12)} is not usable, so it ${what.nothing}`] };
  }
}
