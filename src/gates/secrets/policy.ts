/**
 * What the scan obeys: the gitleaks config, `.gitleaksignore`, the baseline and the exceptions
 * file. On a range scan (pull request, push, merge group) they are read from the BASE commit, so
 * a change cannot approve itself: a pull request that adds a key together with an ignore entry,
 * a long-lived exception, a baseline entry or a weaker config is judged by the rules it is
 * merging into. Its own edits apply once merged. Files outside the repository (and a config given
 * in GITLEAKS_CONFIG_TOML) are not part of any commit and are used as they are.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError, ToolError } from '../../core/errors.js';
import { parseExceptions, type ExceptionEntry } from '../../core/exceptions.js';
import { parseBaseline, parseGitleaksIgnore, readBaseline, readGitleaksIgnore } from './report.js';
import type { Logger } from '../../core/log.js';
import type { Git } from './range.js';

/** The suppression and config files as the checkout has them, and where they live in the repository. */
export interface PolicyFiles {
  /** The gitleaks config chosen in the checkout (absolute); undefined = gitleaks' default rules (or GITLEAKS_CONFIG_TOML). */
  configPath?: string;
  configSource: string;
  /**
   * Repository path of the config to read at the base commit: the named config when it is inside
   * the repository, `.gitleaks.toml` when none was named (gitleaks' own discovery). Undefined:
   * the config is not in the repository and is used as it is.
   */
  configRel?: string;
  /** The checkout's `.gitleaksignore` (absolute; may not exist). Always `.gitleaksignore` in the repository. */
  gitleaksIgnorePath: string;
  baselinePath?: string;
  baselineRel?: string;
  /** Parsed from the checkout by the entry point. */
  exceptions: readonly ExceptionEntry[];
  /** Repository path of the exceptions file, when it is inside the repository. */
  exceptionsRel?: string;
}

export interface AppliedPolicy {
  configPath?: string;
  configSource: string;
  ignore: Set<string>;
  baseline: Set<string>;
  exceptions: readonly ExceptionEntry[];
  /** The commit the policy was read from; undefined = the checkout. */
  from?: string;
  /** Policy files whose copy at the head commit differs from the one applied. */
  changedInRange: string[];
  /** Said in the summary. */
  notes: string[];
}

export const GITLEAKSIGNORE = '.gitleaksignore';

/** The policy as the checkout has it (history and tree scans). */
export function checkoutPolicy(p: PolicyFiles): AppliedPolicy {
  return {
    ...(p.configPath ? { configPath: p.configPath } : {}),
    configSource: p.configSource,
    ignore: readGitleaksIgnore(p.gitleaksIgnorePath),
    baseline: p.baselinePath ? readBaseline(p.baselinePath) : new Set(),
    exceptions: p.exceptions,
    changedInRange: [],
    notes: [],
  };
}

interface TreeEntry {
  mode: string;
  type: string;
  oid: string;
  size: number;
}

const MAX_POLICY_BYTES = 256 * 1024 * 1024;

/** Entries of `paths` in the tree of `rev`; a path absent there is absent from the map. */
async function lsTree(git: Git, rev: string, paths: readonly string[]): Promise<Map<string, TreeEntry>> {
  const r = await git(['ls-tree', '-l', '-z', '--full-tree', rev, '--', ...paths]);
  if (r.code !== 0) throw new PolicyReadError(`cannot list ${paths.join(', ')} at ${rev}: ${r.failure}`);
  const out = new Map<string, TreeEntry>();
  for (const record of r.stdout.split('\0')) {
    const m = /^(\d+) (\w+) ([0-9a-f]+) +(-|\d+)\t(.*)$/s.exec(record);
    if (m) out.set(m[5]!, { mode: m[1]!, type: m[2]!, oid: m[3]!, size: m[4] === '-' ? 0 : Number(m[4]) });
  }
  return out;
}

/** A policy file at the base commit could not be read: the gate cannot judge. */
export class PolicyReadError extends ToolError {
  override readonly name = 'PolicyReadError';
}

/**
 * The policy as the commit `rev` has it. The range (`revs`, ending at `head`) is checked for
 * changes to the same files, so the summary can say that those changes wait for the merge.
 */
export async function policyAt(
  p: PolicyFiles,
  git: Git,
  rev: string,
  head: string,
  revs: readonly string[],
  scratch: string,
  log: Logger,
): Promise<AppliedPolicy> {
  const wanted = [...new Set([p.configRel, GITLEAKSIGNORE, p.baselineRel, p.exceptionsRel].filter((x): x is string => x !== undefined))];
  const [atBase, atHead] = await Promise.all([lsTree(git, rev, wanted), lsTree(git, head, wanted)]);
  const notes: string[] = [];
  const short = rev.length === 40 ? rev.slice(0, 12) : rev;

  const read = async (rel: string): Promise<string | undefined> => {
    const e = atBase.get(rel);
    if (!e) return undefined;
    if (e.type !== 'blob' || e.mode === '120000') {
      notes.push(`${rel} at ${short} is not a regular file (mode ${e.mode}): not used`);
      return undefined;
    }
    if (e.size > MAX_POLICY_BYTES) throw new PolicyReadError(`${rel} at ${short} is ${e.size} bytes, more than the ${MAX_POLICY_BYTES} this gate reads`);
    const r = await git(['cat-file', 'blob', e.oid], { maxBuffer: MAX_POLICY_BYTES });
    if (r.code !== 0) throw new PolicyReadError(`cannot read ${rel} at ${short}: ${r.failure}`);
    return r.stdout;
  };

  let configPath = p.configPath;
  let configSource = p.configSource;
  if (p.configRel !== undefined) {
    const text = await read(p.configRel);
    if (text === undefined) {
      configPath = undefined;
      configSource = "gitleaks' default rules";
      if (p.configPath) notes.push(`${p.configRel} does not exist at the base commit ${short}: gitleaks' default rules apply`);
    } else {
      configPath = join(scratch, 'base-config.toml');
      writeFileSync(configPath, text);
      configSource = `${p.configRel} at ${short}`;
    }
  }

  const ignoreText = await read(GITLEAKSIGNORE);
  const ignore = ignoreText === undefined ? new Set<string>() : parseGitleaksIgnore(ignoreText);

  let baseline = new Set<string>();
  if (p.baselineRel !== undefined) {
    const text = await read(p.baselineRel);
    if (text !== undefined) {
      try {
        baseline = parseBaseline(text, `${p.baselineRel} at ${short}`);
      } catch (error) {
        if (!(error instanceof ConfigurationError)) throw error;
        // A broken base copy suppresses nothing; it must not block the change that fixes it.
        log.warning(`the baseline at the base commit is not usable, so it suppresses nothing: ${error.message}`);
      }
    }
  } else if (p.baselinePath) {
    baseline = readBaseline(p.baselinePath);
  }

  let exceptions: readonly ExceptionEntry[] = p.exceptions;
  if (p.exceptionsRel !== undefined) {
    const text = await read(p.exceptionsRel);
    exceptions = [];
    if (text !== undefined) {
      try {
        exceptions = parseExceptions(text, p.exceptionsRel);
      } catch (error) {
        if (!(error instanceof ConfigurationError)) throw error;
        log.warning(`the exceptions file at the base commit is not usable, so it suppresses nothing: ${error.message}`);
      }
    }
  }

  // Changed in the range: the head's copy differs from the base's AND a commit of the range
  // touches it (a base that moved on after the branch was cut is not the range's doing).
  let changedInRange = wanted.filter((rel) => atBase.get(rel)?.oid !== atHead.get(rel)?.oid);
  if (changedInRange.length > 0) {
    const touched = await git(['--literal-pathspecs', 'log', '--format=', '--name-only', '--no-renames', ...revs, '--', ...changedInRange]);
    if (touched.code !== 0) throw new PolicyReadError(`cannot tell which commits change ${changedInRange.join(', ')}: ${touched.failure}`);
    const names = new Set(touched.stdout.split('\n').filter((l) => l !== ''));
    changedInRange = changedInRange.filter((rel) => names.has(rel));
  }
  return { ...(configPath ? { configPath } : {}), configSource, ignore, baseline, exceptions, from: rev, changedInRange, notes };
}
