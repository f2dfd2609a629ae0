/**
 * The registry client (src/registry) against the real distribution registry: what promotion
 * will rely on. A small image is pushed with buildah first; the client then resolves, copies the
 * exact bytes to another tag, reads the config, and meets real basic auth.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildah, fetchManifest, sha256, skopeoDigest } from '../../src/local/base-image.js';
import { startRegistry, type LocalRegistry } from '../../src/local/registry.js';
import { scratchDir } from '../../src/local/scratch.js';
import { RegistryClient, RegistryError } from '../../src/registry/client.js';
import { inspectImage, registrySource } from '../../src/registry/inspect.js';

describe('RegistryClient against docker-registry 2.8', () => {
  let open: LocalRegistry;
  let locked: LocalRegistry;
  let storage: string;
  const user = { username: 'promoter', password: `pw-${Date.now()}-${Math.random().toString(36).slice(2)}` };

  beforeAll(async () => {
    [open, locked] = await Promise.all([startRegistry(), startRegistry({ user })]);
    storage = scratchDir('rs-registry-storage-');
    // A tiny image (one file, from scratch), labelled like the image gate labels its images.
    const ctr = buildah(storage, ['from', 'scratch']);
    buildah(storage, ['config', '--label', 'org.opencontainers.image.revision=abc123', '--os', 'linux', '--arch', 'amd64', ctr]);
    buildah(storage, ['commit', '--format', 'docker', ctr, 'localhost/tiny:1']);
    buildah(storage, ['rm', ctr]);
    buildah(storage, ['push', '--tls-verify=false', 'localhost/tiny:1', `docker://${open.host}/acme/tiny:ci`]);
    buildah(storage, [
      'push',
      '--tls-verify=false',
      '--creds',
      `${user.username}:${user.password}`,
      'localhost/tiny:1',
      `docker://${locked.host}/acme/tiny:ci`,
    ]);
  });

  afterAll(async () => {
    await Promise.all([open?.stop(), locked?.stop()]);
    if (storage) rmSync(storage, { recursive: true, force: true });
  });

  it('resolves a tag to the digest skopeo reports, and copies the exact bytes to a new tag', async () => {
    const client = new RegistryClient({ registry: open.host });
    const m = await client.getManifest('acme/tiny', 'ci');
    expect(m.digest).toBe(skopeoDigest(`${open.host}/acme/tiny:ci`));
    expect(m.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(await client.putManifest('acme/tiny', 'prod', m.bytes, m.mediaType)).toBe(m.digest);
    const copied = await fetchManifest(open, 'acme/tiny', 'prod');
    expect(copied.bytes.equals(m.bytes)).toBe(true);
    expect(sha256(copied.bytes)).toBe(m.digest);
    const byDigest = await client.getManifest('acme/tiny', m.digest);
    expect(byDigest.bytes.equals(m.bytes)).toBe(true);
  });

  it('reads the revision label from the config without pulling layers', async () => {
    const client = new RegistryClient({ registry: open.host });
    const m = await client.getManifest('acme/tiny', 'ci');
    const facts = await inspectImage(registrySource(client, 'acme/tiny'), m);
    expect(facts.platforms).toEqual(['linux/amd64']);
    expect(facts.labels['linux/amd64']!['org.opencontainers.image.revision']).toBe('abc123');
    expect(facts.isIndex).toBe(false);
  });

  it('a missing tag is not-found at once (no retries on 4xx)', async () => {
    const client = new RegistryClient({ registry: open.host, backoffMs: 2000 });
    const started = Date.now();
    const err = await client.getManifest('acme/tiny', 'nope').catch((e: unknown) => e);
    expect((err as RegistryError).kind).toBe('not-found');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('real basic auth: the right password works, a wrong one is unauthorized and never echoed', async () => {
    const masked: string[] = [];
    const good = new RegistryClient({ registry: locked.host, credentials: user, onSecret: (s) => masked.push(s) });
    await good.ping('acme/tiny', ['pull', 'push']);
    expect(await good.resolveDigest('acme/tiny', 'ci')).toBe(skopeoDigest(`${locked.host}/acme/tiny:ci`, user));
    expect(masked).toContain(Buffer.from(`${user.username}:${user.password}`).toString('base64'));
    const bad = new RegistryClient({ registry: locked.host, credentials: { username: user.username, password: 'not-the-password' } });
    const err = await bad.resolveDigest('acme/tiny', 'ci').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).kind).toBe('unauthorized');
    expect((err as RegistryError).message).not.toContain('not-the-password');
    const anonymous = await new RegistryClient({ registry: locked.host }).resolveDigest('acme/tiny', 'ci').catch((e: unknown) => e);
    expect((anonymous as RegistryError).message).toContain('requires credentials');
  });
});
