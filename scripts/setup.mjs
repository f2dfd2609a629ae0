#!/usr/bin/env node
// Installs what the tests and the demo need on a fresh Debian or Ubuntu machine with Node 20+:
// npm packages (root and sample-service) and the Debian packages of the real tools the tests run.
// Only what is missing is installed. Plain Node, no dependencies: it runs before `npm ci`.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// command on PATH -> Debian package that provides it, and what needs it
const DEBIAN = [
  { command: 'git', pkg: 'git', why: 'secret-scan ranges and test repositories' },
  { command: 'buildah', pkg: 'buildah', why: 'image builds (chroot isolation, vfs storage)' },
  { command: 'skopeo', pkg: 'skopeo', why: 'an independent registry client in image tests' },
  { command: 'docker-registry', pkg: 'docker-registry', why: 'the local OCI registry tests push to' },
  { command: 'promtool', pkg: 'prometheus', why: 'Prometheus rule checks and rule tests' },
  { command: 'prometheus', pkg: 'prometheus', why: 'the live alert drill (a real Prometheus server)' },
  { command: 'openssl', pkg: 'openssl', why: 'independent signature checks of attestations' },
  { command: 'chromium', pkg: 'chromium', why: 'screenshots of the rendered evidence comment and reports' },
];

const say = (m) => process.stdout.write(`setup: ${m}\n`);
const has = (cmd) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { stdio: 'ignore', timeout: 10_000 }).status === 0;
const MINUTES = 60_000;

function npmInstall(dir) {
  const lock = join(dir, 'package-lock.json');
  const marker = join(dir, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  say(`npm ci in ${dir === root ? '.' : dir.slice(root.length + 1)}`);
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit', timeout: 15 * MINUTES });
}

// The image gate installs the SBOM tool (@cyclonedx/cyclonedx-npm) from its pinned lockfile with
// `npm ci` at run time. Installing it once here puts every tarball in npm's cache, so the tests
// can run that install with npm_config_offline=true: no request leaves the machine during a test.
function warmSbomTool() {
  const dir = mkdtempSync(join(tmpdir(), 'rs-setup-sbom-'));
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'warm', private: true, dependencies: { '@cyclonedx/cyclonedx-npm': '6.0.1' } }));
    copyFileSync(join(root, 'src', 'tools', 'cyclonedx-npm.lock.json'), join(dir, 'package-lock.json'));
    const args = ['ci', '--omit=optional', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'];
    if (spawnSync('npm', [...args, '--offline'], { cwd: dir, stdio: 'ignore', timeout: 5 * MINUTES }).status === 0) return;
    say('npm cache: the SBOM tool (@cyclonedx/cyclonedx-npm, pinned lockfile)');
    const r = spawnSync('npm', [...args, '--prefer-offline'], { cwd: dir, stdio: 'inherit', timeout: 10 * MINUTES });
    if (r.status !== 0) say('could not cache the SBOM tool: the image tests that make an SBOM will fail until the npm registry is reachable.');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function aptInstall(packages) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const prefix = isRoot ? [] : has('sudo') ? ['sudo', '-n'] : null;
  if (!has('apt-get') || prefix === null) {
    say(`cannot install ${packages.join(', ')}: ${has('apt-get') ? 'not root and no sudo' : 'no apt-get on this machine'}.`);
    say('install them by hand; the tests that need them will fail until then.');
    return false;
  }
  const run = (args) => {
    const [cmd, ...rest] = [...prefix, ...args];
    const r = spawnSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 20 * MINUTES });
    if (r.error) say(`${args.join(' ')}: ${r.error.message}`);
    return r.status === 0;
  };
  say(`apt-get install ${packages.join(' ')}`);
  if (!run(['apt-get', 'update', '-qq'])) say('apt-get update failed; trying the install with the lists this machine has');
  if (!run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages])) {
    say(`could not install ${packages.join(', ')}; the tests that need them will fail.`);
    return false;
  }
  return true;
}

const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  say(`Node ${process.versions.node} is too old: Node 20 or newer is required.`);
  process.exit(1);
}

const missing = DEBIAN.filter((d) => !has(d.command));
if (missing.length > 0) {
  for (const d of missing) say(`missing ${d.command} (Debian package ${d.pkg}), needed for ${d.why}`);
  aptInstall([...new Set(missing.map((d) => d.pkg))]);
}
npmInstall(root);
npmInstall(join(root, 'sample-service'));
warmSbomTool();
for (const d of DEBIAN) if (!has(d.command)) say(`still missing: ${d.command} (${d.why})`);
