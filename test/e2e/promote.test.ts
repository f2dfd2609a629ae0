import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildah, fetchManifest, sha256, skopeoDigest } from '../../src/local/base-image.js';
import { randomSha } from '../../src/local/harness.js';
import { startRegistry, type LocalRegistry } from '../../src/local/registry.js';
import { scratchDir } from '../../src/local/scratch.js';
import { RegistryClient, RegistryError } from '../../src/registry/client.js';
import { promoteByDigest, REVISION_LABEL } from '../../src/registry/promote.js';

// Tiny images built from scratch (a label, no layers to speak of), pushed to a real registry.
describe('promoteByDigest against a real registry', () => {
  let registry: LocalRegistry;
  let storage: string;
  let client: RegistryClient;
  const revision = randomSha();

  function pushImage(repo: string, tag: string, rev: string, arch = 'amd64'): void {
    const ctr = buildah(storage, ['from', 'scratch']);
    buildah(storage, ['config', '--label', `${REVISION_LABEL}=${rev}`, '--os', 'linux', '--arch', arch, ctr]);
    const local = `localhost/${repo}-${arch}:${tag}`;
    buildah(storage, ['commit', '--format', 'docker', ctr, local]);
    buildah(storage, ['rm', ctr]);
    buildah(storage, ['push', '--tls-verify=false', local, `docker://${registry.host}/${repo}:${tag}`]);
  }

  beforeAll(async () => {
    registry = await startRegistry();
    storage = scratchDir('rs-promote-storage-');
    client = new RegistryClient({ registry: registry.host });
    pushImage('svc', 'ci', revision);
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(storage, { recursive: true, force: true });
  });

  it('copies the exact manifest bytes from ci to prod and reports the previous prod digest', async () => {
    const digest = await client.resolveDigest('svc', 'ci');
    const first = await promoteByDigest({ client, repository: 'svc', sourceTag: 'ci', targetTag: 'prod', expectedDigest: digest, expectedRevision: revision });
    expect(first).toMatchObject({ digest, platforms: ['linux/amd64'] });
    expect(first.previousDigest).toBeUndefined();
    const prod = await fetchManifest(registry, 'svc', 'prod');
    expect(sha256(prod.bytes)).toBe(digest);
    expect(skopeoDigest(`${registry.host}/svc:prod`)).toBe(digest);

    const nextRevision = randomSha();
    pushImage('svc', 'ci', nextRevision);
    const next = await client.resolveDigest('svc', 'ci');
    const second = await promoteByDigest({
      client,
      repository: 'svc',
      sourceTag: 'ci',
      targetTag: 'prod',
      expectedDigest: next,
      expectedRevision: nextRevision,
    });
    expect(second.previousDigest).toBe(digest);
  });

  it('refuses when the source tag moved after the evidence was judged', async () => {
    const approved = await client.resolveDigest('svc', 'ci');
    pushImage('svc', 'ci', randomSha());
    await expect(
      promoteByDigest({ client, repository: 'svc', sourceTag: 'ci', targetTag: 'prod2', expectedDigest: approved, expectedRevision: revision }),
    ).rejects.toThrowError(/the tag moved/);
    await expect(client.resolveDigest('svc', 'prod2')).rejects.toBeInstanceOf(RegistryError);
  });

  it('refuses an image whose revision label is not the evidence commit', async () => {
    const digest = await client.resolveDigest('svc', 'ci');
    await expect(
      promoteByDigest({ client, repository: 'svc', sourceTag: 'ci', targetTag: 'prod3', expectedDigest: digest, expectedRevision: randomSha() }),
    ).rejects.toThrowError(/not the evidence commit/);
  });

  it('refuses an index that lists no images (the registry stores one; no revision label would be checked)', async () => {
    const empty = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }));
    const digest = await client.putManifest('empty', 'ci', empty, 'application/vnd.oci.image.index.v1+json');
    expect(await client.resolveDigest('empty', 'ci')).toBe(digest);
    await expect(
      promoteByDigest({ client, repository: 'empty', sourceTag: 'ci', targetTag: 'prod', expectedDigest: digest, expectedRevision: revision }),
    ).rejects.toThrowError(/is an index that lists no images/);
    await expect(client.resolveDigest('empty', 'prod')).rejects.toBeInstanceOf(RegistryError);
  });

  it('keeps a multi-arch index an index', async () => {
    const rev = randomSha();
    for (const arch of ['amd64', 'arm64']) pushImage('multi', `ci-${arch}`, rev, arch);
    buildah(storage, ['manifest', 'create', 'localhost/multi-list:ci']);
    for (const arch of ['amd64', 'arm64'])
      buildah(storage, ['manifest', 'add', '--tls-verify=false', 'localhost/multi-list:ci', `docker://${registry.host}/multi:ci-${arch}`]);
    buildah(storage, ['manifest', 'push', '--all', '--tls-verify=false', 'localhost/multi-list:ci', `docker://${registry.host}/multi:ci`]);
    const digest = await client.resolveDigest('multi', 'ci');
    const result = await promoteByDigest({ client, repository: 'multi', sourceTag: 'ci', targetTag: 'prod', expectedDigest: digest, expectedRevision: rev });
    expect(result.platforms.sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(result.mediaType).toMatch(/manifest\.list|image\.index/);
    const prod = await fetchManifest(registry, 'multi', 'prod');
    expect(sha256(prod.bytes)).toBe(digest);
    expect(prod.contentType).toBe(result.mediaType);
  });
});
