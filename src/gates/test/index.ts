/**
 * The test gate: `npm test`, pytest, or any command; JUnit read when written by this run.
 *
 *   collect  run the tests (live log), then the fresh JUnit reports (junit.ts: globs confined to
 *            the workspace, no directory symlinks followed) or the runners' closing summaries
 *   judge    judgeTests, pure: failures fail, zero tests never pass, a timeout or kill is error
 *   render   failing tests as annotations, the last lines of the output, the counts as outputs
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRelative } from '../../core/annotations.js';
import { ConfigurationError, ToolNotFoundError } from '../../core/errors.js';
import { describeExit, execTool, lastLines, type ExecResult } from '../../core/exec.js';
import { findProjectBin } from '../../core/files.js';
import { startClock, type GateReport, type GateRuntime } from '../../core/gate.js';
import { code, codeBlock, md } from '../../core/markdown.js';
import { npmBinVersion, versionOrEmpty } from '../../core/version.js';
import { freshReports, parseTestOutputCounts, readJUnitFiles, type TestCounts } from './junit.js';
import type { Finding, GateStatus } from '../../core/evidence.js';

export const TEST_PRESETS = ['node', 'python', 'command'] as const;

/** Where common node test runners write JUnit when configured to. */
export const NODE_JUNIT_DEFAULTS = ['junit.xml', 'reports/junit.xml', 'test-results/**/*.xml', 'reports/junit/*.xml'];

export interface TestOptions {
  preset: (typeof TEST_PRESETS)[number];
  workingDirectory: string;
  command: string[];
  /** Globs (relative to workingDirectory) of JUnit reports to read; only files written by this run count. */
  junit: string[];
  timeoutMs: number;
}

interface Plan {
  tool: string;
  cmd: string;
  args: string[];
  /** Globs relative to the working directory (checked by checkGlobPattern in the entry point). */
  junit: string[];
  /** Report paths the gate chose itself (pytest's --junitxml in the temp directory). */
  ownReports: string[];
  hint: string;
}

function plan(opts: TestOptions, tempDir: string): Plan {
  if (opts.preset === 'node') {
    return {
      tool: 'npm test',
      cmd: 'npm',
      args: ['test'],
      junit: opts.junit.length ? opts.junit : NODE_JUNIT_DEFAULTS,
      ownReports: [],
      hint: 'the node preset runs "npm test": set up Node.js (actions/setup-node) first',
    };
  }
  if (opts.preset === 'python') {
    const report = join(tempDir, `pytest-junit-${process.pid}-${Date.now()}.xml`);
    return {
      tool: 'pytest',
      cmd: 'python3',
      args: ['-m', 'pytest', `--junitxml=${report}`],
      junit: opts.junit,
      ownReports: [report],
      hint: 'the python preset runs "python3 -m pytest": set up Python and "pip install pytest" first',
    };
  }
  const [cmd, ...args] = opts.command;
  if (!cmd) throw new ConfigurationError('input "command" is required with preset: command: the test command line, e.g. "go test ./..."');
  return { tool: cmd, cmd, args, junit: opts.junit, ownReports: [], hint: `the command input names "${cmd}", which is not on PATH` };
}

const NODE_RUNNERS = ['vitest', 'jest', 'mocha', 'ava', 'tap', 'playwright'];

/**
 * The test runner `npm test` really starts, from package.json's test script, with the exact
 * version installed for the project (the evidence names what ran, not just npm).
 */
export function nodeTestRunner(cwd: string, workspace: string): { name: string; version: string } | undefined {
  let script = '';
  try {
    const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { scripts?: Record<string, unknown> };
    script = typeof pkg.scripts?.test === 'string' ? pkg.scripts.test : '';
  } catch {
    return undefined;
  }
  const words = script.split(/\s+/).filter((w) => w !== '' && !/^\w+=/.test(w) && !['cross-env', 'npx', 'dotenv', '--'].includes(w));
  const first = words[0];
  if (!first) return undefined;
  if (first === 'node' && words.includes('--test')) return { name: 'node:test', version: process.versions.node };
  const name = NODE_RUNNERS.find((r) => first === r || first.endsWith(`/${r}`));
  if (!name) return undefined;
  const bin = findProjectBin(name, cwd, workspace);
  if (!bin) return { name, version: '' };
  try {
    const pkgJson = join(bin, '..', '..', name === 'playwright' ? '@playwright/test' : name, 'package.json');
    return { name, version: (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version?: string }).version ?? '' };
  } catch {
    return { name, version: '' };
  }
}

/** The runner's version, asked beside the test run (npm's own bin prints its package.json version: read, not started). */
async function toolVersion(p: Plan, cwd: string): Promise<string> {
  if (p.cmd === 'npm') return versionOrEmpty({ command: 'npm', cwd, known: () => npmBinVersion('npm', 'npm') });
  if (p.cmd === 'python3') return versionOrEmpty({ command: 'python3', args: ['-m', 'pytest', '--version'], cwd });
  return '';
}

interface Verdict {
  status: GateStatus;
  summary: string;
}

/**
 * What to do when nothing could be counted. Setting the junit input is the fix only when it was not
 * set; when it was, its patterns matched no report this run wrote, and the fix is the runner's
 * report path (or the patterns).
 */
export function countingHint(junitPatterns: readonly string[]): string {
  if (junitPatterns.length === 0) return 'set the junit input to the JUnit report your test runner writes';
  const shown = junitPatterns.slice(0, 3).join(', ') + (junitPatterns.length > 3 ? `, and ${junitPatterns.length - 3} more` : '');
  return `the junit input (${shown}) matched no report this run wrote: make the test runner write its JUnit report there, or correct the patterns`;
}

/**
 * The rules that decide the gate; exported so every branch is unit-tested. `junitPatterns` are the
 * patterns the user gave (not the node preset's defaults), for the hint when nothing was counted.
 */
export function judgeTests(
  exit: Pick<ExecResult, 'exitCode' | 'timedOut' | 'signal'>,
  counts: TestCounts | undefined,
  source: string,
  junitPatterns: readonly string[] = [],
): Verdict {
  const ran = `${counts?.passed ?? 0} passed, ${counts?.failed ?? 0} failed, ${counts?.skipped ?? 0} skipped`;
  if (exit.timedOut) return { status: 'error', summary: `the tests did not finish in time (${counts ? ran : 'no results'})` };
  if (exit.signal) return { status: 'error', summary: `the test command was killed by ${exit.signal}` };
  if (!counts) {
    if (exit.exitCode !== 0) return { status: 'fail', summary: `the test command exited with code ${exit.exitCode} and left no result to count` };
    return {
      status: 'error',
      summary: `the test command succeeded but how many tests ran is unknown: no fresh JUnit report and no runner summary line the gate can read; ${countingHint(junitPatterns)}`,
    };
  }
  if (counts.failed > 0) return { status: 'fail', summary: `${ran} (${source})` };
  if (counts.passed === 0) return { status: 'fail', summary: `no test was executed (${ran}, ${source}): a test step that runs nothing proves nothing` };
  if (exit.exitCode !== 0) return { status: 'fail', summary: `the test command exited with code ${exit.exitCode} although ${source} shows ${ran}` };
  return { status: 'pass', summary: `${ran} (${source})` };
}

export async function runTestGate(opts: TestOptions, runtime: GateRuntime): Promise<GateReport> {
  const clock = startClock();
  const p = plan(opts, runtime.tempDir);
  const since = Date.now();
  const versionProbe = toolVersion(p, opts.workingDirectory);
  const outcome = await runtime.log.group(
    `${p.tool} in ${repoRelative(opts.workingDirectory, runtime.workspace) || '.'}`,
    async (): Promise<{ r: ExecResult } | { error: string }> => {
      let r: ExecResult;
      const live = runtime.log.untrustedStream();
      try {
        r = await execTool(p.cmd, p.args, {
          cwd: opts.workingDirectory,
          timeoutMs: opts.timeoutMs,
          installHint: p.hint,
          env: { ...process.env, CI: 'true', FORCE_COLOR: '0' },
          onStdout: (chunk) => live.write(chunk),
          onStderr: (chunk) => live.write(chunk),
        });
      } catch (error) {
        if (error instanceof ToolNotFoundError) return { error: error.message };
        throw error;
      } finally {
        live.end();
      }
      return { r };
    },
  );
  const version = await versionProbe;
  const runner = opts.preset === 'node' ? nodeTestRunner(opts.workingDirectory, runtime.workspace) : undefined;
  const tool = runner ? { name: `${runner.name} (npm test)`, version: runner.version } : { name: p.tool, version };
  const base = {
    gate: 'test' as const,
    startedAt: clock.startedAt,
    details: {
      preset: opts.preset,
      workingDirectory: repoRelative(opts.workingDirectory, runtime.workspace) || '.',
      ...(runner ? { npmVersion: version } : {}),
    },
  };
  if ('error' in outcome) {
    return { ...base, status: 'error', summary: outcome.error, tool, metrics: {}, findings: [], durationMs: clock.elapsed(), outputs: {}, summarySections: [] };
  }
  const r = outcome.r;
  const reports = freshReports(p.junit, p.ownReports, opts.workingDirectory, { workspace: runtime.workspace, others: [runtime.tempDir] }, since);
  let counts: TestCounts | undefined;
  let findings: Finding[] = [];
  let source = '';
  let reportError: string | undefined;
  if (reports.length > 0) {
    try {
      const junit = readJUnitFiles(reports, opts.workingDirectory, runtime.workspace);
      counts = junit;
      findings = junit.failures;
      const names = reports.map((f) => repoRelative(f, runtime.workspace));
      source =
        names.length <= 3
          ? `JUnit: ${names.join(', ')}`
          : `JUnit: ${names.length} reports under ${repoRelative(opts.workingDirectory, runtime.workspace) || '.'}`;
    } catch (error) {
      reportError = (error as Error).message;
    }
  }
  if (!counts && !reportError) {
    counts = parseTestOutputCounts(`${r.stdout}\n${r.stderr}`);
    source = 'runner output';
  }
  let verdict = reportError ? { status: 'error' as const, summary: reportError } : judgeTests(r, counts, source, opts.junit);
  if (verdict.status === 'fail' && findings.length === 0) {
    findings = [{ severity: 'error', message: `${p.tool} ${describeExit(r)}: ${lastLines(`${r.stdout}\n${r.stderr}`, 3)}` }];
  }
  if (r.truncated && verdict.status === 'pass' && !reports.length)
    verdict = { status: 'error', summary: `the test output was too large to read its summary; ${countingHint(opts.junit)}` };
  const metrics: Record<string, number> = counts ? { passed: counts.passed, failed: counts.failed, skipped: counts.skipped, total: counts.total } : {};
  const sections: string[] = [];
  if (verdict.status !== 'pass') sections.push(`### Last lines of the test output\n\n${codeBlock(lastLines(`${r.stdout}\n${r.stderr}`, 25) || '(no output)')}`);
  sections.push(`Ran ${code([p.cmd, ...p.args].join(' '))} (${md(describeExit(r))}); counts from ${md(source || 'nowhere')}.`);
  return {
    ...base,
    status: verdict.status,
    summary: verdict.summary,
    tool,
    metrics,
    findings,
    durationMs: clock.elapsed(),
    outputs: { passed: counts?.passed ?? 0, failed: counts?.failed ?? 0, skipped: counts?.skipped ?? 0, total: counts?.total ?? 0 },
    summarySections: sections,
  };
}
