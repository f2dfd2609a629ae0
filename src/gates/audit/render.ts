/**
 * Render: the judged audit as annotations (findings), job-summary sections and the record's
 * details. Everything untrusted (advisory titles, exception reasons, registry URLs) goes through
 * md()/code() here.
 */
import { repoRelative } from '../../core/annotations.js';
import { code, codeBlock, md, table } from '../../core/markdown.js';
import { cannotMatch, type Judgement } from './judge.js';
import type { Finding } from '../../core/evidence.js';
import type { ExceptionEntry } from '../../core/exceptions.js';
import type { ExceptionsInForce } from './exceptions.js';
import type { Severity, VulnFinding } from './model.js';
import type { AuditOptions, ToolRun } from './options.js';

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

export const DETAIL_FINDINGS = 50;
export const SUMMARY_ROWS = 20;

export function whereOf(entry: ExceptionEntry, workspace: string): { file: string; line?: number } {
  const m = /^(.*):(\d+)$/.exec(entry.where);
  const file = repoRelative(m ? m[1]! : entry.where, workspace);
  const line = m ? Number(m[2]) : 0;
  return line > 0 ? { file, line } : { file };
}

export function exceptionRecord(entry: ExceptionEntry, workspace: string, count?: number) {
  const w = whereOf(entry, workspace);
  return {
    id: entry.key,
    owner: entry.owner,
    reason: entry.reason,
    expires: entry.expires,
    where: w.line ? `${w.file}:${w.line}` : w.file,
    ...(count !== undefined ? { matched: count } : {}),
  };
}

export function detailFinding(f: VulnFinding) {
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
 * Says plainly what an unknown severity means for the gate and how to decide: fail-on compares
 * severities, and these have none (pip-audit never reports one). Lists each one's ids, which is
 * what an exception names and what a person looks the advisory up by.
 */
export function unknownSeveritySection(unknown: readonly VulnFinding[], tool: string, opts: AuditOptions): string {
  const failing = (opts.unknownSeverity ?? 'fail') === 'fail';
  const why =
    tool === 'pip-audit'
      ? 'pip-audit reports no severity, and none of these came with a CVSS score'
      : 'these advisories have neither a severity nor a CVSS score';
  const rows = unknown.slice(0, SUMMARY_ROWS).map((f) => [
    code(`${f.package}@${f.version || '?'}`),
    f.ids
      .filter((id) => !/^\d+$/.test(id))
      .map((id) => code(id))
      .join(' '),
    f.fixedIn ? code(f.fixedIn) : 'none named',
  ]);
  return (
    `### ${unknown.length} finding(s) without a severity: \`fail-on\` cannot apply\n\n` +
    `${md(why)}, so \`fail-on: ${opts.failOn}\` has nothing to compare. ` +
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

/** Everything the render phase needs: what ran, how it was judged and which exceptions were in force. */
export interface AuditOutcome {
  opts: AuditOptions;
  ecosystem: 'npm' | 'python';
  run: ToolRun;
  judgement: Judgement;
  exceptions: ExceptionsInForce;
  shownExceptions: string;
  workspace: string;
  /** Why the report is not trusted (the change set its own advisory registry). */
  untrusted?: string;
  /** Audit entries in the file in force (for "not evaluated"). */
  auditEntries: number;
  /** Why the tool produced no report (the gate could not judge). */
  toolFailure?: string;
  /** advisories: introduced: what the base commit already had, and what it was compared with. */
  introduced?: { existing: VulnFinding[]; comparison?: BaseComparison };
}

/** What advisories: introduced compared the change with: the base commit's lockfile, or why nothing. */
export interface BaseComparison {
  commit?: string;
  /** Repository path of the base lockfile, when one was compared. */
  lockfile?: string;
  /** Why every advisory is judged after all (no base commit, no lockfile there). */
  note?: string;
}

/** The advisories existing on the base commit: listed, counted, not judged. */
function existingSections(out: AuditOutcome): string[] {
  const intro = out.introduced;
  if (!intro) return [];
  const c = intro.comparison;
  const base = c?.commit ? ` at the base commit ${code(c.commit.slice(0, 12))}` : '';
  const sections = [
    c?.lockfile
      ? `Advisories: ${code('introduced')}. Only what this change brings in is judged, against ${code(c.lockfile)}${base}; an upgrade into another vulnerable version, or an old vulnerable version reached through a new dependency, counts as introduced.`
      : `Advisories: ${code('introduced')}, but every advisory is judged: ${md(c?.note ?? 'there was nothing to compare with')}.`,
  ];
  if (intro.existing.length > 0) {
    const rows = intro.existing
      .slice(0, SUMMARY_ROWS)
      .map((f) => [
        code(`${f.package}@${f.version || '?'}`),
        code(f.advisoryId),
        md(f.severity),
        md(f.path.join(' > ')),
        f.fixedIn ? code(f.fixedIn) : 'none named',
      ]);
    sections.push(
      `### Existing on the base commit (${intro.existing.length}): not judged

` +
        `The base commit's lockfile already has these; they do not fail this change. Fix them in a change of their own (or run with ${code('advisories: all')} to see them judged).

` +
        table(['package', 'advisory', 'severity', 'path', 'fixed in'], rows) +
        (intro.existing.length > rows.length ? `\n\nShowing ${rows.length} of ${intro.existing.length}; the evidence record lists more.` : ''),
    );
  }
  return sections;
}

export function inScopeOf(judgement: Judgement): VulnFinding[] {
  return [...judgement.blocking, ...judgement.belowThreshold];
}

export function auditMetrics(out: AuditOutcome): Record<string, number> {
  const j = out.judgement;
  const inScope = inScopeOf(j);
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
    beyondCapExceptions: j.exceptions.beyondCap.length,
    unusedExceptions: j.exceptions.unused.length,
  };
  if (out.introduced) metrics.existingOnBase = out.introduced.existing.length;
  if (out.run.dependencies !== undefined) metrics.dependencies = out.run.dependencies;
  return metrics;
}

function groupByEntry(matches: readonly { finding: VulnFinding; entry: ExceptionEntry }[]): Map<ExceptionEntry, VulnFinding[]> {
  const byEntry = new Map<ExceptionEntry, VulnFinding[]>();
  for (const { finding, entry } of matches) byEntry.set(entry, [...(byEntry.get(entry) ?? []), finding]);
  return byEntry;
}

const packagesOf = (hits: readonly VulnFinding[]) => hits.map((h) => `${h.package}@${h.version}`).join(', ');

/** Annotations for exceptions that do not hold: expired, dated beyond the cap, unused, or CVE ids npm cannot match. */
function exceptionFindings(out: AuditOutcome): Finding[] {
  const { judgement: j, workspace: ws } = out;
  const findings: Finding[] = [];
  for (const [entry, hits] of groupByEntry(j.expiredMatches)) {
    findings.push({
      severity: 'error',
      message: `exception ${entry.key} (owner ${entry.owner}) expired on ${entry.expires} and no longer suppresses ${packagesOf(hits)}: renew it with a new date and reason, or fix the dependency`,
      ...whereOf(entry, ws),
      rule: 'expired-exception',
    });
  }
  for (const [entry, hits] of groupByEntry(j.beyondCapMatches)) {
    findings.push({
      severity: 'error',
      message: `exception ${entry.key} (owner ${entry.owner}) expires on ${entry.expires}, more than ${out.opts.maxExceptionDays} days ahead (input "max-exception-days"), so it suppresses nothing (${packagesOf(hits)}): give it an expiry within ${out.opts.maxExceptionDays} days and renew it when it comes due`,
      ...whereOf(entry, ws),
      rule: 'exception-beyond-cap',
    });
  }
  for (const entry of j.exceptions.unused) {
    if (cannotMatch(entry, out.ecosystem)) {
      findings.push({
        severity: 'warning',
        message:
          `exception ${entry.key} (owner ${entry.owner}) cannot match an npm finding: npm's advisory data (the registry's bulk advisory answer and npm audit's report) carries GHSA ids and npm's numeric advisory ids, no CVE ids. ` +
          `List the advisory's GHSA id instead (https://github.com/advisories?query=${encodeURIComponent(entry.key)}); CVE ids match pip-audit findings only`,
        ...whereOf(entry, ws),
        rule: 'cve-exception-npm',
      });
      continue;
    }
    findings.push({
      severity: 'warning',
      message: `exception ${entry.key} (owner ${entry.owner}, expires ${entry.expires}) matches no ${out.opts.scope === 'runtime' ? 'runtime ' : ''}vulnerability: remove it`,
      ...whereOf(entry, ws),
      rule: 'unused-exception',
    });
  }
  return findings;
}

/** Every finding the gate reports: vulnerabilities in scope, exception problems, the registry and what was not audited. */
export function auditFindings(out: AuditOutcome): Finding[] {
  const { judgement: j, run } = out;
  const file = run.manifest || undefined;
  const blockingSet = new Set(j.blocking);
  const findings: Finding[] = inScopeOf(j).map((f) => ({
    severity: blockingSet.has(f) ? 'error' : f.severity === 'unknown' ? 'warning' : 'notice',
    message: findingMessage(f, out.opts.unknownSeverity),
    ...(file ? { file } : {}),
    ...(file && f.line ? { line: f.line } : {}),
    rule: f.advisoryId,
  }));
  findings.push(...exceptionFindings(out));
  const reg = run.registry;
  if (reg?.projectOverride) {
    const po = reg.projectOverride;
    findings.push({
      severity: out.untrusted ? 'error' : 'warning',
      message:
        `${po.file} sets the npm registry to ${reg.url} (npm would otherwise use ${po.instead}) and input "registry" is empty: npm audit asked that server for advisories, and its answer decides this gate. ` +
        (out.untrusted
          ? 'This change sets it (the base commit does not): a change cannot choose who judges it. Set input "registry", or change the .npmrc in a change of its own'
          : 'If it is your mirror, set input "registry" to it (the input overrides every .npmrc); if not, remove the line'),
      file: po.file,
      ...(po.line ? { line: po.line } : {}),
      rule: 'npmrc-registry',
    });
  }
  if (reg?.error)
    findings.push({ severity: 'warning', message: `could not tell which registry npm asks for advisories: ${reg.error}`, rule: 'registry-unknown' });
  for (const s of run.skipped ?? []) {
    findings.push({ severity: 'warning', message: `pip-audit could not audit ${s.name}: ${s.reason}`, ...(file ? { file } : {}), rule: 'not-audited' });
  }
  return findings;
}

function registrySections(out: AuditOutcome): string[] {
  const reg = out.run.registry;
  if (!reg) return [];
  const sections = [
    `Advisories were requested from ${reg.url ? code(reg.url) : 'a registry npm did not name'} (${reg.source === 'input "registry"' ? 'input `registry`' : md(reg.source)}).`,
  ];
  if (reg.projectOverride) {
    const po = reg.projectOverride;
    sections.push(
      `### ⚠️ Registry set by ${code(po.file)}\n\n` +
        `Input \`registry\` is empty, so npm took its registry from ${code(po.file)}: ${code(reg.url)} instead of ${code(po.instead)}. ` +
        'That server answered the advisory query, and whatever it answers decides this gate. ' +
        (out.untrusted
          ? 'This change sets it (the base commit does not), so the answer is not trusted and the gate could not judge: set input `registry`, or change the `.npmrc` in a change of its own.'
          : 'If it is your mirror, set input `registry` to it (the input overrides every `.npmrc`); if not, remove the setting.'),
    );
  }
  if (reg.error) sections.push(`Could not tell which registry npm asks for advisories: ${md(reg.error)}`);
  return sections;
}

function exceptionRows(out: AuditOutcome): string[][] {
  const j = out.judgement;
  const suppressedCounts = new Map<ExceptionEntry, number>();
  for (const { entry } of j.suppressed) suppressedCounts.set(entry, (suppressedCounts.get(entry) ?? 0) + 1);
  const expiredCounts = groupByEntry(j.expiredMatches);
  const capCounts = groupByEntry(j.beyondCapMatches);
  const row = (state: string, e: ExceptionEntry, matched: number) => [state, code(e.key), md(e.owner), md(e.reason), md(e.expires), String(matched)];
  return [
    ...j.exceptions.expired.map((e) => row('❌ expired', e, expiredCounts.get(e)?.length ?? 0)),
    ...j.exceptions.beyondCap.map((e) => row(`❌ expires more than ${out.opts.maxExceptionDays} days ahead`, e, capCounts.get(e)?.length ?? 0)),
    ...j.exceptions.applied.map((e) => row('✅ applied', e, suppressedCounts.get(e) ?? 0)),
    ...j.exceptions.unused.map((e) => row(cannotMatch(e, out.ecosystem) ? '⚠️ CVE id: npm cannot match' : '⚠️ unused', e, 0)),
  ];
}

function exceptionSections(out: AuditOutcome): string[] {
  const { exceptions: ex, shownExceptions } = out;
  const sections: string[] = [];
  const fromText = ex.from ? ` at the base commit ${code(ex.from.slice(0, 12))}` : '';
  if (ex.from)
    sections.push(`Exceptions were read from ${code(shownExceptions)} at the base commit ${code(ex.from.slice(0, 12))}: a change cannot approve itself.`);
  for (const note of ex.notes) sections.push(`> ${md(note)}`);
  if (out.toolFailure && out.auditEntries > 0) {
    sections.push(
      `${out.auditEntries} exception(s) in ${code(shownExceptions)} were not evaluated: ${md(out.run.tool)} did not produce a report to match them against.`,
    );
  }
  const rows = exceptionRows(out);
  if (rows.length > 0) {
    const shown = rows.slice(0, SUMMARY_ROWS);
    sections.push(
      `### Exceptions (${rows.length}) from ${code(shownExceptions)}${fromText}\n\n${table(['state', 'id', 'owner', 'reason', 'expires', 'matched'], shown)}` +
        (rows.length > shown.length ? `\n\nShowing ${shown.length} of ${rows.length}; the evidence record lists all.` : ''),
    );
  }
  if (ex.afterMerge.length > 0) {
    const shown = ex.afterMerge.slice(0, SUMMARY_ROWS).map((e) => [code(e.key), md(e.owner), md(e.reason), md(e.expires), md(e.where)]);
    sections.push(
      `### Exceptions this change adds or edits: applied after merge (${ex.afterMerge.length})\n\n` +
        `These entries of the change's ${code(shownExceptions)} are not applied to the change itself; they take effect once it is merged.\n\n` +
        table(['id', 'owner', 'reason', 'expires', 'where'], shown),
    );
  }
  return sections;
}

export function auditSections(out: AuditOutcome): string[] {
  const { run, judgement: j, opts } = out;
  const depText = run.dependencies !== undefined ? `${run.dependencies} dependencies` : 'the dependencies';
  const sections = [
    `Audited ${depText} with ${md(run.tool)} ${run.version ? code(run.version) : ''} from ${run.manifest ? code(run.manifest) : 'the environment'}; ` +
      `fails on ${code(opts.failOn)} and above; scope ${code(opts.scope)}` +
      (j.outOfScope.length > 0 ? ` (${j.outOfScope.length} dev-only finding(s) not counted)` : '') +
      '. Vulnerabilities are counted once per package version and advisory.',
    ...registrySections(out),
  ];
  if (out.toolFailure) sections.push(`### Tool failure\n\n${codeBlock(out.toolFailure)}`);
  sections.push(...existingSections(out));
  const unknown = inScopeOf(j).filter((f) => f.severity === 'unknown');
  if (unknown.length > 0) sections.push(unknownSeveritySection(unknown, run.tool, opts));
  sections.push(...exceptionSections(out));
  return sections;
}

export function auditDetails(out: AuditOutcome): Record<string, unknown> {
  const { run, judgement: j, opts, workspace: ws, exceptions: ex } = out;
  const inScope = inScopeOf(j);
  const suppressedCounts = new Map<ExceptionEntry, number>();
  for (const { entry } of j.suppressed) suppressedCounts.set(entry, (suppressedCounts.get(entry) ?? 0) + 1);
  const expiredCounts = groupByEntry(j.expiredMatches);
  const capCounts = groupByEntry(j.beyondCapMatches);
  return {
    ecosystem: out.ecosystem,
    manifest: run.manifest,
    failOn: opts.failOn,
    scope: opts.scope,
    unknownSeverity: opts.unknownSeverity ?? 'fail',
    advisories: opts.advisories ?? 'all',
    ...(out.introduced
      ? {
          existingOnBase: {
            total: out.introduced.existing.length,
            findings: out.introduced.existing.slice(0, DETAIL_FINDINGS).map(detailFinding),
            ...(out.introduced.comparison ? { comparedWith: out.introduced.comparison } : {}),
          },
        }
      : {}),
    findingsTotal: inScope.length,
    findings: inScope.slice(0, DETAIL_FINDINGS).map(detailFinding),
    suppressed: j.suppressed.slice(0, DETAIL_FINDINGS).map(({ finding, entry }) => ({ ...detailFinding(finding), exception: entry.key })),
    exceptions: {
      file: out.shownExceptions,
      ...(ex.from ? { readFrom: ex.from } : {}),
      ...(opts.maxExceptionDays !== undefined ? { maxDays: opts.maxExceptionDays } : {}),
      evaluated: !out.toolFailure,
      entries: out.auditEntries,
      applied: j.exceptions.applied.map((e) => exceptionRecord(e, ws, suppressedCounts.get(e) ?? 0)),
      expired: j.exceptions.expired.map((e) => exceptionRecord(e, ws, expiredCounts.get(e)?.length ?? 0)),
      beyondCap: j.exceptions.beyondCap.map((e) => exceptionRecord(e, ws, capCounts.get(e)?.length ?? 0)),
      unused: j.exceptions.unused.map((e) => ({
        ...exceptionRecord(e, ws),
        ...(cannotMatch(e, out.ecosystem) ? { cannotMatch: 'npm findings carry no CVE ids' } : {}),
      })),
      ...(ex.afterMerge.length > 0 ? { afterMerge: ex.afterMerge.slice(0, DETAIL_FINDINGS).map((e) => exceptionRecord(e, ws)) } : {}),
    },
    ...(run.npmCounts ? { npmReportedPackages: run.npmCounts } : {}),
    ...(run.registry ? { registry: run.registry } : {}),
    ...(run.skipped && run.skipped.length > 0 ? { notAudited: run.skipped.slice(0, DETAIL_FINDINGS) } : {}),
    ...(out.untrusted ? { untrusted: out.untrusted } : {}),
  };
}
