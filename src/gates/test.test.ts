import { describe, expect, it } from 'vitest';
import { judgeTests } from './test.js';

const ok = { exitCode: 0, timedOut: false, signal: null };
const bad = { exitCode: 1, timedOut: false, signal: null };

describe('judgeTests', () => {
  it('passes only with tests run, none failed and exit 0', () => {
    expect(judgeTests(ok, { passed: 3, failed: 0, skipped: 1, total: 4 }, 'JUnit').status).toBe('pass');
  });
  it('fails on failures, on zero tests, and on a non-zero exit whatever the report says', () => {
    expect(judgeTests(bad, { passed: 3, failed: 1, skipped: 0, total: 4 }, 'JUnit').status).toBe('fail');
    expect(judgeTests(ok, { passed: 3, failed: 1, skipped: 0, total: 4 }, 'JUnit').status).toBe('fail');
    expect(judgeTests(ok, { passed: 0, failed: 0, skipped: 2, total: 2 }, 'JUnit')).toMatchObject({ status: 'fail', summary: expect.stringMatching(/no test was executed/) });
    expect(judgeTests(bad, { passed: 3, failed: 0, skipped: 0, total: 3 }, 'JUnit').status).toBe('fail');
    expect(judgeTests(bad, undefined, '').status).toBe('fail');
  });
  it('cannot judge: timeout, signal, or success with nothing to count', () => {
    expect(judgeTests({ ...ok, timedOut: true }, undefined, '').status).toBe('error');
    expect(judgeTests({ exitCode: null, timedOut: false, signal: 'SIGKILL' }, undefined, '').status).toBe('error');
    expect(judgeTests(ok, undefined, '')).toMatchObject({ status: 'error', summary: expect.stringMatching(/set the junit input/) });
  });
});
