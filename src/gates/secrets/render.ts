/**
 * Render: the job-summary sections, the evidence details and the SARIF / report files of a
 * judged scan. SARIF and the report exist only when the gate judged (pass or fail): a clean SARIF
 * from a scan that failed or never ran would tell code scanning that every open alert is fixed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceLocation, type SourceLinks } from '../../core/labels.js';
import { code, codeBlock, md, table } from '../../core/markdown.js';
import { renderReport, renderSarif, type ReportedFinding } from './report.js';
import type { ExceptionEntry } from '../../core/exceptions.js';
import type { AppliedPolicy } from './policy.js';
import type { ScanResult } from './scan.js';

function describeSuppression(f: ReportedFinding): string {
  const s = f.suppression;
  if (!s) return '';
  if (s.by === 'exception') return `exception ${s.where} (owner ${s.owner}, until ${s.expires})`;
  return s.by === 'gitleaksignore' ? '.gitleaksignore' : 'baseline';
}

/** Writes (or, when not judged, removes stale) SARIF and report files; returns their paths ('' when none). */
export function writeReportFiles(outputDir: string, judged: boolean, reported: ReportedFinding[], version: string): { sarifPath: string; reportPath: string } {
  mkdirSync(outputDir, { recursive: true });
  const sarifPath = join(outputDir, 'secrets.sarif');
  const reportPath = join(outputDir, 'secrets-report.json');
  if (!judged) {
    // Stale files from an earlier step in the job go too, so nothing downstream can pick them up.
    rmSync(sarifPath, { force: true });
    rmSync(reportPath, { force: true });
    return { sarifPath: '', reportPath: '' };
  }
  writeFileSync(sarifPath, renderSarif(reported, version));
  writeFileSync(reportPath, renderReport(reported));
  return { sarifPath, reportPath };
}

function scanSections(scan: ScanResult, policy: AppliedPolicy, version: string): string[] {
  const sections = [`Scanned ${md(scan.description)} with gitleaks ${code(version || 'unknown')} (config: ${md(policy.configSource)}, redacted).`];
  if (scan.note) sections.push(`> ${md(scan.note)}`);
  if (policy.from) {
    sections.push(
      `The gitleaks config, ${code('.gitleaksignore')}, baseline and exceptions were read from the base commit ${code(policy.from.length === 40 ? policy.from.slice(0, 12) : policy.from)}: a change cannot approve itself.`,
    );
  }
  for (const note of policy.notes) sections.push(`> ${md(note)}`);
  if (policy.changedInRange.length > 0) {
    const files = policy.changedInRange.map((f) => code(f)).join(', ');
    sections.push(`> ⚠️ This range changes ${files}: suppressions changed in this range are not applied until merged.`);
  }
  if (scan.withNulBytes > 0)
    sections.push(`${scan.withNulBytes} file(s) held NUL bytes (binary or UTF-16 content): their text was scanned with the NUL bytes removed.`);
  if (scan.skipped.length > 0) {
    const shown = scan.skipped.slice(0, 30).map((s) => [code(s.path), s.commit ? code(s.commit.slice(0, 12)) : '', md(s.reason)]);
    sections.push(
      `### Not scanned (${scan.skipped.length})\n\n${table(['file', 'commit', 'why'], shown)}${scan.skipped.length > 30 ? `\n\n…and ${scan.skipped.length - 30} more (see the evidence record).` : ''}`,
    );
  }
  return sections;
}

const FINGERPRINTS_SHOWN = 30;

/**
 * Each open finding with its whole fingerprint, as a list rather than a table: a list item wraps
 * a long value at the page edge, where a table cell would cut or scroll it.
 */
function fingerprintSection(open: readonly ReportedFinding[], links: SourceLinks | undefined): string[] {
  if (open.length === 0) return [];
  const items = open
    .slice(0, FINGERPRINTS_SHOWN)
    .map((f) => `- ${secretLocation(links, f)} ${md(f.rule)}${f.commit ? ` in ${code(f.commit.slice(0, 12))}` : ''}: fingerprint ${code(f.fingerprint)}`);
  return [
    `### Open findings (${open.length}): fingerprints

` +
      'Rotate the secret first. To accept a finding that is not a live secret (a revoked key, a test fixture), add its fingerprint as a line of ' +
      `${code('.gitleaksignore')} on the default branch, or as an exception with an owner and an expiry; a pull request's own edits apply once it is merged.

` +
      items.join('\n') +
      (open.length > items.length
        ? `\n\n…and ${open.length - items.length} more: every fingerprint is in the report (${code('report-path')}) and the evidence record.`
        : ''),
  ];
}

/** A finding's file and line as a link: at the commit that holds it (a history scan), else at the commit judged. */
function secretLocation(links: SourceLinks | undefined, f: ReportedFinding): string {
  return sourceLocation(links && f.commit ? { ...links, sha: f.commit } : links, f.file, f.startLine);
}

export interface SectionInput {
  toolError?: string;
  scan?: ScanResult;
  policy: AppliedPolicy;
  version: string;
  reported: readonly ReportedFinding[];
  expired: readonly ExceptionEntry[];
  unused: readonly ExceptionEntry[];
  /** Where the judged commit's files are browsed: locations become links. */
  links?: SourceLinks;
}

export function renderSections(r: SectionInput): string[] {
  const sections: string[] = [];
  if (r.toolError !== undefined) sections.push(`### Could not scan\n\n${codeBlock(r.toolError)}`);
  if (r.scan) sections.push(...scanSections(r.scan, r.policy, r.version));
  sections.push(
    ...fingerprintSection(
      r.reported.filter((f) => !f.suppression),
      r.links,
    ),
  );
  const suppressedRows = r.reported.filter((f) => f.suppression);
  if (suppressedRows.length > 0) {
    sections.push(
      `### Suppressed (${suppressedRows.length})\n\n${table(
        ['location', 'rule', 'by'],
        suppressedRows.slice(0, 30).map((f) => [secretLocation(r.links, f), md(f.rule), md(describeSuppression(f))]),
      )}`,
    );
  }
  if (r.expired.length > 0) {
    sections.push(
      `### Expired exceptions\n\n${r.expired.map((e) => `- ${code(e.key)} at ${md(e.where)}: expired ${md(e.expires)} (owner ${md(e.owner)})`).join('\n')}`,
    );
  }
  if (r.unused.length > 0) sections.push(`### Unused exceptions\n\n${r.unused.map((e) => `- ${code(e.key)} at ${md(e.where)}`).join('\n')}`);
  return sections;
}

export function renderDetails(scope: string, planKind: string, scan: ScanResult | undefined, policy: AppliedPolicy): Record<string, unknown> {
  const skipped = scan?.skipped ?? [];
  return {
    scope,
    plan: planKind,
    range: scan?.range ?? '',
    ...(scan?.note ? { note: scan.note } : {}),
    config: policy.configSource,
    ...(policy.from ? { policyFrom: policy.from } : {}),
    ...(policy.changedInRange.length > 0 ? { policyChangedInRange: policy.changedInRange } : {}),
    gitleaksRuns: scan?.gitleaksRuns ?? 0,
    ...(skipped.length ? { skipped: skipped.slice(0, 200) } : {}),
    ...(scan?.withNulBytes ? { withNulBytes: scan.withNulBytes } : {}),
    ...(scan?.head ? { head: scan.head } : {}),
    ...(scan?.base ? { base: scan.base } : {}),
  };
}
