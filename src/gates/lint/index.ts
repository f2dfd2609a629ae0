/**
 * The lint gate: the project's eslint, ruff/flake8, or any command with a report.
 *
 *   collect  run the linter and read its report (runEslint, runPythonLinter, runCommandLinter);
 *            exit codes are interpreted, a report path is confined to the workspace by realpath
 *   judge    judgeLint, pure: a problem (the linter failed without a usable report, or exited 1
 *            with no error in it) is error, through verdictWithProblems; errors (and warnings with
 *            fail-on-warnings) fail
 *   render   findings as annotations, the verdict line and one summary section
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { repoRelative } from '../../core/annotations.js';
import { ConfigurationError, ToolNotFoundError } from '../../core/errors.js';
import { describeExit, execTool, lastLines, type ExecResult } from '../../core/exec.js';
import { findProjectBin, hashFirstExisting } from '../../core/files.js';
import { startClock, verdictWithProblems, type GateReport, type GateRuntime } from '../../core/gate.js';
import { code, codeBlock, md } from '../../core/markdown.js';
import { isWithin, resolveFileInput } from '../../core/paths.js';
import { npmBinVersion, versionOrEmpty } from '../../core/version.js';
import type { Finding, GateStatus } from '../../core/evidence.js';

export const LINT_PRESETS = ['node', 'python', 'command'] as const;
export const LINT_REPORT_FORMATS = ['eslint-json', 'ruff-json', 'none'] as const;

export interface LintOptions {
  preset: (typeof LINT_PRESETS)[number];
  /** Absolute directory the linter runs in. */
  workingDirectory: string;
  /** command preset: the argument vector (no shell). */
  command: string[];
  /** command preset: a report the command writes, relative to workingDirectory. */
  report: string;
  reportFormat: (typeof LINT_REPORT_FORMATS)[number];
  failOnWarnings: boolean;
  timeoutMs: number;
}

export interface LintRun {
  tool: string;
  version: string;
  configSha256?: string;
  findings: Finding[];
  filesChecked?: number;
  /** Why the linter could not check the code (crash, bad config, no usable report): the gate cannot judge. */
  problems: string[];
}

// ---- report parsers (exported for unit tests) ------------------------------------------------

const eslintReport = z.array(
  z.object({
    filePath: z.string(),
    messages: z.array(
      z.object({
        ruleId: z.string().nullable().optional(),
        severity: z.number(),
        message: z.string(),
        line: z.number().optional(),
        column: z.number().optional(),
        endLine: z.number().optional(),
        fatal: z.boolean().optional(),
      }),
    ),
  }),
);

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} is not JSON (first bytes: ${JSON.stringify(text.slice(0, 80))})`);
  }
}

export function parseEslintJson(text: string, workspace: string): { findings: Finding[]; files: number } {
  const parsed = eslintReport.safeParse(parseJson(text, 'the eslint report'));
  if (!parsed.success) throw new Error(`the eslint report is not in eslint's JSON format: ${parsed.error.issues[0]?.message}`);
  const findings: Finding[] = [];
  for (const file of parsed.data) {
    for (const m of file.messages) {
      findings.push({
        severity: m.severity >= 2 || m.fatal ? 'error' : 'warning',
        message: m.message,
        file: repoRelative(file.filePath, workspace),
        ...(m.line && m.line > 0 ? { line: m.line } : {}),
        ...(m.endLine && m.endLine > 0 ? { endLine: m.endLine } : {}),
        ...(m.column && m.column > 0 ? { column: m.column } : {}),
        ...(m.ruleId ? { rule: m.ruleId } : {}),
      });
    }
  }
  return { findings, files: parsed.data.length };
}

const ruffReport = z.array(
  z.object({
    code: z.string().nullable(),
    message: z.string(),
    filename: z.string(),
    location: z.object({ row: z.number(), column: z.number() }).nullable().optional(),
    end_location: z.object({ row: z.number(), column: z.number() }).nullable().optional(),
  }),
);

export function parseRuffJson(text: string, workspace: string): Finding[] {
  const parsed = ruffReport.safeParse(parseJson(text, 'the ruff report'));
  if (!parsed.success) throw new Error(`the ruff report is not in ruff's JSON format: ${parsed.error.issues[0]?.message}`);
  return parsed.data.map((v) => ({
    severity: 'error' as const,
    message: v.message,
    file: repoRelative(v.filename, workspace),
    ...(v.location ? { line: Math.max(1, v.location.row), column: Math.max(1, v.location.column) } : {}),
    ...(v.end_location && v.location && v.end_location.row >= v.location.row ? { endLine: v.end_location.row } : {}),
    ...(v.code ? { rule: v.code } : {}),
  }));
}

/** flake8's default format: path:row:col: CODE message */
export function parseFlake8(text: string, cwd: string, workspace: string): Finding[] {
  const findings: Finding[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^(.+?):(\d+):(\d+): ([A-Z]+\d+) (.*)$/.exec(line);
    if (!m) continue;
    findings.push({
      severity: m[4]!.startsWith('W') ? 'warning' : 'error',
      message: m[5]!,
      file: repoRelative(join(cwd, m[1]!), workspace),
      line: Math.max(1, Number(m[2])),
      column: Math.max(1, Number(m[3])),
      rule: m[4]!,
    });
  }
  return findings;
}

// ---- tool runners --------------------------------------------------------------------------

function toolFailure(tool: string, r: ExecResult): string {
  return `${tool} ${describeExit(r)} without a usable report: ${lastLines(`${r.stderr}\n${r.stdout}`, 5) || '(no output)'}`;
}

async function runEslint(opts: LintOptions, runtime: GateRuntime): Promise<LintRun> {
  const eslint = findProjectBin('eslint', opts.workingDirectory, runtime.workspace);
  if (!eslint) {
    throw new ToolNotFoundError(
      'eslint',
      `the node preset runs the project's own eslint (node_modules/.bin/eslint in ${repoRelative(opts.workingDirectory, runtime.workspace) || '.'} or a parent up to the repository root): run "npm ci" before this step, or use preset: command`,
    );
  }
  // Beside the run, never before it: eslint's own bin prints its package.json version, read without a node start.
  const probe = versionOrEmpty({ command: eslint, cwd: opts.workingDirectory, known: () => npmBinVersion(eslint, 'eslint') });
  const configSha256 = hashFirstExisting(opts.workingDirectory, [
    'eslint.config.js',
    'eslint.config.mjs',
    'eslint.config.cjs',
    'eslint.config.ts',
    '.eslintrc.json',
    '.eslintrc.js',
    '.eslintrc.cjs',
    '.eslintrc.yml',
    '.eslintrc',
  ]);
  const r = await execTool(eslint, ['--format', 'json', '.'], { cwd: opts.workingDirectory, timeoutMs: opts.timeoutMs });
  const version = await probe;
  // eslint: 0 = clean, 1 = lint errors, 2 = configuration problem or crash.
  if (r.timedOut || (r.exitCode !== 0 && r.exitCode !== 1)) {
    return { tool: 'eslint', version, configSha256, findings: [], problems: [toolFailure('eslint', r)] };
  }
  const { findings, files } = parseEslintJson(r.stdout, runtime.workspace);
  // Exit 1 means "lint errors": a report without one means eslint failed some other way (as the command preset says).
  if (r.exitCode === 1 && !findings.some((f) => f.severity === 'error')) {
    return {
      tool: 'eslint',
      version,
      configSha256,
      findings,
      filesChecked: files,
      problems: [`eslint ${describeExit(r)} but its report lists no error: ${lastLines(r.stderr, 5) || '(no error output)'}`],
    };
  }
  return { tool: 'eslint', version, configSha256, findings, filesChecked: files, problems: [] };
}

async function runPythonLinter(opts: LintOptions, runtime: GateRuntime): Promise<LintRun> {
  const configSha256 = hashFirstExisting(opts.workingDirectory, ['ruff.toml', '.ruff.toml', 'pyproject.toml', '.flake8', 'setup.cfg', 'tox.ini']);
  const venvRuff = join(opts.workingDirectory, '.venv', 'bin', 'ruff');
  const ruff = existsSync(venvRuff) ? venvRuff : 'ruff';
  try {
    const probe = versionOrEmpty({ command: ruff, cwd: opts.workingDirectory });
    const r = await execTool(ruff, ['check', '--output-format', 'json', '.'], { cwd: opts.workingDirectory, timeoutMs: opts.timeoutMs });
    const version = await probe;
    // ruff: 0 = clean, 1 = violations, 2 = abnormal termination.
    if (r.timedOut || (r.exitCode !== 0 && r.exitCode !== 1)) return { tool: 'ruff', version, configSha256, findings: [], problems: [toolFailure('ruff', r)] };
    const findings = parseRuffJson(r.stdout, runtime.workspace);
    // Exit 1 means "violations found": a report without one means ruff failed some other way.
    if (r.exitCode === 1 && findings.length === 0) {
      return {
        tool: 'ruff',
        version,
        configSha256,
        findings,
        problems: [`ruff ${describeExit(r)} but its report lists no violation: ${lastLines(r.stderr, 5) || '(no error output)'}`],
      };
    }
    return { tool: 'ruff', version, configSha256, findings, problems: [] };
  } catch (error) {
    if (!(error instanceof ToolNotFoundError)) throw error;
  }
  const hint = 'the python preset runs ruff, or flake8 when ruff is absent: "pip install ruff" before this step';
  const probe = versionOrEmpty({ command: 'flake8', cwd: opts.workingDirectory });
  const r = await execTool('flake8', ['.'], { cwd: opts.workingDirectory, timeoutMs: opts.timeoutMs, installHint: hint });
  const version = await probe;
  // flake8: 0 = clean, 1 = violations; anything else, or a non-zero exit with nothing parsed, is a failure of flake8.
  const findings = parseFlake8(r.stdout, opts.workingDirectory, runtime.workspace);
  if (r.timedOut || (r.exitCode !== 0 && r.exitCode !== 1) || (r.exitCode === 1 && findings.length === 0)) {
    return { tool: 'flake8', version, configSha256, findings: [], problems: [toolFailure('flake8', r)] };
  }
  return { tool: 'flake8', version, configSha256, findings, problems: [] };
}

async function runCommandLinter(opts: LintOptions, runtime: GateRuntime): Promise<LintRun> {
  const [cmd, ...args] = opts.command;
  if (!cmd) throw new ConfigurationError('input "command" is required with preset: command: the linter command line, e.g. "npx eslint -f json -o lint.json ."');
  const roots = { workspace: runtime.workspace, others: [runtime.tempDir] };
  const reportPath = opts.report ? resolve(opts.workingDirectory, opts.report) : '';
  // Checked before the command runs, and again (after realpath) once it wrote the report.
  if (reportPath && !isWithin(runtime.workspace, reportPath) && !isWithin(runtime.tempDir, reportPath)) {
    throw new ConfigurationError(
      `input "report" names ${JSON.stringify(opts.report)}, which is outside the repository: give the report path relative to "working-directory", inside the repository`,
    );
  }
  const since = Date.now();
  const r = await execTool(cmd, args, {
    cwd: opts.workingDirectory,
    timeoutMs: opts.timeoutMs,
    installHint: 'the command input names a program that is not on PATH',
  });
  runtime.log.untrusted(lastLines(`${r.stdout}\n${r.stderr}`, 40));
  if (r.timedOut) return { tool: cmd, version: '', findings: [], problems: [toolFailure(cmd, r)] };
  if (opts.reportFormat === 'none' || !reportPath) {
    const findings: Finding[] =
      r.exitCode === 0 ? [] : [{ severity: 'error', message: `${cmd} ${describeExit(r)}: ${lastLines(`${r.stderr}\n${r.stdout}`, 5)}` }];
    return { tool: cmd, version: '', findings, problems: [] };
  }
  if (!existsSync(reportPath)) {
    return { tool: cmd, version: '', findings: [], problems: [`${cmd} ${describeExit(r)} and wrote no report at ${opts.report}`] };
  }
  // A symlink the change planted (to /proc/self/environ, to a secret) is refused, never read into the record.
  const report = resolveFileInput('report', reportPath, roots, 'report path');
  const stat = statSync(report);
  if (stat.mtimeMs < since - 1000) {
    return { tool: cmd, version: '', findings: [], problems: [`the report ${opts.report} is older than this run: ${cmd} did not write it`] };
  }
  const text = readFileSync(report, 'utf8');
  const findings = opts.reportFormat === 'eslint-json' ? parseEslintJson(text, runtime.workspace).findings : parseRuffJson(text, runtime.workspace);
  // A failing exit whose report holds nothing that fails this gate (only warnings: a crash after the
  // report was written) is not a pass; with fail-on-warnings the warnings explain the exit.
  const explainsExit = findings.some((f) => f.severity === 'error' || opts.failOnWarnings);
  if (r.exitCode !== 0 && !explainsExit) {
    return {
      tool: cmd,
      version: '',
      findings,
      problems: [`${cmd} ${describeExit(r)} but its report lists no error: ${lastLines(r.stderr, 5) || '(no error output)'}`],
    };
  }
  return { tool: cmd, version: '', findings, problems: [] };
}

export interface LintVerdict {
  status: GateStatus;
  summary: string;
  metrics: Record<string, number>;
}

/**
 * The lint gate's rules, pure: a problem is error whatever was found (verdictWithProblems); an
 * error finding, or a warning with fail-on-warnings, fails. A run that checked no file (eslint
 * over an empty directory) has judged nothing and is error too; linters that do not report a file
 * count are judged by their exit code and report.
 */
export function judgeLint(run: LintRun, failOnWarnings: boolean): LintVerdict {
  const errors = run.findings.filter((f) => f.severity === 'error').length;
  const warnings = run.findings.filter((f) => f.severity === 'warning').length;
  const metrics: Record<string, number> = { errors, warnings };
  if (run.filesChecked !== undefined) metrics.filesChecked = run.filesChecked;
  const judged = failOnWarnings ? run.findings.map((f) => (f.severity === 'warning' ? { ...f, severity: 'error' as const } : f)) : run.findings;
  const status = verdictWithProblems({ problems: run.problems, findings: judged, examined: run.filesChecked ?? 1 });
  if (status === 'error') {
    const why = run.problems.length > 0 ? run.problems.join('; ') : 'no file was checked';
    return { status, summary: `${run.tool} could not check the code: ${why}`, metrics };
  }
  if (status === 'fail') {
    return {
      status,
      summary: `${run.tool}: ${errors} error(s), ${warnings} warning(s)${failOnWarnings && errors === 0 ? ' (warnings fail this gate)' : ''}`,
      metrics,
    };
  }
  return {
    status,
    summary: `${run.tool}: no errors, ${warnings} warning(s)${run.filesChecked !== undefined ? ` in ${run.filesChecked} file(s)` : ''}`,
    metrics,
  };
}

async function collectLint(opts: LintOptions, runtime: GateRuntime): Promise<LintRun> {
  try {
    if (opts.preset === 'node') return await runEslint(opts, runtime);
    if (opts.preset === 'python') return await runPythonLinter(opts, runtime);
    return await runCommandLinter(opts, runtime);
  } catch (error) {
    // A missing linter, or a report that is not the format named, leaves the gate unable to judge;
    // a configuration mistake stops the gate and is reported as one.
    if (error instanceof ToolNotFoundError) return { tool: error.tool, version: '', findings: [], problems: [error.message] };
    if (error instanceof ConfigurationError) throw error;
    if (error instanceof Error) return { tool: opts.preset, version: '', findings: [], problems: [error.message] };
    throw error;
  }
}

export async function runLintGate(opts: LintOptions, runtime: GateRuntime): Promise<GateReport> {
  const clock = startClock();
  const run = await runtime.log.group(`lint (${opts.preset}) in ${repoRelative(opts.workingDirectory, runtime.workspace) || '.'}`, () =>
    collectLint(opts, runtime),
  );
  const verdict = judgeLint(run, opts.failOnWarnings);
  const sections: string[] = [];
  if (run.problems.length > 0) sections.push(`### Tool failure\n\n${codeBlock(run.problems.join('\n'))}`);
  sections.push(`Linted with ${md(run.tool)} ${run.version ? code(run.version) : ''} (preset ${code(opts.preset)}).`);
  return {
    gate: 'lint',
    status: verdict.status,
    summary: verdict.summary,
    tool: { name: run.tool, version: run.version, ...(run.configSha256 ? { configSha256: run.configSha256 } : {}) },
    metrics: verdict.metrics,
    findings: run.findings,
    details: { preset: opts.preset, workingDirectory: repoRelative(opts.workingDirectory, runtime.workspace) || '.' },
    startedAt: clock.startedAt,
    durationMs: clock.elapsed(),
    outputs: { errors: verdict.metrics.errors ?? 0, warnings: verdict.metrics.warnings ?? 0 },
    summarySections: sections,
  };
}
