/**
 * The test bundle on a project that uses Node's own runner with its JUnit reporter: top-level
 * tests sit straight under <testsuites> there, and every one of them counts (a count of zero
 * made a passing run "no test was executed").
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAction } from '../../src/local/harness.js';
import { scratchDir } from '../../src/local/scratch.js';
import { evidenceOf } from './workspace.js';

function nodeTestProject(tests: string): string {
  const workspace = scratchDir('rs-node-test-');
  writeFileSync(
    join(workspace, 'package.json'),
    JSON.stringify({ name: 'n', private: true, scripts: { test: 'node --test --test-reporter=junit --test-reporter-destination=junit.xml app.test.mjs' } }),
  );
  writeFileSync(join(workspace, 'app.test.mjs'), `import test from 'node:test';\nimport assert from 'node:assert';\n${tests}`);
  return workspace;
}

describe("test gate: node:test's JUnit report", () => {
  it('counts top-level tests: three run, three passed', async () => {
    const workspace = nodeTestProject(`test('one', () => {});\ntest('two', () => {});\ntest('three', async (t) => { await t.test('inner', () => {}); });\n`);
    const run = await runAction('test', { workspace, inputs: { junit: 'junit.xml' } });
    expect(run.outputs.status, run.stdout.slice(-2000)).toBe('pass');
    expect(run.outputs.passed).toBe('3');
    expect(evidenceOf(run).metrics).toMatchObject({ passed: 3, failed: 0 });
  });

  it('a failing top-level test is counted and annotated at its line', async () => {
    const workspace = nodeTestProject(`test('fine', () => {});\ntest('adds up', () => {\n  assert.strictEqual(1 + 1, 3);\n});\n`);
    const run = await runAction('test', { workspace, inputs: { junit: 'junit.xml' } });
    expect(run.outputs.status).toBe('fail');
    expect(run.outputs.failed).toBe('1');
    expect(run.outputs.passed).toBe('1');
    const annotation = run.annotations.find((a) => a.command === 'error' && a.properties.file === 'app.test.mjs');
    expect(annotation, JSON.stringify(run.annotations)).toMatchObject({ properties: { line: '5' } });
  });
});
