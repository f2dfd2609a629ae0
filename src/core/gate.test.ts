import { describe, expect, it } from 'vitest';
import { evidenceSchema, MAX_STORED_FINDINGS, type Finding } from './evidence.js';
import { recordFromReport, verdictWithProblems, type GateReport } from './gate.js';

const subject = { repository: 'acme/service', commitSha: 'a'.repeat(40), eventName: 'pull_request' };

function report(overrides: Partial<GateReport> = {}): GateReport {
  return {
    gate: 'test',
    status: 'fail',
    summary: '1 failed',
    tool: { name: 'vitest', version: '3.2.7' },
    metrics: { failed: 1 },
    findings: [{ severity: 'error', message: 'boom', file: 'a.test.ts', line: 3 }],
    details: { junit: 'reports/junit.xml' },
    startedAt: '2026-11-23T10:00:00.000Z',
    durationMs: 12,
    outputs: { failed: 1 },
    summarySections: ['## failed'],
    ...overrides,
  };
}

describe('recordFromReport', () => {
  it('keeps every recorded field, adds the subject, drops the step-only parts, and is a valid record', () => {
    const record = recordFromReport(report(), subject);
    expect(evidenceSchema.parse(record)).toEqual(record);
    expect(record).toEqual({
      schema: 'release-safety/evidence@1',
      gate: 'test',
      status: 'fail',
      summary: '1 failed',
      tool: { name: 'vitest', version: '3.2.7' },
      metrics: { failed: 1 },
      findings: [{ severity: 'error', message: 'boom', file: 'a.test.ts', line: 3 }],
      findingsTotal: 1,
      details: { junit: 'reports/junit.xml' },
      startedAt: '2026-11-23T10:00:00.000Z',
      durationMs: 12,
      subject,
    });
  });

  it('caps the findings, errors first, and keeps the true total', () => {
    const many: Finding[] = Array.from({ length: MAX_STORED_FINDINGS + 5 }, (_, n) => ({
      severity: n === MAX_STORED_FINDINGS + 4 ? 'error' : 'warning',
      message: `f${n}`,
    }));
    const record = recordFromReport(report({ findings: many }), subject);
    expect(record.findings).toHaveLength(MAX_STORED_FINDINGS);
    expect(record.findings[0]).toEqual({ severity: 'error', message: `f${MAX_STORED_FINDINGS + 4}` });
    expect(record.findingsTotal).toBe(MAX_STORED_FINDINGS + 5);
  });
});

describe('verdictWithProblems', () => {
  const error: Finding = { severity: 'error', message: 'e' };
  const warning: Finding = { severity: 'warning', message: 'w' };
  it.each([
    ['a problem outweighs everything', ['tool crashed'], [error], 3, 'error'],
    ['a problem with clean findings', ['report unreadable'], [], 3, 'error'],
    ['an error finding fails', [], [error, warning], 3, 'fail'],
    ['warnings only pass', [], [warning], 3, 'pass'],
    ['nothing examined is never pass', [], [], 0, 'error'],
    ['nothing examined but an error finding still fails', [], [error], 0, 'fail'],
    ['clean', [], [], 1, 'pass'],
  ] as const)('%s', (_name, problems, findings, examined, expected) => {
    expect(verdictWithProblems({ problems, findings, examined })).toBe(expected);
  });
});
