/**
 * Reads `pip-audit --format json`: `{"dependencies": [{name, version, vulns: [{id, fix_versions,
 * aliases?, description?}]} | {name, skip_reason}], "fixes": [...]}` (pip-audit 2), or the bare
 * list of dependencies older releases printed. pip-audit gives no severity: a finding takes its
 * severity from a CVSS score when one is present (some mirrors add `severity`/`cvss`), else it is
 * "unknown", which the gate treats as meeting every threshold.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRelative } from '../../core/annotations.js';
import { describeExit, execTool, lastLines } from '../../core/exec.js';
import { sha256File } from '../../core/files.js';
import { ghsaFrom, parseSeverityWord, severityFromCvss, type Severity, type VulnFinding } from './model.js';
import { AuditToolError, toolVersion } from './npm.js';
import { redactUrlCredentials } from './registry.js';
import type { GateRuntime } from '../../core/gate.js';
import type { AuditOptions, ToolRun } from './options.js';

interface PipVuln {
  id: string;
  fix_versions?: string[];
  aliases?: string[];
  description?: string;
  severity?: unknown;
  cvss?: { score?: number } | number;
}

interface PipDependency {
  name: string;
  version?: string;
  vulns?: PipVuln[];
  skip_reason?: string;
}

export interface PipAuditResult {
  findings: VulnFinding[];
  /** Dependencies pip-audit could not check, with its reason (not auditable is not clean). */
  skipped: { name: string; reason: string }[];
  dependencies: number;
}

/** PEP 503 normalised name, for matching requirement lines to pip-audit's canonical names. */
export function canonicalName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The names a requirements file lists directly (no -r includes followed, options skipped). */
export function requirementNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (line === '' || line.startsWith('#') || line.startsWith('-')) continue;
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line);
    if (m) out.add(canonicalName(m[1]!));
  }
  return out;
}

function vulnSeverity(v: PipVuln): { severity: Severity; source: VulnFinding['severitySource']; score?: number } {
  const word = parseSeverityWord(v.severity);
  const score = typeof v.cvss === 'number' ? v.cvss : typeof v.cvss?.score === 'number' ? v.cvss.score : undefined;
  if (word) return { severity: word, source: 'advisory', ...(score ? { score } : {}) };
  const fromCvss = severityFromCvss(score);
  if (fromCvss) return { severity: fromCvss, source: 'cvss', score: score! };
  return { severity: 'unknown', source: 'none' };
}

function lowestVersion(versions: string[]): string | undefined {
  const parsed = versions.map((v) => ({ v, parts: v.split(/[.+-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p)) }));
  parsed.sort((a, b) => {
    for (let i = 0; i < Math.max(a.parts.length, b.parts.length); i++) {
      const x = a.parts[i] ?? 0;
      const y = b.parts[i] ?? 0;
      if (x === y) continue;
      if (typeof x === 'number' && typeof y === 'number') return x - y;
      return String(x) < String(y) ? -1 : 1;
    }
    return 0;
  });
  return parsed[0]?.v;
}

/**
 * Parses pip-audit's JSON. `direct` is the set of canonical names listed in the requirements
 * file (undefined when auditing an environment: every package then counts as direct).
 */
export function parsePipAuditJson(stdout: string, direct?: Set<string>): PipAuditResult {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    throw new AuditToolError(`pip-audit did not print JSON (first bytes: ${JSON.stringify(stdout.slice(0, 120))})`);
  }
  const deps = Array.isArray(data) ? data : (data as { dependencies?: unknown } | null)?.dependencies;
  if (!Array.isArray(deps)) throw new AuditToolError('pip-audit JSON has no "dependencies" list');
  const findings: VulnFinding[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const [i, raw] of deps.entries()) {
    const d = raw as PipDependency;
    if (!d || typeof d !== 'object' || typeof d.name !== 'string') throw new AuditToolError(`pip-audit JSON dependency #${i + 1} has no name`);
    if (typeof d.skip_reason === 'string') {
      skipped.push({ name: d.name, reason: d.skip_reason });
      continue;
    }
    if (!Array.isArray(d.vulns)) throw new AuditToolError(`pip-audit JSON dependency ${d.name} has no "vulns" list`);
    for (const v of d.vulns) {
      if (!v || typeof v.id !== 'string') throw new AuditToolError(`pip-audit JSON lists a vulnerability of ${d.name} without an id`);
      const aliases = Array.isArray(v.aliases) ? v.aliases.filter((a): a is string => typeof a === 'string') : [];
      const ids = [...new Set([v.id, ...aliases])];
      const ghsa = ids.map((x) => ghsaFrom(x)).find(Boolean);
      const fixVersions = Array.isArray(v.fix_versions) ? v.fix_versions.filter((x): x is string => typeof x === 'string') : [];
      const fixedIn = lowestVersion(fixVersions);
      const { severity, source, score } = vulnSeverity(v);
      const name = canonicalName(d.name);
      const description = typeof v.description === 'string' ? v.description.trim().split(/\r?\n/)[0]!.slice(0, 200) : '';
      findings.push({
        ecosystem: 'python',
        package: d.name,
        version: typeof d.version === 'string' ? d.version : '',
        advisoryId: ghsa ?? v.id,
        ids,
        title: description || v.id,
        url: ghsa ? `https://github.com/advisories/${ghsa}` : `https://osv.dev/vulnerability/${encodeURIComponent(v.id)}`,
        severity,
        severitySource: source,
        ...(score !== undefined ? { cvssScore: score } : {}),
        ...(fixedIn ? { fixedIn } : {}),
        ...(fixVersions.length > 0 ? { fix: `upgrade ${d.name} to ${fixVersions.join(' or ')}` } : { fix: 'no fixed version published' }),
        path: [d.name],
        direct: direct ? direct.has(name) : true,
        dev: false,
      });
    }
  }
  return { findings, skipped, dependencies: deps.length };
}

// ---- running pip-audit ---------------------------------------------------------------------

/** Runs pip-audit on requirements.txt, pyproject.toml or the current environment. */
export async function runPipAudit(opts: AuditOptions, runtime: GateRuntime): Promise<ToolRun> {
  const pipAudit = opts.pipAuditCommand ?? 'pip-audit';
  const hint = 'the python audit runs pip-audit: "pip install pip-audit" before this step';
  const requirements = join(opts.workingDirectory, 'requirements.txt');
  const pyproject = join(opts.workingDirectory, 'pyproject.toml');
  const args = ['--format', 'json', '--progress-spinner', 'off'];
  let manifest = '';
  let direct: Set<string> | undefined;
  let configSha256: string | undefined;
  if (existsSync(requirements)) {
    args.push('-r', requirements);
    manifest = repoRelative(requirements, runtime.workspace);
    direct = requirementNames(readFileSync(requirements, 'utf8'));
    configSha256 = sha256File(requirements);
  } else if (existsSync(pyproject)) {
    args.push(opts.workingDirectory);
    manifest = repoRelative(pyproject, runtime.workspace);
    configSha256 = sha256File(pyproject);
  }
  if (opts.registry) args.push('--index-url', opts.registry);
  // Asked beside the audit, awaited before anything is reported.
  const versionProbe = toolVersion(pipAudit, opts.workingDirectory, { tool: 'pip-audit', text: hint });
  versionProbe.catch(() => undefined);
  runtime.log.info(`pip-audit ${args.map(redactUrlCredentials).join(' ')}`);
  const r = await execTool(pipAudit, args, { cwd: opts.workingDirectory, timeoutMs: opts.timeoutMs, installHint: hint });
  const base = { tool: 'pip-audit', version: await versionProbe, manifest, ...(configSha256 ? { configSha256 } : {}) };
  runtime.log.untrusted(lastLines(r.stderr, 20));
  // pip-audit: 0 = no known vulnerabilities, 1 = vulnerabilities found or a failure (then no JSON).
  if (r.timedOut || r.signal || (r.exitCode !== 0 && r.exitCode !== 1)) {
    throw new AuditToolError(`pip-audit ${describeExit(r)}: ${lastLines(`${r.stderr}\n${r.stdout}`, 5) || '(no output)'}`, false, base);
  }
  let parsed: ReturnType<typeof parsePipAuditJson>;
  try {
    parsed = parsePipAuditJson(r.stdout, direct);
  } catch (error) {
    if (!(error instanceof AuditToolError)) throw error;
    throw new AuditToolError(`${error.message}${r.stderr ? `; stderr: ${lastLines(r.stderr, 3)}` : ''}`, false, base);
  }
  if (r.exitCode === 1 && parsed.findings.length === 0) {
    throw new AuditToolError(`pip-audit exited with code 1 but reports no vulnerability: ${lastLines(r.stderr, 5) || '(no error output)'}`, false, base);
  }
  return { ...base, findings: parsed.findings, dependencies: parsed.dependencies, skipped: parsed.skipped };
}
