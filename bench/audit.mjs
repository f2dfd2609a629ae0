#!/usr/bin/env node
// Benchmark: the audit gate's normaliser on a synthetic `npm audit --json` report of 5,000
// advisories (2,000 vulnerable packages, 2 or 3 advisories each, 500 metavuln chains on top) and
// the matching 4,000-entry package-lock.json. Times what the gate does after npm returns:
// parse the report, parse the lockfile (paths, lines), normalise, merge copies, judge against
// exceptions. Run: node bench/audit.mjs   (exits 1 when the median is 200 ms or more)
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = mkdtempSync(join(tmpdir(), 'rs-bench-audit-'));
const entry = join(out, 'entry.ts');
await import('node:fs').then((fs) =>
  fs.writeFileSync(
    entry,
    [
      `export { parseNpmAuditJson, parseLockfile, normaliseNpmAudit } from ${JSON.stringify(join(root, 'src/gates/audit-npm.ts'))};`,
      `export { mergeCopies, judgeFindings } from ${JSON.stringify(join(root, 'src/gates/audit.ts'))};`,
      `export { ExceptionLedger, parseExceptions } from ${JSON.stringify(join(root, 'src/core/exceptions.ts'))};`,
    ].join('\n'),
  ),
);
await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: join(out, 'audit.mjs'), logLevel: 'error',
  // CommonJS dependencies (yaml) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } });
const m = await import(pathToFileURL(join(out, 'audit.mjs')).href);
rmSync(out, { recursive: true, force: true });

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
        range: a === 0 ? '<2.0.0' : `>=1.0.0 <1.${(p % 20) + 1}.0 || <0.5.0`,
      });
    }
    vulnerabilities[name] = { name, severity: 'high', isDirect: false, via, effects: [parent], range: '<2.0.0', nodes: [loc], fixAvailable: p % 2 === 0 ? true : { name: parent, version: '2.0.0', isSemVerMajor: true } };
  }
  for (let q = 0; q < 500; q++) {
    const parent = `parent-${q}`;
    vulnerabilities[parent] = { name: parent, severity: 'high', isDirect: true, via: Object.keys(packages[`node_modules/${parent}`].dependencies), effects: [], range: '1.0.0', nodes: [`node_modules/${parent}`], fixAvailable: true };
  }
  const report = { auditReportVersion: 2, vulnerabilities, metadata: { vulnerabilities: { total: Object.keys(vulnerabilities).length }, dependencies: { total: Object.keys(packages).length - 1 } } };
  return { reportText: JSON.stringify(report, null, 2), lockText: JSON.stringify({ name: 'bench', lockfileVersion: 3, requires: true, packages }, null, 2), advisories: advisory };
}

const { reportText, lockText, advisories } = synthetic();
const entries = m.parseExceptions(
  Array.from({ length: 50 }, (_, i) => `  - id: GHSA-${id4(i * 3)}-${id4(i * 21)}-${id4(i * 39)}\n    reason: bench entry\n    owner: bench\n    expires: 2099-01-01`).join('\n').replace(/^/, 'exceptions:\n'),
  'bench.yml',
);

function once() {
  const t0 = performance.now();
  const report = m.parseNpmAuditJson(reportText);
  const lock = m.parseLockfile(lockText, 'package-lock.json');
  const findings = m.mergeCopies(m.normaliseNpmAudit(report, lock));
  const j = m.judgeFindings(findings, { failOn: 'high', scope: 'runtime' }, new m.ExceptionLedger(entries, 'audit', new Date()));
  return { ms: performance.now() - t0, findings: findings.length, blocking: j.blocking.length, suppressed: j.suppressed.length };
}

for (let i = 0; i < 3; i++) once();
const runs = Array.from({ length: 15 }, once);
const times = runs.map((r) => r.ms).sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const r = runs[0];
console.log(`audit normaliser: ${advisories} advisories, ${(reportText.length / 1e6).toFixed(1)} MB report, ${(lockText.length / 1e6).toFixed(1)} MB lockfile`);
console.log(`  -> ${r.findings} findings (${r.blocking} blocking, ${r.suppressed} suppressed)`);
console.log(`  median ${median.toFixed(1)} ms, min ${times[0].toFixed(1)} ms, max ${times.at(-1).toFixed(1)} ms over ${times.length} runs (node ${process.version})`);
console.log(`  budget 200 ms: ${median < 200 ? 'ok' : 'OVER'} (median is ${(median / 200).toFixed(2)}x the budget)`);
process.exit(median < 200 ? 0 : 1);
