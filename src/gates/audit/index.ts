/**
 * The audit gate: known-vulnerable dependencies, normalised from npm audit or pip-audit.
 *
 *   collect  the exceptions in force (base commit on pull requests: exceptions.ts), the tool's
 *            report (npm.ts, python.ts), the registry that answered (registry.ts)
 *   judge    judge.ts, pure: blocking / below threshold / suppressed / expired / beyond the cap
 *   render   render.ts: findings (annotations), summary sections and the record's details
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRelative } from '../../core/annotations.js';
import { ConfigurationError, ToolError } from '../../core/errors.js';
import { ExceptionLedger } from '../../core/exceptions.js';
import { startClock, verdictWithProblems, type GateReport, type GateRuntime } from '../../core/gate.js';
import { exceptionsInForce, npmrcChangedByChange } from './exceptions.js';
import { baseLockfile, splitByBase, type SplitFindings } from './introduced.js';
import { auditSummary, judgeFindings, mergeCopies, notUnusedOnBase } from './judge.js';
import { AuditToolError, NPM_LOCKS, runNpmAudit } from './npm.js';
import { runPipAudit } from './python.js';
import { redactUrlCredentials } from './registry.js';
import { auditDetails, auditFindings, auditMetrics, auditSections, type AuditOutcome, type BaseComparison } from './render.js';
import type { AuditOptions, ToolRun } from './options.js';

export { FAIL_ON_LEVELS } from './model.js';
export { AUDIT_ADVISORIES, AUDIT_ECOSYSTEMS, AUDIT_SCOPES, UNKNOWN_SEVERITY_MODES, type AuditOptions, type RegistryUse } from './options.js';
export { judgeFindings, mergeCopies, type Judgement } from './judge.js';
export { findingMessage } from './render.js';
export { redactUrlCredentials } from './registry.js';

const PYTHON_MANIFESTS = ['requirements.txt', 'pyproject.toml'];

export function detectEcosystem(dir: string, choice: AuditOptions['ecosystem'], shownDir: string): 'npm' | 'python' {
  if (choice !== 'auto') return choice;
  const npm = NPM_LOCKS.some((f) => existsSync(join(dir, f)));
  const python = PYTHON_MANIFESTS.some((f) => existsSync(join(dir, f)));
  if (npm && python) {
    throw new ConfigurationError(
      `input "ecosystem" is auto, but ${shownDir} has both an npm lockfile and a Python manifest: set ecosystem to npm or python (one audit step per ecosystem)`,
    );
  }
  if (npm) return 'npm';
  if (python) return 'python';
  if (existsSync(join(dir, 'package.json'))) {
    throw new ConfigurationError(
      `${shownDir}/package.json has no package-lock.json next to it: npm audit reads the lockfile; create it with "npm install --package-lock-only", commit it, or set input "working-directory"`,
    );
  }
  throw new ConfigurationError(
    `input "ecosystem" is auto, but ${shownDir} has none of ${[...NPM_LOCKS, ...PYTHON_MANIFESTS].join(', ')}: set "working-directory" to the folder with the lockfile, or set "ecosystem" to npm or python`,
  );
}

/** The tool's report, or what is known of a run that produced none and why (a ToolError: could not judge). */
async function runTool(ecosystem: 'npm' | 'python', opts: AuditOptions, runtime: GateRuntime): Promise<{ run: ToolRun; problem?: string }> {
  const shownDir = repoRelative(opts.workingDirectory, runtime.workspace) || '.';
  return runtime.log.group(`audit (${ecosystem}) in ${shownDir}`, async () => {
    try {
      return { run: ecosystem === 'npm' ? await runNpmAudit(opts, runtime) : await runPipAudit(opts, runtime) };
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      const tool = ecosystem === 'npm' ? 'npm audit' : 'pip-audit';
      const ran = error instanceof AuditToolError && error.ran ? error.ran : { tool, version: '', manifest: '' };
      return { run: { ...ran, findings: [] }, problem: redactUrlCredentials(error.message) };
    }
  });
}

/** On a pull request, a registry set by a repository .npmrc that the base commit does not set is the change's own choice. */
async function untrustedRegistry(run: ToolRun, opts: AuditOptions, runtime: GateRuntime): Promise<string | undefined> {
  const override = run.registry?.projectOverride;
  if (!override || opts.baseCommit === undefined) return undefined;
  if (!(await npmrcChangedByChange(runtime.workspace, opts.baseCommit, override.file, join(runtime.workspace, override.file)))) return undefined;
  return `the advisories came from ${run.registry!.url}, which ${override.file} sets in this change (the base commit ${opts.baseCommit.slice(0, 12)} does not): a change cannot choose the server that judges it; set input "registry"`;
}

/**
 * advisories: introduced: split the reported copies into those the change brings in and those
 * the base commit's lockfile already has. Without a base (a push) everything is judged, and said.
 */
async function compareWithBase(run: ToolRun, opts: AuditOptions, runtime: GateRuntime): Promise<{ split: SplitFindings; comparison: BaseComparison }> {
  const all = { introduced: run.findings, existing: [] };
  if (opts.baseCommit === undefined)
    return {
      split: all,
      comparison: {
        note: 'advisories: introduced compares a pull request or merge group with its base commit; this event has none, so every advisory is judged',
      },
    };
  const base = await baseLockfile(runtime.workspace, opts.baseCommit, run.manifest);
  if ('none' in base || !run.lockfile)
    return { split: all, comparison: { commit: base.commit, note: 'none' in base ? base.none : 'the lockfile could not be read' } };
  return { split: splitByBase(run.findings, run.lockfile, base.lock), comparison: { commit: base.commit, lockfile: run.manifest } };
}

export async function runAuditGate(opts: AuditOptions, runtime: GateRuntime): Promise<GateReport> {
  const clock = startClock();
  const shownDir = repoRelative(opts.workingDirectory, runtime.workspace) || '.';
  const shownExceptions = repoRelative(opts.exceptionsFile, runtime.workspace);
  const rel = shownExceptions.startsWith('/') ? undefined : shownExceptions;
  // Collect. The exceptions first: a malformed file is a configuration error whatever the audit finds.
  const exceptions = await exceptionsInForce(
    { path: opts.exceptionsFile, shown: shownExceptions, explicit: opts.exceptionsFileExplicit, ...(rel !== undefined ? { rel } : {}) },
    opts.baseCommit,
    runtime.workspace,
    runtime.log,
  );
  const ecosystem = detectEcosystem(opts.workingDirectory, opts.ecosystem, shownDir);
  const introducedOnly = opts.advisories === 'introduced';
  if (introducedOnly && ecosystem === 'python') {
    throw new ConfigurationError(
      'input "advisories" is introduced, which compares the package-lock.json of the change with the base commit\'s; the python audit has no lockfile to compare: set advisories to all',
    );
  }
  const { run, problem } = await runTool(ecosystem, opts, runtime);
  const problems = problem ? [problem] : [];
  const untrusted = problem ? undefined : await untrustedRegistry(run, opts, runtime);
  if (untrusted) problems.push(untrusted);
  let split: SplitFindings = { introduced: run.findings, existing: [] };
  let comparison: BaseComparison | undefined;
  if (introducedOnly && !problem) {
    try {
      ({ split, comparison } = await compareWithBase(run, opts, runtime));
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      problems.push(error.message);
    }
  }

  // Judge.
  const ledger = new ExceptionLedger(exceptions.entries, 'audit', opts.now, opts.maxExceptionDays);
  const existing = mergeCopies(split.existing).filter((f) => opts.scope === 'all' || !f.dev);
  let judgement = notUnusedOnBase(judgeFindings(problem ? [] : mergeCopies(split.introduced), opts, ledger), existing);
  // A tool that failed reported nothing: no exception was tested against anything, so none is
  // "unused" (telling the user to remove every exception after a network failure would be wrong).
  if (problem) judgement = { ...judgement, exceptions: { applied: [], expired: [], beyondCap: [], unused: [] } };
  const auditEntries = exceptions.entries.filter((e) => e.kind === 'id' && (e.gate === undefined || e.gate === 'audit')).length;
  const outcome: AuditOutcome = {
    opts,
    ecosystem,
    run,
    judgement,
    exceptions,
    shownExceptions,
    workspace: runtime.workspace,
    auditEntries,
    ...(problem ? { toolFailure: problem } : {}),
    ...(untrusted ? { untrusted } : {}),
    ...(introducedOnly ? { introduced: { existing, ...(comparison ? { comparison } : {}) } } : {}),
  };
  const metrics = auditMetrics(outcome);
  const findings = auditFindings(outcome);
  // The lockfile (or environment) the tool read is what was examined; a run that read nothing is a problem above.
  const status = verdictWithProblems({ problems, findings, examined: 1 });
  const reg = run.registry;
  const from = reg
    ? `; advisories from ${reg.url || 'an unknown registry'} (${reg.projectOverride ? `set by ${reg.projectOverride.file}, see warning` : reg.source})`
    : '';
  const onBase = introducedOnly && comparison?.lockfile ? `; ${existing.length} existing on the base commit, not judged (advisories: introduced)` : '';
  const counts = `${metrics.critical} critical, ${metrics.high} high, ${metrics.moderate} moderate, ${metrics.low} low${metrics.unknown ? `, ${metrics.unknown} unrated` : ''}; ${metrics.suppressed} suppressed${onBase}`;
  const summary = auditSummary(status, judgement, {
    tool: run.tool,
    problems,
    noReport: Boolean(problem),
    failOn: opts.failOn,
    counts,
    from,
    ...(opts.maxExceptionDays !== undefined ? { maxExceptionDays: opts.maxExceptionDays } : {}),
  });

  // Render.
  return {
    gate: 'audit',
    status,
    summary,
    tool: { name: run.tool, version: run.version, ...(run.configSha256 ? { configSha256: run.configSha256 } : {}) },
    metrics,
    findings,
    details: auditDetails(outcome),
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
    summarySections: auditSections(outcome),
  };
}
