import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { globSync } from 'tinyglobby';
import { repoRelative } from '../core/annotations.js';
import { ConfigurationError, ToolNotFoundError } from '../core/errors.js';
import { sha256Hex, type Finding, type GateStatus } from '../core/evidence.js';
import { describeExit, lastLines, type ExecResult } from '../core/exec.js';
import { sha256File } from '../core/files.js';
import { startClock, type GateReport, type GateRuntime } from '../core/gate.js';
import { code, codeBlock, md, table } from '../core/markdown.js';
import { changedFiles } from './rules/changed.js';
import { parseDuration } from './rules/duration.js';
import { checkHygiene, type HygienePolicy, type Level } from './rules/hygiene.js';
import {
  locatePromtool,
  parseCheckOutput,
  parseTestFailures,
  parsePromtoolJUnit,
  promtoolHasJUnit,
  promtoolVersion,
  runPromtool,
  type Promtool,
  type PromtoolOptions,
} from './rules/promtool.js';
import { loadRuleFile, type RuleFile } from './rules/sources.js';
import { loadTestFile, rewriteForConvertedRules, type TestFile, type TestGroup } from './rules/testfiles.js';

export { LEVELS } from './rules/hygiene.js';

export interface RulesOptions {
  /** Globs (relative to the workspace) of rule files: plain or PrometheusRule resources. */
  rules: string[];
  /** Globs of promtool rule test files; may be empty. */
  tests: string[];
  promtool: Omit<PromtoolOptions, 'tempDir' | 'log'>;
  hygiene: HygienePolicy;
  coverage: Level;
  /**
   * Limit hygiene findings to rule files changed between baseSha and headSha. Coverage is never
   * limited: deleting a test changes no rule file, and coverage costs nothing to compute.
   */
  onlyChanged: boolean;
  baseSha?: string;
  headSha: string;
  timeoutMs: number;
}

export interface AlertEvidence {
  name: string;
  severity: string;
  file: string;
  line: number;
  tested: boolean;
  fires: { test: string; evalTime: string; labels: Record<string, string>; failed?: true }[];
  silent: { test: string; evalTime: string; failed?: true }[];
}

interface GroupResult {
  test: TestFile;
  group?: TestGroup;
  failures: string[];
}

const MAX_ENTRIES_PER_ALERT = 10;
/** Findings that make a rule or test file invalid (as opposed to hygiene, coverage, failing tests). */
const CHECK_RULES = new Set(['promtool-check', 'not-yaml', 'yaml-syntax', 'not-a-rule-file', 'not-a-test-file', 'missing-rule-file', 'no-rule-files']);
const GLOB_CHARS = /[*?[\]{}!]/;
const PROMETHEUS_RULE_KIND = /^\s*kind:\s*["']?PrometheusRule\b/m;

/** Expands the globs; a pattern that matches nothing is a configuration mistake, never "no rules". */
export function expandInput(input: string, patterns: readonly string[], workspace: string): string[] {
  const found = new Set<string>();
  const missing: string[] = [];
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) continue;
    if (!GLOB_CHARS.test(pattern)) {
      // A plain path is taken as is (even a dangling link or a directory): reading it reports the problem.
      const abs = isAbsolute(pattern) ? pattern : resolve(workspace, pattern);
      try {
        lstatSync(abs);
        found.add(abs);
      } catch {
        missing.push(pattern);
      }
      continue;
    }
    const matches = globSync([pattern, ...patterns.filter((p) => p.startsWith('!'))], { cwd: workspace, absolute: true, onlyFiles: true, dot: true, ignore: ['**/node_modules/**', '**/.git/**'] });
    if (matches.length === 0) missing.push(pattern);
    for (const m of matches) found.add(resolve(m));
  }
  if (missing.length > 0) {
    throw new ConfigurationError(
      `input "${input}" ${missing.map((m) => JSON.stringify(m)).join(', ')} matches no file in ${workspace}: give paths or globs relative to the repository root, e.g. "prometheus/rules/*.yml"`,
    );
  }
  return [...found].sort();
}

function sameDuration(a: string, b: string | undefined): boolean {
  if (b === undefined) return false;
  const x = parseDuration(a);
  return x !== undefined && x === parseDuration(b);
}

/** Attributes a promtool 2.x text failure to the test group it came from. */
function attribute(test: TestFile, f: ReturnType<typeof parseTestFailures>[number]): TestGroup | undefined {
  const candidates = test.groups.filter((g) => (f.group !== undefined ? g.named && g.name === f.group : !g.named));
  const refined = candidates.filter((g) =>
    f.alertname !== undefined ? g.alerts.some((a) => a.alertname === f.alertname && sameDuration(a.evalTime, f.evalTime)) : f.expr !== undefined ? g.promqlTests > 0 : true,
  );
  return refined[0] ?? candidates[0] ?? (test.groups.length === 1 ? test.groups[0] : undefined);
}

/** Marks a promise started early as handled: it is awaited later, after synchronous work. */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

function toolFailureText(what: string, r: ExecResult): string {
  return `${what} ${describeExit(r)}: ${lastLines(`${r.stderr}\n${r.stdout}`, 8) || '(no output)'}`;
}

export async function runRulesGate(o: RulesOptions, rt: GateRuntime): Promise<GateReport> {
  const clock = startClock();
  const ruleAbs = expandInput('rules', o.rules, rt.workspace);
  const testAbs = o.tests.length > 0 ? expandInput('tests', o.tests, rt.workspace) : [];
  // Converted PrometheusRules, rewritten test files and the JUnit report: gone when the gate is.
  const scratch = mkdtempSync(join(rt.tempDir, 'release-safety-rules-'));
  try {
    return await judgeRules(o, rt, { clock, ruleAbs, testAbs, scratch });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function judgeRules(
  o: RulesOptions,
  rt: GateRuntime,
  { clock, ruleAbs, testAbs, scratch }: { clock: ReturnType<typeof startClock>; ruleAbs: string[]; testAbs: string[]; scratch: string },
): Promise<GateReport> {
  const ws = rt.workspace;
  const findings: Finding[] = [];
  const toolErrors: string[] = [];
  const notes: string[] = [];

  // ---- promtool, and the changed files, at the same time --------------------------------------
  // Nothing waits on a probe: check and test start as soon as promtool is located, its version is
  // asked once the (short) check is done, while the test runs, and whether `test` takes --junit is
  // asked only when a test fails. A third promtool started at once costs the test ~20 ms of CPU.
  let promtool: Promtool | undefined;
  let askVersion: ((after?: Promise<unknown>) => void) | undefined;
  let versionAsked: Promise<string> | undefined;
  try {
    // Not the scratch directory: an installed promtool stays on PATH for the job's later steps.
    const where = await locatePromtool({ ...o.promtool, tempDir: rt.tempDir, log: rt.log });
    promtool = { path: where.path, version: where.version ?? '', junit: false, source: where.source };
    // An installed promtool's version is the one its verified archive is pinned as.
    if (!where.version) {
      askVersion = (after) => {
        const ask = () => promtoolVersion(where.path, ws);
        versionAsked = handled(after ? after.then(ask, ask) : ask());
      };
    }
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    toolErrors.push(error instanceof ToolNotFoundError ? error.message : (error as Error).message);
  }
  const changed = o.onlyChanged && o.baseSha ? changedFiles(ws, o.baseSha, o.headSha) : undefined;

  const pathGiven = (abs: string) => {
    const rel = relative(ws, abs);
    return rel.startsWith('..') || isAbsolute(rel) ? abs : rel;
  };
  const junitPath = join(scratch, 'promtool-junit.xml');
  const startCheck = (p: Promtool, paths: string[]) => (paths.length > 0 ? handled(runPromtool(p.path, ['check', 'rules', ...paths], ws, o.timeoutMs)) : undefined);
  const startTest = (p: Promtool, paths: string[], junit = false) =>
    paths.length > 0 ? handled(runPromtool(p.path, junit ? ['test', `--junit=${junitPath}`, 'rules', ...paths] : ['test', 'rules', ...paths], ws, o.timeoutMs)) : undefined;
  // promtool starts before the YAML is parsed (parsing is most of the gate's own cost) unless a
  // PrometheusRule must be converted first; results for files that turn out unparsable are dropped.
  const needsConversion = ruleAbs.some((abs) => {
    try {
      return PROMETHEUS_RULE_KIND.test(readFileSync(abs, 'utf8'));
    } catch {
      return false;
    }
  });
  let early: { check?: Promise<ExecResult>; test?: Promise<ExecResult>; checkPaths: string[]; testPaths: string[] } | undefined;
  if (promtool && !needsConversion) {
    // promtool refuses the whole command line when one path does not exist: leave those out.
    const checkPaths = ruleAbs.filter((abs) => existsSync(abs)).map(pathGiven);
    const testPaths = testAbs.filter((abs) => existsSync(abs)).map(pathGiven);
    early = { check: startCheck(promtool, checkPaths), test: startTest(promtool, testPaths), checkPaths, testPaths };
  }
  askVersion?.(early?.check);

  // ---- read every file --------------------------------------------------------------------
  const ruleFiles = new Map<string, RuleFile>();
  const load = (abs: string) => {
    let rf = ruleFiles.get(abs);
    if (!rf) {
      rf = loadRuleFile({ absPath: abs, file: repoRelative(abs, ws), scratchDir: join(scratch, 'converted') });
      ruleFiles.set(abs, rf);
    }
    return rf;
  };
  const selected = ruleAbs.map(load);
  const tests = testAbs.map((abs) => loadTestFile(abs, repoRelative(abs, ws)));
  for (const rf of selected) {
    if (rf.unreadable) toolErrors.push(rf.unreadable);
    findings.push(...rf.findings);
  }
  tests.forEach((t, i) => {
    if (t.unreadable) toolErrors.push(t.unreadable);
    findings.push(...t.findings);
    // Rule files a test loads but the rules input did not name still need converting.
    const loaded = t.ruleFiles.map(load);
    if (loaded.some((rf) => rf.kind === 'prometheusrule')) {
      t.promtoolPath = rewriteForConvertedRules(t, (abs) => ruleFiles.get(abs)?.promtoolPath ?? abs, join(scratch, 'tests'), i + 1);
    }
  });


  const checkable = selected.filter((rf) => rf.checkable && !rf.unreadable);
  const runnable = tests.filter((t) => t.runnable);
  const groupResults: GroupResult[] = [];
  let checkRan = false;

  if (promtool) {
    const p = promtool;
    const checkArgsFor = new Map(checkable.map((rf) => [pathGiven(rf.promtoolPath), rf]));
    const checkPaths = early ? early.checkPaths : [...checkArgsFor.keys()];
    const checkRun = early ? early.check : startCheck(p, checkPaths);
    // The early run took every test file. Its output stands for the runnable ones only when every
    // file is runnable and unconverted: an unparsable file's load error would otherwise be read as
    // a failure of the file beside it. Otherwise the runnable files run now, beside the check.
    const runnablePaths = runnable.map((t) => pathGiven(t.promtoolPath));
    const earlyTestStands = early !== undefined && runnable.length === tests.length && tests.every((t) => t.promtoolPath === t.absPath);
    const testRun = earlyTestStands ? early?.test : startTest(p, runnablePaths);
    const check = await checkRun;
    let test = await testRun;
    if (!earlyTestStands) await early?.test?.catch(() => undefined);
    if (versionAsked) {
      try {
        p.version = await versionAsked;
      } catch (error) {
        toolErrors.push((error as Error).message);
      }
    }
    rt.log.info(`promtool ${p.version || '(version unknown)'} from ${p.source}: ${p.path}`);
    // Failures need attributing to test groups: a promtool whose `test` takes --junit says which
    // file and group failed in its report, so the (deterministic) run is repeated with it.
    if (test && test.exitCode === 1 && !test.timedOut && (await promtoolHasJUnit(p.path, ws))) {
      p.junit = true;
      rmSync(junitPath, { force: true });
      test = await startTest(p, runnablePaths, true);
    }

    if (check) {
      await rt.log.group(`promtool check rules (${checkable.length} file(s))`, async () => rt.log.untrusted(`${check.stdout}${check.stderr}`));
      const problems = parseCheckOutput(check.stderr, checkPaths);
      if (check.timedOut || check.signal || (check.exitCode !== 0 && check.exitCode !== 1)) {
        toolErrors.push(toolFailureText('promtool check rules', check));
      } else if (check.exitCode === 1 && !problems.some((pr) => pr.path)) {
        toolErrors.push(toolFailureText('promtool check rules failed without naming a file;', check));
      } else {
        checkRan = true;
        for (const pr of problems) {
          const rf = pr.path ? checkArgsFor.get(pr.path) : undefined;
          // A file we could not parse or read already has a finding with a better position.
          if (pr.path && !rf) continue;
          if (!rf) {
            findings.push({ severity: check.exitCode === 0 ? 'warning' : 'error', rule: 'promtool-check', message: `promtool check rules: ${pr.message}` });
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
      }
    }

    if (test) {
      await rt.log.group(`promtool test rules (${runnable.length} file(s))`, async () => rt.log.untrusted(`${test.stdout}${test.stderr}`));
      if (test.timedOut || test.signal || (test.exitCode !== 0 && test.exitCode !== 1)) {
        toolErrors.push(toolFailureText('promtool test rules', test));
      } else if (test.exitCode === 0) {
        for (const t of runnable) for (const g of t.groups) groupResults.push({ test: t, group: g, failures: [] });
      } else if (p.junit) {
        let xml = '';
        try {
          xml = readFileSync(junitPath, 'utf8');
        } catch {
          // no report: handled below as a failure named by no test
        }
        const cases = parsePromtoolJUnit(xml);
        for (const t of runnable) {
          const suite = pathGiven(t.promtoolPath);
          const mine = cases.filter((c) => c.suite === suite);
          for (const g of t.groups) groupResults.push({ test: t, group: g, failures: mine.find((c) => c.name === g.name)?.failures ?? [] });
        }
        // The run held only runnable files: a failure the report does not name is still a failure.
        if (!groupResults.some((r) => r.failures.length > 0)) {
          groupResults.push({ test: runnable[0]!, failures: [lastLines(test.stderr, 20) || 'promtool test rules failed without naming a test'] });
        }
      } else {
        // promtool 2.x text output does not name the test file of a failure: run each file alone.
        const perFile: [TestFile, string][] =
          runnable.length === 1
            ? [[runnable[0]!, test.stderr]]
            : await Promise.all(
                runnable.map(async (t) => {
                  const r = await runPromtool(p.path, ['test', 'rules', pathGiven(t.promtoolPath)], ws, o.timeoutMs);
                  if (r.timedOut || r.signal || (r.exitCode !== 0 && r.exitCode !== 1)) toolErrors.push(toolFailureText(`promtool test rules ${t.file}`, r));
                  return [t, r.exitCode === 1 ? r.stderr : ''] as [TestFile, string];
                }),
              );
        let attributed = 0;
        for (const [t, stderr] of perFile) {
          const byGroup = new Map<TestGroup | undefined, string[]>();
          for (const f of parseTestFailures(stderr)) {
            const g = attribute(t, f);
            byGroup.set(g, [...(byGroup.get(g) ?? []), f.message]);
            attributed++;
          }
          for (const g of t.groups) groupResults.push({ test: t, group: g, failures: byGroup.get(g) ?? [] });
          const loose = byGroup.get(undefined);
          if (loose) groupResults.push({ test: t, failures: loose });
        }
        if (attributed === 0) toolErrors.push(toolFailureText('promtool test rules failed but named no failing test;', test));
      }
    }
  }

  for (const r of groupResults) {
    if (r.failures.length === 0) continue;
    const what = r.group ? `rule test "${r.group.name}"` : 'rule tests';
    for (const failure of r.failures) {
      const alert = /alertname: (.*?), time: (\S+?),/.exec(failure);
      const summary = alert ? `${what} failed: alert ${alert[1]} at ${alert[2]} did not match the expected alerts` : `${what} failed`;
      findings.push({ severity: 'error', file: r.test.file, line: r.group?.line ?? 1, rule: 'rule-test', message: `${summary}\n${failure.trim()}` });
    }
  }

  // ---- scope: hygiene on the changed files only, when asked --------------------------------------
  // Coverage is not scoped: a change to a test file (a deleted firing test) can uncover an alert in
  // a rule file the change never touched.
  let scope: Set<string> | undefined;
  if (changed) {
    const c = await changed;
    if (c.ok) {
      scope = c.files;
      notes.push(`Hygiene findings are limited to the rule files this change touches (${[...c.files].filter((f) => selected.some((rf) => rf.file === f)).length} of ${selected.length}); rule checks, rule tests and coverage ran on every file.`);
    } else {
      rt.log.warning(`only-changed: ${c.reason}; checking hygiene on every rule file instead`);
      findings.push({ severity: 'warning', rule: 'only-changed', message: `only-changed could not list the changed files, so every rule file was checked: ${c.reason}` });
      notes.push(`only-changed fell back to every rule file: ${md(c.reason)}`);
    }
  }
  const inScope = (rf: RuleFile) => !scope || scope.has(rf.file);
  for (const rf of selected) if (inScope(rf) && !rf.unreadable) findings.push(...checkHygiene(rf, o.hygiene, ws));

  // ---- alert evidence and coverage ---------------------------------------------------------------
  const alerts: AlertEvidence[] = [];
  const failedGroups = new Set(groupResults.filter((r) => r.failures.length > 0 && r.group).map((r) => r.group!));
  for (const rf of selected) {
    for (const group of rf.groups) {
      for (const rule of group.rules) {
        if (rule.kind !== 'alert') continue;
        const ev: AlertEvidence = { name: rule.name, severity: rule.labels.severity ?? '', file: rf.file, line: rule.line, tested: false, fires: [], silent: [] };
        for (const t of tests) {
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
        if (!ev.tested && o.coverage !== 'off') {
          findings.push({
            severity: o.coverage,
            file: rf.file,
            line: rule.line,
            rule: 'coverage',
            message: `alert ${rule.name} has no rule test that shows it firing (an alert_rule_test for it with non-empty exp_alerts)`,
          });
        }
      }
    }
  }

  // ---- verdict --------------------------------------------------------------------------------
  const count = (rule: string, severity?: Finding['severity']) => findings.filter((f) => f.rule === rule && (!severity || f.severity === severity)).length;
  const hygieneRules = new Set(['require-severity', 'require-summary', 'require-runbook', 'min-for', 'duplicate-alert', 'invalid-duration']);
  const hygieneErrors = findings.filter((f) => f.rule && hygieneRules.has(f.rule) && f.severity === 'error').length;
  const hygieneWarnings = findings.filter((f) => f.rule && hygieneRules.has(f.rule) && f.severity === 'warning').length;
  const checkErrors = findings.filter((f) => CHECK_RULES.has(f.rule ?? '') && f.severity === 'error').length;
  const groupsTotal = groupResults.filter((r) => r.group).length;
  const groupsFailed = groupResults.filter((r) => r.failures.length > 0).length;
  const tested = alerts.filter((a) => a.tested).length;
  const untested = alerts.length - tested;
  const rulesTotal = selected.reduce((n, rf) => n + rf.groups.reduce((m, g) => m + g.rules.length, 0), 0);
  const errors = findings.filter((f) => f.severity === 'error').length;

  let status: GateStatus;
  let summary: string;
  if (toolErrors.length > 0) {
    status = 'error';
    summary = `the rules could not be judged: ${toolErrors[0]}${toolErrors.length > 1 ? ` (and ${toolErrors.length - 1} more problem(s))` : ''}`;
  } else if (errors > 0) {
    status = 'fail';
    const parts = [
      checkErrors ? `${checkErrors} invalid rule/test file problem(s)` : '',
      groupsFailed ? `${groupsFailed} failing rule test group(s)` : '',
      count('coverage', 'error') ? `${count('coverage', 'error')} alert(s) without a firing test` : '',
      hygieneErrors ? `${hygieneErrors} hygiene error(s)` : '',
    ].filter(Boolean);
    summary = `${parts.join(', ') || `${errors} error(s)`}; ${tested}/${alerts.length} alerts shown firing by a test`;
  } else {
    status = 'pass';
    summary = `${rulesTotal} rule(s) in ${selected.length} file(s) valid, ${groupsTotal} rule test group(s) passed, ${tested}/${alerts.length} alerts shown firing by a test${findings.length ? `, ${findings.length} warning(s)` : ''}`;
  }

  // ---- report -----------------------------------------------------------------------------------
  const sections: string[] = [];
  if (toolErrors.length > 0) sections.push(`### Could not judge\n\n${codeBlock(toolErrors.join('\n\n'))}`);
  if (alerts.length > 0) {
    const rows = alerts.map((a) => [
      md(a.name),
      md(a.severity || '-'),
      code(`${a.file}:${a.line}`),
      a.fires.length ? a.fires.map((f) => `${md(f.test)} @ ${code(f.evalTime)}${Object.keys(f.labels).length ? ` ${code(Object.entries(f.labels).map(([k, v]) => `${k}=${v}`).join(', '))}` : ''}${f.failed ? ' (failing)' : ''}`).join('<br>') : '**no firing test**',
      a.silent.length ? a.silent.map((s) => `${md(s.test)} @ ${code(s.evalTime)}${s.failed ? ' (failing)' : ''}`).join('<br>') : '-',
    ]);
    sections.push(`### Alert evidence (${tested}/${alerts.length} alerts shown firing)\n\n${table(['alert', 'severity', 'rule', 'fires in test', 'stays silent in test'], rows)}`);
  }
  const failedRows = groupResults.filter((r) => r.failures.length > 0).map((r) => [code(r.test.file), md(r.group?.name ?? '(file)'), md(r.failures.length)]);
  if (failedRows.length > 0) sections.push(`### Failing rule tests\n\n${table(['test file', 'group', 'failures'], failedRows)}`);
  if (notes.length > 0) sections.push(notes.join('\n\n'));
  if (promtool) sections.push(`Checked with promtool ${code(promtool.version || 'unknown')} (${md(promtool.source)})${promtool.junit ? ', test results from JUnit' : ''}.`);

  const configSha256 = sha256Hex(
    [...selected.map((rf) => rf.absPath), ...tests.map((t) => t.absPath)]
      .sort()
      .map((abs) => {
        try {
          return `${repoRelative(abs, ws)}\0${sha256File(abs)}`;
        } catch {
          return `${repoRelative(abs, ws)}\0unreadable`;
        }
      })
      .join('\n'),
  );

  return {
    gate: 'rules',
    status,
    summary,
    tool: { name: 'promtool', version: promtool?.version ?? '', configSha256 },
    metrics: {
      ruleFiles: selected.length,
      rules: rulesTotal,
      alerts: alerts.length,
      alertsTested: tested,
      alertsUntested: untested,
      testFiles: tests.length,
      testGroups: groupsTotal,
      testGroupsFailed: groupsFailed,
      checkErrors,
      hygieneErrors,
      hygieneWarnings,
    },
    findings,
    details: {
      alerts,
      ruleFiles: selected.map((rf) => ({ file: rf.file, kind: rf.kind })),
      testFiles: tests.map((t) => t.file),
      testGroups: groupResults.map((r) => ({ file: r.test.file, group: r.group?.name ?? null, status: r.failures.length ? 'fail' : 'pass' })),
      scope: scope ? 'changed' : 'all',
      checkRan,
    },
    startedAt: clock.startedAt,
    durationMs: clock.elapsed(),
    outputs: { alerts: alerts.length, 'alerts-tested': tested, 'alerts-untested': untested, 'tests-failed': groupsFailed },
    summarySections: sections,
  };
}
