// Shared by bench/pipeline.mjs, bench/secrets.mjs and scripts/render-cli-report.mjs (a folder, so scripts/bench.mjs
// does not take it for a benchmark): a scratch git repository holding the sample service as the
// demo makes it, and the local servers of src/local bundled from their TypeScript.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const which = (cmd) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { encoding: 'utf8' }).stdout.trim();

export const git = (cwd, ...args) =>
  execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...args], { cwd, encoding: 'utf8' }).trim();

/**
 * The raw gitleaks command, like for like with the gate: the secrets gate starts the npm engine
 * (a Node script loading gitleaks' WebAssembly build) on its own Node, so the raw run does too
 * (its `#!/usr/bin/env node` would take PATH's Node, which compiles the module with about twice
 * the CPU). Any other gitleaks runs as it is.
 */
export function rawGitleaks(gitleaks, node) {
  const real = realpathSync(gitleaks);
  return /[/\\]@0xts[/\\]gitleaks-cli[/\\]bin[/\\]gitleaks$/.test(real) ? { cmd: node, args: [real] } : { cmd: gitleaks, args: [] };
}

/** src/local's helpers (advisory server, registry, base image), bundled into `work` and imported. */
export async function loadLocalHelpers(work, names) {
  const sources = { startAdvisoryServer: 'advisory-server.ts', startRegistry: 'registry.ts', makeBaseImage: 'base-image.ts' };
  const entry = join(work, 'local.ts');
  writeFileSync(entry, names.map((n) => `export { ${n} } from ${JSON.stringify(join(root, 'src', 'local', sources[n]))};`).join('\n'));
  const out = join(work, 'local.mjs');
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: out,
    logLevel: 'error',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return import(pathToFileURL(out).href);
}

/** The sample service on main, and a branch with one change on top (as the demo makes it). */
export function makeSampleRepository(work) {
  const dir = join(work, 'repo');
  const service = join(dir, 'sample-service');
  const source = join(root, 'sample-service');
  cpSync(source, service, { recursive: true, filter: (src) => !/[/\\](node_modules|reports|dist)([/\\]|$)/.test(src.slice(source.length)) });
  symlinkSync(join(source, 'node_modules'), join(service, 'node_modules'), 'dir');
  writeFileSync(join(dir, '.gitignore'), 'node_modules\nreports/\ndist/\nrelease-safety-report/\n');
  git(work, 'init', '-q', '-b', 'main', dir);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'sample-service as on main');
  const baseSha = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'checkout', '-q', '-b', 'feature/items-limit');
  appendFileSync(join(service, 'README.md'), '\n## Changelog\n\n- Items are listed in creation order.\n');
  git(dir, 'commit', '-qam', 'Document item ordering');
  return { dir, service, baseSha };
}

/** The pipeline config lines of the five quick gates, pointed at this machine's tools and servers. */
export function quickGatesConfig(advisoriesUrl) {
  const gitleaks = join(root, 'node_modules', '.bin', 'gitleaks');
  return [
    'gates:',
    '  lint:',
    '    with: { working-directory: sample-service }',
    '  test:',
    '    with: { working-directory: sample-service }',
    '  audit:',
    `    with: { working-directory: sample-service, registry: "${advisoriesUrl}" }`,
    '  secrets:',
    `    with: { gitleaks-path: "${gitleaks}" }`,
    '  rules:',
    `    with: { rules: "sample-service/prometheus/rules/*.yml", tests: "sample-service/prometheus/tests/*.yml", promtool-path: "${which('promtool')}" }`,
  ];
}

/**
 * CPU time (user + system, ms) of every child this process has waited for, and theirs in turn:
 * cutime + cstime of /proc/self/stat, in USER_HZ (100 on Linux). Measured around one run at a
 * time, it is that run's CPU, its tools included. NaN where there is no /proc.
 */
export function childrenCpuMs() {
  try {
    // After the last ')': the command name before it may itself hold ') '.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Field 3 (state) is fields[0]; cutime and cstime are fields 16 and 17.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return NaN;
  }
}

/**
 * Runs a program to its end without blocking this process: the advisory server the gates talk to
 * lives in this process, and spawnSync would stop it from answering (npm would time out).
 */
export function runAsync(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const cpu0 = childrenCpuMs();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 1_800_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, ms: performance.now() - t0, cpuMs: childrenCpuMs() - cpu0 });
    });
  });
}
