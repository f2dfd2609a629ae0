// The rules gate must never pass having checked nothing, nor read outside the workspace.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evidenceOf, removeScratchDirs, rules, scratchDir, workspace } from './rules-support.js';
import type { ActionRun } from '../../src/local/harness.js';

afterAll(removeScratchDirs);

describe('rules gate: never pass having checked nothing', () => {
  const oneAlert = [
    'groups:',
    '  - name: g',
    '    rules:',
    '      - alert: Down',
    '        expr: up == 0',
    '        labels: {severity: critical}',
    '        annotations: {summary: down}',
    '',
  ].join('\n');
  const messages = (run: ActionRun) => run.annotations.map((a) => a.message).join('\n');

  it('a rules input of only exclusions is a configuration error naming the input', async () => {
    const run = await rules(workspace(), { rules: '!prom/**' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(messages(run)).toContain('input "rules" has only exclusions ("!prom/**")');
    const tests = await rules(workspace(), { rules: 'sample-service/prometheus/rules/*.yml', tests: '!sample-service/**', coverage: 'off' });
    expect(tests.outputs.status).toBe('error');
    expect(messages(tests)).toContain('input "tests" has only exclusions');
  });

  it.each([
    ['groups: []', 'groups: []\n'],
    ['groups with empty rules', 'groups:\n  - name: a\n    rules: []\n  - name: b\n    rules:\n'],
    ['only comments', '# nothing here yet\n# groups:\n'],
    ['YAML null', '~\n'],
  ])('a rule file of %s is error, never pass', async (_name, text) => {
    const ws = scratchDir();
    writeFileSync(join(ws, 'rules.yml'), text);
    const run = await rules(ws, { rules: 'rules.yml', coverage: 'off' });
    expect(run.exitCode, run.stdout.slice(-2000)).toBe(1);
    expect(run.outputs.status).toBe('error');
    const ev = evidenceOf(run);
    expect(ev.status).toBe('error');
    expect(ev.metrics.rules).toBe(0);
    expect(ev.summary).toMatch(/^no rule to check/);
  });

  it('a file with no rule beside one with rules passes with a warning naming it', async () => {
    const ws = scratchDir();
    writeFileSync(join(ws, 'a.yml'), oneAlert);
    writeFileSync(join(ws, 'b.yml'), 'groups: []\n');
    const run = await rules(ws, { rules: '*.yml', coverage: 'off' });
    expect(run.outputs.status, run.stdout.slice(-2000)).toBe('pass');
    expect(run.annotations.find((a) => a.properties.title === 'release-safety rules: no-rules')).toMatchObject({
      command: 'warning',
      properties: { file: 'b.yml' },
    });
  });

  it('a PrometheusRule with no groups is not pass', async () => {
    const ws = scratchDir();
    writeFileSync(
      join(ws, 'pr.yaml'),
      ['apiVersion: monitoring.coreos.com/v1', 'kind: PrometheusRule', 'metadata: {name: x}', 'spec:', '  groups: []', ''].join('\n'),
    );
    const run = await rules(ws, { rules: 'pr.yaml', coverage: 'off' });
    expect(run.exitCode).toBe(1);
    expect(['fail', 'error']).toContain(run.outputs.status);
    expect(evidenceOf(run).metrics.rules).toBe(0);
  });

  it('test files that hold no test group are error when tests are given', async () => {
    const ws = scratchDir();
    writeFileSync(join(ws, 'rules.yml'), oneAlert);
    writeFileSync(join(ws, 'rules.test.yml'), 'rule_files: [rules.yml]\ntests: []\n');
    const run = await rules(ws, { rules: 'rules.yml', tests: 'rules.test.yml', coverage: 'off' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(run.summary).toContain('no rule test group ran: nothing was tested');
  });
});

describe('rules gate: paths stay inside the workspace', () => {
  const oneAlert = [
    'groups:',
    '  - name: g',
    '    rules:',
    '      - alert: Down',
    '        expr: up == 0',
    '        labels: {severity: critical}',
    '        annotations: {summary: down}',
    '',
  ].join('\n');
  const messages = (run: ActionRun) => run.annotations.map((a) => a.message).join('\n');

  it.each([['/etc/*.conf'], ['../x/*.yml'], ['/etc/passwd'], ['prom/../../etc/*.conf']])(
    'rules: %s is a configuration error naming the input',
    async (pattern) => {
      const run = await rules(workspace(), { rules: pattern, coverage: 'off' });
      expect(run.exitCode).toBe(1);
      expect(run.outputs.status).toBe('error');
      expect(messages(run)).toContain(`input "rules" has the pattern ${JSON.stringify(pattern)}, which leads outside the repository`);
    },
  );

  it('a directory symlink to / is not followed: nothing from / is parsed as rules', async () => {
    const ws = scratchDir();
    mkdirSync(join(ws, 'prom'));
    writeFileSync(join(ws, 'prom', 'rules.yml'), oneAlert);
    symlinkSync('/', join(ws, 'prom', 'root'));
    const run = await rules(ws, { rules: 'prom/**/*.yml\nprom/**/*.conf', coverage: 'off' });
    expect(run.outputs.status).toBe('error');
    expect(messages(run)).toContain('input "rules" "prom/**/*.conf" matches no file');
    const only = await rules(ws, { rules: 'prom/**/*', coverage: 'off' });
    expect(only.outputs.status, only.stdout.slice(-2000)).toBe('pass');
    expect(evidenceOf(only).metrics.ruleFiles).toBe(1);
  });

  it('a rule file that links outside the workspace is never read: a glob does not match it, a plain path is a configuration error', async () => {
    const ws = scratchDir();
    mkdirSync(join(ws, 'prom'));
    writeFileSync(join(ws, 'prom', 'a.yml'), oneAlert);
    symlinkSync('/etc/hostname', join(ws, 'prom', 'b.yml'));
    const run = await rules(ws, { rules: 'prom/*.yml', coverage: 'off' });
    expect(run.outputs.status, run.stdout.slice(-2000)).toBe('pass');
    expect(evidenceOf(run).details.ruleFiles).toEqual([{ file: 'prom/a.yml', kind: 'plain' }]);
    const plain = await rules(ws, { rules: 'prom/b.yml', coverage: 'off' });
    expect(plain.outputs.status).toBe('error');
    expect(messages(plain)).toMatch(/input "rules" matches ".*prom\/b\.yml", which lead\(s\) outside the repository/);
  });

  it('a file reached twice (a symlink beside its target, two patterns) is counted once', async () => {
    const ws = scratchDir();
    mkdirSync(join(ws, 'prom'));
    writeFileSync(join(ws, 'prom', 'a.yml'), oneAlert);
    symlinkSync('a.yml', join(ws, 'prom', 'b.yml'));
    const run = await rules(ws, { rules: 'prom/*.yml\nprom/a.yml', coverage: 'off' });
    expect(run.outputs.status, run.stdout.slice(-2000)).toBe('pass');
    expect(evidenceOf(run).metrics).toMatchObject({ ruleFiles: 1, rules: 1, alerts: 1 });
  });

  it('a test file whose rule_files leave the workspace fails on that entry and is not run', async () => {
    const ws = scratchDir();
    writeFileSync(join(ws, 'rules.yml'), oneAlert);
    writeFileSync(join(ws, 'rules.test.yml'), 'rule_files: [rules.yml, "/etc/*.conf"]\ntests:\n  - interval: 1m\n    input_series: []\n');
    const run = await rules(ws, { rules: 'rules.yml', tests: 'rules.test.yml', coverage: 'off' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('fail');
    const a = run.annotations.find((x) => x.properties.title === 'release-safety rules: rule-file-outside');
    expect(a, JSON.stringify(run.annotations)).toMatchObject({ command: 'error', properties: { file: 'rules.test.yml', line: '1' } });
    expect(evidenceOf(run).metrics.ruleFiles).toBe(1);
  });
});
