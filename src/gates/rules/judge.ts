// The rules gate's judge phase: pure. From what collect gathered (the files' contents, promtool's
// check output, the test group results, hygiene findings) to findings, alert evidence, metrics and
// a verdict. Zero rules examined, or test files that ran no test, is never `pass`.
import { verdictWithProblems } from '../../core/gate.js';
import { applyBaseline, isHygieneCheck, rulesFingerprint, type BaselineOutcome } from './baseline.js';
import { parseCheckOutput } from './promtool.js';
import { toolFailureText } from './runs.js';
import type { Finding, GateStatus } from '../../core/evidence.js';
import type { Level } from './hygiene.js';
import type { AlertEvidence, CheckRun, CollectedRules, GroupResult } from './model.js';
import type { RuleFile } from './sources.js';
import type { TestFile } from './testfiles.js';

const MAX_ENTRIES_PER_ALERT = 10;
/** Findings that make a rule or test file invalid (as opposed to hygiene, coverage, failing tests). */
const CHECK_RULES = new Set([
  'promtool-check',
  'not-yaml',
  'yaml-syntax',
  'not-a-rule-file',
  'not-a-test-file',
  'missing-rule-file',
  'no-rule-files',
  'rule-file-outside',
]);
const HYGIENE_RULES = new Set(['require-severity', 'require-summary', 'require-runbook', 'min-for', 'duplicate-alert', 'invalid-duration']);

export interface RulesJudgement {
  status: GateStatus;
  summary: string;
  findings: Finding[];
  problems: string[];
  alerts: AlertEvidence[];
  checkRan: boolean;
  metrics: Record<string, number>;
  baseline: BaselineOutcome;
}

/** promtool check output as findings at the original lines; a run that failed without naming a file is a problem. */
export function checkFindings(check: CheckRun): { findings: Finding[]; problem?: string } {
  const { result } = check;
  if (result.timedOut || result.signal || (result.exitCode !== 0 && result.exitCode !== 1))
    return { findings: [], problem: toolFailureText('promtool check rules', result) };
  const problems = parseCheckOutput(result.stderr, check.paths);
  if (result.exitCode === 1 && !problems.some((pr) => pr.path))
    return { findings: [], problem: toolFailureText('promtool check rules failed without naming a file;', result) };
  const findings: Finding[] = [];
  for (const pr of problems) {
    const rf = pr.path ? check.files.get(pr.path) : undefined;
    // A file we could not parse or read already has a finding with a better position.
    if (pr.path && !rf) continue;
    if (!rf) {
      findings.push({ severity: result.exitCode === 0 ? 'warning' : 'error', rule: 'promtool-check', message: `promtool check rules: ${pr.message}` });
      continue;
    }
    let at = pr.line !== undefined ? rf.toOriginal(pr.line, pr.column) : undefined;
    if (!at && pr.ruleIndex !== undefined) {
      const rule = rf.groups.find((g) => g.name === pr.group)?.rules[pr.ruleIndex - 1];
      if (rule) at = { line: rule.line, column: rule.column };
    }
    findings.push({
      severity: 'error',
      file: rf.file,
      ...(at ? { line: at.line, ...(at.column ? { column: at.column } : {}) } : {}),
      rule: 'promtool-check',
      message: pr.message,
    });
  }
  return { findings };
}

export function testFindings(groupResults: readonly GroupResult[]): Finding[] {
  const findings: Finding[] = [];
  for (const r of groupResults) {
    const what = r.group ? `rule test "${r.group.name}"` : 'rule tests';
    for (const failure of r.failures) {
      const alert = /alertname: (.*?), time: (\S+?),/.exec(failure);
      const summary = alert ? `${what} failed: alert ${alert[1]} at ${alert[2]} did not match the expected alerts` : `${what} failed`;
      findings.push({ severity: 'error', file: r.test.file, line: r.group?.line ?? 1, rule: 'rule-test', message: `${summary}\n${failure.trim()}` });
    }
  }
  return findings;
}

/** Which test shows each alert firing (or silent); an alert no test shows firing is a coverage finding at `coverage`. */
export function alertEvidence(
  ruleFiles: readonly RuleFile[],
  testFiles: readonly TestFile[],
  groupResults: readonly GroupResult[],
  coverage: Level,
): { alerts: AlertEvidence[]; findings: Finding[] } {
  const alerts: AlertEvidence[] = [];
  const findings: Finding[] = [];
  const failedGroups = new Set(groupResults.filter((r) => r.failures.length > 0 && r.group).map((r) => r.group!));
  for (const rf of ruleFiles) {
    for (const rule of rf.groups.flatMap((g) => g.rules)) {
      if (rule.kind !== 'alert') continue;
      const fingerprint = rulesFingerprint({ file: rf.file, group: rule.group, rule: rule.name, check: 'coverage' });
      const ev: AlertEvidence = { name: rule.name, severity: rule.labels.severity ?? '', file: rf.file, line: rule.line, tested: false, fires: [], silent: [] };
      for (const t of testFiles) {
        if (!t.ruleFiles.includes(rf.absPath)) continue;
        for (const g of t.groups) {
          const label = `${t.file} › ${g.name}`;
          const failed = failedGroups.has(g) ? { failed: true as const } : {};
          for (const a of g.alerts) {
            if (a.alertname !== rule.name) continue;
            if (a.expected.length === 0) ev.silent.push({ test: label, evalTime: a.evalTime, ...failed });
            else for (const labels of a.expected) ev.fires.push({ test: label, evalTime: a.evalTime, labels, ...failed });
          }
        }
      }
      ev.tested = ev.fires.length > 0;
      ev.fires = ev.fires.slice(0, MAX_ENTRIES_PER_ALERT);
      ev.silent = ev.silent.slice(0, MAX_ENTRIES_PER_ALERT);
      alerts.push(ev);
      if (!ev.tested && coverage !== 'off') {
        findings.push({
          severity: coverage,
          file: rf.file,
          line: rule.line,
          rule: 'coverage',
          message: `alert ${rule.name} has no rule test that shows it firing (an alert_rule_test for it with non-empty exp_alerts)`,
          fingerprint,
        });
      }
    }
  }
  return { alerts, findings };
}

function countRules(ruleFiles: readonly RuleFile[]): number {
  return ruleFiles.reduce((n, rf) => n + rf.groups.reduce((m, g) => m + g.rules.length, 0), 0);
}

/** Files that held no rule: a warning each (others may hold rules); zero rules in all is judged below. */
function noRuleFindings(ruleFiles: readonly RuleFile[]): Finding[] {
  return ruleFiles
    .filter((rf) => rf.checkable && !rf.unreadable && !rf.findings.some((f) => f.rule === 'empty') && rf.groups.every((g) => g.rules.length === 0))
    .map((rf) => ({
      severity: 'warning' as const,
      file: rf.file,
      line: rf.groups[0]?.line ?? 1,
      rule: 'no-rules',
      message: `${rf.file} holds no rule${rf.groups.length > 0 ? ` (${rf.groups.length} empty group(s))` : ''}`,
    }));
}

export function judgeRules(collected: CollectedRules, coverage: Level): RulesJudgement {
  const { ruleFiles, testFiles, groupResults } = collected;
  const problems = [...collected.problems];
  const findings: Finding[] = [...ruleFiles.flatMap((rf) => rf.findings), ...testFiles.flatMap((t) => t.findings), ...noRuleFindings(ruleFiles)];
  let checkRan = false;
  if (collected.check) {
    const check = checkFindings(collected.check);
    if (check.problem) problems.push(check.problem);
    else checkRan = true;
    findings.push(...check.findings);
  }
  findings.push(...testFindings(groupResults));
  if (collected.scopeFallback)
    findings.push({
      severity: 'warning',
      rule: 'only-changed',
      message: `only-changed could not list the changed files, so every rule file was checked: ${collected.scopeFallback}`,
    });
  findings.push(...collected.hygieneFindings);
  const { alerts, findings: coverageFindings } = alertEvidence(ruleFiles, testFiles, groupResults, coverage);
  findings.push(...coverageFindings);
  const baseline = baselineFindings(collected, findings);

  const rulesTotal = countRules(ruleFiles);
  const groupsTotal = groupResults.filter((r) => r.group).length;
  const testFileErrors = findings.some((f) => f.severity === 'error' && testFiles.some((t) => t.file === f.file));
  if (testFiles.length > 0 && groupsTotal === 0 && !testFileErrors && problems.length === 0) {
    problems.push(`the tests input names ${testFiles.length} rule test file(s), but no rule test group ran: nothing was tested`);
  }
  const judged = baseline.findings;
  const status = verdictWithProblems({ problems, findings: judged, examined: rulesTotal });
  const metrics = {
    ...rulesMetrics(judged, alerts, groupResults, { ruleFiles: ruleFiles.length, rules: rulesTotal, testFiles: testFiles.length }),
    ...(collected.baseline ? { baselined: baseline.baselined.length, baselineStale: baseline.stale.length } : {}),
  };
  return { status, summary: summaryLine(status, problems, judged, metrics, ruleFiles.length), findings: judged, problems, alerts, checkRan, metrics, baseline };
}

/**
 * The baseline applied to the findings: baselined ones become notices, stale entries warnings at
 * their line in the baseline file. An entry is stale only where the run looked: coverage in every
 * rule file, hygiene in the files it ran on (only-changed limits them on pull requests).
 */
function baselineFindings(collected: CollectedRules, findings: readonly Finding[]): BaselineOutcome {
  const files = new Set(collected.ruleFiles.map((rf) => rf.file));
  const judged = (file: string, check: string) => (isHygieneCheck(check) ? (collected.hygieneFiles ?? files).has(file) : files.has(file));
  const outcome = applyBaseline(findings, collected.baseline, judged);
  const shown = collected.baseline?.shown ?? '';
  const inRepo = shown !== '' && !shown.startsWith('/');
  const stale = outcome.stale.map((e): Finding => {
    const line = Number(e.where.slice(e.where.lastIndexOf(':') + 1));
    return {
      severity: 'warning',
      ...(inRepo ? { file: shown, ...(line > 0 ? { line } : {}) } : {}),
      rule: 'baseline-stale',
      message: `stale baseline entry at ${e.where}: ${e.check} of ${e.rule} in ${e.file} (group "${e.group}") is no longer found; delete the entry`,
    };
  });
  return { ...outcome, findings: [...outcome.findings, ...stale] };
}

function rulesMetrics(
  findings: readonly Finding[],
  alerts: readonly AlertEvidence[],
  groupResults: readonly GroupResult[],
  counts: { ruleFiles: number; rules: number; testFiles: number },
): Record<string, number> {
  const tested = alerts.filter((a) => a.tested).length;
  const hygiene = (severity: Finding['severity']) => findings.filter((f) => f.rule && HYGIENE_RULES.has(f.rule) && f.severity === severity).length;
  return {
    ruleFiles: counts.ruleFiles,
    rules: counts.rules,
    alerts: alerts.length,
    alertsTested: tested,
    alertsUntested: alerts.length - tested,
    testFiles: counts.testFiles,
    testGroups: groupResults.filter((r) => r.group).length,
    testGroupsFailed: groupResults.filter((r) => r.failures.length > 0).length,
    checkErrors: findings.filter((f) => CHECK_RULES.has(f.rule ?? '') && f.severity === 'error').length,
    hygieneErrors: hygiene('error'),
    hygieneWarnings: hygiene('warning'),
  };
}

function summaryLine(status: GateStatus, problems: readonly string[], findings: readonly Finding[], m: Record<string, number>, fileCount: number): string {
  const firing = `${m.alertsTested}/${m.alerts} alerts shown firing by a test`;
  if (problems.length > 0) return `the rules could not be judged: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : ''}`;
  if (status === 'fail') {
    const coverageErrors = findings.filter((f) => f.rule === 'coverage' && f.severity === 'error').length;
    const parts = [
      m.checkErrors ? `${m.checkErrors} invalid rule/test file problem(s)` : '',
      m.testGroupsFailed ? `${m.testGroupsFailed} failing rule test group(s)` : '',
      coverageErrors ? `${coverageErrors} alert(s) without a firing test` : '',
      m.hygieneErrors ? `${m.hygieneErrors} hygiene error(s)` : '',
    ].filter(Boolean);
    return `${parts.join(', ') || `${findings.filter((f) => f.severity === 'error').length} error(s)`}; ${firing}`;
  }
  if (status === 'error')
    return `no rule to check: the ${fileCount} rule file(s) hold no alerting or recording rule, so nothing was checked; name the files that hold the rules`;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  return `${m.rules} rule(s) in ${fileCount} file(s) valid, ${m.testGroups} rule test group(s) passed, ${firing}${warnings ? `, ${warnings} warning(s)` : ''}${m.baselined ? `, ${m.baselined} existing finding(s) baselined` : ''}`;
}
