/**
 * `advisories: introduced`: judge only what the change brings in, as dependency-review-action
 * does, against the lockfile of the base commit (read from git, as the exceptions are).
 *
 *   collect  baseLockfile: the base commit's lockfile, or why there is none to compare with
 *   judge    splitByBase (pure): each vulnerable installed copy is introduced unless the base
 *            already installed the same package version for the same dependents
 *
 * A copy counts as existing on the base only when the base lockfile has the same name and version,
 * every package that depends on it in the change also depended on it on the base, and it was
 * already shipped (not dev-only) when it is shipped now. So an upgrade into another vulnerable
 * version, a new package that pulls in an old vulnerable copy (a new dependency path), and a
 * dev-only package that becomes a runtime one are all introduced. Advisories are today's for both
 * sides: one published since the base against a package the base already had is existing.
 */
import { ToolError } from '../../core/errors.js';
import { hasCommit, readAtCommit } from '../../core/git.js';
import { dependentsByLocation, nameAtLocation, parseLockfile, type Lockfile } from './lockfile.js';
import type { VulnFinding } from './model.js';

/** A lockfile can be large; this bounds what is read from git. */
const MAX_LOCKFILE_BYTES = 256 * 1024 * 1024;

export type BaseLockfile = { lock: Lockfile; commit: string } | { none: string; commit: string };

/**
 * The lockfile at `rel` as the base commit has it. A base commit missing from the checkout is a
 * ToolError (nothing can be compared); a lockfile absent or unreadable at the base makes every
 * finding introduced, and says why.
 */
export async function baseLockfile(workspace: string, base: string, rel: string): Promise<BaseLockfile> {
  const short = base.slice(0, 12);
  if (!(await hasCommit(workspace, base))) {
    throw new ToolError(
      `advisories: introduced compares with the lockfile of the base commit ${short}, which is not in the checkout, so what the change introduces cannot be told: check out the history (actions/checkout with "fetch-depth: 0")`,
    );
  }
  const atBase = await readAtCommit(workspace, base, rel, MAX_LOCKFILE_BYTES);
  if ('absent' in atBase) return { none: `${atBase.absent}: every advisory counts as introduced`, commit: base };
  try {
    return { lock: parseLockfile(atBase.text, `${rel} at the base commit ${short}`), commit: base };
  } catch (error) {
    return { none: `${(error as Error).message}: every advisory counts as introduced`, commit: base };
  }
}

interface BaseCopies {
  dependents: Set<string>;
  /** Some copy of this name@version is installed for runtime on the base. */
  shipped: boolean;
}

/** name@version -> who depends on any copy of it on the base, and whether one ships. */
function copiesByVersion(lock: Lockfile): Map<string, BaseCopies> {
  const dependents = dependentsByLocation(lock);
  const out = new Map<string, BaseCopies>();
  for (const [loc, pkg] of Object.entries(lock.packages)) {
    if (loc === '' || pkg.link || !loc.includes('node_modules/') || pkg.version === undefined) continue;
    const key = `${nameAtLocation(loc)}@${pkg.version}`;
    const seen = out.get(key) ?? { dependents: new Set<string>(), shipped: false };
    for (const d of dependents.get(loc) ?? []) seen.dependents.add(d);
    seen.shipped ||= pkg.dev !== true;
    out.set(key, seen);
  }
  return out;
}

export interface SplitFindings {
  introduced: VulnFinding[];
  existing: VulnFinding[];
}

/**
 * Pure: which vulnerable copies (one finding per installed copy and advisory, before copies are
 * merged) the change introduces against the base lockfile. A finding the head lockfile cannot
 * place is introduced: what cannot be compared is judged.
 */
export function splitByBase(findings: readonly VulnFinding[], head: Lockfile, base: Lockfile): SplitFindings {
  const headDependents = dependentsByLocation(head);
  const atBase = copiesByVersion(base);
  const out: SplitFindings = { introduced: [], existing: [] };
  for (const f of findings) {
    const entry = f.location === undefined ? undefined : head.packages[f.location];
    const version = entry?.version;
    const baseCopies = f.location !== undefined && version !== undefined ? atBase.get(`${nameAtLocation(f.location)}@${version}`) : undefined;
    const sameDependents = baseCopies !== undefined && [...(headDependents.get(f.location!) ?? [])].every((d) => baseCopies.dependents.has(d));
    const shippedBefore = baseCopies !== undefined && (f.dev || baseCopies.shipped);
    (sameDependents && shippedBefore ? out.existing : out.introduced).push(f);
  }
  return out;
}
