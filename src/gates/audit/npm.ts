/**
 * Reads `npm audit --json` (report version 2, npm 7 and later) and the package-lock.json it was
 * computed from, and turns them into one VulnFinding per (installed package, advisory).
 *
 * npm's report is keyed by package name. Each entry's `via` holds either advisory objects (the
 * package itself is vulnerable) or strings naming another entry (it is vulnerable only because it
 * depends on that one: a "metavuln"). Findings are made from the advisory objects, for each
 * installed copy (`nodes`) whose version is in the advisory's range; the metavuln chains are
 * followed to say which direct dependency brings each advisory in.
 *
 * Collect: `runNpmAudit` runs `npm audit --package-lock-only --json` and reads it into findings;
 * judging and rendering are the gate's (index.ts, judge.ts, render.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRelative } from '../../core/annotations.js';
import { ConfigurationError, ToolError, ToolNotFoundError } from '../../core/errors.js';
import { describeExit, execTool, lastLines } from '../../core/exec.js';
import { sha256File } from '../../core/files.js';
import { npmBinVersion, probeVersion } from '../../core/version.js';
import { dependencyPath, parseLockfile, type Lockfile } from './lockfile.js';
import { ghsaFrom, parseSeverityWord, rangeVerdict, severityFromCvss, type Severity, type VulnFinding } from './model.js';
import { redactUrlCredentials, resolveNpmRegistry } from './registry.js';
import type { GateRuntime } from '../../core/gate.js';
import type { AuditOptions, ToolRun } from './options.js';

export { dependencyPath, parseLockfile, type LockPackage, type Lockfile } from './lockfile.js';

/**
 * The auditor could not produce a report (npm's JSON carries an `error` key, or is not a report;
 * the tool crashed or timed out): the gate could not judge. `ran` keeps what is known of the run
 * (tool version, lockfile, registry) for the record.
 */
export class AuditToolError extends ToolError {
  override readonly name = 'AuditToolError';
  constructor(
    message: string,
    /** A network failure or 5xx from the advisory service: worth one more try. */
    readonly transient = false,
    readonly ran?: Omit<ToolRun, 'findings'>,
  ) {
    super(message);
  }
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
    throw new AuditToolError(
      `npm audit printed a report of version ${JSON.stringify(top.auditReportVersion ?? null)}; release-safety reads version 2 (npm 7 or later)`,
    );
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
    throw new AuditToolError(
      `npm audit report is inconsistent: metadata counts ${declared} vulnerable packages, the report lists ${Object.keys(vulns).length}`,
    );
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
  const r: ReadAdvisory = {
    advisoryId: ghsa ?? npmId ?? `${name}:${a.title ?? 'advisory'}`,
    ids,
    title: a.title ?? '(no title)',
    severity,
    severitySource: source,
  };
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

// ---- running npm audit ---------------------------------------------------------------------

/**
 * The version a tool prints for `--version` ('' when it prints none), asked beside the tool's real
 * run; `npmPackage` names the npm package whose own bin the command may be (its package.json
 * version is then read instead of starting node). A missing tool rejects with `hint`.
 */
export async function toolVersion(command: string, cwd: string, hint: { tool: string; text: string }, npmPackage?: string): Promise<string> {
  try {
    return (await probeVersion({ command, cwd, ...(npmPackage ? { known: () => npmBinVersion(command, npmPackage) } : {}) })).version;
  } catch (error) {
    if (error instanceof ToolNotFoundError) throw new ToolNotFoundError(hint.tool, hint.text);
    throw error;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const NPM_LOCKS = ['npm-shrinkwrap.json', 'package-lock.json'];

/** Runs npm audit on the lockfile of the working directory, with bounded retries on transient failures. */
export async function runNpmAudit(opts: AuditOptions, runtime: GateRuntime): Promise<ToolRun> {
  const shownDir = repoRelative(opts.workingDirectory, runtime.workspace) || '.';
  const lockName = NPM_LOCKS.find((f) => existsSync(join(opts.workingDirectory, f)));
  if (!lockName) {
    throw new ConfigurationError(
      `no package-lock.json in ${shownDir} (input "working-directory"): npm audit needs a lockfile (lockfileVersion 2 or 3); create it with "npm install --package-lock-only" and commit it`,
    );
  }
  const lockPath = join(opts.workingDirectory, lockName);
  const manifest = repoRelative(lockPath, runtime.workspace);
  let lock;
  try {
    lock = parseLockfile(readFileSync(lockPath, 'utf8'), manifest);
  } catch (error) {
    throw new ConfigurationError(`lockfile ${manifest} cannot be read: ${(error as Error).message}`);
  }
  const npm = opts.npmCommand ?? 'npm';
  const hint = 'the audit gate runs the npm CLI: use actions/setup-node before this step';
  // The version is asked beside the audit and awaited before anything is reported.
  const versionProbe = toolVersion(npm, opts.workingDirectory, { tool: 'npm', text: hint }, 'npm');
  versionProbe.catch(() => undefined);
  const registry = await resolveNpmRegistry(npm, opts, runtime);
  runtime.log.info(`advisories from ${registry.url || '(unknown registry)'} (${registry.source})`);
  const partial = { tool: 'npm audit', configSha256: sha256File(lockPath), manifest, registry };
  // A private cache per run: a packument or advisory cached by an earlier run never decides this one.
  const cache = mkdtempSync(join(runtime.tempDir, 'rs-npm-cache-'));
  const args = [
    'audit',
    '--json',
    '--package-lock-only',
    '--include=dev',
    '--include=optional',
    '--include=peer',
    `--cache=${cache}`,
    '--no-update-notifier',
    // npm never retries the advisory POST; these bound its packument fetches.
    '--fetch-retries=1',
    '--fetch-retry-mintimeout=1000',
    '--fetch-retry-maxtimeout=5000',
    `--fetch-timeout=${Math.min(opts.timeoutMs, 120_000)}`,
    // offline=true in a .npmrc makes npm skip the advisory request and print an empty report.
    '--offline=false',
    ...(opts.registry ? [`--registry=${opts.registry}`] : []),
  ];
  const attempts = 1 + (opts.retries ?? 1);
  try {
    for (let attempt = 1; ; attempt++) {
      runtime.log.info(`npm ${args.map(redactUrlCredentials).join(' ')}${attempt > 1 ? ` (attempt ${attempt} of ${attempts})` : ''}`);
      const r = await execTool(npm, args, { cwd: opts.workingDirectory, timeoutMs: opts.timeoutMs, installHint: hint });
      const base: Omit<ToolRun, 'findings'> = { ...partial, version: await versionProbe };
      runtime.log.untrusted(lastLines(r.stderr, 20));
      if (r.timedOut || r.signal || (r.exitCode !== 0 && r.exitCode !== 1)) {
        throw new AuditToolError(`npm audit ${describeExit(r)}: ${lastLines(`${r.stderr}\n${r.stdout}`, 5) || '(no output)'}`, false, base);
      }
      let report: NpmAuditReport;
      try {
        report = parseNpmAuditJson(r.stdout);
      } catch (error) {
        if (!(error instanceof AuditToolError)) throw error;
        if (error.transient && attempt < attempts) {
          runtime.log.warning(`${error.message}; trying again in ${opts.retryDelayMs ?? 2000} ms`);
          await sleep(opts.retryDelayMs ?? 2000);
          continue;
        }
        throw new AuditToolError(error.message, false, base);
      }
      const count = Object.keys(report.vulnerabilities).length;
      // npm exits 1 for "vulnerabilities found" and for failures; a report with none and exit 1 is a failure.
      if (r.exitCode === 1 && count === 0) {
        throw new AuditToolError(
          `npm audit exited with code 1 but its report lists no vulnerability: ${lastLines(r.stderr, 5) || '(no error output)'}`,
          false,
          base,
        );
      }
      const findings = normaliseNpmAudit(report, lock);
      if (count > 0 && findings.length === 0) {
        throw new AuditToolError(`npm audit lists ${count} vulnerable package(s) but no advisory could be read from its report`, false, base);
      }
      const meta = report.metadata?.vulnerabilities ?? {};
      return {
        ...base,
        findings,
        lockfile: lock,
        dependencies: report.metadata?.dependencies?.total ?? Object.keys(lock.packages).length - 1,
        npmCounts: Object.fromEntries(Object.entries(meta).filter(([, v]) => typeof v === 'number')) as Record<string, number>,
      };
    }
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}
