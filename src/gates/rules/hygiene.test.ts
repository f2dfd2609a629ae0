import { describe, expect, it } from 'vitest';
import { checkHygiene, type HygienePolicy } from './hygiene.js';
import type { ParsedRule, RuleFile } from './sources.js';

function alert(name: string, line: number, extra: Partial<ParsedRule> = {}): ParsedRule {
  return { kind: 'alert', name, group: 'g', index: 1, line, column: 7, labels: {}, annotations: {}, ...extra };
}
function file(rules: ParsedRule[]): RuleFile {
  return {
    absPath: '/x',
    file: 'r.yml',
    kind: 'plain',
    promtoolPath: '/x',
    groups: [{ name: 'g', line: 2, rules }],
    findings: [],
    checkable: true,
    toOriginal: (line) => ({ line }),
  };
}
const strict: HygienePolicy = {
  severity: 'error',
  severities: [],
  summary: 'error',
  runbook: 'error',
  minForMs: 60_000,
  minFor: 'warning',
  duplicates: 'error',
};

describe('checkHygiene', () => {
  it('a complete alert has no finding', () => {
    const ok = alert('Ok', 4, { for: '5m', forLine: 6, labels: { severity: 'critical' }, annotations: { summary: 's', runbook_url: 'https://r/Ok' } });
    expect(checkHygiene(file([ok]), strict, '/ws')).toEqual([]);
  });

  it('each missing piece is its own finding at the alert line, at its configured level', () => {
    const got = checkHygiene(file([alert('Bare', 4)]), strict, '/ws').map((f) => [f.severity, f.rule, f.line]);
    expect(got).toEqual([
      ['error', 'require-severity', 4],
      ['error', 'require-summary', 4],
      ['error', 'require-runbook', 4],
      ['warning', 'min-for', 4],
    ]);
  });

  it('off turns a check off; an invalid for: is always an error; duplicates point at the second', () => {
    const off: HygienePolicy = { severity: 'off', severities: [], summary: 'off', runbook: 'off', minFor: 'off', duplicates: 'warning' };
    const got = checkHygiene(file([alert('A', 4, { for: '1x', forLine: 5 }), alert('A', 9)]), off, '/ws').map((f) => [f.severity, f.rule, f.line]);
    expect(got).toEqual([
      ['error', 'invalid-duration', 5],
      ['warning', 'duplicate-alert', 9],
    ]);
  });

  it('an invalid group interval and an invalid keep_firing_for are errors at their own lines', () => {
    const off: HygienePolicy = { severity: 'off', severities: [], summary: 'off', runbook: 'off', minFor: 'off', duplicates: 'off' };
    const rf = file([
      alert('A', 4, { for: '5m', forLine: 6, keepFiringFor: '10q', keepFiringForLine: 7 }),
      alert('B', 9, { keepFiringFor: '10m', keepFiringForLine: 11 }),
    ]);
    rf.groups[0]!.interval = '1x';
    rf.groups[0]!.intervalLine = 3;
    const got = checkHygiene(rf, off, '/ws').map((f) => [f.severity, f.rule, f.line, f.message]);
    expect(got).toEqual([
      ['error', 'invalid-duration', 3, 'group "g": "interval: 1x" is not a Prometheus duration (e.g. 30s, 5m, 1h30m)'],
      ['error', 'invalid-duration', 7, 'alert A: "keep_firing_for: 10q" is not a Prometheus duration (e.g. 30s, 5m, 1h30m)'],
    ]);
  });

  it('a severity outside the allowed list and a runbook path that does not exist are reported', () => {
    const p = { ...strict, severities: ['critical', 'warning'] };
    const a = alert('A', 4, { for: '5m', labels: { severity: 'page' }, annotations: { description: 'd', runbook: 'docs/none.md' } });
    const got = checkHygiene(file([a]), p, '/nonexistent-ws').map((f) => f.message);
    expect(got).toEqual([
      'alert A has severity "page", which is not one of critical, warning',
      'alert A: runbook "docs/none.md" is neither a URL nor a file in the repository',
    ]);
  });
});
