// The rules gate on pull requests: hygiene on the changed rule files only, coverage always on every alert.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pullRequestEvent } from './events.js';
import { evidenceOf, git, removeScratchDirs, rules, workspace } from './rules-support.js';
import type { ActionRun } from '../../src/local/harness.js';

afterAll(removeScratchDirs);

describe('rules gate: pull requests: hygiene on the changed rule files only, coverage always on every alert', () => {
  function repoWithChange(): { ws: string; base: string; head: string } {
    const ws = workspace('untested');
    git(ws, 'init', '-q', '-b', 'main');
    git(ws, 'add', '.');
    git(ws, 'commit', '-qm', 'base');
    const base = git(ws, 'rev-parse', 'HEAD');
    writeFileSync(
      join(ws, 'sample-service', 'prometheus', 'rules', 'alerts.yml'),
      readFileSync(join(ws, 'sample-service', 'prometheus', 'rules', 'alerts.yml'), 'utf8') + '\n# touched\n',
    );
    git(ws, 'commit', '-qam', 'touch the sample rules');
    return { ws, base, head: git(ws, 'rev-parse', 'HEAD') };
  }
  const inputs = { rules: 'untested/rules.yml\nsample-service/prometheus/rules/*.yml', tests: 'untested/*.test.yml\nsample-service/prometheus/tests/*.yml' };
  const byTitle = (run: ActionRun, rule: string) => run.annotations.filter((a) => a.properties.title === `release-safety rules: ${rule}`);

  it('an untested alert in an untouched file still fails the PR; hygiene findings of untouched files are left out', async () => {
    const { ws, base, head } = repoWithChange();
    const run = await rules(ws, inputs, { eventName: 'pull_request', event: pullRequestEvent({ baseSha: base, headSha: head }), sha: head });
    expect(run.exitCode, run.stdout.slice(-2000)).toBe(1);
    const ev = evidenceOf(run);
    expect(ev.status).toBe('fail');
    expect(ev.details.scope).toBe('changed');
    expect(ev.metrics.testGroups).toBe(9);
    expect(ev.metrics.alertsUntested).toBe(1);
    expect(byTitle(run, 'coverage').map((a) => [a.command, a.properties.file, a.properties.line])).toEqual([['error', 'untested/rules.yml', '11']]);
    // untested/rules.yml has no runbook annotations: reported on a push, not on this PR.
    expect(byTitle(run, 'require-runbook')).toEqual([]);
    expect(run.summary).toContain('Hygiene findings are limited to the rule files this change touches (1 of 2)');

    const push = await rules(ws, inputs, { sha: head });
    expect(push.exitCode).toBe(1);
    expect(byTitle(push, 'require-runbook').map((a) => a.properties.file)).toEqual(['untested/rules.yml', 'untested/rules.yml']);
  });

  it("a PR that only deletes an alert's firing test fails, as the push of the same commit does", async () => {
    const ws = workspace();
    git(ws, 'init', '-q', '-b', 'main');
    git(ws, 'add', '.');
    git(ws, 'commit', '-qm', 'base');
    const base = git(ws, 'rev-parse', 'HEAD');
    const testFile = join(ws, 'sample-service', 'prometheus', 'tests', 'alerts.test.yml');
    const text = readFileSync(testFile, 'utf8');
    const from = text.indexOf('  - name: traffic stops for 8 minutes');
    const to = text.indexOf('  - name: traffic pauses for 3 minutes');
    expect(from).toBeGreaterThan(0);
    writeFileSync(testFile, text.slice(0, from) + text.slice(to));
    git(ws, 'commit', '-qam', 'drop the traffic-drop firing test');
    const head = git(ws, 'rev-parse', 'HEAD');
    const sample = { rules: 'sample-service/prometheus/rules/*.yml', tests: 'sample-service/prometheus/tests/*.yml' };

    const pr = await rules(ws, sample, { eventName: 'pull_request', event: pullRequestEvent({ baseSha: base, headSha: head }), sha: head });
    const push = await rules(ws, sample, { sha: head });
    for (const run of [pr, push]) {
      expect(run.exitCode, run.stdout.slice(-2000)).toBe(1);
      expect(run.outputs).toMatchObject({ status: 'fail', alerts: '4', 'alerts-tested': '3', 'alerts-untested': '1' });
      const coverage = byTitle(run, 'coverage');
      expect(coverage).toHaveLength(1);
      expect(coverage[0]!.message).toContain('alert AppTrafficDrop has no rule test that shows it firing');
    }
    expect(evidenceOf(pr).details.scope).toBe('changed');
  });

  it('when git cannot resolve the base it checks every file and says so', async () => {
    const { ws, head } = repoWithChange();
    const run = await rules(ws, inputs, { eventName: 'pull_request', event: pullRequestEvent({ baseSha: 'f'.repeat(40), headSha: head }), sha: head });
    expect(run.exitCode).toBe(1);
    const ev = evidenceOf(run);
    expect(ev.details.scope).toBe('all');
    expect(ev.status).toBe('fail');
    expect(run.annotations.some((a) => a.command === 'warning' && a.message.includes('only-changed could not list the changed files'))).toBe(true);
  });
});
