/**
 * The details schemas (src/core/details-gates.ts) describe what the gates really write: the rules
 * gate on the sample service's rules with the real promtool, the test gate on a real `node --test`
 * run. A gate change that alters its details without the schema (or the reverse) fails here,
 * before a record is refused by the evidence action.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gateDetailsProblem, rulesDetailsSchema, testDetailsSchema } from '../../src/core/details-gates.js';
import { parseEvidence, writeEvidence } from '../../src/core/evidence.js';
import { recordFromReport, type GateReport } from '../../src/core/gate.js';
import { consoleLogger } from '../../src/core/log.js';
import { runRulesGate } from '../../src/gates/rules/index.js';
import { runTestGate } from '../../src/gates/test/index.js';
import { REPO_ROOT } from '../../src/local/harness.js';
import { scratchDir } from '../../src/local/scratch.js';

const scratch = scratchDir('rs-details-');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const subject = { repository: 'acme/service', commitSha: 'a'.repeat(40), eventName: 'pull_request' };

/** Writes and reads the record back the way gates and the evidence action do. */
function roundTrip(report: GateReport): ReturnType<typeof parseEvidence> {
  const path = join(scratch, `${report.gate}.json`);
  writeEvidence(path, recordFromReport(report, subject));
  return parseEvidence(JSON.stringify(recordFromReport(report, subject)), path);
}

describe('gate details as the gates write them', () => {
  it('rules: the sample service with the real promtool', async () => {
    const temp = mkdtempSync(join(scratch, 'rules-'));
    const report = await runRulesGate(
      {
        rules: ['sample-service/prometheus/rules/*.yml'],
        tests: ['sample-service/prometheus/tests/*.yml'],
        promtool: { path: '/usr/bin/promtool', source: 'promtool-path' },
        hygiene: { severity: 'error', severities: [], summary: 'error', runbook: 'off', minFor: 'off', duplicates: 'warning' },
        coverage: 'error',
        onlyChanged: false,
        headSha: 'a'.repeat(40),
        timeoutMs: 60_000,
      },
      { log: consoleLogger(false), tempDir: temp, workspace: REPO_ROOT },
    );
    expect(report.status, report.summary).toBe('pass');
    expect(rulesDetailsSchema.parse(report.details).alerts).toHaveLength(4);
    expect(gateDetailsProblem({ ...report })).toBeUndefined();
    expect(roundTrip(report).details).toEqual(report.details);
  });

  it('test: a real node --test run, and its failing variant', async () => {
    const dir = mkdtempSync(join(scratch, 'node-'));
    writeFileSync(
      join(dir, 'ok.test.mjs'),
      "import { describe, test } from 'node:test';\ndescribe('sum', () => test('adds', () => { if (1 + 1 !== 2) throw new Error('math'); }));\n",
    );
    writeFileSync(
      join(dir, 'bad.test.mjs'),
      "import { describe, test } from 'node:test';\ndescribe('difference', () => test('subtracts', () => { throw new Error('wrong'); }));\n",
    );
    const run = (file: string) =>
      runTestGate(
        {
          preset: 'command',
          workingDirectory: dir,
          command: [process.execPath, '--test', '--test-reporter=junit', `--test-reporter-destination=${file}.xml`, file],
          junit: ['*.xml'],
          timeoutMs: 60_000,
        },
        { log: consoleLogger(false), tempDir: dir, workspace: dir },
      );
    for (const [file, status] of [
      ['ok.test.mjs', 'pass'],
      ['bad.test.mjs', 'fail'],
    ] as const) {
      const report = await run(file);
      expect(report.status, report.summary).toBe(status);
      expect(testDetailsSchema.parse(report.details)).toMatchObject({ preset: 'command', workingDirectory: '.' });
      expect(gateDetailsProblem({ ...report })).toBeUndefined();
      expect(roundTrip(report).details).toEqual(report.details);
    }
  });
});
