/**
 * What the test gate counts: JUnit reports (vitest, jest-junit, pytest, go-junit-report,
 * surefire) and, without one, the runners' closing summary lines. Collect (freshReports) and
 * parse only; judging is in index.ts.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { repoRelative } from '../../core/annotations.js';
import { stripAnsi } from '../../core/ansi.js';
import { globInside, realpathInside, type PathRoots } from '../../core/paths.js';
import type { Finding } from '../../core/evidence.js';

export interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
  total: number;
}

export interface JUnitResult extends TestCounts {
  failures: Finding[];
  suites: number;
}

const SOURCE_FILE = /(\/?(?:[\w@.~-]+\/)*[\w@.~-]+\.(?:[cm]?[jt]sx?|py|go|rb|java|kt|rs|cs|php)):(\d+)(?::(\d+))?/g;

const parser = new XMLParser({
  ignoreAttributes: false,
  // Attributes apart from elements: node:test writes a `failure` attribute beside the <failure> element.
  attributeNamePrefix: '@',
  textNodeName: '#text',
  isArray: (name, _path, _leaf, isAttribute) => !isAttribute && ['testsuite', 'testcase', 'failure', 'error', 'skipped'].includes(name),
  processEntities: true,
  htmlEntities: true,
});

type Node = Record<string, unknown>;
const asArray = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : v && typeof v === 'object' ? [v as Node] : []);
const text = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const n = v as Node;
    return [n['@message'], n['#text']].filter((x) => typeof x === 'string').join('\n');
  }
  return '';
};

function collectSuites(node: Node, out: Node[]): void {
  for (const suite of asArray(node.testsuite)) {
    out.push(suite);
    collectSuites(suite, out);
  }
}

/** Finds where a failing test points: an explicit file/line attribute, or the first stack frame in a test file. */
function locate(tc: Node, detail: string, cwd: string, workspace: string): Pick<Finding, 'file' | 'line' | 'column'> {
  const fileAttr = typeof tc['@file'] === 'string' ? tc['@file'] : undefined;
  const lineAttr = tc['@line'] !== undefined ? Number(tc['@line']) : undefined;
  const classname = typeof tc['@classname'] === 'string' ? tc['@classname'] : '';
  const candidate = fileAttr ?? (/\.[cm]?[jt]sx?$|\.py$/.test(classname) ? classname : undefined);
  const frames = [...detail.matchAll(SOURCE_FILE)].filter((m) => !m[1]!.includes('node_modules'));
  const frame = (candidate && frames.find((m) => m[1]!.endsWith(candidate.replace(/^\.\//, '')))) || frames[0];
  const rel = (p: string) => repoRelative(isAbsolute(p) ? p : join(cwd, p), workspace);
  if (candidate && lineAttr && lineAttr > 0) return { file: rel(candidate), line: lineAttr };
  if (frame) {
    const path = candidate && frame[1]!.endsWith(candidate.replace(/^\.\//, '')) ? candidate : frame[1]!;
    return { file: rel(path), line: Math.max(1, Number(frame[2])), ...(frame[3] ? { column: Math.max(1, Number(frame[3])) } : {}) };
  }
  return candidate ? { file: rel(candidate) } : {};
}

/** Reads one JUnit XML file (vitest, jest-junit, pytest, go-junit-report, surefire). */
export function parseJUnit(xml: string, cwd: string, workspace: string): JUnitResult {
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (error) {
    throw new Error(`not valid XML: ${(error as Error).message}`);
  }
  const roots = asArray(doc.testsuites);
  const suites: Node[] = [];
  for (const root of roots) collectSuites(root, suites);
  collectSuites(doc, suites);
  if (roots.length === 0 && suites.length === 0) throw new Error('no <testsuites> or <testsuite> element: not a JUnit report');
  const result: JUnitResult = { passed: 0, failed: 0, skipped: 0, total: 0, failures: [], suites: suites.length };
  // Node's junit reporter puts top-level tests straight under <testsuites>: those count too.
  for (const suite of [...roots, ...suites]) {
    for (const tc of asArray(suite.testcase)) {
      result.total++;
      const failure = [...asArray(tc.failure), ...asArray(tc.error)];
      if (failure.length > 0) {
        result.failed++;
        const detail = failure.map(text).join('\n');
        const firstLine =
          detail
            .split('\n')
            .find((l) => l.trim() !== '')
            ?.trim() ?? 'failed';
        const name = [tc['@classname'], tc['@name']].filter((x) => typeof x === 'string' && x !== '').join(' > ');
        result.failures.push({
          severity: 'error',
          message: `${name}: ${firstLine}`,
          rule: String(tc['@name'] ?? 'test'),
          ...locate(tc, detail, cwd, workspace),
        });
      } else if (tc.skipped !== undefined) {
        result.skipped++;
      } else {
        result.passed++;
      }
    }
  }
  return result;
}

/**
 * The JUnit reports this run wrote: the globs (relative to `cwd`, never following directory
 * symlinks, each file once, only inside the roots) plus the `fixed` paths the gate chose itself,
 * kept when written at or after `sinceMs` (a report left by an earlier run never stands in for
 * this one).
 */
export function freshReports(globs: readonly string[], fixed: readonly string[], cwd: string, roots: PathRoots, sinceMs: number): string[] {
  const matched = globInside(globs, { cwd, roots, ignore: ['**/node_modules/**'] });
  const seen = new Set(matched.map((m) => realpathInside(m, roots)));
  const own = fixed.filter((f) => existsSync(f) && !seen.has(realpathInside(f, roots)));
  // Filesystem timestamps can be coarser than the clock: allow one second of slack.
  return [...own, ...matched].filter((p) => statSync(p).mtimeMs >= sinceMs - 1000);
}

export function readJUnitFiles(paths: readonly string[], cwd: string, workspace: string): JUnitResult {
  const total: JUnitResult = { passed: 0, failed: 0, skipped: 0, total: 0, failures: [], suites: 0 };
  for (const path of paths) {
    let r: JUnitResult;
    try {
      r = parseJUnit(readFileSync(path, 'utf8'), cwd, workspace);
    } catch (error) {
      throw new Error(`JUnit report ${repoRelative(path, workspace)} cannot be read: ${(error as Error).message}`);
    }
    total.passed += r.passed;
    total.failed += r.failed;
    total.skipped += r.skipped;
    total.total += r.total;
    total.suites += r.suites;
    total.failures.push(...r.failures);
  }
  return total;
}

/** One runner's closing summary, where it stands in the output. */
interface RunnerSummary {
  counts: TestCounts;
  /** Index of its last line in the output. */
  at: number;
}

const countOf = (line: string, word: RegExp) => {
  const m = new RegExp(`(\\d+)\\s+${word.source}`).exec(line);
  return m ? Number(m[1]) : 0;
};

/**
 * The vitest/jest "Tests" line, the pytest line (and the plain "N passed, N failed" form), or
 * pytest's "no tests ran": a summary of its own, or undefined.
 */
function lineSummary(line: string): TestCounts | undefined {
  // vitest: " Tests  1 failed | 4 passed | 1 skipped (6)"; jest: "Tests:  1 failed, 4 passed, 5 total"
  if (/^\s*Tests:?\s+\d+/.test(line)) {
    const passed = countOf(line, /passed/);
    const failed = countOf(line, /failed/);
    const skipped = countOf(line, /skipped/) + countOf(line, /todo/);
    return { passed, failed, skipped, total: passed + failed + skipped };
  }
  // pytest: "==== 1 failed, 3 passed, 1 skipped in 0.12s ====" and the plain "N passed, N failed"
  if (/^[=\s]*(?:\w+:\s+)?\d+ (?:passed|failed)(?:,\s*\d+ \w+)*(?: in [\d.]+s)?[=\s]*$/.test(line)) {
    const passed = countOf(line, /passed/);
    const failed = countOf(line, /failed/) + countOf(line, /errors?/);
    const skipped = countOf(line, /skipped/) + countOf(line, /xfailed/);
    return { passed, failed, skipped, total: passed + failed + skipped };
  }
  if (/^[=\s]*no tests ran/.test(line)) return { passed: 0, failed: 0, skipped: 0, total: 0 };
  return undefined;
}

const TAP_KEY = /^\s*(?:#|ℹ)\s+(tests|pass|fail|skipped|todo|cancelled)\s+(\d+)\s*$/;

/**
 * Every runner summary in the output, in order. A node:test / TAP block ("# tests 5", "# pass 4",
 * "# fail 1", ...) is one summary; its keys may come in any order and end with the block.
 */
function runnerSummaries(lines: readonly string[]): RunnerSummary[] {
  const out: RunnerSummary[] = [];
  let tap: Record<string, number> | undefined;
  let tapEnd = 0;
  const closeTap = () => {
    if (!tap) return;
    const failed = (tap.fail ?? 0) + (tap.cancelled ?? 0);
    const skipped = (tap.skipped ?? 0) + (tap.todo ?? 0);
    const passed = tap.pass ?? 0;
    out.push({ counts: { passed, failed, skipped, total: tap.tests ?? passed + failed + skipped }, at: tapEnd });
    tap = undefined;
  };
  lines.forEach((line, i) => {
    const key = TAP_KEY.exec(line);
    if (key) {
      // A second "tests" line starts the next runner's block.
      if (tap && key[1] === 'tests' && tap.tests !== undefined) closeTap();
      tap ??= {};
      tap[key[1]!] = Number(key[2]);
      tapEnd = i;
      return;
    }
    const counts = lineSummary(line);
    if (counts) {
      closeTap();
      out.push({ counts, at: i });
    }
  });
  closeTap();
  return out.sort((a, b) => a.at - b.at);
}

/**
 * Counts from the runners' closing lines when there is no JUnit report: vitest, jest, node:test
 * (TAP and spec), pytest, mocha and the plain "N passed, N failed" form. The closing summary of
 * the runner that ran last decides the counts, and a failed count in ANY summary of the output
 * is a failure (a TAP block printed after vitest's "1 failed" cannot turn it into a pass).
 * Undefined when none is found.
 */
export function parseTestOutputCounts(output: string): TestCounts | undefined {
  const summaries = runnerSummaries(stripAnsi(output).split(/\r?\n/));
  const last = summaries.at(-1);
  if (!last) return undefined;
  const failedAnywhere = Math.max(...summaries.map((s) => s.counts.failed));
  if (failedAnywhere <= last.counts.failed) return last.counts;
  return { ...last.counts, failed: failedAnywhere, total: last.counts.total + failedAnywhere - last.counts.failed };
}
