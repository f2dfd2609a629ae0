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
import { hasCommit, policyAtBase, readAtCommit } from '../../core/git.js';
import type { Logger } from '../../core/log.js';

/** Events whose change is not merged yet: their policy comes from the base commit (re-exported for the audit entry point). */
export { BASE_POLICY_EVENTS } from '../../core/git.js';

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

const sameEntry = (a: ExceptionEntry, b: ExceptionEntry) =>
  a.kind === b.kind &&
  a.key.toLowerCase() === b.key.toLowerCase() &&
  a.expires === b.expires &&
  a.owner === b.owner &&
  a.reason === b.reason &&
  a.gate === b.gate;

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
      return {
        entries: [],
        afterMerge: [],
        notes: [`the base commit ${short} is not in the checkout and the change has no ${file.shown}: no exception applies`],
      };
    }
    throw new ToolError(
      `on a pull request the exceptions are read from the base commit ${short}, which is not in the checkout, so which exceptions apply cannot be told: check out the history (actions/checkout with "fetch-depth: 0")`,
    );
  }
  const rel = file.rel;
  const atBase = await policyAtBase(workspace, base, rel, (text) => parseExceptions(text, rel), log, {
    name: 'the exceptions file',
    nothing: 'suppresses nothing',
  });
  const { entries, notes } = atBase;
  if (atBase.absent !== undefined) notes.push(atBase.absent);
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
