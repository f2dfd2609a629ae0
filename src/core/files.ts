import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { globSync } from 'tinyglobby';
import { ConfigurationError, errorMessage } from './errors.js';
import { sha256FileSync } from './hash.js';

/** Kept for its callers; the one implementation is in hash.ts. */
export const sha256File = sha256FileSync;

/** sha256 of the first config file that exists, for the evidence record's tool.configSha256. */
export function hashFirstExisting(dir: string, names: readonly string[]): string | undefined {
  for (const name of names) {
    const path = join(dir, name);
    if (existsSync(path) && statSync(path).isFile()) return sha256File(path);
  }
  return undefined;
}

/**
 * Files matching the globs under cwd that were written at or after `sinceMs`: a report left by an
 * earlier run must never stand in for this one.
 */
export function freshFiles(globs: readonly string[], cwd: string, sinceMs: number): string[] {
  if (globs.length === 0) return [];
  const matches = globSync([...globs], { cwd, absolute: true, dot: true, onlyFiles: true, ignore: ['**/node_modules/**'] });
  // Filesystem timestamps can be coarser than the clock: allow one second of slack.
  return matches.filter((p) => statSync(p).mtimeMs >= sinceMs - 1000).sort();
}

/**
 * The project's own executable: node_modules/.bin/<name> in the working directory or the nearest
 * parent inside the repository (workspaces hoist dev tools to the root).
 */
export function findProjectBin(name: string, from: string, workspace: string): string | undefined {
  let dir = resolve(from);
  const top = resolve(workspace);
  for (;;) {
    const candidate = join(dir, 'node_modules', '.bin', name);
    if (existsSync(candidate)) return candidate;
    const rel = relative(top, dir);
    if (dir === top || rel.startsWith('..') || isAbsolute(rel)) return undefined;
    dir = dirname(dir);
  }
}

/** A file's text; an unreadable file is a ConfigurationError naming `what` (e.g. "exceptions file x.yml"). */
export function readTextOrConfigurationError(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`${what} cannot be read: ${errorMessage(error)}`);
  }
}
