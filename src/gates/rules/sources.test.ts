import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../../local/scratch.js';
import { checkHygiene, type HygienePolicy } from './hygiene.js';
import { lineMapFrom, loadRuleFile } from './sources.js';

function write(text: string, name = 'r.yaml'): { dir: string; path: string } {
  const dir = scratchDir('rs-src-');
  const path = join(dir, name);
  writeFileSync(path, text);
  return { dir, path };
}

const PROMETHEUS_RULE = `---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: x
spec:
  groups:
    - name: g
      rules:
        - alert: A
          expr: |
            sum(rate(x[5m]))
              > 1
          for: 5m
          labels:
            severity: critical
`;

describe('loadRuleFile', () => {
  it('reads a plain file with rule lines and for: positions', () => {
    const { dir, path } = write(
      'groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up\n      - alert: A\n        expr: up == 0\n        for: 2m\n        labels: {severity: page}\n',
    );
    const rf = loadRuleFile({ absPath: path, file: 'r.yaml', scratchDir: dir });
    expect(rf.kind).toBe('plain');
    expect(rf.promtoolPath).toBe(path);
    expect(rf.groups[0]!.rules.map((r) => [r.kind, r.name, r.index, r.line, r.for, r.forLine, r.labels])).toEqual([
      ['record', 'r', 1, 4, undefined, undefined, {}],
      ['alert', 'A', 2, 6, '2m', 8, { severity: 'page' }],
    ]);
  });

  it('reads the group interval and keep_firing_for with their lines', () => {
    const { dir, path } = write('groups:\n  - name: g\n    interval: 1x\n    rules:\n      - alert: A\n        expr: up == 0\n        keep_firing_for: 10q\n');
    const rf = loadRuleFile({ absPath: path, file: 'r.yaml', scratchDir: dir });
    expect(rf.groups[0]).toMatchObject({ interval: '1x', intervalLine: 3 });
    expect(rf.groups[0]!.rules[0]).toMatchObject({ keepFiringFor: '10q', keepFiringForLine: 7 });
  });

  it('converts a PrometheusRule to a plain rule file whose lines map back to the original', () => {
    const { dir, path } = write(PROMETHEUS_RULE);
    const rf = loadRuleFile({ absPath: path, file: 'r.yaml', scratchDir: join(dir, 'conv') });
    expect(rf.kind).toBe('prometheusrule');
    expect(rf.findings).toEqual([]);
    const converted = readFileSync(rf.promtoolPath, 'utf8');
    expect(converted.startsWith('groups:\n')).toBe(true);
    const lines = converted.split('\n');
    const exprLine = lines.findIndex((l) => l.includes('expr:')) + 1;
    const forLine = lines.findIndex((l) => l.includes('for: 5m')) + 1;
    const col = lines[exprLine - 1]!.indexOf('expr') + 1;
    expect(rf.toOriginal(exprLine, col)).toEqual({ line: 11, column: 11 });
    expect(rf.toOriginal(forLine)).toEqual({ line: 14 });
    // A line inside the block scalar keeps its offset from the scalar's start.
    expect(rf.toOriginal(exprLine + 2).line).toBe(13);
    expect(rf.groups[0]!.rules[0]).toMatchObject({ name: 'A', line: 10, forLine: 14 });
  });

  it('reports YAML syntax errors at their line and keeps the file from promtool', () => {
    const { dir, path } = write('groups:\n  - name: g\n    rules: [\n');
    const rf = loadRuleFile({ absPath: path, file: 'r.yaml', scratchDir: dir });
    expect(rf.checkable).toBe(false);
    expect(rf.findings[0]).toMatchObject({ severity: 'error', rule: 'yaml-syntax', file: 'r.yaml' });
    expect(rf.findings[0]!.line).toBeGreaterThan(0);
  });

  it('an unreadable path, a binary file and YAML that is not a rule file are told apart', () => {
    const { dir } = write('x');
    expect(loadRuleFile({ absPath: join(dir, 'missing.yml'), file: 'missing.yml', scratchDir: dir }).unreadable).toContain('ENOENT');
    const bin = write('\u0000\u0001binary');
    expect(loadRuleFile({ absPath: bin.path, file: 'b', scratchDir: bin.dir }).findings[0]).toMatchObject({ rule: 'not-yaml' });
    const other = write('server:\n  port: 1\n');
    expect(loadRuleFile({ absPath: other.path, file: 'o', scratchDir: other.dir }).findings[0]).toMatchObject({ rule: 'not-a-rule-file', line: 1 });
  });
});

describe('loadRuleFile: YAML aliases and merge keys (promtool follows both)', () => {
  const ALIASES = `groups:
  - name: g
    rules:
      - alert: A
        expr: up == 0
        for: &wait 5m
        labels: &labels
          severity: critical
        annotations: &annotations
          summary: down
          runbook_url: https://runbooks.example.com/A
      - alert: B
        expr: up == 1
        for: *wait
        labels: *labels
        annotations: *annotations
      - alert: C
        expr: up == 2
        for: 5m
        labels:
          <<: *labels
          team: db
        annotations:
          <<: *annotations
          summary: own summary
`;
  const policy: HygienePolicy = {
    severity: 'error',
    severities: ['critical'],
    summary: 'error',
    runbook: 'error',
    minForMs: 60_000,
    minFor: 'error',
    duplicates: 'error',
  };

  it('labels, annotations and for: written as aliases or merged are read as promtool reads them', () => {
    const { dir, path } = write(ALIASES, 'a.yml');
    const rf = loadRuleFile({ absPath: path, file: 'a.yml', scratchDir: dir });
    expect(rf.findings).toEqual([]);
    const [a, b, c] = rf.groups[0]!.rules;
    expect(b).toMatchObject({
      name: 'B',
      for: '5m',
      forLine: 14,
      labels: { severity: 'critical' },
      annotations: { summary: 'down', runbook_url: 'https://runbooks.example.com/A' },
    });
    expect(c).toMatchObject({
      labels: { severity: 'critical', team: 'db' },
      annotations: { summary: 'own summary', runbook_url: 'https://runbooks.example.com/A' },
    });
    expect(a!.labels).toEqual(b!.labels);
    expect(checkHygiene(rf, policy, dir)).toEqual([]);
  });

  it('a PrometheusRule with aliases converts to the expanded rules', () => {
    const text = `apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: x}\nspec:\n  ${ALIASES.replace(/\n/g, '\n  ')}`;
    const { dir, path } = write(text, 'p.yaml');
    const rf = loadRuleFile({ absPath: path, file: 'p.yaml', scratchDir: join(dir, 'conv') });
    expect(rf.kind).toBe('prometheusrule');
    expect(checkHygiene(rf, policy, dir)).toEqual([]);
    const converted = readFileSync(rf.promtoolPath, 'utf8');
    expect(converted).not.toContain('*');
    expect(converted).not.toContain('<<');
    expect(converted).toContain('team: db');
  });
});

describe('lineMapFrom', () => {
  it('maps exact node starts with columns and falls back to the nearest earlier node', () => {
    const map = lineMapFrom([
      { convLine: 1, convCol: 1, origLine: 7, origCol: 3 },
      { convLine: 4, convCol: 5, origLine: 12, origCol: 11 },
    ]);
    expect(map(4, 9)).toEqual({ line: 12, column: 15 });
    expect(map(6)).toEqual({ line: 14 });
    expect(map(2)).toEqual({ line: 8 });
  });
});
