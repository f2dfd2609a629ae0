/**
 * The buildah layer cache through a registry repository (cache-from / cache-to), measured on
 * dist/image: a first build on one runner's storage fills the cache; a second build of the
 * unchanged context on a fresh storage (another runner) reuses its slow step from the registry.
 * Both storages hold the base image before the clock starts, so only the cache differs. The base
 * is a small one (sh, sleep and libc from this machine): with vfs storage every step copies the
 * whole root file system, and a large base would measure vfs, not the cache.
 */
import { cpSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evidenceSchema } from '../../src/core/evidence.js';
import { buildah, fetchManifest, sharedLibraries } from '../../src/local/base-image.js';
import { runAction, type ActionRun } from '../../src/local/harness.js';
import { startRegistry, type LocalRegistry } from '../../src/local/registry.js';
import { scratchDir } from '../../src/local/scratch.js';

function buildMs(run: ActionRun): number {
  const ev = evidenceSchema.parse(JSON.parse(readFileSync(run.outputs['evidence-path']!, 'utf8')));
  return ev.details.buildMs as number;
}

/** A base image of sh and sleep with their libraries, pushed as <registry>/base/tiny:1. */
function makeTinyBase(registry: LocalRegistry, storage: string): string {
  const ctr = buildah(storage, ['from', 'scratch']);
  try {
    const root = buildah(storage, ['mount', ctr]);
    mkdirSync(join(root, 'bin'), { recursive: true });
    cpSync(realpathSync('/bin/sh'), join(root, 'bin/sh'));
    cpSync(realpathSync('/bin/sleep'), join(root, 'bin/sleep'));
    for (const lib of new Set([...sharedLibraries(realpathSync('/bin/sh')), ...sharedLibraries(realpathSync('/bin/sleep'))])) {
      mkdirSync(join(root, dirname(lib)), { recursive: true });
      cpSync(realpathSync(lib), join(root, lib));
    }
    buildah(storage, ['umount', ctr]);
    buildah(storage, ['config', '--env', 'PATH=/bin', '--os', 'linux', '--arch', 'amd64', ctr]);
    buildah(storage, ['commit', '--format', 'docker', ctr, 'localhost/rs-tiny-base:1']);
  } finally {
    buildah(storage, ['rm', ctr]);
  }
  const ref = `${registry.host}/base/tiny:1`;
  buildah(storage, ['push', '--tls-verify=false', 'localhost/rs-tiny-base:1', `docker://${ref}`]);
  return ref;
}

async function layersOf(registry: LocalRegistry, repository: string, tag: string): Promise<string[]> {
  const manifest = JSON.parse((await fetchManifest(registry, repository, tag)).bytes.toString('utf8')) as { layers: { digest: string }[] };
  return manifest.layers.map((l) => l.digest);
}

describe('image gate: buildah layer cache in a registry repository', () => {
  let registry: LocalRegistry;
  let first: string;
  let second: string;
  let base: string;
  let context: string;

  beforeAll(async () => {
    registry = await startRegistry();
    first = scratchDir('rs-image-cache-a-');
    second = scratchDir('rs-image-cache-b-');
    base = makeTinyBase(registry, first);
    for (const storage of [first, second]) buildah(storage, ['pull', '--tls-verify=false', base]);
    context = scratchDir('rs-image-cache-ctx-');
    // The slow step stands for a dependency install: 20 s of work whose result the cache keeps.
    writeFileSync(join(context, 'Dockerfile'), 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN sleep 20 && echo installed > /deps.txt\nCOPY hello.txt /hello.txt\n');
    writeFileSync(join(context, 'hello.txt'), 'hello\n');
  }, 600_000);

  afterAll(async () => {
    await registry?.stop();
  });

  it('the second build of an unchanged context, on a fresh storage, is at least 3x faster than the first', async () => {
    const inputs = (storage: string, tag: string) => ({
      'storage-dir': storage,
      'insecure-registry': 'true',
      'build-args': `BASE_IMAGE=${base}`,
      image: `${registry.host}/acme/cached`,
      tags: tag,
      'cache-from': `${registry.host}/acme/cached-cache`,
      'cache-to': `${registry.host}/acme/cached-cache`,
      sbom: 'false',
    });
    const cold = await runAction('image', { workspace: context, inputs: inputs(first, 'cold') });
    expect(cold.exitCode, cold.stdout.slice(-3000)).toBe(0);
    const warm = await runAction('image', { workspace: context, inputs: inputs(second, 'warm') });
    expect(warm.exitCode, warm.stdout.slice(-3000)).toBe(0);
    const ratio = buildMs(cold) / buildMs(warm);
    console.log(
      `buildah cache: first build ${buildMs(cold)} ms, second (fresh storage, cache from the registry) ${buildMs(warm)} ms: ${ratio.toFixed(2)}x faster; whole runs ${cold.durationMs} ms vs ${warm.durationMs} ms (${(cold.durationMs / warm.durationMs).toFixed(2)}x)`,
    );
    expect(ratio).toBeGreaterThanOrEqual(3);
    // The slow step's layer came from the cache: both images carry the identical layer.
    const [coldLayers, warmLayers] = await Promise.all([layersOf(registry, 'acme/cached', 'cold'), layersOf(registry, 'acme/cached', 'warm')]);
    expect(coldLayers.length).toBe(3);
    expect(warmLayers[1]).toBe(coldLayers[1]);
    // The cache repository holds the steps.
    expect((await fetch(`${registry.url}/v2/acme/cached-cache/tags/list`, { signal: AbortSignal.timeout(10_000) })).status).toBe(200);
  }, 900_000);
});
