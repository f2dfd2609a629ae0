import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomSha, runAction, type ActionRun } from '../../src/local/harness.js';
import { scratchDir } from '../../src/local/scratch.js';
import { HOSTILE, pullRequestEvent } from './events.js';
import { scratchSampleService, evidenceOf } from './workspace.js';

function noStackTrace(run: ActionRun) {
  const stack = /\n\s+at .+\(.+:\d+:\d+\)/;
  expect(`${run.stdout}\n${run.stderr}`).not.toMatch(stack);
  // Workflow commands carry newlines escaped: look inside them too (debug lines may hold stacks).
  for (const c of run.commands.filter((c) => c.command !== 'debug')) expect(c.message).not.toMatch(stack);
}

describe('lint and test gates on the sample service (bundles, as the runner runs them)', () => {
  const headSha = randomSha();
  const event = pullRequestEvent({ headSha, number: 12 });
  let clean: { workspace: string; service: string };

  beforeAll(() => {
    clean = scratchSampleService();
  });

  it('lint passes with a valid evidence record naming the PR head SHA', async () => {
    const run = await runAction('lint', { workspace: clean.workspace, eventName: 'pull_request', event, inputs: { 'working-directory': 'sample-service' } });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'pass', errors: '0', warnings: '0' });
    expect(run.outputs['evidence-sha256']).toMatch(/^sha256:[0-9a-f]{64}$/);
    const ev = evidenceOf(run);
    expect(ev).toMatchObject({
      gate: 'lint',
      status: 'pass',
      subject: { commitSha: headSha, prNumber: 12, eventName: 'pull_request' },
      tool: { name: 'eslint' },
    });
    expect(ev.tool.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(ev.tool.configSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(ev.metrics.filesChecked).toBeGreaterThan(3);
    expect(ev.subject.mergeSha).toBeDefined();
    expect(run.summary).toContain('release-safety lint: pass');
    expect(run.annotations).toHaveLength(0);
  });

  it("lint's bundle loads neither Node's https nor tls: the HTTP clients (@actions/http-client, undici) load on first use, and lint makes no request", async () => {
    // A preload that records, at exit, which Node modules the process loaded (the eslint it runs writes its own file).
    const dir = scratchDir('rs-modules-');
    const preload = join(dir, 'record.cjs');
    writeFileSync(
      preload,
      `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(dir)} + '/' + process.pid + '.json', JSON.stringify({ main: process.argv[1], modules: process.moduleLoadList })));`,
    );
    const run = await runAction('lint', {
      workspace: clean.workspace,
      eventName: 'pull_request',
      event,
      inputs: { 'working-directory': 'sample-service' },
      env: { NODE_OPTIONS: `--require ${preload}` },
    });
    expect(run.exitCode, run.stdout).toBe(0);
    const records = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { main: string; modules: string[] });
    const action = records.find((r) => r.main.endsWith(join('dist', 'lint', 'index.js')));
    expect(action, 'the action process left its module list').toBeDefined();
    expect(action!.modules).toContain('NativeModule child_process');
    expect(action!.modules.filter((m) => /^NativeModule (https|tls|_http_client)$/.test(m))).toEqual([]);
  });

  it('test passes, counting tests from the JUnit report the run wrote', async () => {
    const run = await runAction('test', { workspace: clean.workspace, eventName: 'pull_request', event, inputs: { 'working-directory': 'sample-service' } });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    expect(run.outputs.status).toBe('pass');
    expect(Number(run.outputs.passed)).toBeGreaterThan(10);
    expect(run.outputs.failed).toBe('0');
    const ev = evidenceOf(run);
    expect(ev).toMatchObject({ gate: 'test', status: 'pass', tool: { name: 'vitest (npm test)' }, subject: { commitSha: headSha } });
    expect(ev.tool.version).toMatch(/^3\.\d+\.\d+/);
    expect(ev.details.npmVersion).toMatch(/^\d+\./);
    expect(ev.metrics.passed).toBe(Number(run.outputs.passed));
    expect(run.summary).toContain('JUnit');
  });

  describe('a scratch copy with one lint error and one failing test', () => {
    let broken: { workspace: string; service: string };
    beforeAll(() => {
      broken = scratchSampleService();
      writeFileSync(join(broken.service, 'src', 'broken.ts'), 'export const fine = 1;\n\nconst unusedValue = 2;\n');
      writeFileSync(
        join(broken.service, 'test', 'broken.test.ts'),
        "import { expect, test } from 'vitest';\n\ntest('adds up', () => {\n  expect(1 + 1).toBe(3);\n});\n",
      );
    });

    it('lint fails with an annotation at src/broken.ts line 3', async () => {
      const run = await runAction('lint', { workspace: broken.workspace, inputs: { 'working-directory': 'sample-service' } });
      expect(run.exitCode).toBe(1);
      expect(run.outputs).toMatchObject({ status: 'fail', errors: '1' });
      const annotation = run.annotations.find((a) => a.properties.file === 'sample-service/src/broken.ts');
      expect(annotation, JSON.stringify(run.annotations)).toMatchObject({
        command: 'error',
        properties: { line: '3', col: '7', title: 'release-safety lint: @typescript-eslint/no-unused-vars' },
      });
      expect(run.summary).toMatch(/\| errors \| 1 \|/);
      expect(evidenceOf(run).findings[0]).toMatchObject({ file: 'sample-service/src/broken.ts', line: 3 });
    });

    it('test fails with an annotation at test/broken.test.ts line 4', async () => {
      const run = await runAction('test', { workspace: broken.workspace, inputs: { 'working-directory': 'sample-service' } });
      expect(run.exitCode).toBe(1);
      expect(run.outputs.status).toBe('fail');
      expect(run.outputs.failed).toBe('1');
      const annotation = run.annotations.find((a) => a.properties.file === 'sample-service/test/broken.test.ts');
      expect(annotation, JSON.stringify(run.annotations)).toMatchObject({ command: 'error', properties: { line: '4' } });
      expect(annotation!.message).toContain('adds up');
      expect(run.summary).toMatch(/\| failed \| 1 \|/);
    });

    it('a stale JUnit report from an earlier run is never counted', async () => {
      const { workspace, service } = scratchSampleService();
      writeFileSync(join(service, 'package.json'), JSON.stringify({ name: 'x', type: 'module', scripts: { test: 'node -e 0' } }));
      mkdirSync(join(service, 'reports'), { recursive: true });
      const report = join(service, 'reports', 'junit.xml');
      writeFileSync(report, '<testsuites><testsuite name="old"><testcase name="a"/><testcase name="b"/></testsuite></testsuites>');
      const anHourAgo = new Date(Date.now() - 3_600_000);
      utimesSync(report, anHourAgo, anHourAgo);
      const run = await runAction('test', { workspace, inputs: { 'working-directory': 'sample-service' } });
      expect(run.outputs.status).toBe('error');
      expect(run.outputs.passed).toBe('0');
      expect(run.exitCode).toBe(1);
      expect(run.summary).toContain('how many tests ran is unknown');
    });
  });

  describe('records stay valid whatever the tools report', () => {
    it('a failing test with a 400-character name still yields a fail record, outputs and an annotation', async () => {
      const { workspace } = scratchSampleService();
      const name = 'n'.repeat(400);
      const xml = `<testsuites><testsuite name="s"><testcase classname="t.test.ts" name="${name}"><failure message="boom">t.test.ts:3:1</failure></testcase><testcase name="ok"/></testsuite></testsuites>`;
      writeFileSync(join(workspace, 'run-tests.cjs'), `require('fs').writeFileSync('junit.xml', ${JSON.stringify(xml)}); process.exit(1);\n`);
      const run = await runAction('test', { workspace, inputs: { preset: 'command', command: 'node run-tests.cjs', junit: 'junit.xml' } });
      expect(run.outputs.status, run.stdout).toBe('fail');
      expect(run.outputs.failed).toBe('1');
      const ev = evidenceOf(run);
      expect(ev.findings[0]!.rule!.length).toBeLessThanOrEqual(300);
      const annotation = run.annotations.find((a) => a.properties.file === 't.test.ts');
      expect(annotation, JSON.stringify(run.annotations)).toMatchObject({ command: 'error', properties: { line: '3' } });
      expect(annotation!.message).toContain('boom');
    });

    it('sixty fresh JUnit reports: the verdict line stays short and the record valid', async () => {
      const { workspace } = scratchSampleService();
      const script =
        "const fs=require('fs');fs.mkdirSync('test-results',{recursive:true});for(let i=0;i<60;i++)fs.writeFileSync('test-results/suite-with-a-rather-long-file-name-'+i+'.xml','<testsuite name=\\'s\\'><testcase name=\\'ok\\'/></testsuite>')";
      const run = await runAction('test', { workspace, inputs: { preset: 'command', command: `node -e "${script}"`, junit: 'test-results/*.xml' } });
      expect(run.outputs.status, run.stdout).toBe('pass');
      expect(run.outputs.passed).toBe('60');
      expect(evidenceOf(run).summary).toContain('JUnit: 60 reports');
    });
  });

  describe('bad inputs exit non-zero with a message naming the input, and no stack trace', () => {
    it.each([
      ['lint', { preset: 'ruby' }, 'input "preset" must be one of node, python, command'],
      ['test', { preset: 'ruby' }, 'input "preset" must be one of node, python, command'],
      ['lint', { 'working-directory': 'no/such/dir' }, 'input "working-directory" names "no/such/dir", which is not a directory'],
      ['test', { 'working-directory': 'no/such/dir' }, 'input "working-directory" names "no/such/dir", which is not a directory'],
      ['lint', { 'timeout-seconds': '-1' }, 'input "timeout-seconds" must be a whole number from 1 to 21600 (seconds)'],
      ['test', { 'timeout-seconds': '-1' }, 'input "timeout-seconds" must be a whole number from 1 to 21600 (seconds)'],
      ['test', { preset: 'command' }, 'input "command" is required with preset: command'],
    ])('%s %j', async (name, inputs, message) => {
      const run = await runAction(name, { workspace: clean.workspace, inputs });
      expect(run.exitCode).toBe(1);
      const errors = run.annotations.filter((a) => a.command === 'error');
      expect(errors.map((e) => e.message).join('\n')).toContain(message);
      expect(run.outputs.status).toBe('error');
      noStackTrace(run);
    });
  });

  it('a missing eslint is error with an install hint, never pass', async () => {
    const { workspace, service } = scratchSampleService();
    rmSync(join(service, 'node_modules'));
    const run = await runAction('lint', { workspace, inputs: { 'working-directory': 'sample-service' } });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(run.summary).toContain('npm ci');
  });

  it('a shell-hostile PR title and branch name change nothing', async () => {
    const marker = `/tmp/pwned-${process.pid}`;
    const hostileTitle = `${HOSTILE.title.replace('/tmp/pwned', marker)} $(touch ${marker}) \n::error::x\n::add-mask::pass`;
    const hostile = pullRequestEvent({
      title: hostileTitle,
      headRef: `${HOSTILE.headRef};touch ${marker}\n::error::x`,
      body: HOSTILE.body.replace('/tmp/pwned', marker),
      headSha,
    });
    const hostilePush = {
      ref: `refs/heads/$(touch ${marker})\n::error::x`,
      before: randomSha(),
      after: headSha,
      head_commit: { message: `::error::x\n$(touch ${marker})` },
      repository: { default_branch: 'main' },
    };
    for (const [eventName, event] of [
      ['pull_request', hostile],
      ['push', hostilePush],
    ] as const) {
      for (const name of ['lint', 'test']) {
        const run = await runAction(name, { workspace: clean.workspace, eventName, event, inputs: { 'working-directory': 'sample-service' } });
        expect(run.exitCode, `${eventName} ${name}`).toBe(0);
        expect(run.outputs.status).toBe('pass');
        expect(run.annotations.filter((a) => a.message === 'x' || a.message.includes('::error'))).toHaveLength(0);
        expect(run.masks).toEqual([]);
        expect(run.commands.filter((c) => c.command === 'set-output')).toHaveLength(0);
        expect(run.everything()).not.toContain('uid=');
        // The record keeps the ref as data; the summary never shows it raw.
        expect(run.summary).not.toContain('::error::x');
      }
    }
    expect(existsSync(marker)).toBe(false);
  });
});
