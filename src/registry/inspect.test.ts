import { describe, expect, it } from 'vitest';
import { RegistryError, sha256Digest, type Manifest } from './client.js';
import { inspectImage, type ContentSource } from './inspect.js';
import { MEDIA_TYPES } from './reference.js';

/** A content source over fixed bytes, keyed by digest; it records what it was asked for. */
function fakeSource(blobs: Buffer[]): ContentSource & { asked: string[] } {
  const byDigest = new Map(blobs.map((b) => [sha256Digest(b), b]));
  const asked: string[] = [];
  const get = (ref: string): Buffer => {
    asked.push(ref);
    const bytes = byDigest.get(ref);
    if (!bytes) throw new RegistryError(`${ref} not found`, 'not-found', 404);
    return bytes;
  };
  return {
    describe: 'fake',
    asked,
    manifest: (ref) => Promise.resolve({ bytes: get(ref), digest: sha256Digest(get(ref)), mediaType: MEDIA_TYPES.ociManifest }),
    blob: (ref) => Promise.resolve(get(ref)),
  };
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
function image(arch: string, revision: string) {
  const config = json({ os: 'linux', architecture: arch, config: { Labels: { 'org.opencontainers.image.revision': revision } } });
  const manifest = json({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: { digest: sha256Digest(config), size: config.length }, layers: [] });
  return { config, manifest };
}
function index(entries: { digest: unknown; arch?: string }[]): Manifest {
  const bytes = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociIndex,
    manifests: entries.map((e) => ({
      mediaType: MEDIA_TYPES.ociManifest,
      digest: e.digest,
      size: 1,
      platform: { os: 'linux', architecture: e.arch ?? 'amd64' },
    })),
  });
  return { bytes, digest: sha256Digest(bytes), mediaType: MEDIA_TYPES.ociIndex };
}

describe('inspectImage', () => {
  it('reads every child of an index by digest', async () => {
    const amd = image('amd64', 'r1');
    const arm = image('arm64', 'r1');
    const source = fakeSource([amd.config, amd.manifest, arm.config, arm.manifest]);
    const facts = await inspectImage(source, index([{ digest: sha256Digest(amd.manifest) }, { digest: sha256Digest(arm.manifest), arch: 'arm64' }]));
    expect(facts.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(facts.isIndex).toBe(true);
  });

  it.each([['ci'], ['sha256:abc'], [`sha512:${'a'.repeat(128)}`], [`sha256:${'A'.repeat(64)}`], [undefined], [42]])(
    'refuses an index child whose digest is %j (it would be fetched as a tag, unhashed), as a protocol error',
    async (digest) => {
      const source = fakeSource([]);
      const err = await inspectImage(source, index([{ digest }])).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as RegistryError).kind).toBe('protocol');
      expect((err as RegistryError).message).toContain('is not sha256:<64 hex>');
      expect(source.asked).toEqual([]);
    },
  );

  it('keeps the labels of two images of one platform apart', async () => {
    const good = image('amd64', 'r1');
    const other = image('amd64', 'r2');
    const source = fakeSource([good.config, good.manifest, other.config, other.manifest]);
    const facts = await inspectImage(source, index([{ digest: sha256Digest(other.manifest) }, { digest: sha256Digest(good.manifest) }]));
    expect(Object.values(facts.labels).map((l) => l['org.opencontainers.image.revision'])).toEqual(['r2', 'r1']);
  });
});
