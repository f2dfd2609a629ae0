/**
 * The secrets gate: gitleaks over exactly the commits of the pull request or push (or the
 * working tree, or the whole history).
 *   collect  scan.ts    plan the range (range.ts), read the policy (policy.ts), run gitleaks
 *   judge    judge.ts   suppressions, then pass / fail / error / skipped (pure)
 *   render   render.ts  summary sections, evidence details, SARIF and report files
 * Could-not-judge is one ToolError (git, gitleaks, policy files); it becomes status `error`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ToolError } from '../../core/errors.js';
import { sha256File } from '../../core/files.js';
import { startClock, type GateReport, type GateRuntime } from '../../core/gate.js';
import { gitleaksVersion } from './gitleaks.js';
import { applySuppressions, judgeSecrets, toEvidenceFindings } from './judge.js';
import { checkoutPolicy, policyAt, type AppliedPolicy, type PolicyFiles } from './policy.js';
import { gitIn, planScan, resolvePlan, type RepositoryLocation, type ScanEvent, type ScanPlan, type SecretsScope } from './range.js';
import { renderDetails, renderSections, writeReportFiles } from './render.js';
import { scanCommits, scanTree, type ScanContext, type ScanResult } from './scan.js';
import type { ExceptionEntry } from '../../core/exceptions.js';

export { SECRETS_SCOPES, type SecretsScope } from './range.js';
export { LEAKS_EXIT_CODE } from './gitleaks.js';

export interface SecretsOptions {
  /** Absolute path of the gitleaks executable (resolved by src/tools/gitleaks.ts). */
  gitleaks: string;
  scope: SecretsScope;
  event: ScanEvent;
  /** The repository checkout. */
  repoDir: string;
  /** How to name repoDir in messages (and which input moves it). */
  repoLocation?: RepositoryLocation;
  /** Config, .gitleaksignore, baseline and exceptions: read from the base commit on range scans. */
  policy: PolicyFiles;
  now: Date;
  /** Where sarif and report files go. */
  outputDir: string;
  timeoutMs: number;
}

interface Collected {
  scan?: ScanResult;
  toolError?: string;
  /** The policy the scan obeyed: the base commit's on range scans, else the checkout's. */
  policy: AppliedPolicy;
  configSha256?: string;
}

async function scanPlan(opts: SecretsOptions, runtime: GateRuntime, plan: ScanPlan, scratch: string, collected: Collected): Promise<ScanResult> {
  const ctx = (policy: AppliedPolicy): ScanContext => ({
    gitleaks: opts.gitleaks,
    repoDir: opts.repoDir,
    policy,
    log: runtime.log,
    scratch,
    timeoutMs: opts.timeoutMs,
  });
  if (plan.kind === 'nothing')
    return { findings: [], commitsScanned: 0, filesScanned: 0, range: 'none', description: plan.description, skipped: [], withNulBytes: 0, gitleaksRuns: 0 };
  if (plan.kind === 'tree') {
    collected.configSha256 = collected.policy.configPath ? sha256File(collected.policy.configPath) : undefined;
    return scanTree(ctx(collected.policy), plan.description);
  }
  const git = gitIn(opts.repoDir, opts.timeoutMs);
  const resolved = await resolvePlan(git, plan, opts.event, opts.repoLocation);
  if (resolved.kind !== 'commits') throw new Error('unreachable: a commit plan resolved to another kind');
  // A range is judged by what it merges into: its base commit (or the default branch a new
  // branch is compared with). A history scan has no base and obeys the checkout.
  const policyRev = resolved.base ?? resolved.requireRef;
  if (policyRev) collected.policy = await policyAt(opts.policy, git, policyRev, resolved.head, resolved.revs, scratch, runtime.log);
  collected.configSha256 = collected.policy.configPath ? sha256File(collected.policy.configPath) : undefined;
  return scanCommits(ctx(collected.policy), resolved);
}

/** Collect: the scan, or the reason it could not run. The scratch tree never outlives it. */
async function collect(opts: SecretsOptions, runtime: GateRuntime, plan: ScanPlan): Promise<Collected> {
  // The checkout's copy: what history and tree scans obey, and what a range scan falls back to
  // when it stops before reading the base. Bad files are configuration errors either way.
  const collected: Collected = { policy: checkoutPolicy(opts.policy) };
  mkdirSync(runtime.tempDir, { recursive: true });
  const scratch = mkdtempSync(join(runtime.tempDir, 'rs-secrets-'));
  writeFileSync(join(scratch, 'empty.gitleaksignore'), '');
  try {
    collected.scan = await runtime.log.group(`secrets: ${plan.description}`, () => scanPlan(opts, runtime, plan, scratch, collected));
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    collected.toolError = error.message;
  } finally {
    // The scratch tree holds the added lines, secrets included: never leave it behind.
    rmSync(scratch, { recursive: true, force: true });
  }
  return collected;
}

function warnAbout(runtime: GateRuntime, policy: AppliedPolicy, unused: readonly ExceptionEntry[]): void {
  if (policy.changedInRange.length > 0) {
    runtime.log.warning(`this range changes ${policy.changedInRange.join(', ')}: suppressions changed in this range are not applied until merged`);
  }
  for (const e of unused) runtime.log.warning(`exception ${e.where} (fingerprint ${e.key}) matched no finding of this scan: remove it if the secret is gone`);
}

export async function runSecretsGate(opts: SecretsOptions, runtime: GateRuntime): Promise<GateReport> {
  const clock = startClock();
  const plan = planScan(opts.scope, opts.event);
  const versionPromise = plan.kind === 'nothing' ? Promise.resolve('') : gitleaksVersion(opts.gitleaks, opts.timeoutMs);
  const { scan, toolError, policy, configSha256 } = await collect(opts, runtime, plan);
  const version = await versionPromise;

  const judged = applySuppressions(scan?.findings ?? [], policy, opts.now);
  const suppressed = judged.reported.length - judged.open.length;
  const { status, summary } = judgeSecrets({
    ...(toolError !== undefined ? { toolError } : {}),
    ...(plan.kind === 'nothing' ? { nothingToScan: plan.description } : {}),
    range: scan?.range ?? '',
    commitsScanned: scan?.commitsScanned ?? 0,
    filesScanned: scan?.filesScanned ?? 0,
    skipped: scan?.skipped ?? [],
    open: judged.open.length,
    suppressed,
    expired: judged.expired,
  });
  const verdictReached = status === 'pass' || status === 'fail';
  // Nothing was judged on error or skip: every exception would look unused.
  const unused = verdictReached ? judged.unused : [];
  if (scan) warnAbout(runtime, policy, unused);
  const files = writeReportFiles(opts.outputDir, verdictReached, judged.reported, version);

  return {
    gate: 'secrets',
    status,
    summary,
    tool: { name: 'gitleaks', version, ...(configSha256 ? { configSha256 } : {}) },
    metrics: {
      findings: judged.open.length,
      suppressed,
      commitsScanned: scan?.commitsScanned ?? 0,
      filesScanned: scan?.filesScanned ?? 0,
      skipped: scan?.skipped.length ?? 0,
      expiredExceptions: judged.expired.length,
      unusedExceptions: unused.length,
    },
    findings: toEvidenceFindings(judged.open, judged.expiredFor),
    details: renderDetails(opts.scope, plan.kind, scan, policy),
    startedAt: clock.startedAt,
    durationMs: clock.elapsed(),
    outputs: { findings: judged.open.length, 'commits-scanned': scan?.commitsScanned ?? 0, 'sarif-path': files.sarifPath, 'report-path': files.reportPath },
    summarySections: renderSections({
      ...(toolError !== undefined ? { toolError } : {}),
      ...(scan ? { scan } : {}),
      policy,
      version,
      reported: judged.reported,
      expired: judged.expired,
      unused,
      ...(runtime.links ? { links: runtime.links } : {}),
    }),
  };
}
