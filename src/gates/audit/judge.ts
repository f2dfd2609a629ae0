/**
 * Judge (pure): what the tool reported, the exceptions in force and the options decide the
 * verdict. No I/O here; table-style unit tests in judge.test.ts and index.test.ts.
 */
import { compareSeverity, meetsThreshold, type VulnFinding } from './model.js';
import type { GateStatus } from '../../core/evidence.js';
import type { ExceptionEntry, ExceptionLedger } from '../../core/exceptions.js';
import type { AuditOptions } from './options.js';

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
  /** Findings whose exception is dated beyond max-exception-days (also in blocking or belowThreshold). */
  beyondCapMatches: { finding: VulnFinding; entry: ExceptionEntry }[];
  outOfScope: VulnFinding[];
  exceptions: ReturnType<ExceptionLedger['report']>;
}

export function judgeFindings(
  findings: readonly VulnFinding[],
  opts: Pick<AuditOptions, 'failOn' | 'scope' | 'unknownSeverity'>,
  ledger: ExceptionLedger,
): Judgement {
  const judgement: Omit<Judgement, 'exceptions'> = {
    blocking: [],
    belowThreshold: [],
    suppressed: [],
    expiredMatches: [],
    beyondCapMatches: [],
    outOfScope: [],
  };
  for (const f of findings) {
    if (opts.scope === 'runtime' && f.dev) {
      judgement.outOfScope.push(f);
      continue;
    }
    // The advisory id is tried first (ids usually start with it: no new array then).
    const match = ledger.match(f.ids[0] === f.advisoryId ? f.ids : [f.advisoryId, ...f.ids]);
    if (match?.state === 'live') {
      judgement.suppressed.push({ finding: f, entry: match.entry });
      continue;
    }
    if (match?.state === 'expired') judgement.expiredMatches.push({ finding: f, entry: match.entry });
    if (match?.state === 'beyond-cap') judgement.beyondCapMatches.push({ finding: f, entry: match.entry });
    const blocks = f.severity === 'unknown' ? (opts.unknownSeverity ?? 'fail') === 'fail' : meetsThreshold(f.severity, opts.failOn);
    (blocks ? judgement.blocking : judgement.belowThreshold).push(f);
  }
  return { ...judgement, exceptions: ledger.report() };
}

/**
 * npm's findings carry GHSA ids and npm's numeric ids only: the registry's bulk advisory answer has
 * no CVE field, and npm audit's report keeps only source, name, title, url, severity, cwe, cvss and
 * range of each advisory. A CVE exception can never match an npm finding.
 */
export function cannotMatch(entry: ExceptionEntry, ecosystem: 'npm' | 'python'): boolean {
  return ecosystem === 'npm' && /^CVE-\d{4}-\d+$/i.test(entry.key);
}

/**
 * Exceptions that match only advisories existing on the base (advisories: introduced) were not
 * tested against a judged finding, yet they are not unused: they still cover what main has.
 */
export function notUnusedOnBase(judgement: Judgement, existing: readonly VulnFinding[]): Judgement {
  if (existing.length === 0) return judgement;
  const ids = new Set(existing.flatMap((f) => [f.advisoryId, ...f.ids].map((id) => id.toLowerCase())));
  return { ...judgement, exceptions: { ...judgement.exceptions, unused: judgement.exceptions.unused.filter((e) => !ids.has(e.key.toLowerCase())) } };
}

/** What the one-line summary says beyond the findings. */
export interface VerdictInputs {
  tool: string;
  /** Why the gate could not judge: the tool could not audit, or the report is not trusted. */
  problems: readonly string[];
  /** The tool produced no report at all (its failure is problems[0]). */
  noReport: boolean;
  failOn: AuditOptions['failOn'];
  maxExceptionDays?: number;
  /** "(0 critical, 0 high, ...; 0 suppressed)" and "; advisories from ..." as rendered. */
  counts: string;
  from: string;
}

/**
 * The one-line summary of a status decided by verdictWithProblems (src/core/gate.ts): error when
 * it could not judge, fail on blocking findings or dead exceptions, else pass.
 */
export function auditSummary(status: GateStatus, judgement: Judgement, v: VerdictInputs): string {
  if (status === 'error' || v.problems.length > 0) {
    const why = v.problems.join('; ');
    return v.noReport ? `${v.tool} could not audit the dependencies: ${why}${v.from}` : `${v.tool}: ${why} (${v.counts})${v.from}`;
  }
  if (status === 'pass') return `${v.tool}: nothing at or above ${v.failOn} (${v.counts})${v.from}`;
  const beyondCap = judgement.exceptions.beyondCap;
  const parts: string[] = [];
  const unrated = judgement.blocking.filter((f) => f.severity === 'unknown').length;
  const rated = judgement.blocking.length - unrated;
  if (rated > 0) parts.push(`${rated} vulnerabilit${rated === 1 ? 'y' : 'ies'} at or above ${v.failOn}`);
  if (unrated > 0) parts.push(`${unrated} without a severity, which fail-on cannot judge (unknown-severity: fail)`);
  if (judgement.exceptions.expired.length > 0) parts.push(`expired exception(s): ${judgement.exceptions.expired.map((e) => e.key).join(', ')}`);
  if (beyondCap.length > 0)
    parts.push(
      `exception(s) expiring more than ${v.maxExceptionDays} days ahead (max-exception-days): ${beyondCap.map((e) => `${e.key} (${e.where})`).join(', ')}`,
    );
  return `${v.tool}: ${parts.join('; ')} (${v.counts})${v.from}`;
}
