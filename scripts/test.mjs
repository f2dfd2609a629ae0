#!/usr/bin/env node
// `npm test`: installs what is missing, type-checks, runs the unit tests, then the end-to-end
// tests on the committed bundles, and closes with one plain line: "tests: N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

if (run(process.execPath, [join(root, 'scripts', 'setup.mjs')]) !== 0) process.exit(1);
if (run(bin('tsc'), ['--noEmit']) !== 0) {
  console.log('tests: 0 passed, 1 failed (type check)');
  process.exit(1);
}
const out = mkdtempSync(join(tmpdir(), 'rs-test-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
let status = 0;
for (const [name, config] of [
  ['unit', 'vitest.config.ts'],
  ['e2e', 'vitest.e2e.config.ts'],
]) {
  const report = join(out, `${name}.json`);
  const code = run(bin('vitest'), ['run', '--config', config, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
  if (code !== 0) status = 1;
  if (!existsSync(report)) {
    totals.failed++;
    continue;
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  totals.passed += r.numPassedTests;
  totals.failed += r.numFailedTests + (r.numTotalTestSuites > 0 && r.success === false && r.numFailedTests === 0 ? 1 : 0);
  totals.skipped += r.numPendingTests + r.numTodoTests;
}
// The reports are read: nothing of this run stays in the temp directory.
rmSync(out, { recursive: true, force: true });
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(status);
