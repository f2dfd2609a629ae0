import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleEvidence, sampleRulesDetails, sampleTestDetails } from '../../test/fixtures/evidence.js';
import { scratchDir } from '../local/scratch.js';
import { ConfigurationError } from './errors.js';
import {
  canonicalJson,
  capFindings,
  evidenceDigest,
  MAX_STORED_FINDINGS,
  readEvidence,
  recordOrError,
  writeEvidence,
  type Evidence,
  type Finding,
} from './evidence.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined, keeps arrays in order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
  });
  it('gives equal digests for equal data in any key order', () => {
    const a = sampleEvidence();
    const b = JSON.parse(JSON.stringify({ ...a, metrics: { warnings: 1, errors: 0 } })) as Evidence;
    expect(evidenceDigest(a)).toBe(evidenceDigest(b));
    expect(evidenceDigest(a)).not.toBe(evidenceDigest(sampleEvidence({ status: 'fail' })));
    expect(evidenceDigest(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
  it('refuses non-finite numbers', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow();
  });
});

describe('evidence records', () => {
  const dir = scratchDir('rs-ev-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips through writeEvidence and readEvidence with the same digest', () => {
    const path = join(dir, 'ok', 'lint.json');
    const digest = writeEvidence(path, sampleEvidence());
    const back = readEvidence(path);
    expect(back).toEqual(sampleEvidence());
    expect(evidenceDigest(back)).toBe(digest);
  });

  it('writeEvidence refuses an invalid record rather than emitting one', () => {
    expect(() => writeEvidence(join(dir, 'bad.json'), sampleEvidence({ status: 'green' as never }))).toThrow();
  });

  it.each([
    ['not json', /is not JSON/],
    [JSON.stringify({ ...sampleEvidence(), schema: 'other@2' }), /field "schema"/],
    [JSON.stringify({ ...sampleEvidence(), subject: { ...sampleEvidence().subject, commitSha: 'HEAD' } }), /field "subject.commitSha"/],
    [JSON.stringify({ ...sampleEvidence(), findings: Array.from({ length: 101 }, () => ({ severity: 'error', message: 'x' })) }), /field "findings"/],
    [
      JSON.stringify(sampleEvidence({ gate: 'test', metrics: { passed: 3, failed: 0 }, details: {} })),
      /the test record's details do not fit its schema: field "details.preset"/,
    ],
    [
      JSON.stringify(sampleEvidence({ gate: 'rules', metrics: { alerts: 4, alertsTested: 4 }, details: sampleRulesDetails() })),
      /metric alerts is 4, but details.alerts lists 1/,
    ],
  ])('readEvidence rejects an untrusted record: %#', (text, message) => {
    const path = join(dir, `r-${Math.random()}.json`);
    writeFileSync(path, text);
    expect(() => readEvidence(path)).toThrowError(ConfigurationError);
    expect(() => readEvidence(path)).toThrowError(message);
  });

  it('capFindings keeps errors first, at most MAX_STORED_FINDINGS, and the true total', () => {
    const findings: Finding[] = [
      ...Array.from({ length: 150 }, (_, i) => ({ severity: 'warning' as const, message: `w${i}` })),
      { severity: 'error', message: 'the error', file: 'a.ts', line: 2 },
    ];
    const capped = capFindings(findings);
    expect(capped.findingsTotal).toBe(151);
    expect(capped.findings).toHaveLength(MAX_STORED_FINDINGS);
    expect(capped.findings[0]!.message).toBe('the error');
  });

  it('writeEvidence refuses a pass whose details do not fit its gate, recordOrError turns it into an error record', () => {
    const bad = sampleEvidence({ gate: 'test', metrics: { passed: 3, failed: 0 }, details: { preset: 'node' } });
    expect(() => writeEvidence(join(dir, 'bad-details.json'), bad)).toThrowError(/details\.workingDirectory/);
    const recorded = recordOrError(bad);
    expect(recorded).toMatchObject({ status: 'error', details: {}, metrics: { passed: 3, failed: 0 } });
    expect(recorded.summary).toMatch(
      /could not be recorded as reported \(the test record's details do not fit its schema: field "details\.workingDirectory".*\); it was pass/,
    );
    const good = sampleEvidence({ gate: 'test', metrics: { passed: 3, failed: 0 }, details: sampleTestDetails() });
    expect(recordOrError(good)).toEqual(good);
  });

  it('the written file is pretty JSON that validates', () => {
    const path = join(dir, 'pretty.json');
    writeEvidence(path, sampleEvidence());
    expect(readFileSync(path, 'utf8')).toContain('\n  "gate": "lint"');
  });
});

describe('readVerifiedEvidence', () => {
  it('accepts the record its gate hashed and refuses one altered after', async () => {
    const { rmSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { sampleEvidence, sampleTestDetails } = await import('../../test/fixtures/evidence.js');
    const { readVerifiedEvidence, writeEvidence } = await import('./evidence.js');
    const dir = scratchDir('rs-evidence-');
    try {
      const path = join(dir, 'test.json');
      const sha = writeEvidence(path, sampleEvidence({ gate: 'test', metrics: { passed: 3, failed: 0 }, details: sampleTestDetails() }));
      expect(readVerifiedEvidence(path, sha).gate).toBe('test');
      writeFileSync(path, JSON.stringify(sampleEvidence({ gate: 'test', metrics: { passed: 3, failed: 0 }, details: sampleTestDetails(), summary: 'edited' })));
      expect(() => readVerifiedEvidence(path, sha)).toThrow(/hashes to sha256:[0-9a-f]{64}, not the sha256:[0-9a-f]{64} its gate reported/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
