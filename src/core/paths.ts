import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { globSync } from 'tinyglobby';
import { ConfigurationError } from './errors.js';

/**
 * Where path inputs and globbed files may lead: the workspace, plus RUNNER_TEMP (where other steps
 * put downloaded artifacts and reports). Everything is compared after realpath, so a symlink in a
 * pull request cannot point a gate at `/`, `/etc` or `/proc/self/environ`.
 */
export interface PathRoots {
  workspace: string;
  /** Further allowed roots, e.g. RUNNER_TEMP. */
  others?: readonly string[];
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** True when `child` is `parent` or below it. A name such as `..foo` is below, not above. */
export function isWithin(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/** The realpath of `path` when it resolves inside one of the roots (also realpath'd), else undefined. */
export function realpathInside(path: string, roots: PathRoots): string | undefined {
  const real = realOrSelf(path);
  const allowed = [roots.workspace, ...(roots.others ?? [])].filter((r) => r !== '').map(realOrSelf);
  return allowed.some((root) => isWithin(root, real)) ? real : undefined;
}

function rootsOf(workspace: string | PathRoots): PathRoots {
  return typeof workspace === 'string' ? { workspace } : workspace;
}

// Symlinks are followed before the check, so a link inside the repository to /etc is outside too.
function outside(input: string, value: string, what: string): ConfigurationError {
  return new ConfigurationError(
    `input "${input}" names ${JSON.stringify(value)}, which is outside the repository: give the ${what} relative to the repository root`,
  );
}

/** Resolves a directory input against the workspace; it must exist and (after realpath) stay inside the allowed roots. */
export function resolveDirectoryInput(input: string, value: string, workspace: string | PathRoots): string {
  const roots = rootsOf(workspace);
  const dir = isAbsolute(value) ? value : resolve(roots.workspace, value);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ConfigurationError(`input "${input}" names ${JSON.stringify(value)}, which is not a directory: give a directory relative to the repository root`);
  }
  if (realpathInside(dir, roots) === undefined) throw outside(input, value, 'directory');
  return dir;
}

/**
 * Resolves a file input against the workspace, as resolveDirectoryInput does for directories: it
 * must be a file, and neither the path nor a symlink on it may lead out of the allowed roots.
 * `what` names the file in messages ("Dockerfile path").
 */
export function resolveFileInput(input: string, value: string, workspace: string | PathRoots, what = 'file path'): string {
  const roots = rootsOf(workspace);
  const file = isAbsolute(value) ? value : resolve(roots.workspace, value);
  if (!isWithin(roots.workspace, file) && !(roots.others ?? []).some((r) => r !== '' && isWithin(r, file)) && realpathInside(file, roots) === undefined) {
    throw outside(input, value, what);
  }
  if (!existsSync(file)) {
    throw new ConfigurationError(`input "${input}" names ${JSON.stringify(value)}, which does not exist: give the ${what} relative to the repository root`);
  }
  if (realpathInside(file, roots) === undefined) throw outside(input, value, what);
  if (!statSync(file).isFile()) {
    throw new ConfigurationError(`input "${input}" names ${JSON.stringify(value)}, which is not a file: give the ${what} relative to the repository root`);
  }
  return file;
}

/**
 * A glob pattern given in an input must stay inside the repository: absolute patterns and patterns
 * that climb out (`../x/*.xml`) are configuration errors naming the input.
 */
export function checkGlobPattern(input: string, pattern: string): void {
  const body = pattern.startsWith('!') ? pattern.slice(1) : pattern;
  const parts = body.split(/[\\/]+/);
  if (isAbsolute(body) || /^[A-Za-z]:/.test(body) || parts.includes('..')) {
    throw new ConfigurationError(
      `input "${input}" has the pattern ${JSON.stringify(pattern)}, which leads outside the repository: give globs relative to the repository root, without ".." segments`,
    );
  }
}

export interface GlobInsideOptions {
  cwd: string;
  roots: PathRoots;
  ignore?: string[];
  /** Patterns to drop (`!x`), added to the positive ones. */
  dot?: boolean;
}

/**
 * Files matching the globs, never following directory symlinks, each resolved with realpath and
 * kept only when it lies inside the roots; a file reached twice (a symlink to another matched
 * file) is counted once. Returns absolute paths as matched (not realpaths), sorted.
 */
export function globInside(patterns: readonly string[], opts: GlobInsideOptions): string[] {
  if (patterns.length === 0) return [];
  const matches = globSync([...patterns], {
    cwd: opts.cwd,
    absolute: true,
    dot: opts.dot ?? true,
    onlyFiles: true,
    followSymbolicLinks: false,
    expandDirectories: false,
    ignore: opts.ignore ?? [],
  }).sort();
  const seen = new Set<string>();
  const out: string[] = [];
  for (const match of matches) {
    const real = realpathInside(match, opts.roots);
    if (real === undefined || seen.has(real)) continue;
    try {
      if (!statSync(real).isFile()) continue;
    } catch {
      continue;
    }
    seen.add(real);
    out.push(match);
  }
  return out;
}
