import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProjectBin } from '../../core/files.js';
import { parseEslintJson, parseFlake8, parseRuffJson } from './index.js';

describe('lint report parsers', () => {
  it('eslint JSON: severities, repo-relative paths, rule ids, fatal parse errors', () => {
    const report = JSON.stringify([
      { filePath: '/w/repo/svc/src/a.ts', messages: [{ ruleId: 'no-unused-vars', severity: 2, message: "'x' is unused", line: 3, column: 7, endLine: 3 }, { ruleId: 'eqeqeq', severity: 1, message: 'use ===', line: 5, column: 1 }] },
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
    const report = JSON.stringify([{ code: 'F401', message: '`os` imported but unused', filename: '/w/repo/app/main.py', location: { row: 1, column: 8 }, end_location: { row: 1, column: 10 } }]);
    expect(parseRuffJson(report, '/w/repo')).toEqual([{ severity: 'error', message: '`os` imported but unused', file: 'app/main.py', line: 1, column: 8, endLine: 1, rule: 'F401' }]);
  });
  it('flake8 default format', () => {
    const out = './app/main.py:3:1: F401 \'os\' imported but unused\n./app/main.py:9:80: W505 doc line too long\nnoise';
    expect(parseFlake8(out, '/w/repo', '/w/repo')).toEqual([
      { severity: 'error', message: "'os' imported but unused", file: 'app/main.py', line: 3, column: 1, rule: 'F401' },
      { severity: 'warning', message: 'doc line too long', file: 'app/main.py', line: 9, column: 80, rule: 'W505' },
    ]);
  });
});

describe('findProjectBin', () => {
  it('finds a tool hoisted to a parent inside the repository, never above it', () => {
    const outside = mkdtempSync(join(tmpdir(), 'rs-bin-'));
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
