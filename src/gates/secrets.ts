import { copyFileSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ToolNotFoundError } from '../core/errors.js';
import type { Finding, GateStatus } from '../core/evidence.js';
import { describeExit, execTool, lastLines } from '../core/exec.js';
import { ExceptionLedger, type ExceptionEntry } from '../core/exceptions.js';
import { sha256File } from '../core/files.js';
import { startClock, type GateReport, type GateRuntime } from '../core/gate.js';
import { code, codeBlock, md, table } from '../core/markdown.js';
import { LayeredScratchTree, PatchParser, RESERVED_DIR, reportedScratchPath, type LineOrigin, type SkippedFile } from './secrets/patch.js';
import { checkoutPolicy, GITLEAKSIGNORE, PolicyReadError, policyAt, type AppliedPolicy, type PolicyFiles } from './secrets/policy.js';
import { countCommits, gitIn, planScan, RangeError_, resolvePlan, type RepositoryLocation, type ScanEvent, type ScanPlan, type SecretsScope } from './secrets/range.js';
import {
  fingerprintOf,
  globalFingerprint,
  parseGitleaksReport,
  renderReport,
  renderSarif,
  type RawGitleaksFinding,
  type ReportedFinding,
  type SecretFinding,
} from './secrets/report.js';

export { SECRETS_SCOPES, type SecretsScope } from './secrets/range.js';

/** gitleaks exits with this when it found leaks; any other non-zero exit is gitleaks failing. */
export const LEAKS_EXIT_CODE = 42;

export interface SecretsOptions {
  /** Absolute path of the gitleaks executable. */
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

interface ScanResult {
  findings: SecretFinding[];
  commitsScanned: number;
  filesScanned: number;
  range: string;
  description: string;
  note?: string;
  /** Added content not scanned (binary files, unsafe paths), each counted and shown. */
  skipped: SkippedFile[];
  gitleaksRuns: number;
  base?: string;
  head?: string;
}

class ToolFailure extends Error {}

// eslint-disable-next-line no-control-regex -- gitleaks colours its log lines
const ANSI = /\x1b\[[0-9;]*m/g;

function scanConcurrency(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

async function gitleaksVersion(gitleaks: string, timeoutMs: number): Promise<string> {
  try {
    const r = await execTool(gitleaks, ['version'], { timeoutMs: Math.min(timeoutMs, 60_000) });
    const m = /v?(\d+\.\d+\.\d+[\w.+-]*)/.exec(`${r.stdout}\n${r.stderr}`);
    return r.exitCode === 0 && m ? m[1]! : '';
  } catch {
    return '';
  }
}

/** One `gitleaks dir` run in `cwd` over `.`; returns the parsed (secret-free) findings. */
async function runGitleaksDir(o: SecretsOptions, policy: AppliedPolicy, rt: GateRuntime, cwd: string, scratch: string, n: number): Promise<RawGitleaksFinding[]> {
  const reportPath = join(scratch, `gitleaks-${n}.json`);
  const emptyIgnore = join(scratch, 'empty.gitleaksignore');
  const args = ['dir', '--no-banner', '--no-color', '--redact', '--report-format', 'json', '--report-path', reportPath, '--exit-code', String(LEAKS_EXIT_CODE), '--gitleaks-ignore-path', emptyIgnore];
  if (policy.configPath) args.push('--config', policy.configPath);
  args.push('.');
  const r = await execTool(o.gitleaks, args, {
    cwd,
    timeoutMs: o.timeoutMs,
    maxBuffer: 256 * 1024,
    installHint: 'set input "gitleaks-path" to an installed gitleaks, or leave it empty to install the pinned version',
  });
  const log = lastLines(`${r.stderr}\n${r.stdout}`.replace(ANSI, ''), 10);
  if (log) rt.log.untrusted(log);
  if (r.timedOut || (r.exitCode !== 0 && r.exitCode !== LEAKS_EXIT_CODE)) {
    throw new ToolFailure(`gitleaks ${describeExit(r)}: ${lastLines(`${r.stderr}\n${r.stdout}`.replace(ANSI, ''), 4) || '(no output)'}`);
  }
  let text: string;
  try {
    text = readFileSync(reportPath, 'utf8');
  } catch {
    throw new ToolFailure(`gitleaks ${describeExit(r)} but wrote no report`);
  }
  let findings: RawGitleaksFinding[];
  try {
    findings = parseGitleaksReport(text);
  } catch (error) {
    throw new ToolFailure((error as Error).message);
  } finally {
    rmSync(reportPath, { force: true });
  }
  if (r.exitCode === LEAKS_EXIT_CODE && findings.length === 0) throw new ToolFailure(`gitleaks reported leaks (exit ${LEAKS_EXIT_CODE}) but its report lists none`);
  if (r.exitCode === 0 && findings.length > 0) throw new ToolFailure('gitleaks exited 0 but its report lists findings: it did not honour --exit-code');
  return findings;
}

async function pool<T>(items: readonly T[], width: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

function countFiles(dir: string): number {
  let count = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (e.name !== '.git') walk(join(d, e.name));
      } else if (e.isFile()) count++;
    }
  };
  try {
    walk(dir);
  } catch {
    // a count is informative only
  }
  return count;
}

/**
 * A view of the checkout without a root .gitleaksignore: gitleaks 8 applies <source>/.gitleaksignore
 * itself even when --gitleaks-ignore-path names another file, and what it drops never reaches the
 * report or the suppressed count. Files are hard-linked (copied across file systems), symlinks
 * recreated as they are, .git directories left out (gitleaks skips them); the ignore file itself
 * is placed under `reservedDir` so a secret written into it is still scanned. Returns the view's
 * root.
 */
function viewWithoutIgnoreFile(repoDir: string, dest: string, reservedDir: string): string {
  const place = (from: string, to: string) => {
    const st = lstatSync(from);
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (st.isFile()) {
      try {
        linkSync(from, to);
      } catch {
        copyFileSync(from, to);
      }
    }
  };
  const walk = (from: string, to: string, atRoot: boolean) => {
    mkdirSync(to, { recursive: true });
    for (const e of readdirSync(from, { withFileTypes: true })) {
      const src = join(from, e.name);
      if (e.isDirectory()) {
        if (e.name !== '.git') walk(src, join(to, e.name), false);
      } else if (atRoot && e.name === GITLEAKSIGNORE) {
        mkdirSync(join(to, reservedDir), { recursive: true });
        place(src, join(to, reservedDir, e.name));
      } else {
        place(src, join(to, e.name));
      }
    }
  };
  walk(repoDir, dest, true);
  return dest;
}

async function scanTree(o: SecretsOptions, policy: AppliedPolicy, rt: GateRuntime, scratch: string, description: string): Promise<ScanResult> {
  let source = o.repoDir;
  let reservedDir: string | undefined;
  let ignoreIsFile = false;
  try {
    ignoreIsFile = statSync(join(o.repoDir, GITLEAKSIGNORE)).isFile();
  } catch {
    // none: gitleaks finds nothing to apply, and the checkout is scanned as it is
  }
  if (ignoreIsFile) {
    const top = new Set(readdirSync(o.repoDir));
    reservedDir = RESERVED_DIR;
    for (let n = 1; top.has(reservedDir); n++) reservedDir = `${RESERVED_DIR}-${n}`;
    source = viewWithoutIgnoreFile(o.repoDir, join(scratch, 'view'), reservedDir);
  }
  const running = runGitleaksDir(o, policy, rt, source, scratch, 0);
  // Counted while gitleaks runs in its own process.
  const filesScanned = countFiles(o.repoDir);
  const raw = await running;
  const findings = raw.map((f) => {
    const path = reportedScratchPath(f.File);
    return toFinding(f, reservedDir && path === `${reservedDir}/${GITLEAKSIGNORE}` ? GITLEAKSIGNORE : path, '');
  });
  return { findings, commitsScanned: 0, filesScanned, range: 'working tree', description, skipped: [], gitleaksRuns: 1 };
}

function toFinding(f: RawGitleaksFinding, path: string, commit: string): SecretFinding {
  return {
    rule: f.RuleID,
    description: f.Description,
    file: path,
    startLine: f.StartLine,
    endLine: f.EndLine,
    startColumn: f.StartColumn,
    endColumn: f.EndColumn,
    commit,
    fingerprint: fingerprintOf(commit, path, f.RuleID, f.StartLine),
    entropy: f.Entropy,
    tags: f.Tags ?? [],
  };
}

async function scanCommits(o: SecretsOptions, policy: AppliedPolicy, rt: GateRuntime, scratch: string, plan: Extract<ScanPlan, { kind: 'commits' }>): Promise<ScanResult> {
  const git = gitIn(o.repoDir, o.timeoutMs);
  const commitsScanned = await countCommits(git, plan);
  const base: Omit<ScanResult, 'findings' | 'filesScanned' | 'skipped' | 'gitleaksRuns'> = {
    commitsScanned,
    range: plan.range,
    description: plan.description,
    head: plan.head,
    ...(plan.base ? { base: plan.base } : {}),
    ...(plan.note ? { note: plan.note } : {}),
  };
  if (commitsScanned === 0) return { ...base, findings: [], filesScanned: 0, skipped: [], gitleaksRuns: 0 };

  // Root files gitleaks would read as its own config or ignore list must not sit at the layer's
  // root (gitleaks reads <source>/.gitleaksignore even with --gitleaks-ignore-path): they are
  // scanned under another path and their findings mapped back.
  const reserved = new Set([GITLEAKSIGNORE, ...(policy.configPath ? [] : ['.gitleaks.toml'])]);
  const tree = new LayeredScratchTree(join(scratch, 'tree'), reserved);
  const parser = new PatchParser((file) => tree.add(file));
  const log = await git(
    [
      'log',
      '--format=%x01%H',
      '-p',
      '-U0',
      // A .gitattributes line (`*.env -diff`, `secrets/** binary`) would otherwise turn a text
      // file into "Binary files differ" and hide what it adds; real binaries are told apart by
      // their NUL bytes and counted as skipped.
      '--text',
      '--no-color',
      '--no-ext-diff',
      '--no-textconv',
      '--find-renames',
      '--src-prefix=a/',
      '--dst-prefix=b/',
      // A merge shows only what its author changed beyond the automatic merge, so merging the
      // base branch in does not re-report the base branch's history.
      '--diff-merges=remerge',
      ...plan.revs,
      '--',
    ],
    { onStdout: (chunk) => parser.write(chunk), maxBuffer: 64 * 1024 },
  );
  if (log.code !== 0) throw new RangeError_(`cannot read the commits of ${plan.range}: ${log.failure}`);
  parser.end();
  tree.flush();
  if (parser.commits !== commitsScanned) {
    throw new RangeError_(`git listed ${commitsScanned} commits in ${plan.range} but its log showed ${parser.commits}`);
  }
  const layers = tree.layerDirs();
  const findings: SecretFinding[] = [];
  await pool(layers, scanConcurrency(), async (dir, i) => {
    const raw = await runGitleaksDir(o, policy, rt, dir, scratch, i + 1);
    for (const f of raw) {
      const file = reportedScratchPath(f.File);
      let origin: LineOrigin | undefined;
      let at = f.StartLine;
      for (; at <= Math.max(f.StartLine, f.EndLine); at++) {
        origin = tree.origin(dir, file, at);
        if (origin) break;
      }
      if (origin === undefined) throw new ToolFailure(`gitleaks reported a finding at ${file}:${f.StartLine} that no scanned commit added`);
      // Scratch -> original line numbers: the shift of the segment the finding starts in.
      const shift = at - origin.line;
      findings.push(toFinding({ ...f, StartLine: Math.max(1, f.StartLine - shift), EndLine: Math.max(1, f.EndLine - shift) }, origin.path, origin.commit));
    }
  });
  findings.sort((a, b) => a.commit.localeCompare(b.commit) || a.file.localeCompare(b.file) || a.startLine - b.startLine || a.rule.localeCompare(b.rule));
  return { ...base, findings, filesScanned: tree.stats.filesScanned, skipped: tree.stats.skipped, gitleaksRuns: layers.length };
}

function describeSuppression(f: ReportedFinding): string {
  const s = f.suppression;
  if (!s) return '';
  if (s.by === 'exception') return `exception ${s.where} (owner ${s.owner}, until ${s.expires})`;
  return s.by === 'gitleaksignore' ? '.gitleaksignore' : 'baseline';
}

export async function runSecretsGate(o: SecretsOptions, rt: GateRuntime): Promise<GateReport> {
  const clock = startClock();
  const plan = planScan(o.scope, o.event);
  // The checkout's copy: what history and tree scans obey, and what a range scan falls back to
  // when it stops before reading the base. Bad files are configuration errors either way.
  let policy = checkoutPolicy(o.policy);
  let configSha256: string | undefined;
  mkdirSync(rt.tempDir, { recursive: true });
  const scratch = mkdtempSync(join(rt.tempDir, 'rs-secrets-'));
  writeFileSync(join(scratch, 'empty.gitleaksignore'), '');

  const versionPromise = plan.kind === 'nothing' ? Promise.resolve('') : gitleaksVersion(o.gitleaks, o.timeoutMs);
  let scan: ScanResult | undefined;
  let toolError: string | undefined;
  try {
    scan = await rt.log.group(`secrets: ${plan.description}`, async () => {
      if (plan.kind === 'nothing') return { findings: [], commitsScanned: 0, filesScanned: 0, range: 'none', description: plan.description, skipped: [], gitleaksRuns: 0 } satisfies ScanResult;
      if (plan.kind === 'tree') {
        configSha256 = policy.configPath ? sha256File(policy.configPath) : undefined;
        return scanTree(o, policy, rt, scratch, plan.description);
      }
      const git = gitIn(o.repoDir, o.timeoutMs);
      const resolved = await resolvePlan(git, plan, o.event, o.repoLocation);
      if (resolved.kind !== 'commits') throw new Error('unreachable: a commit plan resolved to another kind');
      // A range is judged by what it merges into: its base commit (or the default branch a new
      // branch is compared with). A history scan has no base and obeys the checkout.
      const policyRev = resolved.base ?? resolved.requireRef;
      if (policyRev) policy = await policyAt(o.policy, git, policyRev, resolved.head, resolved.revs, scratch, rt.log);
      configSha256 = policy.configPath ? sha256File(policy.configPath) : undefined;
      return scanCommits(o, policy, rt, scratch, resolved);
    });
  } catch (error) {
    if (error instanceof ToolFailure || error instanceof RangeError_ || error instanceof ToolNotFoundError || error instanceof PolicyReadError) toolError = error.message;
    else throw error;
  } finally {
    // The scratch tree holds the added lines, secrets included: never leave it behind.
    rmSync(scratch, { recursive: true, force: true });
  }
  const version = await versionPromise;

  const { ignore, baseline } = policy;
  const ledger = new ExceptionLedger(policy.exceptions, 'secrets', o.now);
  const reported: ReportedFinding[] = (scan?.findings ?? []).map((f) => {
    if (ignore.has(f.fingerprint) || ignore.has(globalFingerprint(f))) return { ...f, suppression: { by: 'gitleaksignore' } };
    if (baseline.has(f.fingerprint)) return { ...f, suppression: { by: 'baseline' } };
    const hit = ledger.match([f.fingerprint, globalFingerprint(f)]);
    if (hit && hit.state === 'live') return { ...f, suppression: { by: 'exception', where: hit.entry.where, owner: hit.entry.owner, expires: hit.entry.expires } };
    return f;
  });
  const ledgerReport = ledger.report();
  const open = reported.filter((f) => !f.suppression);
  const suppressed = reported.length - open.length;


  const expiredFor = new Map<string, ExceptionEntry>();
  for (const f of open) {
    const e = ledgerReport.expired.find((x) => [f.fingerprint.toLowerCase(), globalFingerprint(f).toLowerCase()].includes(x.key.toLowerCase()));
    if (e) expiredFor.set(f.fingerprint, e);
  }
  const findings: Finding[] = open.map((f) => {
    const expired = expiredFor.get(f.fingerprint);
    return {
      severity: 'error',
      message: `${f.rule}: ${f.description.replace(/\.+$/, '') || 'secret detected'}${f.commit ? ` (added in commit ${f.commit})` : ''}. Fingerprint: ${f.fingerprint}${expired ? `. The exception at ${expired.where} expired on ${expired.expires}` : ''}`,
      file: f.file,
      line: Math.max(1, f.startLine),
      ...(f.endLine >= f.startLine && f.endLine > 0 ? { endLine: f.endLine } : {}),
      ...(f.startColumn > 0 ? { column: f.startColumn } : {}),
      rule: f.rule,
      ...(f.commit ? { commit: f.commit } : {}),
      fingerprint: f.fingerprint,
    };
  });

  let status: GateStatus;
  let summary: string;
  const skippedCount = scan?.skipped.length ?? 0;
  const scanned = scan ? `${scan.commitsScanned} commit(s), ${scan.filesScanned} file(s)${skippedCount ? `, ${skippedCount} skipped` : ''}` : '';
  if (toolError !== undefined) {
    status = 'error';
    summary = `secrets could not be scanned: ${toolError}`;
  } else if (plan.kind === 'nothing') {
    status = 'skipped';
    summary = plan.description;
  } else if (open.length > 0) {
    status = 'fail';
    const expired = ledgerReport.expired.length > 0 ? `; expired exception(s): ${ledgerReport.expired.map((e) => e.where).join(', ')}` : '';
    summary = `${open.length} secret(s) found in ${scan!.range} (${scanned})${suppressed ? `, ${suppressed} suppressed` : ''}${expired}`;
  } else {
    status = 'pass';
    summary = `no secrets in ${scan!.range} (${scanned})${suppressed ? `; ${suppressed} suppressed` : ''}`;
  }

  const judged = status === 'pass' || status === 'fail';
  // Nothing was scanned on error or skip: every exception would look unused.
  const unused = judged ? ledgerReport.unused : [];
  for (const e of unused) rt.log.warning(`exception ${e.where} (fingerprint ${e.key}) matched no finding of this scan: remove it if the secret is gone`);

  // SARIF and the report exist only when the gate judged: a clean SARIF from a scan that failed
  // (or never ran) would tell code scanning that every open alert is fixed. Stale files from an
  // earlier step in the job go too, so nothing downstream can pick them up.
  mkdirSync(o.outputDir, { recursive: true });
  let sarifPath = join(o.outputDir, 'secrets.sarif');
  let reportPath = join(o.outputDir, 'secrets-report.json');
  if (judged) {
    writeFileSync(sarifPath, renderSarif(reported, version));
    writeFileSync(reportPath, renderReport(reported));
  } else {
    rmSync(sarifPath, { force: true });
    rmSync(reportPath, { force: true });
    sarifPath = '';
    reportPath = '';
  }

  const sections: string[] = [];
  if (toolError !== undefined) sections.push(`### Could not scan\n\n${codeBlock(toolError)}`);
  if (scan) {
    sections.push(`Scanned ${md(scan.description)} with gitleaks ${code(version || 'unknown')} (config: ${md(policy.configSource)}, redacted).`);
    if (scan.note) sections.push(`> ${md(scan.note)}`);
    if (policy.from) {
      sections.push(`The gitleaks config, ${code('.gitleaksignore')}, baseline and exceptions were read from the base commit ${code(policy.from.length === 40 ? policy.from.slice(0, 12) : policy.from)}: a change cannot approve itself.`);
    }
    for (const note of policy.notes) sections.push(`> ${md(note)}`);
    if (policy.changedInRange.length > 0) {
      const files = policy.changedInRange.map((f) => code(f)).join(', ');
      sections.push(`> ⚠️ This range changes ${files}: suppressions changed in this range are not applied until merged.`);
      rt.log.warning(`this range changes ${policy.changedInRange.join(', ')}: suppressions changed in this range are not applied until merged`);
    }
    if (scan.skipped.length > 0) {
      const shown = scan.skipped.slice(0, 30).map((s) => [code(s.path), s.commit ? code(s.commit.slice(0, 12)) : '', md(s.reason)]);
      sections.push(`### Not scanned (${scan.skipped.length})\n\n${table(['file', 'commit', 'why'], shown)}${scan.skipped.length > 30 ? `\n\n…and ${scan.skipped.length - 30} more (see the evidence record).` : ''}`);
    }
  }
  const suppressedRows = reported.filter((f) => f.suppression);
  if (suppressedRows.length > 0) {
    sections.push(`### Suppressed (${suppressedRows.length})\n\n${table(['location', 'rule', 'by'], suppressedRows.slice(0, 30).map((f) => [code(`${f.file}:${f.startLine}`), md(f.rule), md(describeSuppression(f))]))}`);
  }
  if (ledgerReport.expired.length > 0) {
    sections.push(`### Expired exceptions\n\n${ledgerReport.expired.map((e) => `- ${code(e.key)} at ${md(e.where)}: expired ${md(e.expires)} (owner ${md(e.owner)})`).join('\n')}`);
  }
  if (unused.length > 0) {
    sections.push(`### Unused exceptions\n\n${unused.map((e) => `- ${code(e.key)} at ${md(e.where)}`).join('\n')}`);
  }

  return {
    gate: 'secrets',
    status,
    summary,
    tool: { name: 'gitleaks', version, ...(configSha256 ? { configSha256 } : {}) },
    metrics: {
      findings: open.length,
      suppressed,
      commitsScanned: scan?.commitsScanned ?? 0,
      filesScanned: scan?.filesScanned ?? 0,
      skipped: skippedCount,
      expiredExceptions: ledgerReport.expired.length,
      unusedExceptions: unused.length,
    },
    findings,
    details: {
      scope: o.scope,
      plan: plan.kind,
      range: scan?.range ?? '',
      ...(scan?.note ? { note: scan.note } : {}),
      config: policy.configSource,
      ...(policy.from ? { policyFrom: policy.from } : {}),
      ...(policy.changedInRange.length > 0 ? { policyChangedInRange: policy.changedInRange } : {}),
      gitleaksRuns: scan?.gitleaksRuns ?? 0,
      ...(skippedCount ? { skipped: scan!.skipped.slice(0, 200) } : {}),
      ...(scan?.head ? { head: scan.head } : {}),
      ...(scan?.base ? { base: scan.base } : {}),
    },
    startedAt: clock.startedAt,
    durationMs: clock.elapsed(),
    outputs: {
      findings: open.length,
      'commits-scanned': scan?.commitsScanned ?? 0,
      'sarif-path': sarifPath,
      'report-path': reportPath,
    },
    summarySections: sections,
  };
}
