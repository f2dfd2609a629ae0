// Part of the rules gate's collect phase: reads a promtool rule test file (groups, expected alerts,
// its rule_files resolved inside the workspace as promtool resolves them).
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { globInside, isWithin, realpathInside, type PathRoots } from '../../core/paths.js';
import { parseDuration } from './duration.js';
import { resolveAlias, stringMap, YAML_OPTIONS, yamlErrorText } from './sources.js';
import type { Finding } from '../../core/evidence.js';

export interface AlertAssertion {
  alertname: string;
  /** As written in the test file, e.g. "7m". */
  evalTime: string;
  evalTimeMs?: number;
  line: number;
  /** Each expected firing instance's labels (exp_labels); empty list = asserts silence. */
  expected: Record<string, string>[];
}

export interface TestGroup {
  /** The group's name, or promtool's "unnamed#<i>" (0-based) when it has none. */
  name: string;
  named: boolean;
  index: number;
  line: number;
  alerts: AlertAssertion[];
  promqlTests: number;
}

export interface TestFile {
  absPath: string;
  file: string;
  /** rule_files resolved like promtool does: relative to the test file, globs expanded. */
  ruleFiles: string[];
  groups: TestGroup[];
  findings: Finding[];
  unreadable?: string;
  /** False when the file did not parse; promtool is not run on it. */
  runnable: boolean;
  /** What promtool runs: the file itself, or a copy whose rule_files point at converted files. */
  promtoolPath: string;
  /** promtoolPath as given on promtool's command line (repository-relative when inside it). */
  promtoolArg: string;
}

function scalarText(node: unknown): string | undefined {
  if (isScalar(node) && node.value !== null && node.value !== undefined) return String(node.value);
  return undefined;
}

const GLOB = /[*?[]/;

/** One rule_files entry: the files it matches, and those it would reach outside the allowed roots. */
export interface RuleFilesEntry {
  entry: string;
  matches: string[];
  outside: string[];
}

/**
 * promtool joins relative rule_files with the test file's directory and expands globs
 * (filepath.Glob). Here an entry must stay inside the roots: `/etc/*.conf`, `../../x` past the
 * repository or a symlink out of it are reported as outside, never read and never given to promtool.
 */
export function resolveRuleFiles(entries: readonly string[], testDir: string, roots: PathRoots): RuleFilesEntry[] {
  const allowed = [roots.workspace, ...(roots.others ?? [])].filter((r) => r !== '');
  return entries.map((entry) => {
    const full = isAbsolute(entry) ? entry : join(testDir, entry);
    const root = allowed.find((r) => isWithin(r, full));
    if (root === undefined) return { entry, matches: [], outside: [full] };
    if (!GLOB.test(full)) {
      if (!existsSync(full)) return { entry, matches: [], outside: [] };
      return realpathInside(full, roots) === undefined ? { entry, matches: [], outside: [full] } : { entry, matches: [full], outside: [] };
    }
    return { entry, matches: globInside([relative(root, full)], { cwd: root, roots }), outside: [] };
  });
}

/** The alert_rule_test entries of one test group (aliases followed, as promtool does). */
function alertTestsOf(node: unknown, doc: Parameters<typeof resolveAlias>[1], line: (node: unknown) => number): TestGroup['alerts'] {
  const deref = (n: unknown) => resolveAlias(n, doc);
  const textOf = (n: unknown) => scalarText(deref(n));
  const alerts = deref(node);
  const found: TestGroup['alerts'] = [];
  if (!isSeq(alerts)) return found;
  for (const item of alerts.items) {
    const a = deref(item);
    if (!isMap(a)) continue;
    const evalTime = textOf(a.get('eval_time', true)) ?? '0s';
    const exp = deref(a.get('exp_alerts', true));
    const expected: Record<string, string>[] = [];
    if (isSeq(exp)) {
      for (const e of exp.items) {
        const m = deref(e);
        expected.push(isMap(m) ? stringMap(m.get('exp_labels', true), doc) : {});
      }
    }
    const ms = parseDuration(evalTime);
    found.push({ alertname: textOf(a.get('alertname', true)) ?? '', evalTime, ...(ms !== undefined ? { evalTimeMs: ms } : {}), line: line(item), expected });
  }
  return found;
}

export function loadTestFile(absPath: string, file: string, roots: PathRoots = { workspace: dirname(absPath) }): TestFile {
  const t: TestFile = { absPath, file, ruleFiles: [], groups: [], findings: [], runnable: false, promtoolPath: absPath, promtoolArg: absPath };
  let text: string;
  try {
    if (statSync(absPath).isDirectory()) throw Object.assign(new Error('a directory'), { code: 'EISDIR' });
    text = readFileSync(absPath, 'utf8');
  } catch (error) {
    t.unreadable = `${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    return t;
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter: lc, prettyErrors: true });
  for (const err of doc.errors) {
    const at = err.linePos?.[0];
    t.findings.push({
      severity: 'error',
      file,
      ...(at ? { line: at.line, column: at.col } : {}),
      rule: 'yaml-syntax',
      message: `YAML syntax error in a rule test file: ${yamlErrorText(err.message)}`,
    });
  }
  if (t.findings.length > 0) return t;
  const root = doc.contents;
  if (!isMap(root) || !root.has('tests')) {
    t.findings.push({
      severity: 'error',
      file,
      line: 1,
      rule: 'not-a-test-file',
      message: `${file} is not a promtool rule test file: expected top-level "rule_files:" and "tests:"`,
    });
    return t;
  }
  const line = (node: unknown) => lc.linePos((node as YamlNode | undefined)?.range?.[0] ?? 0).line;
  // promtool's decoder follows aliases (`exp_labels: *labels`): so does the evidence.
  const deref = (node: unknown) => resolveAlias(node, doc);
  const textOf = (node: unknown) => scalarText(deref(node));
  const ruleFilesNode = root.get('rule_files', true);
  const ruleFilesSeq = deref(ruleFilesNode);
  const entries = isSeq(ruleFilesSeq) ? ruleFilesSeq.items.map((i) => textOf(i) ?? '').filter((s) => s !== '') : [];
  if (entries.length === 0) {
    t.findings.push({
      severity: 'error',
      file,
      line: line(ruleFilesNode ?? root),
      rule: 'no-rule-files',
      message: `${file} lists no rule_files: its tests load no rule and prove nothing`,
    });
  }
  const testDir = dirname(absPath);
  const ruleFilesAt = isSeq(ruleFilesSeq) ? ruleFilesSeq.items : [];
  let leavesRoots = false;
  resolveRuleFiles(entries, testDir, roots).forEach(({ entry, matches, outside }, i) => {
    if (outside.length > 0) {
      leavesRoots = true;
      t.findings.push({
        severity: 'error',
        file,
        line: line(ruleFilesAt[i] ?? ruleFilesNode),
        rule: 'rule-file-outside',
        message: `rule_files entry ${JSON.stringify(entry)} leads outside the repository (${outside.slice(0, 3).join(', ')}${outside.length > 3 ? ', ...' : ''}): rule files must be inside it`,
      });
    } else if (matches.length === 0) {
      // promtool only prints a warning and then tests nothing: that must not pass.
      t.findings.push({
        severity: 'error',
        file,
        line: line(ruleFilesAt[i] ?? ruleFilesNode),
        rule: 'missing-rule-file',
        message: `rule_files entry ${JSON.stringify(entry)} matches no file (resolved relative to ${basename(file)})`,
      });
    }
    t.ruleFiles.push(...matches);
  });
  const tests = root.get('tests', true);
  const testsSeq = deref(tests);
  if (isSeq(testsSeq)) {
    testsSeq.items.forEach((item, i) => {
      const g = deref(item);
      if (!isMap(g)) return;
      const name = textOf(g.get('name', true));
      const group: TestGroup = {
        name: name ?? `unnamed#${i}`,
        named: name !== undefined && name !== '',
        index: i,
        line: line(item),
        alerts: [],
        promqlTests: 0,
      };
      group.alerts.push(...alertTestsOf(g.get('alert_rule_test', true), doc, line));
      const promql = deref(g.get('promql_expr_test', true));
      if (isSeq(promql)) group.promqlTests = promql.items.length;
      t.groups.push(group);
    });
  }
  if (t.groups.length === 0) {
    t.findings.push({ severity: 'warning', file, line: line(tests ?? root), rule: 'no-tests', message: `${file} has no test group` });
  }
  // promtool would read the outside files itself: the file is not run.
  t.runnable = !leavesRoots;
  return t;
}

/**
 * promtool resolves rule_files relative to the test file; when one of them is a PrometheusRule,
 * promtool must read its conversion instead. Writes a copy of the test file whose rule_files are
 * the absolute paths promtool should load, and returns its path.
 */
export function rewriteForConvertedRules(t: TestFile, promtoolPathOf: (abs: string) => string, scratchDir: string, n: number): string {
  const doc = parseDocument(readFileSync(t.absPath, 'utf8'));
  doc.set('rule_files', t.ruleFiles.map(promtoolPathOf));
  mkdirSync(scratchDir, { recursive: true });
  const out = join(scratchDir, `${n}-${basename(t.absPath)}`);
  writeFileSync(out, doc.toString({ lineWidth: 0 }));
  return out;
}
