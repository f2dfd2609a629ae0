import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { repoRelative } from '../../core/annotations.js';
import { ConfigurationError, ToolNotFoundError } from '../../core/errors.js';
import type { Finding } from '../../core/evidence.js';
import { ExceptionLedger, loadExceptions, type ExceptionEntry } from '../../core/exceptions.js';
import { describeExit, execTool, lastLines } from '../../core/exec.js';
import { sha256File } from '../../core/files.js';
import { startClock, type GateReport, type GateRuntime } from '../../core/gate.js';
import { code, codeBlock, md, table } from '../../core/markdown.js';
import { compareSeverity, meetsThreshold, type FailOn, type Severity, type VulnFinding } from './model.js';
import {
  AuditToolError,
  NPM_DEFAULT_REGISTRY,
  normaliseNpmAudit,
  parseLockfile,
  parseNpmAuditJson,
  registrySettings,
  type NpmAuditReport,
} from './npm.js';
import { parsePipAuditJson, requirementNames } from './python.js';

export { FAIL_ON_LEVELS } from './model.js';
export const AUDIT_ECOSYSTEMS = ['auto', 'npm', 'python'] as const;
export const AUDIT_SCOPES = ['runtime', 'all'] as const;
/** What a finding with no severity at all (no rating, no CVSS score) does to the gate. */
export const UNKNOWN_SEVERITY_MODES = ['fail', 'warn'] as const;

export interface AuditOptions {
  ecosystem: (typeof AUDIT_ECOSYSTEMS)[number];
  /** Absolute directory holding the lockfile. */
  workingDirectory: string;
  failOn: FailOn;
  scope: (typeof AUDIT_SCOPES)[number];
  /** Absolute path of the exceptions file. */
  exceptionsFile: string;
  /** The user named the file: then it must exist. */
  exceptionsFileExplicit: boolean;
  /**
   * A finding with no severity (pip-audit gives none; some advisories have neither rating nor
   * CVSS) cannot be compared with failOn: 'fail' (default) blocks it, 'warn' reports it.
   */
  unknownSeverity?: (typeof UNKNOWN_SEVERITY_MODES)[number];
  /** npm registry URL passed as --registry; '' keeps npm's own configuration. */
  registry: string;
  timeoutMs: number;
  /** The gate's clock, for exception expiry. */
  now: Date;
  /** Extra attempts after a network failure or 5xx from the advisory service. */
  retries?: number;
  retryDelayMs?: number;
  npmCommand?: string;
  pipAuditCommand?: string;
}

interface ToolRun {
  tool: string;
  version: string;
  configSha256?: string;
  /** Repo-relative lockfile or requirements file the findings point at ('' for an environment). */
  manifest: string;
  findings: VulnFinding[];
  dependencies?: number;
  skipped?: { name: string; reason: string }[];
  npmCounts?: Record<string, number>;
  /** npm: where the advisories were asked for. */
  registry?: RegistryUse;
  toolError?: string;
}

/** The registry npm sends the bulk advisory request to, and why. */
export interface RegistryUse {
  /** Credentials redacted; '' when it could not be told. */
  url: string;
  /** 'input "registry"', "npm's default", a repo-relative .npmrc, or the npm config layer that set it. */
  source: string;
  /** A .npmrc inside the repository changed the registry while input "registry" is empty. */
  projectOverride?: { file: string; line?: number; instead: string };
  /** Why the registry could not be told. */
  error?: string;
}

// ---- ecosystem detection ---------------------------------------------------------------------

const NPM_LOCKS = ['npm-shrinkwrap.json', 'package-lock.json'];
const PYTHON_MANIFESTS = ['requirements.txt', 'pyproject.toml'];

export function detectEcosystem(dir: string, choice: AuditOptions['ecosystem'], shownDir: string): 'npm' | 'python' {
  if (choice !== 'auto') return choice;
  const npm = NPM_LOCKS.some((f) => existsSync(join(dir, f)));
  const python = PYTHON_MANIFESTS.some((f) => existsSync(join(dir, f)));
  if (npm && python) {
    throw new ConfigurationError(`input "ecosystem" is auto, but ${shownDir} has both an npm lockfile and a Python manifest: set ecosystem to npm or python (one audit step per ecosystem)`);
  }
  if (npm) return 'npm';
  if (python) return 'python';
  if (existsSync(join(dir, 'package.json'))) {
    throw new ConfigurationError(`${shownDir}/package.json has no package-lock.json next to it: npm audit reads the lockfile; create it with "npm install --package-lock-only", commit it, or set input "working-directory"`);
  }
  throw new ConfigurationError(`input "ecosystem" is auto, but ${shownDir} has none of ${[...NPM_LOCKS, ...PYTHON_MANIFESTS].join(', ')}: set "working-directory" to the folder with the lockfile, or set "ecosystem" to npm or python`);
}

// ---- npm ---------------------------------------------------------------------------------------

async function toolVersion(command: string, args: string[], cwd: string): Promise<string> {
  const r = await execTool(command, args, { cwd, timeoutMs: 30_000 });
  const m = /(\d+\.\d+\.\d+[\w.+-]*)/.exec(`${r.stdout} ${r.stderr}`);
  return m ? m[1]! : '';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A registry URL may carry user:token@; the log shows *** instead. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/(https?:\/\/)[^/@\s]+@/gi, '$1***@');
}

/** A registry URL from a config file, fit for one line of a message: credentials hidden, no control characters. */
function shownRegistry(value: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = redactUrlCredentials(value).replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}

function sameRegistry(a: string, b: string): boolean {
  const norm = (u: string) => u.trim().toLowerCase().replace(/\/*$/, '/');
  return norm(a) === norm(b);
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function insideRepository(file: string, workspace: string): boolean {
  if (!isAbsolute(file)) return false;
  const rel = relative(realOrSelf(workspace), realOrSelf(file));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** 1-based line of the first unscoped `registry =` in an npmrc file, when it can be read. */
function registryLine(file: string): number | undefined {
  try {
    const i = readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .findIndex((l) => /^\s*registry\s*=/.test(l));
    return i >= 0 ? i + 1 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Which registry npm will ask for advisories. The `registry` input is passed as --registry and
 * beats every .npmrc. Without it, npm's configuration decides, and a .npmrc committed in the
 * repository (the project's, which the change under review can edit) can point the advisory
 * query at any server: that is reported, with the file, and what npm would use without it.
 */
async function resolveNpmRegistry(npm: string, o: AuditOptions, rt: GateRuntime): Promise<RegistryUse> {
  if (o.registry) return { url: shownRegistry(o.registry), source: 'input "registry"' };
  let r;
  try {
    r = await execTool(npm, ['config', 'ls'], { cwd: o.workingDirectory, timeoutMs: 30_000 });
  } catch (error) {
    return { url: '', source: 'unknown', error: redactUrlCredentials((error as Error).message) };
  }
  if (r.timedOut || r.signal || r.exitCode !== 0) {
    return { url: '', source: 'unknown', error: redactUrlCredentials(`npm config ls ${describeExit(r)}: ${lastLines(r.stderr, 3) || '(no error output)'}`) };
  }
  const settings = registrySettings(r.stdout);
  const i = settings.map((x) => x.active).lastIndexOf(true);
  if (i < 0) return { url: NPM_DEFAULT_REGISTRY, source: "npm's default" };
  const set = settings[i]!;
  const url = shownRegistry(set.value);
  if (!insideRepository(set.source, rt.workspace)) {
    const source = set.layer === 'env' ? 'environment (npm_config_registry)' : isAbsolute(set.source) ? `${set.layer} config ${set.source}` : `${set.layer} config (${set.source})`;
    return { url, source };
  }
  const file = repoRelative(realOrSelf(set.source), realOrSelf(rt.workspace));
  // What npm would use without the repository's files: the last setting from outside it.
  const outside = settings.slice(0, i).filter((x) => !insideRepository(x.source, rt.workspace));
  const instead = outside.length > 0 ? outside.at(-1)!.value : NPM_DEFAULT_REGISTRY;
  if (sameRegistry(set.value, instead)) return { url, source: file };
  const line = registryLine(set.source);
  return { url, source: file, projectOverride: { file, ...(line ? { line } : {}), instead: shownRegistry(instead) } };
}

async function runNpmAudit(o: AuditOptions, rt: GateRuntime): Promise<ToolRun> {
  const shownDir = repoRelative(o.workingDirectory, rt.workspace) || '.';
  const lockName = NPM_LOCKS.find((f) => existsSync(join(o.workingDirectory, f)));
  if (!lockName) {
    throw new ConfigurationError(`no package-lock.json in ${shownDir} (input "working-directory"): npm audit needs a lockfile (lockfileVersion 2 or 3); create it with "npm install --package-lock-only" and commit it`);
  }
  const lockPath = join(o.workingDirectory, lockName);
  const manifest = repoRelative(lockPath, rt.workspace);
  let lock;
  try {
    lock = parseLockfile(readFileSync(lockPath, 'utf8'), manifest);
  } catch (error) {
    throw new ConfigurationError(`lockfile ${manifest} cannot be read: ${(error as Error).message}`);
  }
  const npm = o.npmCommand ?? 'npm';
  const hint = 'the audit gate runs the npm CLI: use actions/setup-node before this step';
  const [version, registry] = await Promise.all([
    toolVersion(npm, ['--version'], o.workingDirectory).catch((error: unknown) => {
      if (error instanceof ToolNotFoundError) throw new ToolNotFoundError('npm', hint);
      throw error;
    }),
    resolveNpmRegistry(npm, o, rt),
  ]);
  rt.log.info(`advisories from ${registry.url || '(unknown registry)'} (${registry.source})`);
  const base: Omit<ToolRun, 'findings'> = { tool: 'npm audit', version, configSha256: sha256File(lockPath), manifest, registry };
  // A private cache per run: a packument or advisory cached by an earlier run never decides this one.
  const cache = mkdtempSync(join(rt.tempDir, 'rs-npm-cache-'));
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
    `--fetch-timeout=${Math.min(o.timeoutMs, 120_000)}`,
    // offline=true in a .npmrc makes npm skip the advisory request and print an empty report.
    '--offline=false',
    ...(o.registry ? [`--registry=${o.registry}`] : []),
  ];
  const attempts = 1 + (o.retries ?? 1);
  try {
    for (let attempt = 1; ; attempt++) {
      rt.log.info(`npm ${args.map(redactUrlCredentials).join(' ')}${attempt > 1 ? ` (attempt ${attempt} of ${attempts})` : ''}`);
      const r = await execTool(npm, args, { cwd: o.workingDirectory, timeoutMs: o.timeoutMs, installHint: hint });
      rt.log.untrusted(lastLines(r.stderr, 20));
      if (r.timedOut || r.signal || (r.exitCode !== 0 && r.exitCode !== 1)) {
        return { ...base, findings: [], toolError: `npm audit ${describeExit(r)}: ${lastLines(`${r.stderr}\n${r.stdout}`, 5) || '(no output)'}` };
      }
      let report: NpmAuditReport;
      try {
        report = parseNpmAuditJson(r.stdout);
      } catch (error) {
        if (!(error instanceof AuditToolError)) throw error;
        if (error.transient && attempt < attempts) {
          rt.log.warning(`${error.message}; trying again in ${o.retryDelayMs ?? 2000} ms`);
          await sleep(o.retryDelayMs ?? 2000);
          continue;
        }
        return { ...base, findings: [], toolError: error.message };
      }
      const count = Object.keys(report.vulnerabilities).length;
      // npm exits 1 for "vulnerabilities found" and for failures; a report with none and exit 1 is a failure.
      if (r.exitCode === 1 && count === 0) {
        return { ...base, findings: [], toolError: `npm audit exited with code 1 but its report lists no vulnerability: ${lastLines(r.stderr, 5) || '(no error output)'}` };
      }
      const findings = normaliseNpmAudit(report, lock);
      if (count > 0 && findings.length === 0) {
        return { ...base, findings: [], toolError: `npm audit lists ${count} vulnerable package(s) but no advisory could be read from its report` };
      }
      const meta = report.metadata?.vulnerabilities ?? {};
      return {
        ...base,
        findings,
        dependencies: report.metadata?.dependencies?.total ?? Object.keys(lock.packages).length - 1,
        npmCounts: Object.fromEntries(Object.entries(meta).filter(([, v]) => typeof v === 'number')) as Record<string, number>,
      };
    }
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

// ---- python ------------------------------------------------------------------------------------

async function runPipAudit(o: AuditOptions, rt: GateRuntime): Promise<ToolRun> {
  const pipAudit = o.pipAuditCommand ?? 'pip-audit';
  const hint = 'the python audit runs pip-audit: "pip install pip-audit" before this step';
  const requirements = join(o.workingDirectory, 'requirements.txt');
  const pyproject = join(o.workingDirectory, 'pyproject.toml');
  const args = ['--format', 'json', '--progress-spinner', 'off'];
  let manifest = '';
  let direct: Set<string> | undefined;
  let configSha256: string | undefined;
  if (existsSync(requirements)) {
    args.push('-r', requirements);
    manifest = repoRelative(requirements, rt.workspace);
    direct = requirementNames(readFileSync(requirements, 'utf8'));
    configSha256 = sha256File(requirements);
  } else if (existsSync(pyproject)) {
    args.push(o.workingDirectory);
    manifest = repoRelative(pyproject, rt.workspace);
    configSha256 = sha256File(pyproject);
  }
  if (o.registry) args.push('--index-url', o.registry);
  const version = await toolVersion(pipAudit, ['--version'], o.workingDirectory).catch((error: unknown) => {
    if (error instanceof ToolNotFoundError) throw new ToolNotFoundError('pip-audit', hint);
    throw error;
  });
  const base = { tool: 'pip-audit', version, manifest, ...(configSha256 ? { configSha256 } : {}) };
  rt.log.info(`pip-audit ${args.map(redactUrlCredentials).join(' ')}`);
  const r = await execTool(pipAudit, args, { cwd: o.workingDirectory, timeoutMs: o.timeoutMs, installHint: hint });
  rt.log.untrusted(lastLines(r.stderr, 20));
  // pip-audit: 0 = no known vulnerabilities, 1 = vulnerabilities found or a failure (then no JSON).
  if (r.timedOut || r.signal || (r.exitCode !== 0 && r.exitCode !== 1)) {
    return { ...base, findings: [], toolError: `pip-audit ${describeExit(r)}: ${lastLines(`${r.stderr}\n${r.stdout}`, 5) || '(no output)'}` };
  }
  try {
    const parsed = parsePipAuditJson(r.stdout, direct);
    if (r.exitCode === 1 && parsed.findings.length === 0) {
      return { ...base, findings: [], toolError: `pip-audit exited with code 1 but reports no vulnerability: ${lastLines(r.stderr, 5) || '(no error output)'}` };
    }
    return { ...base, findings: parsed.findings, dependencies: parsed.dependencies, skipped: parsed.skipped };
  } catch (error) {
    if (!(error instanceof AuditToolError)) throw error;
    return { ...base, findings: [], toolError: `${error.message}${r.stderr ? `; stderr: ${lastLines(r.stderr, 3)}` : ''}` };
  }
}

// ---- judging -------------------------------------------------------------------------------------

/** Copies of one package version at several places in the tree are one vulnerability. */
export function mergeCopies(findings: readonly VulnFinding[]): VulnFinding[] {
  const byKey = new Map<string, VulnFinding>();
  for (const f of findings) {
    const key = `${f.ecosystem}\u0000${f.package}\u0000${f.version}\u0000${f.advisoryId}`;
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, { ...f });
      continue;
    }
    // Shipped if any copy is shipped; direct if any copy is; the shortest path explains it best.
    seen.dev = seen.dev && f.dev;
    seen.direct = seen.direct || f.direct;
    if (f.path.length < seen.path.length) Object.assign(seen, { path: f.path, location: f.location, line: f.line });
  }
  return [...byKey.values()].sort(compareFindings);
}

/** Most severe first, then package, version and advisory, in plain string order. */
const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
const compareFindings = (a: VulnFinding, b: VulnFinding) =>
  compareSeverity(a.severity, b.severity) || cmp(a.package, b.package) || cmp(a.version, b.version) || cmp(a.advisoryId, b.advisoryId);

export interface Judgement {
  /** In scope, not suppressed, at or above the threshold. */
  blocking: VulnFinding[];
  /** In scope, not suppressed, below the threshold. */
  belowThreshold: VulnFinding[];
  suppressed: { finding: VulnFinding; entry: ExceptionEntry }[];
  /** Findings whose exception has expired (also in blocking or belowThreshold). */
  expiredMatches: { finding: VulnFinding; entry: ExceptionEntry }[];
  outOfScope: VulnFinding[];
  exceptions: ReturnType<ExceptionLedger['report']>;
}

export function judgeFindings(
  findings: readonly VulnFinding[],
  o: { failOn: FailOn; scope: AuditOptions['scope']; unknownSeverity?: AuditOptions['unknownSeverity'] },
  ledger: ExceptionLedger,
): Judgement {
  const j: Omit<Judgement, 'exceptions'> = { blocking: [], belowThreshold: [], suppressed: [], expiredMatches: [], outOfScope: [] };
  for (const f of findings) {
    if (o.scope === 'runtime' && f.dev) {
      j.outOfScope.push(f);
      continue;
    }
    // The advisory id is tried first (ids usually start with it: no new array then).
    const match = ledger.match(f.ids[0] === f.advisoryId ? f.ids : [f.advisoryId, ...f.ids]);
    if (match?.state === 'live') {
      j.suppressed.push({ finding: f, entry: match.entry });
      continue;
    }
    if (match) j.expiredMatches.push({ finding: f, entry: match.entry });
    const blocks = f.severity === 'unknown' ? (o.unknownSeverity ?? 'fail') === 'fail' : meetsThreshold(f.severity, o.failOn);
    (blocks ? j.blocking : j.belowThreshold).push(f);
  }
  return { ...j, exceptions: ledger.report() };
}

// ---- rendering ---------------------------------------------------------------------------------

function severityNote(f: VulnFinding, unknownSeverity: AuditOptions['unknownSeverity'] = 'fail'): string {
  if (f.severitySource === 'cvss') return `${f.severity} (from CVSS ${f.cvssScore}; the advisory gives no severity)`;
  if (f.severitySource === 'none') {
    const why = f.ecosystem === 'python' ? 'pip-audit reports no severity and there is no CVSS score' : 'no rating and no CVSS score';
    return `severity unknown (${why}): fail-on cannot apply; ${unknownSeverity === 'warn' ? 'reported, not blocking (unknown-severity: warn)' : 'treated as blocking (unknown-severity: fail)'}`;
  }
  return f.cvssScore !== undefined ? `${f.severity}, CVSS ${f.cvssScore}` : f.severity;
}

export function findingMessage(f: VulnFinding, unknownSeverity: AuditOptions['unknownSeverity'] = 'fail'): string {
  const where = [f.dev ? 'dev' : 'runtime', f.direct ? 'direct' : `via ${f.path.join(' > ')}`].join(', ');
  const fixed = f.fixedIn ? `fixed in ${f.fixedIn}` : 'no fixed version named';
  const other = f.ids.filter((id) => id !== f.advisoryId && !/^\d+$/.test(id));
  return `${f.package}@${f.version || '?'} (${where}): ${f.title} [${f.advisoryId}${other.length ? `, ${other.join(', ')}` : ''}; ${severityNote(f, unknownSeverity)}]; ${fixed}${f.fix ? `; fix: ${f.fix}` : ''}`;
}

function whereOf(entry: ExceptionEntry, workspace: string): { file: string; line?: number } {
  const m = /^(.*):(\d+)$/.exec(entry.where);
  const file = repoRelative(m ? m[1]! : entry.where, workspace);
  const line = m ? Number(m[2]) : 0;
  return line > 0 ? { file, line } : { file };
}

function exceptionRecord(entry: ExceptionEntry, workspace: string, count?: number) {
  const w = whereOf(entry, workspace);
  return { id: entry.key, owner: entry.owner, reason: entry.reason, expires: entry.expires, where: w.line ? `${w.file}:${w.line}` : w.file, ...(count !== undefined ? { matched: count } : {}) };
}

function detailFinding(f: VulnFinding) {
  return {
    package: f.package,
    version: f.version,
    advisory: f.advisoryId,
    ids: f.ids,
    title: f.title.length > 200 ? `${f.title.slice(0, 197)}...` : f.title,
    severity: f.severity,
    severitySource: f.severitySource,
    ...(f.cvssScore !== undefined ? { cvss: f.cvssScore } : {}),
    ...(f.vulnerableRange ? { vulnerableRange: f.vulnerableRange } : {}),
    fixedIn: f.fixedIn ?? null,
    ...(f.fix ? { fix: f.fix } : {}),
    path: f.path.length > 12 ? [...f.path.slice(0, 5), '…', ...f.path.slice(-5)] : f.path,
    direct: f.direct,
    dev: f.dev,
    ...(f.url ? { url: f.url } : {}),
  };
}

/**
 * npm's findings carry GHSA ids and npm's numeric ids only: the registry's bulk advisory answer has
 * no CVE field, and npm audit's report keeps only source, name, title, url, severity, cwe, cvss and
 * range of each advisory. A CVE exception can never match an npm finding.
 */
function cannotMatch(entry: ExceptionEntry, ecosystem: 'npm' | 'python'): boolean {
  return ecosystem === 'npm' && /^CVE-\d{4}-\d+$/i.test(entry.key);
}

/**
 * Says plainly what an unknown severity means for the gate and how to decide: fail-on compares
 * severities, and these have none (pip-audit never reports one). Lists each one's ids, which is
 * what an exception names and what a person looks the advisory up by.
 */
function unknownSeveritySection(unknown: readonly VulnFinding[], tool: string, o: AuditOptions): string {
  const failing = (o.unknownSeverity ?? 'fail') === 'fail';
  const why = tool === 'pip-audit' ? 'pip-audit reports no severity, and none of these came with a CVSS score' : 'these advisories have neither a severity nor a CVSS score';
  const rows = unknown.slice(0, SUMMARY_ROWS).map((f) => [
    code(`${f.package}@${f.version || '?'}`),
    f.ids.filter((id) => !/^\d+$/.test(id)).map((id) => code(id)).join(' '),
    f.fixedIn ? code(f.fixedIn) : 'none named',
  ]);
  return (
    `### ${unknown.length} finding(s) without a severity: \`fail-on\` cannot apply\n\n` +
    `${md(why)}, so \`fail-on: ${o.failOn}\` has nothing to compare. ` +
    (failing
      ? 'With `unknown-severity: fail` (the default) each one fails the gate at every `fail-on` level. '
      : 'With `unknown-severity: warn` they are reported as warnings and do not fail the gate. ') +
    'Decide each one: upgrade to the fixed version; or, after reading the advisory (its GHSA or CVE id below), ' +
    'accept it with an exception on any of its ids (reason, owner, expiry), which keeps the decision recorded and dated' +
    (failing ? '; or set `unknown-severity: warn` to report unrated findings without failing.' : '.') +
    `\n\n${table(['package', 'ids (any one works in an exception)', 'fixed in'], rows)}` +
    (unknown.length > rows.length ? `\n\nShowing ${rows.length} of ${unknown.length}; the evidence record lists more.` : '')
  );
}

const DETAIL_FINDINGS = 50;
const SUMMARY_ROWS = 20;

export async function runAuditGate(o: AuditOptions, rt: GateRuntime): Promise<GateReport> {
  const clock = startClock();
  const shownDir = repoRelative(o.workingDirectory, rt.workspace) || '.';
  const shownExceptions = repoRelative(o.exceptionsFile, rt.workspace);
  // Read first: a malformed exceptions file is a configuration error whatever the audit finds.
  const entries = loadExceptions(o.exceptionsFile, o.exceptionsFileExplicit, shownExceptions);
  const ecosystem = detectEcosystem(o.workingDirectory, o.ecosystem, shownDir);

  const run = await rt.log.group(`audit (${ecosystem}) in ${shownDir}`, async (): Promise<ToolRun> => {
    try {
      return ecosystem === 'npm' ? await runNpmAudit(o, rt) : await runPipAudit(o, rt);
    } catch (error) {
      if (error instanceof ConfigurationError) throw error;
      const tool = ecosystem === 'npm' ? 'npm audit' : 'pip-audit';
      return { tool, version: '', manifest: '', findings: [], toolError: (error as Error).message };
    }
  });

  if (run.toolError) run.toolError = redactUrlCredentials(run.toolError);
  const merged = mergeCopies(run.findings);
  const ledger = new ExceptionLedger(entries, 'audit', o.now);
  const j = judgeFindings(run.toolError ? [] : merged, o, ledger);
  // A tool that failed reported nothing: no exception was tested against anything, so none is
  // "unused" (telling the user to remove every exception after a network failure would be wrong).
  const exceptionsEvaluated = !run.toolError;
  const auditEntries = entries.filter((e) => e.kind === 'id' && (e.gate === undefined || e.gate === 'audit')).length;
  if (!exceptionsEvaluated) j.exceptions = { applied: [], expired: [], unused: [] };
  const inScope = [...j.blocking, ...j.belowThreshold];
  const bySeverity = (s: Severity) => inScope.filter((f) => f.severity === s).length;
  const metrics: Record<string, number> = {
    critical: bySeverity('critical'),
    high: bySeverity('high'),
    moderate: bySeverity('moderate'),
    low: bySeverity('low'),
    info: bySeverity('info'),
    unknown: bySeverity('unknown'),
    suppressed: j.suppressed.length,
    total: inScope.length + j.suppressed.length,
    blocking: j.blocking.length,
    outOfScope: j.outOfScope.length,
    expiredExceptions: j.exceptions.expired.length,
    unusedExceptions: j.exceptions.unused.length,
  };
  if (run.dependencies !== undefined) metrics.dependencies = run.dependencies;

  const findings: Finding[] = [];
  const file = run.manifest || undefined;
  const blockingSet = new Set(j.blocking);
  for (const f of inScope) {
    findings.push({
      severity: blockingSet.has(f) ? 'error' : f.severity === 'unknown' ? 'warning' : 'notice',
      message: findingMessage(f, o.unknownSeverity),
      ...(file ? { file } : {}),
      ...(file && f.line ? { line: f.line } : {}),
      rule: f.advisoryId,
    });
  }
  const expiredCounts = new Map<ExceptionEntry, VulnFinding[]>();
  for (const { finding, entry } of j.expiredMatches) expiredCounts.set(entry, [...(expiredCounts.get(entry) ?? []), finding]);
  for (const [entry, hits] of expiredCounts) {
    findings.push({
      severity: 'error',
      message: `exception ${entry.key} (owner ${entry.owner}) expired on ${entry.expires} and no longer suppresses ${hits.map((h) => `${h.package}@${h.version}`).join(', ')}: renew it with a new date and reason, or fix the dependency`,
      ...whereOf(entry, rt.workspace),
      rule: 'expired-exception',
    });
  }
  for (const entry of j.exceptions.unused) {
    if (cannotMatch(entry, ecosystem)) {
      findings.push({
        severity: 'warning',
        message:
          `exception ${entry.key} (owner ${entry.owner}) cannot match an npm finding: npm's advisory data (the registry's bulk advisory answer and npm audit's report) carries GHSA ids and npm's numeric advisory ids, no CVE ids. ` +
          `List the advisory's GHSA id instead (https://github.com/advisories?query=${encodeURIComponent(entry.key)}); CVE ids match pip-audit findings only`,
        ...whereOf(entry, rt.workspace),
        rule: 'cve-exception-npm',
      });
      continue;
    }
    findings.push({
      severity: 'warning',
      message: `exception ${entry.key} (owner ${entry.owner}, expires ${entry.expires}) matches no ${o.scope === 'runtime' ? 'runtime ' : ''}vulnerability: remove it`,
      ...whereOf(entry, rt.workspace),
      rule: 'unused-exception',
    });
  }
  const reg = run.registry;
  if (reg?.projectOverride) {
    const po = reg.projectOverride;
    findings.push({
      severity: 'warning',
      message:
        `${po.file} sets the npm registry to ${reg.url} (npm would otherwise use ${po.instead}) and input "registry" is empty: npm audit asked that server for advisories, and its answer decides this gate. ` +
        `If it is your mirror, set input "registry" to it (the input overrides every .npmrc); if not, remove the line`,
      file: po.file,
      ...(po.line ? { line: po.line } : {}),
      rule: 'npmrc-registry',
    });
  }
  if (reg?.error) {
    findings.push({ severity: 'warning', message: `could not tell which registry npm asks for advisories: ${reg.error}`, rule: 'registry-unknown' });
  }
  for (const s of run.skipped ?? []) {
    findings.push({ severity: 'warning', message: `pip-audit could not audit ${s.name}: ${s.reason}`, ...(file ? { file } : {}), rule: 'not-audited' });
  }

  let status: GateReport['status'];
  let summary: string;
  const from = reg ? `; advisories from ${reg.url || 'an unknown registry'} (${reg.projectOverride ? `set by ${reg.projectOverride.file}, see warning` : reg.source})` : '';
  const counts = `${metrics.critical} critical, ${metrics.high} high, ${metrics.moderate} moderate, ${metrics.low} low${metrics.unknown ? `, ${metrics.unknown} unrated` : ''}; ${metrics.suppressed} suppressed`;
  if (run.toolError) {
    status = 'error';
    summary = `${run.tool} could not audit the dependencies: ${run.toolError}${from}`;
  } else if (j.blocking.length > 0 || j.exceptions.expired.length > 0) {
    status = 'fail';
    const parts: string[] = [];
    const unrated = j.blocking.filter((f) => f.severity === 'unknown').length;
    const rated = j.blocking.length - unrated;
    if (rated > 0) parts.push(`${rated} vulnerabilit${rated === 1 ? 'y' : 'ies'} at or above ${o.failOn}`);
    if (unrated > 0) parts.push(`${unrated} without a severity, which fail-on cannot judge (unknown-severity: fail)`);
    if (j.exceptions.expired.length > 0) parts.push(`expired exception(s): ${j.exceptions.expired.map((e) => e.key).join(', ')}`);
    summary = `${run.tool}: ${parts.join('; ')} (${counts})${from}`;
  } else {
    status = 'pass';
    summary = `${run.tool}: nothing at or above ${o.failOn} (${counts})${from}`;
  }

  const sections: string[] = [];
  const depText = run.dependencies !== undefined ? `${run.dependencies} dependencies` : 'the dependencies';
  sections.push(
    `Audited ${depText} with ${md(run.tool)} ${run.version ? code(run.version) : ''} from ${run.manifest ? code(run.manifest) : 'the environment'}; ` +
      `fails on ${code(o.failOn)} and above; scope ${code(o.scope)}` +
      (j.outOfScope.length > 0 ? ` (${j.outOfScope.length} dev-only finding(s) not counted)` : '') +
      '. Vulnerabilities are counted once per package version and advisory.',
  );
  if (reg) {
    sections.push(`Advisories were requested from ${reg.url ? code(reg.url) : 'a registry npm did not name'} (${reg.source === 'input "registry"' ? 'input `registry`' : md(reg.source)}).`);
  }
  if (reg?.projectOverride) {
    const po = reg.projectOverride;
    sections.push(
      `### ⚠️ Registry set by ${code(po.file)}\n\n` +
        `Input \`registry\` is empty, so npm took its registry from ${code(po.file)}: ${code(reg.url)} instead of ${code(po.instead)}. ` +
        'That server answered the advisory query, and whatever it answers decides this gate. ' +
        'If it is your mirror, set input `registry` to it (the input overrides every `.npmrc`); if not, remove the setting.',
    );
  }
  if (reg?.error) sections.push(`Could not tell which registry npm asks for advisories: ${md(reg.error)}`);
  if (run.toolError) sections.push(`### Tool failure\n\n${codeBlock(run.toolError)}`);
  const unknown = inScope.filter((f) => f.severity === 'unknown');
  if (unknown.length > 0) sections.push(unknownSeveritySection(unknown, run.tool, o));
  const exRows: string[][] = [];
  const suppressedCounts = new Map<ExceptionEntry, number>();
  for (const { entry } of j.suppressed) suppressedCounts.set(entry, (suppressedCounts.get(entry) ?? 0) + 1);
  for (const e of j.exceptions.expired) exRows.push(['❌ expired', code(e.key), md(e.owner), md(e.reason), md(e.expires), String(expiredCounts.get(e)?.length ?? 0)]);
  for (const e of j.exceptions.applied) exRows.push(['✅ applied', code(e.key), md(e.owner), md(e.reason), md(e.expires), String(suppressedCounts.get(e) ?? 0)]);
  for (const e of j.exceptions.unused) exRows.push([cannotMatch(e, ecosystem) ? '⚠️ CVE id: npm cannot match' : '⚠️ unused', code(e.key), md(e.owner), md(e.reason), md(e.expires), '0']);
  if (!exceptionsEvaluated && auditEntries > 0) {
    sections.push(`${auditEntries} exception(s) in ${code(shownExceptions)} were not evaluated: ${md(run.tool)} did not produce a report to match them against.`);
  }
  if (exRows.length > 0) {
    const shown = exRows.slice(0, SUMMARY_ROWS);
    sections.push(
      `### Exceptions (${exRows.length}) from ${code(shownExceptions)}\n\n${table(['state', 'id', 'owner', 'reason', 'expires', 'matched'], shown)}` +
        (exRows.length > shown.length ? `\n\nShowing ${shown.length} of ${exRows.length}; the evidence record lists all.` : ''),
    );
  }

  const details: Record<string, unknown> = {
    ecosystem,
    manifest: run.manifest,
    failOn: o.failOn,
    scope: o.scope,
    unknownSeverity: o.unknownSeverity ?? 'fail',
    findingsTotal: inScope.length,
    findings: inScope.slice(0, DETAIL_FINDINGS).map(detailFinding),
    suppressed: j.suppressed.slice(0, DETAIL_FINDINGS).map(({ finding, entry }) => ({ ...detailFinding(finding), exception: entry.key })),
    exceptions: {
      file: shownExceptions,
      evaluated: exceptionsEvaluated,
      entries: auditEntries,
      applied: j.exceptions.applied.map((e) => exceptionRecord(e, rt.workspace, suppressedCounts.get(e) ?? 0)),
      expired: j.exceptions.expired.map((e) => exceptionRecord(e, rt.workspace, expiredCounts.get(e)?.length ?? 0)),
      unused: j.exceptions.unused.map((e) => ({ ...exceptionRecord(e, rt.workspace), ...(cannotMatch(e, ecosystem) ? { cannotMatch: 'npm findings carry no CVE ids' } : {}) })),
    },
    ...(run.npmCounts ? { npmReportedPackages: run.npmCounts } : {}),
    ...(reg ? { registry: reg } : {}),
    ...(run.skipped && run.skipped.length > 0 ? { notAudited: run.skipped.slice(0, DETAIL_FINDINGS) } : {}),
  };

  return {
    gate: 'audit',
    status,
    summary,
    tool: { name: run.tool, version: run.version, ...(run.configSha256 ? { configSha256: run.configSha256 } : {}) },
    metrics,
    findings,
    details,
    startedAt: clock.startedAt,
    durationMs: clock.elapsed(),
    outputs: {
      critical: metrics.critical!,
      high: metrics.high!,
      moderate: metrics.moderate!,
      low: metrics.low!,
      suppressed: metrics.suppressed!,
      total: metrics.total!,
      blocking: metrics.blocking!,
    },
    summarySections: sections,
  };
}
