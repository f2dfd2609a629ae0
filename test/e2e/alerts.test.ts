import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertsDetailsSchema } from '../../src/gates/alerts/details.js';
import { makeBaseImage } from '../../src/local/base-image.js';
import { runAction, type ActionRun } from '../../src/local/harness.js';
import { startRegistry, type LocalRegistry } from '../../src/local/registry.js';
import { evidenceOf, scratchSampleService } from './workspace.js';

const PROMETHEUS = '/usr/bin/prometheus';
const RULES = 'sample-service/prometheus/rules/*.yml';
const RULE_FILE = 'sample-service/prometheus/rules/alerts.yml';
const cleanups: (() => Promise<void> | void)[] = [];

/** A scratch copy of the sample service, optionally edited, built with its own tsc. */
function sampleService(edit?: (service: string) => void): string {
  const { workspace, service } = scratchSampleService();
  cleanups.push(() => rmSync(workspace, { recursive: true, force: true }));
  edit?.(service);
  execFileSync(process.execPath, [join(service, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: service, stdio: 'pipe' });
  return workspace;
}

function replaceIn(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.split(from).join(to));
}

/** Processes whose command line mentions the marker (the run's temp dir, the workspace, the storage). */
function processesMentioning(...markers: string[]): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (pid !== String(process.pid) && markers.some((m) => cmd.includes(m))) found.push(`${pid}: ${cmd.slice(0, 200)}`);
  }
  return found;
}

async function alerts(workspace: string, inputs: Record<string, string>, timeoutMs = 420_000): Promise<ActionRun> {
  const run = await runAction('alerts', { workspace, inputs: { rules: RULES, 'prometheus-path': PROMETHEUS, ...inputs }, timeoutMs });
  const home = dirname(run.runnerTemp);
  // Nothing the gate started is left running, and its scratch directory is gone.
  expect(processesMentioning(run.runnerTemp, join(workspace, 'sample-service', 'dist'), ...(inputs['storage-dir'] ? [inputs['storage-dir']] : []))).toEqual([]);
  expect(readdirSync(run.runnerTemp).filter((n) => n.startsWith('release-safety-alerts-'))).toEqual([]);
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  return run;
}

function alertsEvidenceOf(run: ActionRun) {
  const ev = evidenceOf(run);
  return { ev, details: ev.status === 'error' && Object.keys(ev.details).length === 0 ? undefined : alertsDetailsSchema.parse(ev.details) };
}

const COMMAND = 'node sample-service/dist/server.js';
const FAULTS = 'FAULTS_ENABLED=1\nHOST=127.0.0.1';

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('alerts gate (bundle, real Prometheus, the real sample service)', () => {
  let registry: LocalRegistry | undefined;
  let storage = '';
  let image = '';

  beforeAll(async () => {
    registry = await startRegistry();
    cleanups.push(() => registry?.stop());
    storage = mkdtempSync(join(tmpdir(), 'rs-alerts-storage-'));
    cleanups.push(() => rmSync(storage, { recursive: true, force: true }));
    const base = makeBaseImage(registry, storage);
    const { workspace } = scratchSampleService();
    cleanups.push(() => rmSync(workspace, { recursive: true, force: true }));
    const built = await runAction('image', {
      workspace,
      inputs: {
        context: 'sample-service',
        image: `${registry.host}/acme/sample-service`,
        'storage-dir': storage,
        'insecure-registry': 'true',
        'build-args': `BASE_IMAGE=${base}`,
        sbom: 'false',
      },
      timeoutMs: 600_000,
    });
    cleanups.push(() => rmSync(dirname(built.runnerTemp), { recursive: true, force: true }));
    expect(built.outputs.status, built.stdout.slice(-3000)).toBe('pass');
    image = built.outputs.image!;
  }, 900_000);

  it.concurrent(
    'the built image: contract clean, each alert fires in its scenario and the others stay silent, within 5 minutes',
    async () => {
      const ws = sampleService();
      const run = await alerts(ws, {
        image,
        'storage-dir': storage,
        'tls-verify': 'false',
        drill: 'sample-service/prometheus/drill.yml',
        'service-env': FAULTS,
      });
      expect(run.exitCode, run.stdout.slice(-5000)).toBe(0);
      expect(run.outputs).toMatchObject({ status: 'pass', fired: '4', silent: '12', 'missing-metrics': '0' });
      const { ev, details } = alertsEvidenceOf(run);
      expect(ev.findings).toEqual([]);
      expect(details!.image).toBe(image);
      expect(details!.digest).toBe(image.split('@')[1]);
      expect(details!.prometheusVersion).toMatch(/^2\.42\./);
      expect(details!.ruleFiles).toEqual([{ path: RULE_FILE, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
      expect(details!.contract).toMatchObject({ findings: 0 });
      expect(details!.contract.selectorsChecked).toBe(5);
      expect(details!.runbooks).toEqual({ total: 4, complete: 4, percent: 100 });
      const fired = details!.alerts.filter((a) => a.expected === 'fire');
      expect(fired.map((a) => [a.scenario, a.alert, a.outcome])).toEqual([
        ['5xx errors', 'AppHigh5xxErrorRate', 'fired'],
        ['slow responses', 'AppHighP95Latency', 'fired'],
        ['exceptions', 'AppHighExceptionRate', 'fired'],
        ['traffic drop', 'AppTrafficDrop', 'fired'],
      ]);
      for (const a of fired) {
        // `for` untouched: 1m for three, 3m for the traffic drop.
        expect(a.firingAfterMs, a.alert).toBeGreaterThanOrEqual(a.alert === 'AppTrafficDrop' ? 180_000 : 60_000);
        expect(a.pendingAfterMs, a.alert).toBeLessThan(a.firingAfterMs!);
        expect(a.labels).toMatchObject({ alertname: a.alert });
        expect(Number(a.value)).toBeGreaterThanOrEqual(0);
      }
      expect(details!.alerts.filter((a) => a.expected === 'silent').every((a) => a.outcome === 'silent')).toBe(true);
      expect(details!.timings!.drillMs).toBeLessThanOrEqual(300_000);
      expect(details!.timeline).toContain('AppTrafficDrop firing :crit');
      expect(run.summary).toContain('```mermaid');
      expect(run.summary).toContain('gantt');
      console.log(
        `drill ${details!.timings!.drillMs} ms, contract ${details!.timings!.contractMs} ms; fired after ${fired.map((a) => `${a.alert} ${a.firingAfterMs} ms`).join(', ')}`,
      );
    },
    600_000,
  );

  it.concurrent(
    'app_errors_total renamed: the rules gate passes, this gate fails naming AppHighExceptionRate, the metric, file and line; the alert never fires',
    async () => {
      const ws = sampleService((service) => replaceIn(join(service, 'src', 'metrics.ts'), "name: 'app_errors_total'", "name: 'app_exceptions_total'"));
      const rules = await runAction('rules', {
        workspace: ws,
        inputs: { rules: RULES, tests: 'sample-service/prometheus/tests/*.yml', 'promtool-path': '/usr/bin/promtool' },
      });
      cleanups.push(() => rmSync(dirname(rules.runnerTemp), { recursive: true, force: true }));
      expect(rules.outputs.status).toBe('pass');
      writeFileSync(
        join(ws, 'drill.yml'),
        'version: 1\nscenarios:\n  - name: exceptions\n    traffic:\n      - { path: /fault/exception, rate: 2, duration: 80s }\n      - { path: /items, rate: 60, duration: 80s, concurrency: 8 }\n    fire: [AppHighExceptionRate]\n    within: 80s\n',
      );
      const run = await alerts(ws, { 'service-command': COMMAND, 'service-env': FAULTS, drill: 'drill.yml' });
      expect(run.exitCode).toBe(1);
      expect(run.outputs).toMatchObject({ status: 'fail', fired: '0', 'missing-metrics': '1' });
      const { ev, details } = alertsEvidenceOf(run);
      const missing = ev.findings.find((f) => f.rule === 'metric-not-exposed')!;
      expect(missing).toMatchObject({ severity: 'error', file: RULE_FILE, line: 31 });
      expect(missing.message).toContain('alert AppHighExceptionRate: the service does not expose app_errors_total (closest exposed: ');
      expect(missing.message).toContain('app_exceptions_total');
      expect(details!.alerts.find((a) => a.alert === 'AppHighExceptionRate')).toMatchObject({ scenario: 'exceptions', expected: 'fire', outcome: 'missing' });
      expect(ev.findings.find((f) => f.rule === 'alert-did-not-fire')!.message).toContain('alert AppHighExceptionRate never fired in scenario "exceptions"');
      expect(run.annotations.some((a) => a.command === 'error' && a.properties.file === RULE_FILE && a.properties.line === '31')).toBe(true);
    },
    600_000,
  );

  it('http_status renamed to status: the contract names the label at each expression line', async () => {
    const ws = sampleService((service) => {
      replaceIn(join(service, 'src', 'metrics.ts'), "'http_status'", "'status'");
      replaceIn(join(service, 'src', 'app.ts'), 'http_status:', 'status:');
    });
    const run = await alerts(ws, { 'service-command': COMMAND });
    expect(run.outputs.status, run.stdout.slice(-3000)).toBe('fail');
    const { ev } = alertsEvidenceOf(run);
    const label = ev.findings.filter((f) => f.rule === 'label-not-exposed');
    expect(label).toHaveLength(1);
    expect(label[0]).toMatchObject({ file: RULE_FILE, line: 9 });
    expect(label[0]!.message).toContain('alert AppHigh5xxErrorRate: app_requests_total{http_status=~"5.."');
    expect(label[0]!.message).toContain('never carries the label "http_status"');
  }, 120_000);
});

describe('alerts gate: bad drill files and what it cannot judge', () => {
  const drill = (scenario: string) => `version: 1\nscenarios:\n  - name: errors\n${scenario}`;
  const bad: [string, string, string][] = [
    [
      'an unknown key',
      drill('    traffic: [{ path: /fault/error, rate: 5, duration: 30s }]\n    fire: [AppHigh5xxErrorRate]\n    within: 1m\n    wihtin: 2m\n'),
      'unknown key "wihtin"',
    ],
    [
      'a negative rate',
      drill('    traffic: [{ path: /fault/error, rate: -5, duration: 30s }]\n    fire: [AppHigh5xxErrorRate]\n    within: 1m\n'),
      'traffic[0].rate: must be a positive number',
    ],
    [
      'an alert that does not exist',
      drill('    traffic: [{ path: /fault/error, rate: 5, duration: 30s }]\n    fire: [AppHigh5xxRate]\n    within: 1m\n'),
      'names the alert "AppHigh5xxRate", which no rule file defines',
    ],
  ];
  for (const [what, text, message] of bad) {
    it(`a drill file with ${what}: a configuration error naming it, nothing started`, async () => {
      const ws = sampleService();
      writeFileSync(join(ws, 'drill.yml'), text);
      const run = await alerts(ws, { 'service-command': COMMAND, drill: 'drill.yml' });
      expect(run.exitCode).toBe(1);
      expect(run.outputs.status).toBe('error');
      expect(run.stdout).toContain('drill file drill.yml');
      expect(run.stdout).toContain(message);
      expect(run.stdout).not.toMatch(/\n\s+at .+:\d+:\d+\)/);
    }, 60_000);
  }

  const oneScenario =
    'version: 1\nscenarios:\n  - name: errors\n    traffic: [{ path: /fault/error, rate: 5, duration: 60s }]\n    fire: [AppHigh5xxErrorRate]\n    within: 60s\n';

  it('a service that never becomes ready: error, and it is stopped', async () => {
    const ws = sampleService();
    writeFileSync(join(ws, 'drill.yml'), oneScenario);
    writeFileSync(join(ws, 'sample-service', 'dist', 'hang.js'), 'setInterval(() => {}, 1000);\n');
    const run = await alerts(ws, { 'service-command': 'node sample-service/dist/hang.js', drill: 'drill.yml', 'ready-timeout-seconds': '3' });
    expect(run.outputs.status).toBe('error');
    expect(run.stdout).toMatch(/the service did not become ready at http:\/\/127\.0\.0\.1:\d+\/health\/ready within 3 s/);
  }, 120_000);

  it('a Prometheus that will not start: error, and the service is stopped', async () => {
    const ws = sampleService();
    writeFileSync(join(ws, 'drill.yml'), oneScenario);
    const fake = join(ws, 'prometheus-broken');
    writeFileSync(
      fake,
      '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "prometheus, version 2.42.0+ds"; exit 0; fi\necho "ts=1 level=error msg=\\"opening storage failed\\" err=\\"lock DB directory: resource temporarily unavailable\\"" >&2\nexit 1\n',
    );
    chmodSync(fake, 0o755);
    const run = await alerts(ws, { 'service-command': COMMAND, 'service-env': FAULTS, drill: 'drill.yml', 'prometheus-path': fake });
    expect(run.outputs.status).toBe('error');
    expect(run.stdout).toContain('Prometheus stopped before ready');
    expect(run.stdout).toContain('opening storage failed');
  }, 120_000);

  it('a traffic target that refuses connections: error, never pass, nothing left running', async () => {
    const ws = sampleService();
    writeFileSync(join(ws, 'drill.yml'), oneScenario);
    // Ready and scrapeable, but it stops listening at the first drill request.
    writeFileSync(
      join(ws, 'sample-service', 'dist', 'refuse.mjs'),
      `import http from 'node:http';
const server = http.createServer((req, res) => {
  if (req.url === '/health/ready') return res.end('ok');
  if (req.url === '/metrics') return res.end('# TYPE app_requests_total counter\\napp_requests_total{method="GET",endpoint="/",http_status="200"} 1\\n# TYPE app_errors_total counter\\napp_errors_total{endpoint="/"} 0\\n# TYPE app_request_latency_seconds histogram\\napp_request_latency_seconds_bucket{le="+Inf",method="GET",endpoint="/"} 1\\napp_request_latency_seconds_sum{method="GET",endpoint="/"} 0\\napp_request_latency_seconds_count{method="GET",endpoint="/"} 1\\n');
  res.writeHead(500, { connection: 'close' }).end();
  server.close();
  server.closeAllConnections();
});
server.listen(Number(process.env.PORT), '127.0.0.1');
// Stays alive after it stops listening: the refusal, not an exit, is what the drill meets.
setInterval(() => {}, 1000);
`,
    );
    const run = await alerts(ws, { 'service-command': 'node sample-service/dist/refuse.mjs', drill: 'drill.yml' });
    expect(run.outputs.status).toBe('error');
    expect(run.stdout).toMatch(
      /the traffic could not reach the service at http:\/\/127\.0\.0\.1:\d+: GET \/fault\/error: (ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET)/,
    );
  }, 180_000);
});
