import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../../local/scratch.js';
import { loadTestFile } from './testfiles.js';

describe('loadTestFile', () => {
  it('reads expected alerts through aliases and merge keys, as promtool does', () => {
    const dir = scratchDir('rs-tf-');
    writeFileSync(join(dir, 'rules.yml'), 'groups: []\n');
    const path = join(dir, 't.test.yml');
    writeFileSync(
      path,
      [
        'rule_files: [rules.yml]',
        'tests:',
        '  - name: fires',
        '    interval: 1m',
        '    input_series: []',
        '    alert_rule_test:',
        '      - &fires',
        '        eval_time: 5m',
        '        alertname: A',
        '        exp_alerts:',
        '          - exp_labels: &labels {severity: critical}',
        '          - exp_labels: {<<: *labels, instance: b}',
        '  - name: again',
        '    alert_rule_test:',
        '      - *fires',
        '',
      ].join('\n'),
    );
    const t = loadTestFile(path, 't.test.yml');
    expect(t.findings).toEqual([]);
    expect(t.groups.map((g) => [g.name, g.alerts.map((a) => [a.alertname, a.evalTime, a.expected])])).toEqual([
      ['fires', [['A', '5m', [{ severity: 'critical' }, { severity: 'critical', instance: 'b' }]]]],
      ['again', [['A', '5m', [{ severity: 'critical' }, { severity: 'critical', instance: 'b' }]]]],
    ]);
  });
});
