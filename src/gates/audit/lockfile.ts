/**
 * Reads package-lock.json (lockfileVersion 2 and 3): every installed copy, its version, whether
 * only dev dependencies reach it, and the chain of parents that explains how it got there.
 */

export interface LockPackage {
  name?: string;
  version?: string;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  link?: boolean;
  resolved?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

export interface Lockfile {
  packages: Record<string, LockPackage>;
  /** Line of each `"<location>": {` in the file. */
  lines: Map<string, number>;
  /** Parent location of each location reached from the root, for dependency paths. */
  parents: Map<string, string>;
}

/** The package name at a location: the part after the last node_modules/ (scopes included). */
export function nameAtLocation(location: string): string {
  const i = location.lastIndexOf('node_modules/');
  return i < 0 ? location : location.slice(i + 'node_modules/'.length);
}

/** The location a dependency `name` of the package at `from` resolves to, node's way (walk up). */
function resolveFrom(packages: Record<string, LockPackage>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (base === '') return undefined;
    const i = base.lastIndexOf('/node_modules/');
    base = i < 0 ? '' : base.slice(0, i);
  }
}

/**
 * Parses a lockfileVersion 2 or 3 package-lock.json (the `packages` map). Throws with a message
 * naming the file when it is not one; lockfileVersion 1 has no `packages` map and is refused.
 */
export function parseLockfile(text: string, path: string): Lockfile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON`);
  }
  const d = data as { lockfileVersion?: unknown; packages?: unknown };
  if (!d || typeof d !== 'object' || typeof d.packages !== 'object' || d.packages === null) {
    throw new Error(
      `${path} has no "packages" map (lockfileVersion ${String(d?.lockfileVersion ?? '?')}): regenerate it with npm 7 or later (lockfileVersion 2 or 3)`,
    );
  }
  const packages = d.packages as Record<string, LockPackage>;
  const lines = new Map<string, number>();
  // npm writes one key per line; the first `"node_modules/...": {` occurrence is the entry.
  const keyLine = /^\s*"((?:[^"\\]|\\.)*)"\s*:\s*\{/;
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (!line.includes('node_modules/')) continue;
    const m = keyLine.exec(line);
    if (m && !lines.has(m[1]!) && packages[m[1]!]) lines.set(m[1]!, lineNo);
  }
  // Breadth-first from the root: the first parent found gives a shortest dependency path.
  const parents = new Map<string, string>();
  const workspaceLinks = Object.entries(packages)
    .filter(([loc, p]) => p.link && loc.startsWith('node_modules/') && !loc.slice(13).includes('/node_modules/'))
    .map(([loc]) => loc.slice('node_modules/'.length));
  const seen = new Set<string>(['']);
  let frontier = [''];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const loc of frontier) {
      const pkg = packages[loc];
      if (!pkg) continue;
      const names = new Set([
        ...Object.keys(pkg.dependencies ?? {}),
        ...Object.keys(pkg.optionalDependencies ?? {}),
        ...Object.keys(pkg.peerDependencies ?? {}),
        // Only the root's (and workspaces') devDependencies are installed.
        ...(loc === '' || !loc.includes('node_modules') ? Object.keys(pkg.devDependencies ?? {}) : []),
        // Workspaces hang off the root as links in node_modules.
        ...(loc === '' ? workspaceLinks : []),
      ]);
      for (const name of names) {
        const to = resolveFrom(packages, loc, name);
        if (!to || seen.has(to)) continue;
        seen.add(to);
        parents.set(to, loc);
        next.push(to);
        // A workspace link: its dependencies are declared on the linked folder's entry.
        const target = packages[to]?.link ? packages[to]?.resolved : undefined;
        if (target !== undefined && packages[target] && !seen.has(target)) {
          seen.add(target);
          parents.set(target, to);
          next.push(target);
        }
      }
    }
    frontier = next;
  }
  return { packages, lines, parents };
}

/** Dependency names from the project to this location: ['rc', 'minimist']. */
export function dependencyPath(lock: Lockfile, location: string): string[] | undefined {
  if (!lock.parents.has(location)) return undefined;
  const path: string[] = [];
  let loc: string | undefined = location;
  for (let guard = 0; loc !== undefined && loc !== '' && guard < 1000; guard++) {
    const name = lock.packages[loc]?.name ?? nameAtLocation(loc);
    // A workspace link and its folder are one step.
    if (path[0] !== name) path.unshift(name);
    loc = lock.parents.get(loc);
  }
  return path;
}

/** How the root of the project is named among a package's dependents. */
export const ROOT_DEPENDENT = '(the project)';

/**
 * For every location, the names of the packages that depend on the copy installed there (the
 * project itself as ROOT_DEPENDENT). Names, not locations: hoisting moves a copy between
 * `node_modules/x` and `node_modules/a/node_modules/x` without any dependency changing.
 */
export function dependentsByLocation(lock: Lockfile): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [loc, pkg] of Object.entries(lock.packages)) {
    if (pkg.link) continue;
    const workspaceOrRoot = loc === '' || !loc.includes('node_modules');
    const who = loc === '' ? ROOT_DEPENDENT : (pkg.name ?? nameAtLocation(loc));
    const names = [
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.optionalDependencies ?? {}),
      ...Object.keys(pkg.peerDependencies ?? {}),
      ...(workspaceOrRoot ? Object.keys(pkg.devDependencies ?? {}) : []),
    ];
    for (const name of names) {
      const to = resolveFrom(lock.packages, loc, name);
      if (to === undefined) continue;
      const set = out.get(to) ?? new Set<string>();
      set.add(who);
      out.set(to, set);
    }
  }
  return out;
}
