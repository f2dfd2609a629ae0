// The rules gate's render phase: the judgement as a GateReport (job summary sections, record
// details, metrics and step outputs). No decision is taken here.
import { repoRelative } from '../../core/annotations.js';
import { sha256Hex } from '../../core/evidence.js';
import { sha256File } from '../../core/files.js';
import { sourceLocation, type SourceLinks } from '../../core/labels.js';
import { code, codeBlock, md, table } from '../../core/markdown.js';
import type { GateReport } from '../../core/gate.js';
import type { RulesJudgement } from './judge.js';
import type { AlertEvidence, CollectedRules } from './model.js';

function alertRow(a: AlertEvidence, links: SourceLinks | undefined): string[] {
  const labels = (l: Record<string, string>) =>
    Object.keys(l).length
      ? ` ${code(
          Object.entries(l)
            .map(([k, v]) => `${k}=${v}`)
            .join(', '),
        )}`
      : '';
  return [
    md(a.name),
    md(a.severity || '-'),
    sourceLocation(links, a.file, a.line),
    a.fires.length
      ? a.fires.map((f) => `${md(f.test)} @ ${code(f.evalTime)}${labels(f.labels)}${f.failed ? ' (failing)' : ''}`).join('<br>')
      : '**no firing test**',
    a.silent.length ? a.silent.map((s) => `${md(s.test)} @ ${code(s.evalTime)}${s.failed ? ' (failing)' : ''}`).join('<br>') : '-',
  ];
}

/** The summary sections; with `links`, each alert's rule links to its file and line at the commit judged. */
export function renderSections(collected: CollectedRules, judged: RulesJudgement, links?: SourceLinks): string[] {
  const sections: string[] = [];
  if (judged.problems.length > 0) sections.push(`### Could not judge\n\n${codeBlock(judged.problems.join('\n\n'))}`);
  const tested = judged.alerts.filter((a) => a.tested).length;
  if (judged.alerts.length > 0) {
    sections.push(
      `### Alert evidence (${tested}/${judged.alerts.length} alerts shown firing)\n\n${table(
        ['alert', 'severity', 'rule', 'fires in test', 'stays silent in test'],
        judged.alerts.map((a) => alertRow(a, links)),
      )}`,
    );
  }
  const failedRows = collected.groupResults
    .filter((r) => r.failures.length > 0)
    .map((r) => [code(r.test.file), md(r.group?.name ?? '(file)'), md(r.failures.length)]);
  if (failedRows.length > 0) sections.push(`### Failing rule tests\n\n${table(['test file', 'group', 'failures'], failedRows)}`);
  if (collected.scope) {
    sections.push(
      `Hygiene findings are limited to the rule files this change touches (${collected.scope.inScope} of ${collected.ruleFiles.length}); rule checks, rule tests and coverage ran on every file.`,
    );
  }
  if (collected.scopeFallback) sections.push(`only-changed fell back to every rule file: ${md(collected.scopeFallback)}`);
  sections.push(...baselineSections(collected, judged, links));
  const p = collected.promtool;
  if (p) sections.push(`Checked with promtool ${code(p.version || 'unknown')} (${md(p.source)})${p.junit ? ', test results from JUnit' : ''}.`);
  return sections;
}

const MAX_BASELINE_ROWS = 50;

/** Baselined findings ("existing"), edits to the baseline a change makes (applied after merge), and where it was read. */
function baselineSections(collected: CollectedRules, judged: RulesJudgement, links: SourceLinks | undefined): string[] {
  const baseline = collected.baseline;
  if (!baseline) return [];
  const sections: string[] = [];
  const from = baseline.from ? ` at the base commit ${code(baseline.from.slice(0, 12))}` : '';
  const rows = judged.baseline.baselined.map(({ finding, entry }) => [
    finding.file ? sourceLocation(links, finding.file, finding.line) : '-',
    md(finding.rule ?? ''),
    md(entry.rule),
    md(entry.group),
    md([entry.owner, entry.reason, entry.expires ? `until ${entry.expires}` : ''].filter(Boolean).join('; ') || '-'),
  ]);
  const head = `### Existing (baselined): ${rows.length} finding(s) from ${code(baseline.shown)}${from}`;
  if (rows.length > 0) {
    const more =
      rows.length > MAX_BASELINE_ROWS
        ? `

…and ${rows.length - MAX_BASELINE_ROWS} more (see the evidence record).`
        : '';
    sections.push(`${head}

These existed before and do not fail the gate; every other finding does.

${table(['location', 'check', 'rule', 'group', 'owner, reason, expiry'], rows.slice(0, MAX_BASELINE_ROWS))}${more}`);
  } else {
    sections.push(`${head}.`);
  }
  if (judged.baseline.stale.length > 0)
    sections.push(
      `${judged.baseline.stale.length} baseline entry(ies) no longer match a finding: delete them from ${code(baseline.shown)} (listed as baseline-stale warnings).`,
    );
  if (baseline.afterMerge.length > 0) {
    const edits = baseline.afterMerge.slice(0, MAX_BASELINE_ROWS).map((e) => [code(e.where), md(e.check), md(e.rule), md(e.file)]);
    sections.push(`### Baseline edits in this change: applied after merge (${baseline.afterMerge.length})

A change cannot baseline its own findings; these entries apply once merged.

${table(['entry', 'check', 'rule', 'file'], edits)}`);
  }
  for (const note of baseline.notes) sections.push(md(note));
  return sections;
}

/** sha256 over every rule and test file's path and content: which configuration was judged. */
function configSha256(collected: CollectedRules, workspace: string): string {
  return sha256Hex(
    [...collected.ruleFiles.map((rf) => rf.absPath), ...collected.testFiles.map((t) => t.absPath)]
      .sort()
      .map((abs) => {
        try {
          return `${repoRelative(abs, workspace)}\0${sha256File(abs)}`;
        } catch {
          return `${repoRelative(abs, workspace)}\0unreadable`;
        }
      })
      .join('\n'),
  );
}

export function renderRulesReport(
  collected: CollectedRules,
  judged: RulesJudgement,
  workspace: string,
  clock: { startedAt: string; elapsed: () => number },
  links?: SourceLinks,
): GateReport {
  const m = judged.metrics;
  return {
    gate: 'rules',
    status: judged.status,
    summary: judged.summary,
    tool: { name: 'promtool', version: collected.promtool?.version ?? '', configSha256: configSha256(collected, workspace) },
    metrics: m,
    findings: judged.findings,
    details: {
      alerts: judged.alerts,
      ruleFiles: collected.ruleFiles.map((rf) => ({ file: rf.file, kind: rf.kind })),
      testFiles: collected.testFiles.map((t) => t.file),
      testGroups: collected.groupResults.map((r) => ({ file: r.test.file, group: r.group?.name ?? null, status: r.failures.length ? 'fail' : 'pass' })),
      scope: collected.scope ? 'changed' : 'all',
      checkRan: judged.checkRan,
      ...(collected.baseline
        ? {
            baseline: {
              file: collected.baseline.shown,
              from: collected.baseline.from ?? null,
              baselined: judged.baseline.baselined.length,
              stale: judged.baseline.stale.length,
              afterMerge: collected.baseline.afterMerge.length,
            },
          }
        : {}),
    },
    startedAt: clock.startedAt,
    durationMs: clock.elapsed(),
    outputs: { alerts: m.alerts!, 'alerts-tested': m.alertsTested!, 'alerts-untested': m.alertsUntested!, 'tests-failed': m.testGroupsFailed! },
    summarySections: renderSections(collected, judged, links),
  };
}
