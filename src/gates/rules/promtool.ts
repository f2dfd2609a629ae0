// Part of the rules gate's collect phase: running promtool and parsing what it prints (check
// output, 2.x test failures, the --junit report, --version).
import { ToolError } from '../../core/errors.js';
import { execTool, type ExecResult } from '../../core/exec.js';
import { probeVersion } from '../../core/version.js';

/** `promtool, version 2.42.0+ds (branch: ...)` -> 2.42.0+ds */
export function parsePromtoolVersion(text: string): string {
  return /promtool,? version (\S+)/i.exec(text)?.[1] ?? /(\d+\.\d+\.\d+\S*)/.exec(text)?.[1] ?? '';
}

/** `promtool --version` (about 20 ms; started beside check and test, at a lower CPU priority). */
export async function promtoolVersion(path: string, cwd: string): Promise<string> {
  const { version, result: v } = await probeVersion({ command: path, cwd }, parsePromtoolVersion);
  if (v && (v.timedOut || v.exitCode !== 0)) throw new ToolError(`promtool --version failed (exit ${v.exitCode}): ${v.stderr.trim().slice(0, 300)}`);
  return version;
}

/** Whether `promtool test rules` takes --junit (newer promtool; 2.42 has none). */
export async function promtoolHasJUnit(path: string, cwd: string): Promise<boolean> {
  try {
    const help = await execTool(path, ['test', 'rules', '--help'], { cwd, timeoutMs: 30_000 });
    return /--junit\b/.test(`${help.stdout}\n${help.stderr}`);
  } catch {
    // Not asked, not assumed: the text output is parsed instead.
    return false;
  }
}

// ---- promtool check rules ------------------------------------------------------------------

export interface CheckProblem {
  /** The path as given to promtool (undefined when the line names no known file). */
  path?: string;
  line?: number;
  column?: number;
  /** `group "g", rule 2, "Name"` when promtool names the rule. */
  group?: string;
  ruleIndex?: number;
  ruleName?: string;
  message: string;
}

/**
 * promtool check rules prints "Checking <file>" on stdout and, on stderr, "  FAILED:" followed by
 * one message per error: "<file>: <line>:<col>: <message>" or "<file>: <message>" (YAML errors
 * are printed twice), and for the duplicate-rules lint a message naming no file. A message can
 * span lines ("yaml: unmarshal errors:" and one "  line N: ..." per field; "lint error ...",
 * "Metric: ...", "Label(s): ..."): a new message starts at a line that begins with one of the paths
 * we passed, at "lint error", or after "FAILED:"; any other line continues the message before it.
 */
export function parseCheckOutput(stderr: string, paths: readonly string[]): CheckProblem[] {
  const byLength = [...paths].sort((a, b) => b.length - a.length);
  const messages: { path?: string; lines: string[] }[] = [];
  let current: { path?: string; lines: string[] } | undefined;
  for (const raw of stderr.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (line.trim() === 'FAILED:') {
      current = undefined;
      continue;
    }
    if (line.trim() === '') continue;
    const path = byLength.find((p) => line.startsWith(`${p}: `));
    if (path || !current || /^lint error\b/.test(line)) {
      current = { ...(path ? { path } : {}), lines: [path ? line.slice(path.length + 2) : line.trim()] };
      messages.push(current);
    } else {
      current.lines.push(line);
    }
  }
  const problems: CheckProblem[] = [];
  const seen = new Set<string>();
  for (const m of messages) {
    const key = `${m.path ?? ''}\0${m.lines.join('\n')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let first = m.lines[0]!;
    const problem: CheckProblem = { ...(m.path ? { path: m.path } : {}), message: '' };
    const at = /^(\d+):(\d+): (.*)$/s.exec(first);
    if (at) {
      problem.line = Number(at[1]);
      problem.column = Number(at[2]);
      first = at[3]!;
    }
    const rule = /^group "((?:[^"\\]|\\.)*)", rule (\d+), "((?:[^"\\]|\\.)*)": (.*)$/s.exec(first);
    if (rule) {
      problem.group = rule[1]!;
      problem.ruleIndex = Number(rule[2]);
      problem.ruleName = rule[3]!;
    }
    problem.message = [first, ...m.lines.slice(1)].join('\n');
    // YAML errors name their line in the text: "yaml: line 3: ..." or "  line 5: field x not found".
    if (m.path && problem.line === undefined) {
      const yamlLine = /^yaml: line (\d+):/.exec(first) ?? /^\s*line (\d+):/m.exec(m.lines.slice(1).join('\n'));
      if (yamlLine) problem.line = Number(yamlLine[1]);
    }
    problems.push(problem);
  }
  return problems;
}

// ---- promtool test rules -------------------------------------------------------------------

export interface TestFailure {
  /** The test group's name, when it has one (promtool prints "name: X," only then). */
  group?: string;
  alertname?: string;
  evalTime?: string;
  expr?: string;
  message: string;
}

const ERROR_START = /^ {4}(name|alertname|expr|rule): /;

/**
 * Splits promtool 2.x text output (stderr of one test file) into failures. Each failure starts
 * with "    name: <group>," (named groups only), "    alertname: ...", "    expr: ..." or
 * "    rule: ..." (evaluation error); anything unindented is a load error of its own.
 */
export function parseTestFailures(stderr: string): TestFailure[] {
  const failures: TestFailure[] = [];
  let current: string[] | undefined;
  const flush = () => {
    if (!current) return;
    const text = current.join('\n');
    const f: TestFailure = { message: text.replace(/^\s+/, '') };
    const name = /^ {4}name: (.*),$/m.exec(text);
    if (name) f.group = name[1]!;
    const alert = /^ {4}alertname: (.*?), time: (\S+?),/m.exec(text);
    if (alert) {
      f.alertname = alert[1]!;
      f.evalTime = alert[2]!;
    }
    const expr = /^ {4}expr: (".*?"), time: (\S+?),/m.exec(text);
    if (expr) {
      try {
        f.expr = JSON.parse(expr[1]!) as string;
      } catch {
        f.expr = expr[1]!;
      }
      f.evalTime = expr[2]!;
    }
    failures.push(f);
    current = undefined;
  };
  let previousWasName = false;
  for (const raw of stderr.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (line.trim() === 'FAILED:' || /^\s*WARNING: /.test(line)) {
      flush();
      previousWasName = false;
      continue;
    }
    if (line.trim() === '') continue;
    const start = ERROR_START.exec(line);
    if (start && !(previousWasName && start[1] !== 'name')) {
      flush();
      current = [line];
    } else if (!line.startsWith(' ')) {
      flush();
      current = [line];
    } else {
      current ??= [];
      current.push(line);
    }
    previousWasName = start?.[1] === 'name';
  }
  flush();
  return failures;
}

/** "  WARNING: no file match pattern <p>" lines of promtool test rules. */
export function parseTestWarnings(stderr: string): string[] {
  return [...stderr.matchAll(/^\s*WARNING: (.*)$/gm)].map((m) => m[1]!.trim());
}

export interface JUnitCase {
  suite: string;
  name: string;
  failures: string[];
}

/**
 * promtool's --junit report: one testsuite per test file (named by the path given), one testcase per group.
 * Read only when a rule test failed, so the XML parser (about a sixth of the rules bundle) is imported
 * here, on that path, into a chunk of its own beside index.js.
 */
export async function parsePromtoolJUnit(xml: string): Promise<JUnitCase[]> {
  const { XMLParser } = await import('fast-xml-parser');
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    isArray: (name) => ['testsuite', 'testcase', 'failure', 'error'].includes(name),
  });
  const doc = parser.parse(xml) as { testsuites?: { testsuite?: Record<string, unknown>[] } };
  const cases: JUnitCase[] = [];
  for (const suite of doc.testsuites?.testsuite ?? []) {
    const suiteName = String(suite['@_name'] ?? '');
    for (const tc of (suite.testcase as Record<string, unknown>[] | undefined) ?? []) {
      const failures = [...((tc.failure as unknown[]) ?? []), ...((tc.error as unknown[]) ?? [])].map((f) => {
        if (typeof f === 'string') return f;
        const obj = f as Record<string, unknown>;
        return String(obj['#text'] ?? obj['@_message'] ?? '');
      });
      cases.push({ suite: suiteName, name: String(tc['@_name'] ?? ''), failures });
    }
  }
  return cases;
}

export function runPromtool(path: string, args: string[], cwd: string, timeoutMs: number): Promise<ExecResult> {
  return execTool(path, args, { cwd, timeoutMs, installHint: 'set promtool-path to an installed promtool, or promtool-version to a pinned one' });
}
