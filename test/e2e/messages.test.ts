// Messages people can act on, on the shipped bundles: tool output without terminal escapes, shell
// operators in command inputs refused with the fix, an error record for every configuration error,
// the junit hint only where it is the fix, metric labels as words and locations linked at the head SHA.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evidenceSchema } from '../../src/core/evidence.js';
import { randomSha, runAction, type ActionRun } from '../../src/local/harness.js';
import { scratchDir } from '../../src/local/scratch.js';
import { pullRequestEvent } from './events.js';
import { scratchSampleService } from './workspace.js';

const ESC = '\u001b';

function recordAt(path: string) {
  expect(existsSync(path), `an evidence record at ${path}`).toBe(true);
  return evidenceSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

function errorAnnotation(run: ActionRun): string {
  const annotation = run.annotations.find((a) => a.command === 'error');
  expect(annotation, JSON.stringify(run.commands)).toBeDefined();
  return annotation!.message;
}

describe('tool output in summaries and annotations holds no terminal escapes', () => {
  it('a failing vitest run with FORCE_COLOR=1: the summary, annotations and record hold no ESC character', async () => {
    const { workspace, service } = scratchSampleService();
    const pkg = JSON.parse(readFileSync(join(service, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    pkg.scripts.test = 'FORCE_COLOR=1 vitest run';
    writeFileSync(join(service, 'package.json'), JSON.stringify(pkg, null, 2));
    writeFileSync(
      join(service, 'test', 'broken.test.ts'),
      "import { expect, test } from 'vitest';\n\ntest('adds up', () => {\n  expect({ sum: 1 + 1 }).toEqual({ sum: 3 });\n});\n",
    );
    const run = await runAction('test', { workspace, inputs: { 'working-directory': 'sample-service' } });
    expect(run.outputs.status, run.stdout.slice(-2000)).toBe('fail');
    expect(run.outputs.failed, run.summary).toBe('1');
    // The control: the runner really wrote colour, or this test would prove nothing.
    expect(run.stdout).toContain(`${ESC}[`);
    expect(run.summary).toContain('### Last lines of the test output');
    expect(run.summary).toContain('adds up');
    expect(run.summary.includes(ESC), run.summary).toBe(false);
    expect(run.annotations.length).toBeGreaterThan(0);
    for (const a of run.annotations) expect(a.message.includes(ESC) || Object.values(a.properties).some((v) => v.includes(ESC)), a.message).toBe(false);
    const record = readFileSync(run.outputs['evidence-path']!, 'utf8');
    expect(record.includes(ESC) || record.includes('\\u001b')).toBe(false);
  });
});

describe('command inputs with shell operators', () => {
  it('lint command "npm ci && npm test" is a configuration error naming the input and bash -c, with an error record', async () => {
    const workspace = scratchDir('rs-msg-');
    const marker = join(workspace, 'ran');
    const run = await runAction('lint', { workspace, inputs: { preset: 'command', command: `touch ${marker} && npm test` } });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    const message = errorAnnotation(run);
    expect(message).toContain('input "command" contains the shell operator "&&"');
    expect(message).toContain(`bash -c 'touch ${marker} && npm test'`);
    expect(existsSync(marker), 'nothing ran').toBe(false);
    expect(recordAt(run.outputs['evidence-path']!)).toMatchObject({ gate: 'lint', status: 'error' });
  });

  it('the same command inside bash -c runs: the quoted operators are one argument', async () => {
    const workspace = scratchDir('rs-msg-');
    const run = await runAction('test', { workspace, inputs: { preset: 'command', command: `bash -c 'echo one > out.txt && echo "Tests  2 passed (2)"'` } });
    expect(run.outputs.status, run.stdout).toBe('pass');
    expect(run.outputs.passed).toBe('2');
    expect(readFileSync(join(workspace, 'out.txt'), 'utf8')).toBe('one\n');
  });

  it('test command "npm test | tee log" is refused the same way', async () => {
    const workspace = scratchDir('rs-msg-');
    const run = await runAction('test', { workspace, inputs: { preset: 'command', command: 'npm test | tee log' } });
    expect(run.outputs.status).toBe('error');
    expect(errorAnnotation(run)).toMatch(/input "command" contains the shell operator "\|".*bash -c/);
  });
});

describe('every configuration error still writes an error record where downstream jobs look', () => {
  it('a bad lint input: exit 1, a valid error record in the default evidence directory, the annotation names the input', async () => {
    const workspace = scratchDir('rs-msg-');
    const sha = randomSha();
    const run = await runAction('lint', { workspace, sha, inputs: { 'timeout-seconds': 'soon' } });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    const defaultPath = join(run.runnerTemp, 'release-safety', 'evidence', 'lint.json');
    expect(run.outputs['evidence-path']).toBe(defaultPath);
    const record = recordAt(defaultPath);
    expect(record).toMatchObject({ gate: 'lint', status: 'error', subject: { commitSha: sha, repository: 'acme/service' } });
    expect(record.summary).toContain('input "timeout-seconds"');
    expect(errorAnnotation(run)).toContain('input "timeout-seconds" must be a whole number from 1 to 21600');
    expect(run.summary).toContain('release-safety lint: error');
  });

  it('a bad input with evidence-dir set: the record lands in that directory', async () => {
    const workspace = scratchDir('rs-msg-');
    const run = await runAction('lint', { workspace, inputs: { preset: 'golang', 'evidence-dir': 'out/evidence' } });
    expect(run.exitCode).toBe(1);
    expect(recordAt(join(workspace, 'out', 'evidence', 'lint.json'))).toMatchObject({ gate: 'lint', status: 'error' });
    expect(errorAnnotation(run)).toContain('input "preset" must be one of node, python, command');
  });

  it('an unreadable event payload: the record names the checked-out commit and says why', async () => {
    const workspace = scratchDir('rs-msg-');
    const sha = randomSha();
    const run = await runAction('test', { workspace, sha, eventName: 'pull_request', event: { number: 'seven' } });
    expect(run.exitCode).toBe(1);
    const record = recordAt(run.outputs['evidence-path']!);
    expect(record).toMatchObject({ gate: 'test', status: 'error', subject: { commitSha: sha, eventName: 'pull_request' } });
    expect(record.summary).toContain('is not a valid pull_request event');
  });
});

describe('the "set the junit input" hint appears only when it is the fix', () => {
  it('no JUnit input and no runner summary: the hint says to set it', async () => {
    const workspace = scratchDir('rs-msg-');
    const run = await runAction('test', { workspace, inputs: { preset: 'command', command: 'node -e 0' } });
    expect(run.outputs.status).toBe('error');
    expect(run.summary).toContain('set the junit input');
  });

  it('a junit input that matched no fresh report: no "set the junit input", the patterns named instead', async () => {
    const workspace = scratchDir('rs-msg-');
    const run = await runAction('test', { workspace, inputs: { preset: 'command', command: 'node -e 0', junit: 'build/results/*.xml' } });
    expect(run.outputs.status).toBe('error');
    expect(run.summary).not.toContain('set the junit input');
    expect(run.summary).toContain('the junit input &#40;build/results/&#42;.xml&#41; matched no report this run wrote');
    expect(recordAt(run.outputs['evidence-path']!).summary).toContain('the junit input (build/results/*.xml) matched no report this run wrote');
  });

  it('no JUnit report, but the runner output counted: a pass, and no junit hint', async () => {
    const workspace = scratchDir('rs-msg-');
    writeFileSync(
      join(workspace, 'sum.test.mjs'),
      "import { test } from 'node:test';\nimport assert from 'node:assert';\ntest('adds', () => assert.equal(1 + 1, 2));\n",
    );
    const run = await runAction('test', { workspace, inputs: { preset: 'command', command: 'node --test --test-reporter=tap sum.test.mjs' } });
    expect(run.outputs.status, run.summary).toBe('pass');
    expect(recordAt(run.outputs['evidence-path']!).metrics).toMatchObject({ passed: 1, failed: 0 });
    expect(run.summary).not.toMatch(/junit input/);
  });

  it('a failing command with nothing to count: a fail, and no junit hint', async () => {
    const workspace = scratchDir('rs-msg-');
    const run = await runAction('test', { workspace, inputs: { preset: 'command', command: 'node -e process.exit(3)' } });
    expect(run.outputs.status).toBe('fail');
    expect(run.summary).not.toMatch(/junit input/);
  });
});

describe('metric labels are words; locations link to the file and line at the head SHA', () => {
  it('lint on a scratch service with one error: "files checked", and the finding links to its line', async () => {
    const { workspace, service } = scratchSampleService();
    writeFileSync(join(service, 'src', 'broken.ts'), 'export const fine = 1;\n\nconst unusedValue = 2;\n');
    const headSha = randomSha();
    const run = await runAction('lint', {
      workspace,
      eventName: 'pull_request',
      event: pullRequestEvent({ headSha, number: 14 }),
      inputs: { 'working-directory': 'sample-service' },
    });
    expect(run.outputs.status, run.summary).toBe('fail');
    expect(run.summary).toMatch(/\| files checked \| \d+ \|/);
    expect(run.summary).not.toContain('filesChecked');
    expect(run.summary).toMatch(/^\| run \| value \|$/m);
    expect(run.summary).toContain(`(https://github.com/acme/service/blob/${headSha}/sample-service/src/broken.ts#L3)`);
  });
});

describe('report-only first runs (mode: warn)', () => {
  it('lint with an error under mode: warn: the step passes, the record and outputs keep fail, the summary says report-only', async () => {
    const { workspace, service } = scratchSampleService();
    writeFileSync(join(service, 'src', 'broken.ts'), 'export const fine = 1;\n\nconst unusedValue = 2;\n');
    const run = await runAction('lint', { workspace, inputs: { 'working-directory': 'sample-service', mode: 'warn' } });
    expect(run.exitCode, run.stdout.slice(-2000)).toBe(0);
    expect(run.outputs.status).toBe('fail');
    expect(recordAt(run.outputs['evidence-path']!)).toMatchObject({ gate: 'lint', status: 'fail' });
    expect(run.summary).toContain('release-safety lint: fail');
    expect(run.summary).toContain('**Report-only**');
    expect(run.annotations.some((a) => a.command === 'warning' && a.message.includes('report-only (mode: warn), the step does not fail'))).toBe(true);
  });

  it('a test run that cannot be judged still fails the step under mode: warn', async () => {
    const workspace = scratchDir('rs-msg-');
    const run = await runAction('test', { workspace, inputs: { preset: 'command', command: 'node -e 0', mode: 'warn' } });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(run.summary).not.toContain('Report-only');
  });

  it('the default (mode: block) fails the step on the same lint error', async () => {
    const { workspace, service } = scratchSampleService();
    writeFileSync(join(service, 'src', 'broken.ts'), 'const unusedValue = 2;\n');
    const run = await runAction('lint', { workspace, inputs: { 'working-directory': 'sample-service' } });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('fail');
    expect(run.summary).not.toContain('Report-only');
  });
});
