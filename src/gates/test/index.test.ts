import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../../local/scratch.js';
import { judgeTests, nodeTestRunner } from './index.js';

const ok = { exitCode: 0, timedOut: false, signal: null };
const bad = { exitCode: 1, timedOut: false, signal: null };

describe('judgeTests', () => {
  it('passes only with tests run, none failed and exit 0', () => {
    expect(judgeTests(ok, { passed: 3, failed: 0, skipped: 1, total: 4 }, 'JUnit').status).toBe('pass');
  });
  it('fails on failures, on zero tests, and on a non-zero exit whatever the report says', () => {
    expect(judgeTests(bad, { passed: 3, failed: 1, skipped: 0, total: 4 }, 'JUnit').status).toBe('fail');
    expect(judgeTests(ok, { passed: 3, failed: 1, skipped: 0, total: 4 }, 'JUnit').status).toBe('fail');
    expect(judgeTests(ok, { passed: 0, failed: 0, skipped: 2, total: 2 }, 'JUnit')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/no test was executed/),
    });
    expect(judgeTests(bad, { passed: 3, failed: 0, skipped: 0, total: 3 }, 'JUnit').status).toBe('fail');
    expect(judgeTests(bad, undefined, '').status).toBe('fail');
  });
  it('cannot judge: timeout, signal, or success with nothing to count', () => {
    expect(judgeTests({ ...ok, timedOut: true }, undefined, '').status).toBe('error');
    expect(judgeTests({ exitCode: null, timedOut: false, signal: 'SIGKILL' }, undefined, '').status).toBe('error');
    expect(judgeTests(ok, undefined, '')).toMatchObject({ status: 'error', summary: expect.stringMatching(/set the junit input/) });
  });
  it('says "set the junit input" only when it is not set: otherwise its patterns matched nothing', () => {
    const given = judgeTests(ok, undefined, '', ['build/test-results/*.xml']);
    expect(given.status).toBe('error');
    expect(given.summary).not.toMatch(/set the junit input/);
    expect(given.summary).toContain('the junit input (build/test-results/*.xml) matched no report this run wrote');
    // A failing command or a counted run needs no hint at all.
    expect(judgeTests(bad, undefined, '').summary).not.toMatch(/junit/i);
    expect(judgeTests(ok, { passed: 1, failed: 0, skipped: 0, total: 1 }, 'runner output').summary).not.toMatch(/junit input/);
  });
});

describe('nodeTestRunner', () => {
  function project(script: string, runner?: [string, string]) {
    const dir = scratchDir('rs-runner-');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { test: script } }));
    if (runner) {
      mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
      mkdirSync(join(dir, 'node_modules', runner[0]), { recursive: true });
      writeFileSync(join(dir, 'node_modules', '.bin', runner[0]), '');
      writeFileSync(join(dir, 'node_modules', runner[0], 'package.json'), JSON.stringify({ version: runner[1] }));
    }
    return dir;
  }
  it('names the runner npm test starts and its installed version', () => {
    const dir = project('NODE_ENV=test vitest run --coverage', ['vitest', '3.2.7']);
    expect(nodeTestRunner(dir, dir)).toEqual({ name: 'vitest', version: '3.2.7' });
    const jest = project('cross-env CI=1 jest --ci', ['jest', '29.7.0']);
    expect(nodeTestRunner(jest, jest)).toEqual({ name: 'jest', version: '29.7.0' });
    const node = project('node --test test/');
    expect(nodeTestRunner(node, node)).toEqual({ name: 'node:test', version: process.versions.node });
  });
  it('is undefined for scripts it does not know', () => {
    const dir = project('make check');
    expect(nodeTestRunner(dir, dir)).toBeUndefined();
  });
});
