/**
 * Reads `npm audit --json` (report version 2, npm 7 and later) and the package-lock.json it was
 * computed from, and turns them into one VulnFinding per (installed package, advisory).
 *
 * npm's report is keyed by package name. Each entry's `via` holds either advisory objects (the
 * package itself is vulnerable) or strings naming another entry (it is vulnerable only because it
 * depends on that one: a "metavuln"). Findings are made from the advisory objects, for each
 * installed copy (`nodes`) whose version is in the advisory's range; the metavuln chains are
 * followed to say which direct dependency brings each advisory in.
 */
import { ghsaFrom, parseSeverityWord, rangeVerdict, severityFromCvss, type Severity, type VulnFinding } from './model.js';

/** npm could not produce a report (its JSON carries an `error` key, or it is not a report). */
export class AuditToolError extends Error {
  override readonly name = 'AuditToolError';
  constructor(
    message: string,
    /** A network failure or 5xx from the advisory service: worth one more try. */
    readonly transient = false,
  ) {
    super(message);
  }
}

// ---- package-lock.json -----------------------------------------------------------------------

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
    throw new Error(`${path} has no "packages" map (lockfileVersion ${String(d?.lockfileVersion ?? '?')}): regenerate it with npm 7 or later (lockfileVersion 2 or 3)`);
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

// ---- npm audit --json ------------------------------------------------------------------------

interface NpmAdvisory {
  source?: number | string;
  name?: string;
  dependency?: string;
  title?: string;
  url?: string;
  severity?: string | null;
  cwe?: string[];
  cvss?: { score?: number | null; vectorString?: string | null } | null;
  range?: string;
}

interface NpmVuln {
  name: string;
  severity?: string | null;
  isDirect?: boolean;
  via: (string | NpmAdvisory)[];
  effects?: string[];
  range?: string;
  nodes?: string[];
  fixAvailable?: boolean | { name?: string; version?: string; isSemVerMajor?: boolean };
}

export interface NpmAuditReport {
  vulnerabilities: Record<string, NpmVuln>;
  metadata?: {
    vulnerabilities?: Partial<Record<'info' | 'low' | 'moderate' | 'high' | 'critical' | 'total', number>>;
    dependencies?: { total?: number; prod?: number; dev?: number };
  };
}

function describeNpmError(e: Record<string, unknown>, top: Record<string, unknown>): string {
  const parts = [e.code, e.summary, top.message, top.statusCode ? `HTTP ${String(top.statusCode)}` : undefined, e.detail]
    .filter((p) => typeof p === 'string' || typeof p === 'number')
    .map((p) => String(p).trim())
    .filter((p) => p !== '');
  return [...new Set(parts)].join(': ') || 'npm reported an error without details';
}

/**
 * Parses npm audit's stdout. Throws AuditToolError when it is not a version 2 report: npm prints
 * `{"error": {...}}` (and, for a failed advisory request, the HTTP status and message) and exits 1,
 * the same exit code as for "vulnerabilities found".
 */
export function parseNpmAuditJson(stdout: string): NpmAuditReport {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    throw new AuditToolError(`npm audit did not print JSON (first bytes: ${JSON.stringify(stdout.slice(0, 120))})`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new AuditToolError('npm audit printed JSON that is not an object');
  const top = data as Record<string, unknown>;
  if (top.error !== undefined) {
    const e = (top.error && typeof top.error === 'object' ? top.error : {}) as Record<string, unknown>;
    const status = typeof top.statusCode === 'number' ? top.statusCode : undefined;
    // A failed advisory request has a URI and no npm error code; a 4xx is not worth retrying.
    const message = typeof top.message === 'string' ? top.message : '';
    const networkFailure = /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|EPIPE|socket hang up|network timeout/i.test(message);
    const transient = e.code === undefined && (status !== undefined ? status >= 500 || status === 429 : networkFailure);
    throw new AuditToolError(`npm audit failed: ${describeNpmError(e, top)}`, transient);
  }
  if (top.auditReportVersion !== 2) {
    throw new AuditToolError(`npm audit printed a report of version ${JSON.stringify(top.auditReportVersion ?? null)}; release-safety reads version 2 (npm 7 or later)`);
  }
  const vulns = top.vulnerabilities;
  if (!vulns || typeof vulns !== 'object' || Array.isArray(vulns)) throw new AuditToolError('npm audit report has no "vulnerabilities" map');
  for (const [key, v] of Object.entries(vulns as Record<string, unknown>)) {
    const ok =
      v !== null &&
      typeof v === 'object' &&
      Array.isArray((v as NpmVuln).via) &&
      (v as NpmVuln).via.every((x) => typeof x === 'string' || (x !== null && typeof x === 'object')) &&
      ((v as NpmVuln).nodes === undefined || Array.isArray((v as NpmVuln).nodes));
    if (!ok) throw new AuditToolError(`npm audit report entry "${key}" is not in npm's format (needs a "via" list and "nodes")`);
  }
  const report = data as NpmAuditReport;
  const declared = report.metadata?.vulnerabilities?.total;
  if (typeof declared === 'number' && declared !== Object.keys(vulns).length) {
    throw new AuditToolError(`npm audit report is inconsistent: metadata counts ${declared} vulnerable packages, the report lists ${Object.keys(vulns).length}`);
  }
  return report;
}

function describeFix(fix: NpmVuln['fixAvailable']): string | undefined {
  if (fix === true) return 'npm audit fix';
  if (fix === false) return 'no fix through the dependency tree; upgrade or replace the dependency that brings it in';
  if (fix && typeof fix === 'object' && fix.name && fix.version) {
    return `upgrade ${fix.name} to ${fix.version}${fix.isSemVerMajor ? ' (semver major)' : ''}`;
  }
  return undefined;
}

/**
 * For every package in the report, the direct dependencies that bring it in, found by following
 * `effects` (the reverse of `via`) up to entries npm marks isDirect. Cycles are cut.
 */
function directIntroducers(vulns: Record<string, NpmVuln>): (name: string) => string[] {
  const memo = new Map<string, string[]>();
  const walk = (name: string, onPath: Set<string>): string[] => {
    const cached = memo.get(name);
    if (cached) return cached;
    const v = vulns[name];
    if (!v || onPath.has(name)) return [];
    onPath.add(name);
    const out = new Set<string>();
    if (v.isDirect) out.add(name);
    for (const e of v.effects ?? []) for (const d of walk(e, onPath)) out.add(d);
    onPath.delete(name);
    const list = [...out].sort();
    memo.set(name, list);
    return list;
  };
  return (name) => walk(name, new Set());
}

/**
 * The advisories behind an entry: its own, plus those of every entry its `via` strings lead to.
 * Exported for the details of metavulns (a direct dependency that is vulnerable only through
 * what it depends on).
 */
export function advisoriesBehind(vulns: Record<string, NpmVuln>, name: string): { package: string; advisory: NpmAdvisory }[] {
  const out: { package: string; advisory: NpmAdvisory }[] = [];
  const seen = new Set<string>();
  const stack = [name];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const via of vulns[n]?.via ?? []) {
      if (typeof via === 'string') stack.push(via);
      else out.push({ package: n, advisory: via });
    }
  }
  return out;
}

function advisorySeverity(a: NpmAdvisory): { severity: Severity; source: VulnFinding['severitySource'] } {
  const word = parseSeverityWord(a.severity);
  if (word) return { severity: word, source: 'advisory' };
  const fromCvss = severityFromCvss(a.cvss?.score);
  if (fromCvss) return { severity: fromCvss, source: 'cvss' };
  return { severity: 'unknown', source: 'none' };
}

/**
 * One finding per installed copy and advisory. `lock` supplies versions, dev flags, paths and
 * lines; without it, the report's own fields are used (versions are then unknown).
 */
export function normaliseNpmAudit(report: NpmAuditReport, lock?: Lockfile): VulnFinding[] {
  const vulns = report.vulnerabilities;
  const introducers = directIntroducers(vulns);
  const findings: VulnFinding[] = [];
  // This loop runs once per advisory and installed copy (thousands in a large tree), in a fresh
  // process, before the JIT has compiled anything: per-advisory work is done once per advisory,
  // and each finding is built as one object literal (no spreads of temporary objects).
  for (const key of Object.keys(vulns)) {
    const v = vulns[key]!;
    const name = v.name || key;
    const own: ReadAdvisory[] = [];
    for (const x of v.via) if (typeof x !== 'string' && (x.name === undefined || x.name === name)) own.push(readAdvisory(name, x));
    if (own.length === 0) continue; // a metavuln: its advisories are reported on the package that has them
    const nodes = v.nodes && v.nodes.length > 0 ? v.nodes : [`node_modules/${name}`];
    const fix = describeFix(v.fixAvailable);
    for (const location of nodes) {
      const entry = lock?.packages[location];
      const version = entry?.version ?? '';
      const path = (lock && dependencyPath(lock, location)) ?? fallbackPath(name, v, introducers);
      const direct = lock?.parents.has(location) ? lock.parents.get(location) === '' : Boolean(v.isDirect);
      // devOptional packages can be installed as optional runtime dependencies: count them as runtime.
      const dev = entry ? entry.dev === true : false;
      const line = lock?.lines.get(location);
      for (const a of own) {
        const verdict = a.range !== undefined ? rangeVerdict(a.range, version) : undefined;
        // npm lists every copy of the package under the entry; keep the copies this advisory covers.
        if (verdict && version && verdict.includes === false) continue;
        const f: VulnFinding = {
          ecosystem: 'npm',
          package: name,
          version,
          location,
          advisoryId: a.advisoryId,
          ids: a.ids,
          title: a.title,
          severity: a.severity,
          severitySource: a.severitySource,
          path,
          direct,
          dev,
        };
        if (a.url) f.url = a.url;
        if (a.cvssScore !== undefined) f.cvssScore = a.cvssScore;
        if (a.range !== undefined) f.vulnerableRange = a.range;
        if (verdict?.fixed) f.fixedIn = verdict.fixed;
        if (fix) f.fix = fix;
        if (line) f.line = line;
        findings.push(f);
      }
    }
  }
  return findings;
}

/** What a finding takes from one advisory object, read once per advisory rather than per copy. */
interface ReadAdvisory {
  advisoryId: string;
  ids: string[];
  title: string;
  url?: string;
  severity: Severity;
  severitySource: VulnFinding['severitySource'];
  cvssScore?: number;
  range?: string;
}

function readAdvisory(name: string, a: NpmAdvisory): ReadAdvisory {
  const { severity, source } = advisorySeverity(a);
  const ghsa = ghsaFrom(a.url);
  const sourceId = a.source !== undefined && a.source !== null ? String(a.source) : undefined;
  const npmId = sourceId !== undefined ? `npm:${sourceId}` : undefined;
  const ids: string[] = [];
  if (ghsa) ids.push(ghsa);
  if (npmId) ids.push(npmId, sourceId!);
  const score = typeof a.cvss?.score === 'number' && a.cvss.score > 0 ? a.cvss.score : undefined;
  const r: ReadAdvisory = { advisoryId: ghsa ?? npmId ?? `${name}:${a.title ?? 'advisory'}`, ids, title: a.title ?? '(no title)', severity, severitySource: source };
  if (a.url) r.url = a.url;
  if (score !== undefined) r.cvssScore = score;
  if (typeof a.range === 'string') r.range = a.range;
  return r;
}

function fallbackPath(name: string, v: NpmVuln, introducers: (name: string) => string[]): string[] {
  if (v.isDirect) return [name];
  const via = introducers(name)[0];
  return via && via !== name ? [via, '…', name] : [name];
}

// ---- npm config ls ---------------------------------------------------------------------------

/** npm's registry when no config layer sets one. */
export const NPM_DEFAULT_REGISTRY = 'https://registry.npmjs.org/';

export interface RegistrySetting {
  /** npm's name for the config layer: "global", "user", "project", "env", "cli", "builtin". */
  layer: string;
  /** What npm says the layer came from: a file path, "environment", "command line options". */
  source: string;
  /** The value as npm prints it (npm already hides a URL's password as ***). */
  value: string;
  /** npm marks a value a later layer overrides with "; overridden by <layer>". */
  active: boolean;
}

/**
 * The `registry` settings in the text of `npm config ls` (npm 7 and later), in npm's order
 * (lowest precedence first). The layers look like
 *
 *   ; "project" config from /repo/app/.npmrc
 *
 *   registry = "http://mirror.example/"
 *
 * and a value overridden by a later layer is commented: `; registry = "…" ; overridden by env`.
 * `npm config get registry` would be simpler but refuses ("protected") when the URL holds
 * credentials, and does not say where the value came from.
 */
export function registrySettings(configLs: string): RegistrySetting[] {
  const out: RegistrySetting[] = [];
  let layer = '';
  let source = '';
  const value = (quoted: string) => {
    try {
      const v: unknown = JSON.parse(quoted);
      return typeof v === 'string' ? v : quoted;
    } catch {
      return quoted;
    }
  };
  for (const raw of configLs.split(/\r?\n/)) {
    const line = raw.trim();
    const header = /^; "([^"]+)" config from (.+)$/.exec(line);
    if (header) {
      layer = header[1]!;
      source = header[2]!.trim();
      continue;
    }
    const active = /^registry = (.+)$/.exec(line);
    if (active && layer) {
      out.push({ layer, source, value: value(active[1]!.trim()), active: true });
      continue;
    }
    const overridden = /^; registry = (.+?) ; overridden by \S+$/.exec(line);
    if (overridden && layer) out.push({ layer, source, value: value(overridden[1]!.trim()), active: false });
  }
  return out;
}
