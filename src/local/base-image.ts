/**
 * Helpers for image tests: no public registry is reachable, so a small Node base image is made
 * here from the machine's own Node binary, the shared libraries it needs (per ldd), a shell
 * (dash), env, npm and the machine's CA bundle, and pushed to the local registry.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256Digest } from '../core/hash.js';
import type { LocalRegistry } from './registry.js';

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export function buildahGlobal(storageDir: string): string[] {
  return ['--root', join(storageDir, 'root'), '--runroot', join(storageDir, 'runroot'), '--storage-driver', 'vfs'];
}

export function buildah(storageDir: string, args: string[], timeoutMs = 300_000): string {
  const r = spawnSync('buildah', [...buildahGlobal(storageDir), ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, STORAGE_DRIVER: 'vfs', BUILDAH_ISOLATION: 'chroot' },
  });
  if (r.status !== 0) throw new Error(`buildah ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
  return r.stdout.trim();
}

/** Shared libraries a binary loads, per ldd (absolute paths only). */
export function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8', timeout: 30_000 });
  const libs = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.add(m[1]!);
  }
  return [...libs];
}

function npmDir(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' });
  const bin = r.stdout.trim();
  if (r.status !== 0 || !bin) return undefined;
  const cli = realpathSync(bin);
  const dir = dirname(dirname(cli));
  return existsSync(join(dir, 'package.json')) ? dir : undefined;
}

/**
 * Builds the base image (node, npm, /bin/sh, /usr/bin/env, CA bundle) from scratch with buildah
 * and pushes it as <registry>/base/node:local. Returns the full reference.
 */
export function makeBaseImage(registry: LocalRegistry, storageDir: string): string {
  const node = realpathSync(process.execPath);
  const ctr = buildah(storageDir, ['from', 'scratch']);
  try {
    const root = buildah(storageDir, ['mount', ctr]);
    for (const d of ['usr/bin', 'bin', 'tmp', 'root', 'etc/ssl/certs', 'usr/lib/node_modules']) mkdirSync(join(root, d), { recursive: true });
    cpSync(node, join(root, 'usr/bin/node'));
    cpSync('/usr/bin/env', join(root, 'usr/bin/env'));
    cpSync(realpathSync('/bin/sh'), join(root, 'bin/sh'));
    for (const lib of new Set([...sharedLibraries(node), ...sharedLibraries('/usr/bin/env'), ...sharedLibraries(realpathSync('/bin/sh'))])) {
      mkdirSync(join(root, dirname(lib)), { recursive: true });
      cpSync(realpathSync(lib), join(root, lib));
    }
    const npm = npmDir();
    if (npm) {
      cpSync(npm, join(root, 'usr/lib/node_modules/npm'), { recursive: true });
      symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/bin/npm'));
    }
    // The machine's CA bundle: npm inside the build must trust what the host trusts (proxies).
    const ca =
      process.env.NODE_EXTRA_CA_CERTS && existsSync(process.env.NODE_EXTRA_CA_CERTS) ? process.env.NODE_EXTRA_CA_CERTS : '/etc/ssl/certs/ca-certificates.crt';
    if (existsSync(ca)) cpSync(ca, join(root, 'etc/ssl/certs/ca-certificates.crt'));
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnode:x:10001:10001::/tmp:/bin/sh\n');
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnode:x:10001:\n');
    execFileSync('chmod', ['1777', join(root, 'tmp')]);
    buildah(storageDir, ['umount', ctr]);
    buildah(storageDir, [
      'config',
      '--env',
      'PATH=/usr/local/bin:/usr/bin:/bin',
      '--env',
      'NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
      '--cmd',
      'node',
      '--os',
      'linux',
      '--arch',
      'amd64',
      ctr,
    ]);
    const local = 'localhost/rs-test-base:local';
    buildah(storageDir, ['commit', '--format', 'docker', ctr, local]);
    const ref = `${registry.host}/base/node:local`;
    const auth = registry.user ? ['--creds', `${registry.user.username}:${registry.user.password}`] : [];
    buildah(storageDir, ['push', '--tls-verify=false', ...auth, local, `docker://${ref}`]);
    return ref;
  } finally {
    spawnSync('buildah', [...buildahGlobal(storageDir), 'rm', ctr], { timeout: 60_000 });
  }
}

export const sha256 = (bytes: Buffer): string => sha256Digest(bytes);

/** The manifest bytes a registry serves, fetched with plain fetch (not the code under test). */
export async function fetchManifest(
  registry: LocalRegistry,
  repository: string,
  reference: string,
  user = registry.user,
): Promise<{ bytes: Buffer; contentType: string }> {
  const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
  if (user) headers.authorization = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
  const res = await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, { headers, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET manifest ${repository}:${reference} answered ${res.status}`);
  return { bytes: Buffer.from(await res.arrayBuffer()), contentType: res.headers.get('content-type') ?? '' };
}

export async function fetchBlobJson(registry: LocalRegistry, repository: string, digest: string, user = registry.user): Promise<unknown> {
  const headers: Record<string, string> = {};
  if (user) headers.authorization = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
  const res = await fetch(`${registry.url}/v2/${repository}/blobs/${digest}`, { headers, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET blob ${digest} answered ${res.status}`);
  return JSON.parse(Buffer.from(await res.arrayBuffer()).toString('utf8'));
}

/** What an independent client (skopeo) says the digest of a reference is. */
export function skopeoDigest(reference: string, user?: { username: string; password: string }): string {
  const creds = user ? ['--creds', `${user.username}:${user.password}`] : [];
  const out = execFileSync('skopeo', ['inspect', '--tls-verify=false', ...creds, '--raw', `docker://${reference}`], {
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const inspected = execFileSync('skopeo', ['inspect', '--tls-verify=false', ...creds, '--format', '{{.Digest}}', `docker://${reference}`], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  // --raw gives the bytes; the formatted digest is skopeo's own claim. Both must agree.
  const digest = inspected.trim();
  if (sha256(out) !== digest) throw new Error(`skopeo --raw bytes hash to ${sha256(out)} but skopeo reports ${digest}`);
  return digest;
}
