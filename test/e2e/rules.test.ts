import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evidenceOf, noScratchLeft, noStackTrace, PROMTOOL, removeScratchDirs, rules, scratchDir, workspace } from './rules-support.js';
import type { AlertEvidence } from '../../src/gates/rules/index.js';
import type { AddressInfo } from 'node:net';

afterAll(removeScratchDirs);

describe('rules gate: the sample, syntax, check and test failures (bundle, real promtool)', () => {
  it('passes on the sample service: every alert covered, alert evidence in the record and the summary', async () => {
    const ws = workspace();
    const run = await rules(ws, { rules: 'sample-service/prometheus/rules/*.yml', tests: 'sample-service/prometheus/tests/*.yml' });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'pass', alerts: '4', 'alerts-tested': '4', 'alerts-untested': '0', 'tests-failed': '0' });
    const ev = evidenceOf(run);
    expect(ev).toMatchObject({
      gate: 'rules',
      status: 'pass',
      tool: { name: 'promtool' },
      metrics: { alerts: 4, alertsTested: 4, testGroups: 8, testGroupsFailed: 0 },
    });
    expect(ev.tool.version).toMatch(/^2\.42\./);
    expect(ev.findings).toEqual([]);
    const alerts = ev.details.alerts as AlertEvidence[];
    expect(alerts.map((a) => a.name)).toEqual(['AppHigh5xxErrorRate', 'AppHighP95Latency', 'AppHighExceptionRate', 'AppTrafficDrop']);
    const e5xx = alerts[0]!;
    expect(e5xx).toMatchObject({ severity: 'critical', file: 'sample-service/prometheus/rules/alerts.yml', line: 7, tested: true });
    expect(e5xx.fires).toEqual([
      { test: 'sample-service/prometheus/tests/alerts.test.yml › 10% 5xx responses for 7 minutes', evalTime: '7m', labels: { severity: 'critical' } },
    ]);
    expect(e5xx.silent).toContainEqual({ test: 'sample-service/prometheus/tests/alerts.test.yml › 30-second burst of 5xx at 30%', evalTime: '6m' });
    // "Stays silent on a short spike": each alert's spike group asserts silence, at every eval time
    // it names. Pending-state assertions (exp_alerts: [] inside a firing group) do not count.
    const spikes: Record<string, [group: string, evalTimes: string[]]> = {
      AppHigh5xxErrorRate: ['30-second burst of 5xx at 30%', ['6m', '9m']],
      AppHighP95Latency: ['30 seconds of slow requests among fast ones', ['6m', '8m']],
      AppHighExceptionRate: ['30-second burst of 90 exceptions', ['6m', '7m']],
      AppTrafficDrop: ['traffic pauses for 3 minutes', ['8m', '10m']],
    };
    for (const a of alerts) {
      expect(a.tested, a.name).toBe(true);
      const [group, evalTimes] = spikes[a.name]!;
      const test = `sample-service/prometheus/tests/alerts.test.yml › ${group}`;
      expect(
        a.silent.filter((s) => s.test === test),
        `${a.name} stays silent in "${group}"`,
      ).toEqual(evalTimes.map((evalTime) => ({ test, evalTime })));
    }
    expect(run.summary).toContain('release-safety rules: pass');
    expect(run.summary).toContain('### Alert evidence (4/4 alerts shown firing)');
    expect(run.summary).toMatch(/\| AppHigh5xxErrorRate \| critical \| .*10% 5xx responses for 7 minutes @ <code>7m<\/code>/);
    expect(run.annotations).toEqual([]);
  });

  it('a YAML syntax error fails with an annotation at its file and line', async () => {
    const ws = workspace('syntax');
    const run = await rules(ws, { rules: 'syntax/*.yml' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('fail');
    const a = run.annotations.find((x) => x.properties.file === 'syntax/rules.yml');
    expect(a, JSON.stringify(run.annotations)).toMatchObject({ command: 'error', properties: { line: '8', title: 'release-safety rules: yaml-syntax' } });
    noStackTrace(run);
  });

  it('a PromQL syntax error reported by promtool check is annotated at the expression line', async () => {
    const ws = workspace('promql');
    const run = await rules(ws, { rules: 'promql/rules.yml', coverage: 'off' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('fail');
    const a = run.annotations.find((x) => x.properties.file === 'promql/rules.yml');
    expect(a, JSON.stringify(run.annotations)).toMatchObject({
      command: 'error',
      properties: { line: '12', col: '15', title: 'release-safety rules: promtool-check' },
    });
    expect(a!.message).toContain('"BadExpr": could not parse expression');
    expect(evidenceOf(run).metrics.checkErrors).toBe(1);
  });

  it('a promtool message over several lines is one finding: unknown fields at their line, the duplicate-rules lint as one warning', async () => {
    const ws = scratchDir();
    writeFileSync(
      join(ws, 'unknown.yml'),
      [
        'groups:',
        '  - name: g',
        '    rules:',
        '      - record: a',
        '        expresion: up',
        '      - record: b',
        '        expr: up',
        '        foo: 1',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(ws, 'dup.yml'),
      ['groups:', '  - name: g', '    rules:', '      - record: r', '        expr: up', '      - record: r', '        expr: up', ''].join('\n'),
    );
    const unknown = await rules(ws, { rules: 'unknown.yml', coverage: 'off' });
    expect(unknown.outputs.status).toBe('fail');
    const checks = unknown.annotations.filter((a) => a.properties.title === 'release-safety rules: promtool-check');
    expect(checks.map((a) => [a.command, a.properties.file, a.properties.line])).toEqual([['error', 'unknown.yml', '5']]);
    expect(checks[0]!.message).toContain('line 8: field foo not found');
    expect(evidenceOf(unknown).metrics.checkErrors).toBe(1);

    const dup = await rules(ws, { rules: 'dup.yml', coverage: 'off' });
    expect(dup.outputs.status, dup.stdout.slice(-2000)).toBe('pass');
    const lint = dup.annotations.filter((a) => a.properties.title === 'release-safety rules: promtool-check');
    expect(lint).toHaveLength(1);
    expect(lint[0]).toMatchObject({ command: 'warning' });
    expect(lint[0]!.message).toMatch(/duplicate rule\(s\) found\.\nMetric: r\n/);
  });

  it('a failing rule test fails the gate and names the test and the alert', async () => {
    const ws = workspace('failing-test');
    const run = await rules(ws, { rules: 'failing-test/rules.yml', tests: 'failing-test/*.test.yml' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({ status: 'fail', 'tests-failed': '1' });
    const a = run.annotations.find((x) => x.properties.title === 'release-safety rules: rule-test');
    expect(a, JSON.stringify(run.annotations)).toMatchObject({ command: 'error', properties: { file: 'failing-test/rules.test.yml', line: '4' } });
    expect(a!.message).toContain('rule test "instance down for 5 minutes" failed: alert InstanceDown at 5m');
    const ev = evidenceOf(run);
    expect(ev.details.testGroups).toEqual([
      { file: 'failing-test/rules.test.yml', group: 'instance down for 5 minutes', status: 'fail' },
      { file: 'failing-test/rules.test.yml', group: 'instance up', status: 'pass' },
    ]);
    expect((ev.details.alerts as AlertEvidence[])[0]!.fires[0]).toMatchObject({ evalTime: '5m', failed: true });
    expect(run.summary).toContain('### Failing rule tests');
  });
});

describe('rules gate: coverage and PrometheusRule resources (bundle, real promtool)', () => {
  it('an unparsable test file fails on its own line and does not make a passing test file fail', async () => {
    const ws = workspace('unparsable-test');
    const run = await rules(ws, { rules: 'unparsable-test/rules.yml', tests: 'unparsable-test/*.test.yml' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({ status: 'fail', 'tests-failed': '0', 'alerts-tested': '1' });
    const ev = evidenceOf(run);
    expect(ev.details.testGroups).toEqual([{ file: 'unparsable-test/good.test.yml', group: 'instance down for 3 minutes', status: 'pass' }]);
    expect(run.annotations.filter((a) => a.properties.file).map((a) => [a.command, a.properties.file, a.properties.title])).toEqual([
      ['error', 'unparsable-test/broken.test.yml', 'release-safety rules: yaml-syntax'],
    ]);
    expect((ev.details.alerts as AlertEvidence[])[0]!.fires[0]).not.toHaveProperty('failed');
  });

  it('an alert without a firing test fails under coverage: error and warns under coverage: warning', async () => {
    const ws = workspace('untested');
    const strict = await rules(ws, { rules: 'untested/rules.yml', tests: 'untested/rules.test.yml', coverage: 'error' });
    expect(strict.exitCode).toBe(1);
    expect(strict.outputs).toMatchObject({ status: 'fail', 'alerts-tested': '1', 'alerts-untested': '1' });
    const e = strict.annotations.find((x) => x.properties.title === 'release-safety rules: coverage');
    expect(e).toMatchObject({ command: 'error', properties: { file: 'untested/rules.yml', line: '11' } });
    expect(e!.message).toContain('alert NeverTested has no rule test that shows it firing');
    // Asserting silence only is not coverage; the record still shows it.
    const never = (evidenceOf(strict).details.alerts as AlertEvidence[]).find((a) => a.name === 'NeverTested')!;
    expect(never).toMatchObject({ tested: false, fires: [], silent: [{ test: 'untested/rules.test.yml › target down', evalTime: '3m' }] });

    const lenient = await rules(ws, { rules: 'untested/rules.yml', tests: 'untested/rules.test.yml', coverage: 'warning' });
    expect(lenient.exitCode).toBe(0);
    expect(lenient.outputs.status).toBe('pass');
    expect(lenient.annotations.find((x) => x.properties.title === 'release-safety rules: coverage')).toMatchObject({
      command: 'warning',
      properties: { line: '11' },
    });
  });

  it('a PrometheusRule resource is checked and tested like a plain file, annotated on the original lines', async () => {
    const ws = workspace('prometheusrule');
    const good = await rules(ws, { rules: 'prometheusrule/alerts.yaml', tests: 'prometheusrule/alerts.test.yml', 'require-runbook': 'error' });
    expect(good.exitCode, good.stdout.slice(-3000)).toBe(0);
    expect(good.outputs).toMatchObject({ status: 'pass', alerts: '2', 'alerts-tested': '2' });
    const ev = evidenceOf(good);
    expect(ev.details.ruleFiles).toEqual([{ file: 'prometheusrule/alerts.yaml', kind: 'prometheusrule' }]);
    expect((ev.details.alerts as AlertEvidence[]).map((a) => [a.name, a.line, a.tested])).toEqual([
      ['ApiDown', 12, true],
      ['ApiSlow', 20, true],
    ]);
    expect(ev.metrics.testGroups).toBe(2);
    noScratchLeft(good);

    const broken = await rules(ws, { rules: 'prometheusrule/broken.yaml', coverage: 'off' });
    expect(broken.exitCode).toBe(1);
    expect(broken.outputs.status).toBe('fail');
    const a = broken.annotations.find((x) => x.properties.title === 'release-safety rules: promtool-check');
    expect(a, JSON.stringify(broken.annotations)).toMatchObject({
      command: 'error',
      properties: { file: 'prometheusrule/broken.yaml', line: '16', col: '17' },
    });
    expect(a!.message).toContain('"BrokenExpr"');
    noScratchLeft(broken);
    // Hygiene reads the original resource: both alerts lack a runbook, at their own lines.
    const runbook = broken.annotations.filter((x) => x.properties.title === 'release-safety rules: require-runbook');
    expect(runbook.map((x) => [x.command, x.properties.file, x.properties.line])).toEqual([
      ['warning', 'prometheusrule/broken.yaml', '9'],
      ['warning', 'prometheusrule/broken.yaml', '15'],
    ]);
  });
});

describe('rules gate: hygiene (bundle, real promtool)', () => {
  it('hygiene: missing severity, summary, runbook and a short for: land on the alert lines, each at its level', async () => {
    const ws = scratchDir();
    mkdirSync(join(ws, 'p'));
    writeFileSync(
      join(ws, 'p', 'rules.yml'),
      [
        'groups:',
        '  - name: g',
        '    rules:',
        '      - alert: Bare',
        '        expr: up == 0',
        '      - alert: Bare',
        '        expr: up == 1',
        '        for: 10s',
        '        labels:',
        '          severity: urgent',
        '        annotations:',
        '          summary: s',
        '          runbook: docs/missing.md',
        '',
      ].join('\n'),
    );
    const run = await rules(ws, {
      rules: 'p/rules.yml',
      coverage: 'off',
      'min-for': '1m',
      'min-for-level': 'error',
      severities: 'critical, warning',
      'duplicate-alerts': 'error',
    });
    expect(run.exitCode).toBe(1);
    const got = run.annotations.map((a) => [a.command, a.properties.line, a.properties.title?.replace('release-safety rules: ', '')]);
    expect(got).toEqual(
      expect.arrayContaining([
        ['error', '4', 'require-severity'],
        ['error', '4', 'require-summary'],
        ['warning', '4', 'require-runbook'],
        ['error', '4', 'min-for'],
        ['error', '6', 'duplicate-alert'],
        ['error', '6', 'require-severity'],
        ['warning', '6', 'require-runbook'],
        ['error', '8', 'min-for'],
      ]),
    );
  });

  it('labels and annotations written as YAML aliases or merge keys pass, as promtool accepts them', async () => {
    const ws = scratchDir();
    mkdirSync(join(ws, 'p'));
    writeFileSync(
      join(ws, 'p', 'rules.yml'),
      [
        'groups:',
        '  - name: g',
        '    rules:',
        '      - alert: A',
        '        expr: up == 0',
        '        for: &wait 5m',
        '        labels: &labels {severity: critical}',
        '        annotations: &annotations {summary: down, runbook_url: "https://runbooks.example.com/A"}',
        '      - alert: B',
        '        expr: up == 1',
        '        for: *wait',
        '        labels: *labels',
        '        annotations: *annotations',
        '      - alert: C',
        '        expr: up == 2',
        '        for: *wait',
        '        labels: {<<: *labels, team: db}',
        '        annotations: {<<: *annotations}',
        '',
      ].join('\n'),
    );
    const run = await rules(ws, {
      rules: 'p/rules.yml',
      coverage: 'off',
      severities: 'critical',
      'require-runbook': 'error',
      'min-for': '1m',
      'min-for-level': 'error',
    });
    expect(run.exitCode, run.stdout.slice(-2000)).toBe(0);
    expect(run.outputs.status).toBe('pass');
    expect(run.annotations).toEqual([]);
    expect((evidenceOf(run).details.alerts as AlertEvidence[]).map((a) => [a.name, a.severity])).toEqual([
      ['A', 'critical'],
      ['B', 'critical'],
      ['C', 'critical'],
    ]);
  });
});

describe('rules gate: never pass when the gate cannot judge', () => {
  it('a rules glob that matches nothing is a clear error naming the input', async () => {
    const ws = workspace();
    const run = await rules(ws, { rules: 'prometheus/**/*.yml' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(run.annotations.map((a) => a.message).join('\n')).toContain('input "rules" "prometheus/**/*.yml" matches no file');
    noStackTrace(run);
  });

  it('no rules input at all is a clear error', async () => {
    const run = await rules(workspace(), {});
    expect(run.outputs.status).toBe('error');
    expect(run.annotations.map((a) => a.message).join('\n')).toContain('input "rules" is required');
  });

  it('an unreadable rule file is error, not pass', async () => {
    const ws = workspace();
    symlinkSync(join(ws, 'nowhere.yml'), join(ws, 'dangling.yml'));
    const run = await rules(ws, { rules: 'sample-service/prometheus/rules/alerts.yml\ndangling.yml', tests: 'sample-service/prometheus/tests/*.yml' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(run.summary).toContain('dangling.yml cannot be read: ENOENT');
    expect(evidenceOf(run).status).toBe('error');
  });

  it('a file that is not YAML, and YAML that is not a rule file, fail with their file named', async () => {
    const ws = workspace('not-yaml');
    const run = await rules(ws, { rules: 'not-yaml/*.yml', coverage: 'off' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('fail');
    const byFile = Object.fromEntries(run.annotations.map((a) => [a.properties.file, a]));
    expect(byFile['not-yaml/notes.yml']).toMatchObject({ command: 'error', properties: { title: 'release-safety rules: yaml-syntax' } });
    expect(byFile['not-yaml/notes.yml']!.properties.line).toMatch(/^[23]$/);
    expect(byFile['not-yaml/config.yml']!.message).toContain('is not a Prometheus rule file');
  });

  it('a binary rule file counts as an invalid rule file', async () => {
    const ws = scratchDir();
    writeFileSync(join(ws, 'rules.yml'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0x00]));
    const run = await rules(ws, { rules: 'rules.yml', coverage: 'off' });
    expect(run.outputs.status).toBe('fail');
    const ev = evidenceOf(run);
    expect(ev.findings.map((f) => f.rule)).toEqual(['not-yaml']);
    expect(ev.metrics.checkErrors).toBe(1);
    expect(ev.summary).toMatch(/^1 invalid rule\/test file problem\(s\);/);
  });

  it('a promtool that crashes is error, with its output', async () => {
    const ws = workspace();
    const fake = join(ws, 'promtool');
    writeFileSync(fake, '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "promtool, version 9.9.9"; exit 0; fi\necho "panic: runtime error" >&2\nexit 2\n', {
      mode: 0o755,
    });
    const run = await rules(ws, { rules: 'sample-service/prometheus/rules/*.yml', tests: 'sample-service/prometheus/tests/*.yml', 'promtool-path': fake });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(run.summary).toContain('panic: runtime error');
  });

  it('a promtool-path that does not exist is a configuration error', async () => {
    const run = await rules(workspace(), { rules: 'sample-service/prometheus/rules/*.yml', 'promtool-path': '/no/such/promtool' });
    expect(run.outputs.status).toBe('error');
    expect(run.annotations.map((a) => a.message).join('\n')).toContain('input "promtool-path" names "/no/such/promtool", which does not exist');
    noScratchLeft(run);
  });
});

describe('rules gate: which promtool runs', () => {
  const sample = { rules: 'sample-service/prometheus/rules/*.yml', tests: 'sample-service/prometheus/tests/*.yml' };

  it('by default the pinned catalog version, never the unverified promtool on PATH', async () => {
    // The release archive cannot be downloaded here: a mirror that has nothing shows which one was asked for.
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prometheus/`;
      const run = await rules(workspace(), { ...sample, 'promtool-path': '', 'mirror-url': mirror });
      expect(run.exitCode).toBe(1);
      expect(run.outputs.status).toBe('error');
      expect(requests).toEqual([expect.stringMatching(/^\/prometheus\/prometheus-2\.53\.4\.linux-(amd64|arm64)\.tar\.gz$/)]);
      expect(run.summary).toContain('the pinned promtool 2.53.4 could not be installed');
      expect(run.summary).toContain('set promtool-path, e.g. "promtool" to take it from PATH');
      expect(run.stdout).not.toContain('/usr/bin/promtool');
    } finally {
      server.close();
    }
  });

  it('promtool-path "promtool" takes the promtool installed on PATH', async () => {
    const run = await rules(workspace(), { ...sample, 'promtool-path': 'promtool' });
    expect(run.exitCode, run.stdout.slice(-2000)).toBe(0);
    expect(evidenceOf(run).tool.version).toMatch(/^2\.42\./);
    expect(run.summary).toMatch(/Checked with promtool <code>2\.42\.[^<]*<\/code> \(PATH\)/);
  });

  /**
   * The real promtool behind a wrapper that logs each call, answers --version slowly, and (with
   * junit) advertises --junit and writes a report for the failing-test fixture.
   */
  function wrappedPromtool(ws: string, junit: boolean): { path: string; calls: () => string[] } {
    const log = join(ws, 'calls.log');
    const report = `<testsuites><testsuite name="failing-test/rules.test.yml" tests="2" failures="1"><testcase name="instance down for 5 minutes"><failure>    alertname: InstanceDown, time: 5m, \n        exp:[severity=&quot;page&quot;], \n        got:[]</failure></testcase><testcase name="instance up"></testcase></testsuite></testsuites>`;
    const path = join(ws, 'promtool-wrapper');
    writeFileSync(
      path,
      [
        '#!/bin/sh',
        `LOG='${log}'`,
        'echo "start $*" >> "$LOG"',
        'if [ "$1" = "--version" ]; then sleep 1; echo "end --version" >> "$LOG"; exec ' + PROMTOOL + ' --version; fi',
        junit ? 'if [ "$*" = "test rules --help" ]; then echo "  --junit=JUNIT  File path to store JUnit XML test results."; exit 0; fi' : '',
        junit ? `case "$2" in --junit=*) f="\${2#--junit=}"; printf '%s' '${report}' > "$f"; shift 2; exec ${PROMTOOL} test "$@";; esac` : '',
        `exec ${PROMTOOL} "$@"`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    return { path, calls: () => readFileSync(log, 'utf8').trim().split('\n') };
  }

  it('check and test start at once, without waiting for promtool --version; nothing else is asked when the tests pass', async () => {
    const ws = workspace();
    const promtool = wrappedPromtool(ws, false);
    const run = await rules(ws, { ...sample, 'promtool-path': promtool.path });
    expect(run.exitCode, run.stdout.slice(-2000)).toBe(0);
    const calls = promtool.calls();
    expect(calls).toHaveLength(4);
    expect(calls.indexOf('end --version')).toBe(3);
    expect(calls.slice(0, 3).sort()).toEqual([
      'start --version',
      'start check rules sample-service/prometheus/rules/alerts.yml',
      'start test rules sample-service/prometheus/tests/alerts.test.yml',
    ]);
    expect(evidenceOf(run).tool.version).toMatch(/^2\.42\./);
  });

  it('a promtool with --junit: a failing test run is repeated with --junit and attributed from the report', async () => {
    const ws = workspace('failing-test');
    const promtool = wrappedPromtool(ws, true);
    const run = await rules(ws, { rules: 'failing-test/rules.yml', tests: 'failing-test/*.test.yml', 'promtool-path': promtool.path });
    expect(run.outputs).toMatchObject({ status: 'fail', 'tests-failed': '1' });
    const calls = promtool.calls().filter((c) => c.startsWith('start test'));
    expect(calls).toEqual([
      'start test rules failing-test/rules.test.yml',
      'start test rules --help',
      expect.stringMatching(/^start test --junit=\S+promtool-junit\.xml rules failing-test\/rules\.test\.yml$/),
    ]);
    expect(evidenceOf(run).details.testGroups).toEqual([
      { file: 'failing-test/rules.test.yml', group: 'instance down for 5 minutes', status: 'fail' },
      { file: 'failing-test/rules.test.yml', group: 'instance up', status: 'pass' },
    ]);
    expect(run.summary).toContain('test results from JUnit');
  });

  it('a mirror-url with credentials is a configuration error that does not repeat them', async () => {
    const run = await rules(workspace(), { ...sample, 'mirror-url': 'https://ci:s3cr3t-t0ken@mirror.example.com/prometheus/' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(run.annotations.map((a) => a.message).join('\n')).toContain('input "mirror-url" must not contain credentials');
    expect(run.everything()).not.toContain('s3cr3t-t0ken');
    const ftp = await rules(workspace(), { ...sample, 'mirror-url': 'ftp://mirror.example.com/' });
    expect(ftp.annotations.map((a) => a.message).join('\n')).toContain('input "mirror-url" must be an http or https URL');
  });
});
