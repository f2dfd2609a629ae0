import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { consoleLogger } from '../../core/log.js';
import { scratchDir } from '../../local/scratch.js';
import { installTool } from '../../tools/installer.js';
import { acquirePromtool } from '../../tools/promtool.js';
import { runRulesGate, type RulesOptions } from './index.js';

// The catalog's promtool cannot be downloaded here: the "installed" one is the distribution's.
vi.mock('../../tools/installer.js', () => ({
  installTool: vi.fn(async (req: { version: string }) => ({ path: '/usr/bin/promtool', version: req.version, fromCache: true, sha256: 'x' })),
}));

const hygiene: RulesOptions['hygiene'] = { severity: 'error', severities: [], summary: 'error', runbook: 'off', minFor: 'off', duplicates: 'warning' };

describe('runRulesGate: scratch files', () => {
  it('installs promtool outside its scratch directory (it stays on PATH) and removes the scratch directory', async () => {
    const ws = scratchDir('rs-gate-ws-');
    const temp = scratchDir('rs-gate-tmp-');
    mkdirSync(join(ws, 'p'));
    // A PrometheusRule: its conversion is written to the scratch directory.
    writeFileSync(
      join(ws, 'p', 'rules.yaml'),
      [
        'apiVersion: monitoring.coreos.com/v1',
        'kind: PrometheusRule',
        'metadata: {name: x}',
        'spec:',
        '  groups:',
        '    - name: g',
        '      rules:',
        '        - alert: Down',
        '          expr: up == 0',
        '          labels: {severity: critical}',
        '          annotations: {summary: down}',
        '',
      ].join('\n'),
    );
    const log = consoleLogger(true);
    const promtool = await acquirePromtool({ path: '', version: '', mirrorUrl: '', searchPath: '', tempDir: temp, log });
    const report = await runRulesGate(
      { rules: ['p/rules.yaml'], tests: [], promtool, hygiene, coverage: 'off', onlyChanged: false, headSha: 'a'.repeat(40), timeoutMs: 60_000 },
      { log, tempDir: temp, workspace: ws },
    );
    expect(report.status, report.summary).toBe('pass');
    expect(report.details.ruleFiles).toEqual([{ file: 'p/rules.yaml', kind: 'prometheusrule' }]);
    expect(vi.mocked(installTool).mock.calls[0]![0]).toMatchObject({ tool: 'promtool', tempDir: temp });
    expect(readdirSync(temp)).toEqual([]);
  });
});
