import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { repoRelative } from '../../core/annotations.js';
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

const SOURCE_FILE = /((?:[\w@.~-]+\/)*[\w@.~-]+\.(?:[cm]?[jt]sx?|py|go|rb|java|kt|rs|cs|php)):(\d+)(?::(\d+))?/g;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: '#text',
  isArray: (name) => ['testsuite', 'testcase', 'failure', 'error', 'skipped'].includes(name),
  processEntities: true,
  htmlEntities: true,
});

type Node = Record<string, unknown>;
const asArray = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : v && typeof v === 'object' ? [v as Node] : []);
const text = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const n = v as Node;
    return [n.message, n['#text']].filter((x) => typeof x === 'string').join('\n');
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
  const fileAttr = typeof tc.file === 'string' ? tc.file : undefined;
  const lineAttr = tc.line !== undefined ? Number(tc.line) : undefined;
  const classname = typeof tc.classname === 'string' ? tc.classname : '';
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
  for (const suite of suites) {
    for (const tc of asArray(suite.testcase)) {
      result.total++;
      const failure = [...asArray(tc.failure), ...asArray(tc.error)];
      if (failure.length > 0) {
        result.failed++;
        const detail = failure.map(text).join('\n');
        const firstLine = detail.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'failed';
        const name = [tc.classname, tc.name].filter((x) => typeof x === 'string' && x !== '').join(' > ');
        result.failures.push({ severity: 'error', message: `${name}: ${firstLine}`, rule: String(tc.name ?? 'test'), ...locate(tc, detail, cwd, workspace) });
      } else if (tc.skipped !== undefined) {
        result.skipped++;
      } else {
        result.passed++;
      }
    }
  }
  return result;
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

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/**
 * Counts from a test runner's closing lines when there is no JUnit report: vitest, jest,
 * node:test, pytest, mocha and the plain "N passed, N failed" form. Undefined when none is found.
 */
export function parseTestOutputCounts(output: string): TestCounts | undefined {
  const lines = output.replace(ANSI, '').split(/\r?\n/).reverse();
  const num = (line: string, word: RegExp) => {
    const m = new RegExp(`(\\d+)\\s+${word.source}`).exec(line);
    return m ? Number(m[1]) : 0;
  };
  // node:test TAP/spec summary: "# tests 5" / "ℹ tests 5"
  const tap = (name: string) => {
    const line = lines.find((l) => new RegExp(`^\\s*(?:#|ℹ)\\s+${name}\\s+\\d+\\s*$`).test(l));
    return line ? Number(/(\d+)/.exec(line)![1]) : undefined;
  };
  const tapTests = tap('tests');
  if (tapTests !== undefined) {
    const skipped = (tap('skipped') ?? 0) + (tap('todo') ?? 0);
    return { passed: tap('pass') ?? 0, failed: tap('fail') ?? 0, skipped, total: tapTests };
  }
  for (const line of lines) {
    // vitest: " Tests  1 failed | 4 passed | 1 skipped (6)"; jest: "Tests:  1 failed, 4 passed, 5 total"
    if (/^\s*Tests:?\s+\d+/.test(line)) {
      const passed = num(line, /passed/);
      const failed = num(line, /failed/);
      const skipped = num(line, /skipped/) + num(line, /todo/);
      return { passed, failed, skipped, total: passed + failed + skipped };
    }
    // pytest: "==== 1 failed, 3 passed, 1 skipped in 0.12s ====" and the plain "N passed, N failed"
    if (/^[=\s]*(?:\w+:\s+)?\d+ (?:passed|failed)(?:,\s*\d+ \w+)*(?: in [\d.]+s)?[=\s]*$/.test(line)) {
      const passed = num(line, /passed/);
      const failed = num(line, /failed/) + num(line, /errors?/);
      const skipped = num(line, /skipped/) + num(line, /xfailed/);
      return { passed, failed, skipped, total: passed + failed + skipped };
    }
    if (/^[=\s]*no tests ran/.test(line)) return { passed: 0, failed: 0, skipped: 0, total: 0 };
  }
  return undefined;
}
