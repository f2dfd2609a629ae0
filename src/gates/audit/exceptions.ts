/**
 * Which exceptions the audit gate obeys. On a pull request (and a merge group) they are the
 * exceptions file as the BASE commit has it: a change that adds its own advisories to the file
 * (`owner: anyone, expires: 2099-12-31`) is judged by the rules it merges into, and its edits are
 * shown as "applied after merge". Elsewhere (push, schedule, dispatch) the checkout's copy is used.
 * A file outside the repository (RUNNER_TEMP) is part of no commit and is used as it is.
 *
 * The same goes for a `.npmrc` in the repository that points the advisory query at another
 * server: on a pull request, a registry the change itself set is a registry the change chose to
 * judge it, so the gate cannot judge (see `npmrcChangedByChange`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { ToolError } from '../../core/errors.js';
import { loadExceptions, parseExceptions, type ExceptionEntry } from '../../core/exceptions.js';
import { execTool, describeExit, lastLines } from '../../core/exec.js';
import type { Logger } from '../../core/log.js';

/** Events whose change is not merged yet: their policy comes from the base commit. */
export const BASE_POLICY_EVENTS = ['pull_request', 'pull_request_target', 'merge_group'];

export interface ExceptionsFile {
  /** Absolute path in the checkout. */
  path: string;
  /** Repository path (`/`-separated) when the file is inside the repository; undefined outside it. */
  rel?: string;
  /** As messages show it. */
  shown: string;
  /** Named in input "exceptions-file": then the checkout must have it. */
  explicit: boolean;
}

export interface ExceptionsInForce {
  /** The entries that may suppress findings. */
  entries: ExceptionEntry[];
  /** The commit they were read from; undefined = the checkout. */
  from?: string;
  /** Entries the change adds or edits: shown, applied only after merge. */
  afterMerge: ExceptionEntry[];
  /** Said in the summary. */
  notes: string[];
}

const MAX_EXCEPTIONS_BYTES = 4 * 1024 * 1024;

/** git in the workspace; paths given to it are relative to the workspace. */
async function git(workspace: string, args: string[], maxBytes = MAX_EXCEPTIONS_BYTES): Promise<{ ok: boolean; stdout: string; failure: string }> {
  const r = await execTool('git', ['--literal-pathspecs', '-c', 'core.quotepath=off', ...args], { cwd: workspace, timeoutMs: 60_000, maxBuffer: maxBytes + 1024, installHint: 'on pull requests the audit gate reads the exceptions file (and, for advisories: introduced, the lockfile) at the base commit with git' });
  const ok = !r.timedOut && r.exitCode === 0;
  return { ok, stdout: r.stdout, failure: ok ? '' : `git ${args[0]} ${describeExit(r)}: ${lastLines(r.stderr, 3) || '(no output)'}` };
}

/**
 * The blob of `rel` at commit `rev`: its text, or why there is none to use (absent, a symlink,
 * a directory). Throws ToolError when git cannot answer at all.
 */
export async function readAtCommit(workspace: string, rev: string, rel: string, maxBytes = MAX_EXCEPTIONS_BYTES): Promise<{ text: string } | { absent: string }> {
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

const sameEntry = (a: ExceptionEntry, b: ExceptionEntry) => a.kind === b.kind && a.key.toLowerCase() === b.key.toLowerCase() && a.expires === b.expires && a.owner === b.owner && a.reason === b.reason && a.gate === b.gate;

/**
 * The exceptions in force for this run. `base` is the base commit of a pull request or merge
 * group (undefined elsewhere). The checkout's copy is always parsed first, so a malformed file is
 * a configuration error whatever the event.
 */
export async function exceptionsInForce(file: ExceptionsFile, base: string | undefined, workspace: string, log: Logger): Promise<ExceptionsInForce> {
  const checkout = loadExceptions(file.path, file.explicit, file.shown);
  if (base === undefined) return { entries: checkout, afterMerge: [], notes: [] };
  const short = base.slice(0, 12);
  if (file.rel === undefined) {
    return { entries: checkout, afterMerge: [], notes: [`${file.shown} is outside the repository, so it is part of no commit and is used as it is`] };
  }
  if (!(await hasCommit(workspace, base))) {
    if (!existsSync(file.path)) {
      return { entries: [], afterMerge: [], notes: [`the base commit ${short} is not in the checkout and the change has no ${file.shown}: no exception applies`] };
    }
    throw new ToolError(
      `on a pull request the exceptions are read from the base commit ${short}, which is not in the checkout, so which exceptions apply cannot be told: check out the history (actions/checkout with "fetch-depth: 0")`,
    );
  }
  const atBase = await readAtCommit(workspace, base, file.rel);
  let entries: ExceptionEntry[] = [];
  const notes: string[] = [];
  if ('absent' in atBase) {
    notes.push(atBase.absent);
  } else {
    try {
      entries = parseExceptions(atBase.text, file.rel);
    } catch (error) {
      // A broken base copy suppresses nothing; it must not block the change that fixes it.
      log.warning(`the exceptions file at the base commit is not usable, so it suppresses nothing: ${(error as Error).message}`);
      notes.push(`${file.rel} at the base commit ${short} is not usable, so it suppresses nothing`);
    }
  }
  const afterMerge = checkout.filter((e) => !entries.some((b) => sameEntry(b, e)));
  return { entries, from: base, afterMerge, notes };
}

/** The value of the first unscoped `registry =` line of an npmrc text (npm's ini form). */
export function npmrcRegistry(text: string): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*registry\s*=\s*(.*?)\s*$/.exec(line);
    if (m) return m[1]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return undefined;
}

const normalisedRegistry = (u: string | undefined) => (u === undefined ? undefined : u.trim().toLowerCase().replace(/\/*$/, '/'));

/**
 * On a pull request: does the repository `.npmrc` that sets the registry set it differently at the
 * base commit (or not exist there)? Then the change under review picked the server whose answer
 * decides it.
 */
export async function npmrcChangedByChange(workspace: string, base: string, rel: string, checkoutPath: string): Promise<boolean> {
  const now = existsSync(checkoutPath) ? npmrcRegistry(readFileSync(checkoutPath, 'utf8')) : undefined;
  if (!(await hasCommit(workspace, base))) return true;
  const atBase = await readAtCommit(workspace, base, rel);
  const before = 'text' in atBase ? npmrcRegistry(atBase.text) : undefined;
  return normalisedRegistry(before) !== normalisedRegistry(now);
}
