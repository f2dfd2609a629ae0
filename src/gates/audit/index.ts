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
import { ConfigurationError } from '../../core/errors.js';
import { ExceptionLedger } from '../../core/exceptions.js';
import { startClock, type GateReport, type GateRuntime } from '../../core/gate.js';
import { exceptionsInForce, npmrcChangedByChange } from './exceptions.js';
import { auditVerdict, judgeFindings, mergeCopies } from './judge.js';
import { NPM_LOCKS, runNpmAudit } from './npm.js';
import type { AuditOptions, ToolRun } from './options.js';
import { runPipAudit } from './python.js';
import { redactUrlCredentials } from './registry.js';
import { auditDetails, auditFindings, auditMetrics, auditSections, type AuditOutcome } from './render.js';

export { FAIL_ON_LEVELS } from './model.js';
export { AUDIT_ECOSYSTEMS, AUDIT_SCOPES, UNKNOWN_SEVERITY_MODES, type AuditOptions, type RegistryUse } from './options.js';
export { judgeFindings, mergeCopies, type Judgement } from './judge.js';
export { findingMessage } from './render.js';
export { redactUrlCredentials } from './registry.js';

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


async function runTool(ecosystem: 'npm' | 'python', opts: AuditOptions, runtime: GateRuntime): Promise<ToolRun> {
  const shownDir = repoRelative(opts.workingDirectory, runtime.workspace) || '.';
  return runtime.log.group(`audit (${ecosystem}) in ${shownDir}`, async (): Promise<ToolRun> => {
    try {
      return ecosystem === 'npm' ? await runNpmAudit(opts, runtime) : await runPipAudit(opts, runtime);
    } catch (error) {
      if (error instanceof ConfigurationError) throw error;
      const tool = ecosystem === 'npm' ? 'npm audit' : 'pip-audit';
      return { tool, version: '', manifest: '', findings: [], toolError: (error as Error).message };
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
  const run = await runTool(ecosystem, opts, runtime);
  if (run.toolError) run.toolError = redactUrlCredentials(run.toolError);
  const untrusted = run.toolError ? undefined : await untrustedRegistry(run, opts, runtime);

  // Judge.
  const ledger = new ExceptionLedger(exceptions.entries, 'audit', opts.now, opts.maxExceptionDays);
  const judgement = judgeFindings(run.toolError ? [] : mergeCopies(run.findings), opts, ledger);
  // A tool that failed reported nothing: no exception was tested against anything, so none is
  // "unused" (telling the user to remove every exception after a network failure would be wrong).
  if (run.toolError) judgement.exceptions = { applied: [], expired: [], beyondCap: [], unused: [] };
  const auditEntries = exceptions.entries.filter((e) => e.kind === 'id' && (e.gate === undefined || e.gate === 'audit')).length;
  const outcome: AuditOutcome = { opts, ecosystem, run, judgement, exceptions, shownExceptions, workspace: runtime.workspace, auditEntries, ...(untrusted ? { untrusted } : {}) };
  const metrics = auditMetrics(outcome);
  const reg = run.registry;
  const from = reg ? `; advisories from ${reg.url || 'an unknown registry'} (${reg.projectOverride ? `set by ${reg.projectOverride.file}, see warning` : reg.source})` : '';
  const counts = `${metrics.critical} critical, ${metrics.high} high, ${metrics.moderate} moderate, ${metrics.low} low${metrics.unknown ? `, ${metrics.unknown} unrated` : ''}; ${metrics.suppressed} suppressed`;
  const verdict = auditVerdict(judgement, {
    tool: run.tool,
    failOn: opts.failOn,
    counts,
    from,
    ...(run.toolError ? { toolError: run.toolError } : {}),
    ...(untrusted ? { untrusted } : {}),
    ...(opts.maxExceptionDays !== undefined ? { maxExceptionDays: opts.maxExceptionDays } : {}),
  });

  // Render.
  return {
    gate: 'audit',
    status: verdict.status,
    summary: verdict.summary,
    tool: { name: run.tool, version: run.version, ...(run.configSha256 ? { configSha256: run.configSha256 } : {}) },
    metrics,
    findings: auditFindings(outcome),
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
