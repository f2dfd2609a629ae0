/**
 * The lint and test bundles against what a hostile change can put in the repository: a linter
 * that fails without saying why, a runner whose last lines hide a failure, symlinks out of the
 * workspace, and path inputs that climb out of it.
 */
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAction, type ActionRun } from '../../src/local/harness.js';
import { scratchDir } from '../../src/local/scratch.js';
import { evidenceOf } from './workspace.js';

// Scratch directories (workspaces and the runner's own) are removed when the file ends (src/local/vitest-cleanup.ts).
const scratch = (prefix = 'rs-lt-paths-') => scratchDir(prefix);

const errorText = (run: ActionRun) =>
  run.annotations
    .filter((a) => a.command === 'error')
    .map((a) => a.message)
    .join('\n');

/** A script that prints `lines` and exits with `code`, run with node (no shell). */
function printer(ws: string, name: string, lines: string[], code: number): string {
  writeFileSync(join(ws, name), `process.stdout.write(${JSON.stringify(lines.join('\n') + '\n')}); process.exitCode = ${code};\n`);
  return `node ${name}`;
}

describe('lint: a linter that exits 1 must show an error', () => {
  it('the node preset: eslint exiting 1 with an error-free report is error, not pass', async () => {
    const ws = scratch();
    mkdirSync(join(ws, 'node_modules', '.bin'), { recursive: true });
    // Stands in for an eslint whose plugin crashed after writing its report: exit 1, no error in it.
    const eslint = join(ws, 'node_modules', '.bin', 'eslint');
    writeFileSync(
      eslint,
      '#!/bin/sh\nif [ "$1" = "--version" ]; then echo v9.39.1; exit 0; fi\necho \'[{"filePath":"\'"$PWD"\'/a.js","messages":[{"ruleId":"x","severity":1,"message":"style"}]}]\'\necho "plugin crashed" >&2\nexit 1\n',
    );
    chmodSync(eslint, 0o755);
    const run = await runAction('lint', { workspace: ws });
    expect(run.outputs.status, run.stdout.slice(-2000)).toBe('error');
    expect(evidenceOf(run).summary).toContain('eslint exited with code 1 but its report lists no error');
    expect(evidenceOf(run).summary).toContain('plugin crashed');
  });

  it('the command preset: a linter exiting 1 whose report holds only a warning is error, not pass', async () => {
    const ws = scratch();
    const report = JSON.stringify([{ filePath: join(ws, 'a.js'), messages: [{ ruleId: 'x', severity: 1, message: 'style', line: 1, column: 1 }] }]);
    writeFileSync(join(ws, 'a.js'), 'export {};\n');
    writeFileSync(
      join(ws, 'lint.cjs'),
      `require('fs').writeFileSync('lint.json', ${JSON.stringify(report)}); console.error('plugin crashed'); process.exitCode = 1;\n`,
    );
    const run = await runAction('lint', {
      workspace: ws,
      inputs: { preset: 'command', command: 'node lint.cjs', report: 'lint.json', 'report-format': 'eslint-json' },
    });
    expect(run.outputs.status, run.stdout.slice(-2000)).toBe('error');
    expect(evidenceOf(run).summary).toContain('exited with code 1 but its report lists no error');
    // With fail-on-warnings the warning explains the exit: a plain fail.
    const strict = await runAction('lint', {
      workspace: ws,
      inputs: { preset: 'command', command: 'node lint.cjs', report: 'lint.json', 'report-format': 'eslint-json', 'fail-on-warnings': 'true' },
    });
    expect(strict.outputs, strict.stdout.slice(-2000)).toMatchObject({ status: 'fail', warnings: '1' });
  });

  it('the python preset: ruff exiting 1 with an empty report is error, not pass', async () => {
    const ws = scratch();
    mkdirSync(join(ws, '.venv', 'bin'), { recursive: true });
    writeFileSync(join(ws, 'app.py'), 'import os\n');
    // Stands in for a ruff that failed without listing a violation: exit 1 (violations found), an empty report.
    const ruff = join(ws, '.venv', 'bin', 'ruff');
    writeFileSync(ruff, '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "ruff 0.6.9"; exit 0; fi\necho "[]"\necho "ruff: panicked" >&2\nexit 1\n');
    chmodSync(ruff, 0o755);
    const run = await runAction('lint', { workspace: ws, inputs: { preset: 'python' } });
    expect(run.outputs.status, run.stdout.slice(-2000)).toBe('error');
    expect(evidenceOf(run).summary).toContain('ruff exited with code 1 but its report lists no violation');
  });
});

describe('test: the last runner decides, and a failed count anywhere is a failure', () => {
  it.each([
    [
      'vitest "1 failed", then a TAP block of 5 passed',
      [' Test Files  1 failed (1)', '      Tests  1 failed | 4 passed (5)', 'TAP version 13', '# tests 5', '# pass 5', '# fail 0'],
    ],
    ['TAP "# fail 1", then vitest all passed', ['# tests 3', '# pass 2', '# fail 1', '      Tests  7 passed (7)']],
    ['jest failed, then pytest passed', ['Tests:       2 failed, 3 passed, 5 total', '===== 4 passed in 0.1s =====']],
  ])('%s, exit code 0: fail', async (_name, lines) => {
    const ws = scratch();
    const run = await runAction('test', { workspace: ws, inputs: { preset: 'command', command: printer(ws, 'tests.cjs', lines, 0) } });
    expect(run.outputs.status, run.stdout.slice(-2000)).toBe('fail');
    expect(Number(run.outputs.failed)).toBeGreaterThan(0);
  });

  it("the control: every runner passing, exit code 0, passes with the last runner's counts", async () => {
    const ws = scratch();
    const run = await runAction('test', {
      workspace: ws,
      inputs: { preset: 'command', command: printer(ws, 'tests.cjs', ['      Tests  3 passed (3)', '# tests 5', '# pass 5', '# fail 0'], 0) },
    });
    expect(run.outputs).toMatchObject({ status: 'pass', passed: '5', failed: '0' });
  });
});

describe('paths stay in the workspace', () => {
  const REPORT = '<testsuites><testsuite name="s"><testcase name="only"/></testsuite></testsuites>';

  it.each([['../x/*.xml'], ['/tmp/*.xml'], ['reports/*.xml,!../*.xml']])('junit: %s is a configuration error naming the input', async (junit) => {
    const ws = scratch();
    const run = await runAction('test', { workspace: ws, inputs: { preset: 'command', command: 'node -e 0', junit } });
    expect(run.outputs.status).toBe('error');
    expect(errorText(run)).toContain('input "junit" has the pattern');
    expect(errorText(run)).toContain('leads outside the repository');
  });

  it('junit globs never follow directory symlinks: a symlink to the reports and one out of the workspace count nothing twice', async () => {
    const ws = scratch();
    const outside = scratch('rs-lt-outside-');
    symlinkSync('reports', join(ws, 'mirror'));
    symlinkSync(outside, join(ws, 'outside'));
    symlinkSync('/', join(ws, 'root'));
    const script = `const fs=require('fs');fs.mkdirSync('reports/junit',{recursive:true});fs.writeFileSync('reports/junit/a.xml',${JSON.stringify(REPORT)});fs.writeFileSync(${JSON.stringify(join(outside, 'b.xml'))},${JSON.stringify(REPORT)});`;
    writeFileSync(join(ws, 'write-reports.cjs'), script);
    const run = await runAction('test', {
      workspace: ws,
      inputs: {
        preset: 'command',
        command: 'node write-reports.cjs',
        junit: 'reports/**/*.xml\nmirror/**/*.xml\noutside/*.xml\nroot/tmp/rs-lt-outside-*/*.xml',
      },
    });
    expect(run.outputs, run.stdout.slice(-2000)).toMatchObject({ status: 'pass', passed: '1', total: '1' });
    expect(evidenceOf(run).summary).toContain('JUnit: reports/junit/a.xml');
  });

  it.each(['lint', 'test'])('%s: working-directory /etc, or a symlink to it, is a configuration error naming the input', async (gate) => {
    const ws = scratch();
    symlinkSync('/etc', join(ws, 'etc-link'));
    for (const dir of ['/etc', 'etc-link', '../../../../etc']) {
      const run = await runAction(gate, { workspace: ws, inputs: { preset: 'command', command: 'node -e 0', 'working-directory': dir } });
      expect(run.outputs.status, dir).toBe('error');
      expect(errorText(run)).toContain(`input "working-directory" names ${JSON.stringify(dir)}`);
      expect(errorText(run)).toContain('outside the repository');
    }
  });

  it('lint report: ../../../../proc/self/environ and a symlink to it are rejected, and nothing of the environment is shown', async () => {
    const ws = scratch();
    symlinkSync('/proc/self/environ', join(ws, 'lint.json'));
    for (const report of ['../../../../proc/self/environ', 'lint.json']) {
      const run = await runAction('lint', {
        workspace: ws,
        inputs: { preset: 'command', command: 'node -e 0', report, 'report-format': 'eslint-json' },
        env: { RS_CANARY: 'canary-value-7781' },
      });
      expect(run.outputs.status, report).toBe('error');
      expect(errorText(run)).toContain('input "report" names');
      expect(errorText(run)).toContain('outside the repository');
      expect(run.everything()).not.toContain('canary-value-7781');
    }
  });

  it('a real directory named ..foo is inside the workspace: its report is read', async () => {
    const ws = scratch();
    mkdirSync(join(ws, '..foo'));
    const report = JSON.stringify([
      { filePath: join(ws, 'a.js'), messages: [{ ruleId: 'no-undef', severity: 2, message: 'x is not defined', line: 2, column: 1 }] },
    ]);
    writeFileSync(join(ws, 'lint.cjs'), `require('fs').writeFileSync('..foo/lint.json', ${JSON.stringify(report)}); process.exitCode = 1;\n`);
    const run = await runAction('lint', {
      workspace: ws,
      inputs: { preset: 'command', command: 'node lint.cjs', report: '..foo/lint.json', 'report-format': 'eslint-json' },
    });
    expect(run.outputs, run.stdout.slice(-2000)).toMatchObject({ status: 'fail', errors: '1' });
    const test = await runAction('test', {
      workspace: ws,
      inputs: { preset: 'command', command: printer(join(ws, '..foo'), 't.cjs', ['2 passed'], 0), 'working-directory': '..foo' },
    });
    expect(test.outputs.status, test.stdout.slice(-2000)).toBe('pass');
  });
});
