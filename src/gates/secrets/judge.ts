/**
 * Judge (pure): findings against the suppressions (.gitleaksignore, baseline, exceptions), then
 * the verdict. Inputs are what the scan reported; nothing here reads files or runs tools.
 * `error` when the scan could not run or left added content unscanned, `fail` on any open
 * finding, `skipped` when there was nothing to scan, `pass` otherwise.
 */
import { ExceptionLedger, type ExceptionEntry } from '../../core/exceptions.js';
import { globalFingerprint, type ReportedFinding, type SecretFinding } from './report.js';
import type { Finding, GateStatus } from '../../core/evidence.js';
import type { SkippedFile } from './patch.js';

export interface Suppressions {
  ignore: ReadonlySet<string>;
  baseline: ReadonlySet<string>;
  exceptions: readonly ExceptionEntry[];
}

export interface SuppressionResult {
  reported: ReportedFinding[];
  open: ReportedFinding[];
  expired: ExceptionEntry[];
  unused: ExceptionEntry[];
  /** The expired exception that would have covered an open finding, by fingerprint. */
  expiredFor: Map<string, ExceptionEntry>;
}

export function applySuppressions(findings: readonly SecretFinding[], s: Suppressions, now: Date): SuppressionResult {
  const ledger = new ExceptionLedger([...s.exceptions], 'secrets', now);
  const reported: ReportedFinding[] = findings.map((f) => {
    if (s.ignore.has(f.fingerprint) || s.ignore.has(globalFingerprint(f))) return { ...f, suppression: { by: 'gitleaksignore' } };
    if (s.baseline.has(f.fingerprint)) return { ...f, suppression: { by: 'baseline' } };
    const hit = ledger.match([f.fingerprint, globalFingerprint(f)]);
    if (hit && hit.state === 'live')
      return { ...f, suppression: { by: 'exception', where: hit.entry.where, owner: hit.entry.owner, expires: hit.entry.expires } };
    return f;
  });
  const { expired, unused } = ledger.report();
  const open = reported.filter((f) => !f.suppression);
  const expiredFor = new Map<string, ExceptionEntry>();
  for (const f of open) {
    const e = expired.find((x) => [f.fingerprint.toLowerCase(), globalFingerprint(f).toLowerCase()].includes(x.key.toLowerCase()));
    if (e) expiredFor.set(f.fingerprint, e);
  }
  return { reported, open, expired, unused, expiredFor };
}

/** What the record keeps of a message (src/core/evidence.ts clamps longer ones). */
const MESSAGE_LIMIT = 2000;

/**
 * One finding's message. The fingerprint comes right after the rule and is never cut: it is the
 * string a .gitleaksignore line or an exception needs. The rule's description (a config can make
 * it long) is what gets shortened when the whole would pass the record's limit.
 */
export function secretMessage(f: ReportedFinding, expired?: ExceptionEntry): string {
  const head = `${f.rule} (fingerprint ${f.fingerprint}): `;
  const tail = `${f.commit ? ` (added in commit ${f.commit})` : ''}${expired ? `. The exception at ${expired.where} expired on ${expired.expires}` : ''}`;
  const description = f.description.replace(/\.+$/, '') || 'secret detected';
  const room = Math.max(0, MESSAGE_LIMIT - head.length - tail.length);
  return `${head}${description.length > room ? `${description.slice(0, Math.max(0, room - 3))}...` : description}${tail}`;
}

/** Open findings as evidence findings (redacted: gitleaks ran with --redact, only locations and rules). */
export function toEvidenceFindings(open: readonly ReportedFinding[], expiredFor: ReadonlyMap<string, ExceptionEntry>): Finding[] {
  return open.map((f) => {
    const expired = expiredFor.get(f.fingerprint);
    return {
      severity: 'error',
      message: secretMessage(f, expired),
      file: f.file,
      line: Math.max(1, f.startLine),
      ...(f.endLine >= f.startLine && f.endLine > 0 ? { endLine: f.endLine } : {}),
      ...(f.startColumn > 0 ? { column: f.startColumn } : {}),
      rule: f.rule,
      ...(f.commit ? { commit: f.commit } : {}),
      fingerprint: f.fingerprint,
    };
  });
}

export interface VerdictInput {
  /** Set when the scan could not run (git, gitleaks, policy files). */
  toolError?: string;
  /** The plan said there is nothing to scan (a deleted branch). */
  nothingToScan?: string;
  range: string;
  commitsScanned: number;
  filesScanned: number;
  skipped: readonly SkippedFile[];
  open: number;
  suppressed: number;
  expired: readonly ExceptionEntry[];
}

export function judgeSecrets(v: VerdictInput): { status: GateStatus; summary: string } {
  if (v.toolError !== undefined) return { status: 'error', summary: `secrets could not be scanned: ${v.toolError}` };
  if (v.nothingToScan !== undefined) return { status: 'skipped', summary: v.nothingToScan };
  const skipped = v.skipped.length;
  const scanned = `${v.commitsScanned} commit(s), ${v.filesScanned} file(s)${skipped ? `, ${skipped} skipped` : ''}`;
  if (v.open > 0) {
    const expired = v.expired.length > 0 ? `; expired exception(s): ${v.expired.map((e) => e.where).join(', ')}` : '';
    const unscanned = skipped ? `; ${skipped} file(s) could not be scanned` : '';
    return {
      status: 'fail',
      summary: `${v.open} secret(s) found in ${v.range} (${scanned})${v.suppressed ? `, ${v.suppressed} suppressed` : ''}${expired}${unscanned}`,
    };
  }
  if (skipped > 0) {
    // Content nobody looked at is never a pass: say which, and that the gate could not judge.
    const names = v.skipped
      .slice(0, 3)
      .map((s) => s.path)
      .join(', ');
    return {
      status: 'error',
      summary: `${skipped} file(s) in ${v.range} could not be scanned (${names}${skipped > 3 ? ', …' : ''}): no secrets in the rest (${scanned})`,
    };
  }
  return { status: 'pass', summary: `no secrets in ${v.range} (${scanned})${v.suppressed ? `; ${v.suppressed} suppressed` : ''}` };
}
