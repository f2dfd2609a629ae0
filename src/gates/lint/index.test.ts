import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProjectBin } from '../../core/files.js';
import { scratchDir } from '../../local/scratch.js';
import { judgeLint, parseEslintJson, parseFlake8, parseRuffJson, type LintRun } from './index.js';
import type { Finding } from '../../core/evidence.js';

describe('lint report parsers', () => {
  it('eslint JSON: severities, repo-relative paths, rule ids, fatal parse errors', () => {
    const report = JSON.stringify([
      {
        filePath: '/w/repo/svc/src/a.ts',
        messages: [
          { ruleId: 'no-unused-vars', severity: 2, message: "'x' is unused", line: 3, column: 7, endLine: 3 },
          { ruleId: 'eqeqeq', severity: 1, message: 'use ===', line: 5, column: 1 },
        ],
      },
      { filePath: '/w/repo/svc/src/b.ts', messages: [{ ruleId: null, fatal: true, severity: 2, message: 'Parsing error', line: 1, column: 1 }] },
      { filePath: '/w/repo/svc/src/c.ts', messages: [] },
    ]);
    const r = parseEslintJson(report, '/w/repo');
    expect(r.files).toBe(3);
    expect(r.findings).toEqual([
      { severity: 'error', message: "'x' is unused", file: 'svc/src/a.ts', line: 3, endLine: 3, column: 7, rule: 'no-unused-vars' },
      { severity: 'warning', message: 'use ===', file: 'svc/src/a.ts', line: 5, column: 1, rule: 'eqeqeq' },
      { severity: 'error', message: 'Parsing error', file: 'svc/src/b.ts', line: 1, column: 1 },
    ]);
  });
  it('rejects output that is not an eslint report', () => {
    expect(() => parseEslintJson('Oops! Something went wrong', '/')).toThrowError(/not JSON/);
    expect(() => parseEslintJson('{"a":1}', '/')).toThrowError(/not in eslint's JSON format/);
  });
  it('ruff JSON', () => {
    const report = JSON.stringify([
      {
        code: 'F401',
        message: '`os` imported but unused',
        filename: '/w/repo/app/main.py',
        location: { row: 1, column: 8 },
        end_location: { row: 1, column: 10 },
      },
    ]);
    expect(parseRuffJson(report, '/w/repo')).toEqual([
      { severity: 'error', message: '`os` imported but unused', file: 'app/main.py', line: 1, column: 8, endLine: 1, rule: 'F401' },
    ]);
  });
  it('flake8 default format', () => {
    const out = "./app/main.py:3:1: F401 'os' imported but unused\n./app/main.py:9:80: W505 doc line too long\nnoise";
    expect(parseFlake8(out, '/w/repo', '/w/repo')).toEqual([
      { severity: 'error', message: "'os' imported but unused", file: 'app/main.py', line: 3, column: 1, rule: 'F401' },
      { severity: 'warning', message: 'doc line too long', file: 'app/main.py', line: 9, column: 80, rule: 'W505' },
    ]);
  });
});

describe('findProjectBin', () => {
  it('finds a tool hoisted to a parent inside the repository, never above it', () => {
    const outside = scratchDir('rs-bin-');
    const repo = join(outside, 'repo');
    const pkg = join(repo, 'packages', 'svc');
    mkdirSync(pkg, { recursive: true });
    expect(findProjectBin('eslint', pkg, repo)).toBeUndefined();
    mkdirSync(join(outside, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(join(outside, 'node_modules', '.bin', 'eslint'), '');
    expect(findProjectBin('eslint', pkg, repo)).toBeUndefined();
    mkdirSync(join(repo, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(join(repo, 'node_modules', '.bin', 'eslint'), '');
    expect(findProjectBin('eslint', pkg, repo)).toBe(join(repo, 'node_modules', '.bin', 'eslint'));
    mkdirSync(join(pkg, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(join(pkg, 'node_modules', '.bin', 'eslint'), '');
    expect(findProjectBin('eslint', pkg, repo)).toBe(join(pkg, 'node_modules', '.bin', 'eslint'));
  });
});

describe('judgeLint', () => {
  const error: Finding = { severity: 'error', message: 'x is unused', file: 'a.ts', line: 1 };
  const warning: Finding = { severity: 'warning', message: 'use ===', file: 'a.ts', line: 2 };
  const run = (over: Partial<LintRun>): LintRun => ({ tool: 'eslint', version: '9.0.0', findings: [], filesChecked: 3, problems: [], ...over });
  it.each([
    ['clean', run({}), false, 'pass', /no errors, 0 warning\(s\) in 3 file/],
    ['a warning only', run({ findings: [warning] }), false, 'pass', /1 warning/],
    ['a warning with fail-on-warnings', run({ findings: [warning] }), true, 'fail', /warnings fail this gate/],
    ['an error', run({ findings: [error, warning] }), false, 'fail', /1 error\(s\), 1 warning\(s\)/],
    [
      'a linter crash',
      run({ problems: ['eslint exited with code 2 without a usable report: boom'] }),
      false,
      'error',
      /could not check the code: eslint exited with code 2/,
    ],
    [
      'a crash beside findings',
      run({ findings: [error], problems: ['eslint exited with code 1 but its report lists no error'] }),
      false,
      'error',
      /could not check/,
    ],
    ['no file checked', run({ filesChecked: 0 }), false, 'error', /no file was checked/],
    ['a command linter (no file count), clean', run({ tool: 'make', filesChecked: undefined }), false, 'pass', /^make: no errors, 0 warning\(s\)$/],
  ] as const)('%s -> %s', (_what, lintRun, failOnWarnings, status, summary) => {
    const verdict = judgeLint(lintRun, failOnWarnings);
    expect(verdict.status).toBe(status);
    expect(verdict.summary).toMatch(summary);
    expect(verdict.metrics.errors).toBe(lintRun.findings.filter((f) => f.severity === 'error').length);
  });
});
