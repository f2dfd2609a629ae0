// The rules gate's collect phase starts here: the rules and tests inputs expanded to files inside the workspace.
import { lstatSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { ConfigurationError } from '../../core/errors.js';
import { checkGlobPattern, globInside, isWithin, realpathInside, type PathRoots } from '../../core/paths.js';

const GLOB_CHARS = /[*?[\]{}!]/;
const IGNORED = ['**/node_modules/**', '**/.git/**'];

/**
 * Expands the `rules` or `tests` globs to files inside the workspace (or the other roots). Every
 * pattern stays inside the repository (no absolute paths, no ".."); globs never follow directory
 * symlinks (nor match symlinked files: name those as plain paths); a plain path whose realpath leads
 * outside is a configuration error naming the input; a file reached twice (a symlink named beside
 * its target, or two patterns) counts once; only negations, or a pattern that matches
 * nothing, is a configuration mistake, never "no rules".
 */
/** An absolute pattern inside the workspace (`${{ github.workspace }}/prom/*.yml`) as the relative one it means. */
function relativeToWorkspace(pattern: string, workspace: string): string {
  const negated = pattern.startsWith('!');
  const body = negated ? pattern.slice(1) : pattern;
  if (!isAbsolute(body) || !isWithin(workspace, body) || body === workspace) return pattern;
  return `${negated ? '!' : ''}${relative(workspace, body)}`;
}

export function expandInput(input: string, given: readonly string[], roots: PathRoots): string[] {
  const patterns = given.map((p) => relativeToWorkspace(p, roots.workspace));
  for (const pattern of patterns) checkGlobPattern(input, pattern);
  const negations = patterns.filter((p) => p.startsWith('!'));
  const positives = patterns.filter((p) => !p.startsWith('!'));
  if (positives.length === 0) {
    throw new ConfigurationError(
      `input "${input}" has only exclusions (${negations.map((p) => JSON.stringify(p)).join(', ')}), which select no file: name the files to check, e.g. "prometheus/rules/*.yml", and exclude with "!" beside them`,
    );
  }
  const found = new Map<string, string>();
  const missing: string[] = [];
  const outside: string[] = [];
  const keep = (abs: string) => {
    const real = realpathInside(abs, roots);
    if (real === undefined) outside.push(abs);
    else if (!found.has(real)) found.set(real, abs);
  };
  for (const pattern of positives) {
    if (!GLOB_CHARS.test(pattern)) {
      // A plain path is taken as is (even a dangling link or a directory): reading it reports the problem.
      const abs = resolve(roots.workspace, pattern);
      try {
        lstatSync(abs);
        keep(abs);
      } catch {
        missing.push(pattern);
      }
      continue;
    }
    const matches = globInside([pattern, ...negations], { cwd: roots.workspace, roots, ignore: IGNORED });
    if (matches.length === 0) missing.push(pattern);
    for (const abs of matches) keep(abs);
  }
  if (outside.length > 0) {
    throw new ConfigurationError(
      `input "${input}" matches ${outside.map((abs) => JSON.stringify(abs)).join(', ')}, which lead(s) outside the repository through a symlink: name files inside the repository (a symlink leading out of it is not read)`,
    );
  }
  if (missing.length > 0) {
    throw new ConfigurationError(
      `input "${input}" ${missing.map((m) => JSON.stringify(m)).join(', ')} matches no file in ${roots.workspace}: give paths or globs relative to the repository root, e.g. "prometheus/rules/*.yml"`,
    );
  }
  return [...found.values()].sort();
}
