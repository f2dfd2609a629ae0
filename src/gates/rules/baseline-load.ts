/**
 * Part of the rules gate's collect phase: which baseline applies. On a pull request (and a merge
 * group) it is the baseline file as the BASE commit has it: a change that adds its own findings to
 * the file is judged by the baseline it merges into, and its edits are shown as "applied after
 * merge". Elsewhere (push, schedule, dispatch) the checkout's copy is used. A file outside the
 * repository (RUNNER_TEMP) is part of no commit and is used as it is.
 */
import { existsSync } from 'node:fs';
import { ConfigurationError, ToolError } from '../../core/errors.js';
import { readTextOrConfigurationError } from '../../core/files.js';
import { hasCommit, policyAtBase } from '../../core/git.js';
import { parseRulesBaseline, rulesFingerprint, type BaselineEntry, type BaselineInForce } from './baseline.js';
import type { Logger } from '../../core/log.js';

export interface BaselineFile {
  /** Absolute path in the checkout. */
  path: string;
  /** Repository path (`/`-separated) when the file is inside the repository. */
  rel?: string;
  /** As messages show it. */
  shown: string;
  /** Named in input "baseline": then the checkout must have it. */
  explicit: boolean;
}

const sameEntry = (a: BaselineEntry, b: BaselineEntry) => rulesFingerprint(a) === rulesFingerprint(b) && a.expires === b.expires;

function checkoutEntries(file: BaselineFile): BaselineEntry[] | undefined {
  if (!existsSync(file.path)) {
    if (file.explicit)
      throw new ConfigurationError(
        `input "baseline" names ${file.shown}, which does not exist: write it with "npx release-safety baseline rules --out ${file.shown}"`,
      );
    return undefined;
  }
  return parseRulesBaseline(readTextOrConfigurationError(file.path, `rules baseline ${file.shown}`), file.shown);
}

/**
 * The baseline in force, or undefined when there is none anywhere. `base` is the base commit of a
 * pull request or merge group (undefined elsewhere). The checkout's copy is always parsed first,
 * so a malformed file is a configuration error whatever the event.
 */
export async function baselineInForce(
  file: BaselineFile,
  base: string | undefined,
  workspace: string,
  log: Logger,
  now: Date,
): Promise<BaselineInForce | undefined> {
  const checkout = checkoutEntries(file);
  const shown = file.shown;
  if (base === undefined) return checkout ? { shown, entries: checkout, afterMerge: [], notes: [], now } : undefined;
  if (file.rel === undefined) {
    return checkout
      ? { shown, entries: checkout, afterMerge: [], notes: [`${shown} is outside the repository, so it is part of no commit and is used as it is`], now }
      : undefined;
  }
  const short = base.slice(0, 12);
  if (!(await hasCommit(workspace, base))) {
    if (!checkout) return undefined;
    throw new ToolError(
      `on a pull request the rules baseline is read from the base commit ${short}, which is not in the checkout, so which findings are baselined cannot be told: check out the history (actions/checkout with "fetch-depth: 0")`,
    );
  }
  const rel = file.rel;
  const atBase = await policyAtBase(workspace, base, rel, (text) => parseRulesBaseline(text, rel), log, {
    name: 'the rules baseline',
    nothing: 'baselines nothing',
  });
  if (atBase.absent !== undefined && !checkout) return undefined;
  const { entries, notes } = atBase;
  if (atBase.absent !== undefined) notes.push(`${atBase.absent}, so no finding is baselined until it is merged`);
  const afterMerge = (checkout ?? []).filter((e) => !entries.some((b) => sameEntry(b, e)));
  return { shown, entries, from: base, afterMerge, notes, now };
}
