import { describe, expect, it } from 'vitest';
import { RegistryError, sha256Digest, type Manifest, type RegistryClient } from './client.js';
import { promoteByDigest, retagManifest, REVISION_LABEL } from './promote.js';
import { MEDIA_TYPES } from './reference.js';

/** A registry client stand-in over an in-memory repository: tags and digests to manifest bytes. */
function fakeClient(manifests: Map<string, Buffer>, blobs: Buffer[]) {
  const puts: string[] = [];
  const blobMap = new Map(blobs.map((b) => [sha256Digest(b), b]));
  const manifestOf = (ref: string): Manifest => {
    const bytes = manifests.get(ref) ?? [...manifests.values()].find((b) => sha256Digest(b) === ref);
    if (!bytes) throw new RegistryError(`${ref} not found`, 'not-found', 404);
    return { bytes, digest: sha256Digest(bytes), mediaType: (JSON.parse(bytes.toString('utf8')) as { mediaType: string }).mediaType };
  };
  const client = {
    registry: 'fake.example',
    getManifest: (_repo: string, ref: string) => Promise.resolve(manifestOf(ref)),
    resolveDigest: (_repo: string, ref: string) => Promise.resolve(manifestOf(ref).digest),
    getBlob: (_repo: string, digest: string) => {
      const b = blobMap.get(digest);
      return b ? Promise.resolve(b) : Promise.reject(new RegistryError('blob not found', 'not-found', 404));
    },
    putManifest: (_repo: string, ref: string, bytes: Buffer) => {
      puts.push(ref);
      manifests.set(ref, bytes);
      return Promise.resolve(sha256Digest(bytes));
    },
  };
  return { client: client as unknown as RegistryClient, puts };
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('promoteByDigest', () => {
  it('refuses an index that lists no images: no revision label would be checked', async () => {
    const empty = json({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [] });
    const { client, puts } = fakeClient(new Map([['ci', empty]]), []);
    const err = await promoteByDigest({
      client,
      repository: 'svc',
      sourceTag: 'ci',
      targetTag: 'prod',
      expectedDigest: sha256Digest(empty),
      expectedRevision: 'abc',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).message).toContain('is an index that lists no images');
    expect(puts).toEqual([]);
  });

  it('refuses an index where one of two images of the same platform has another revision', async () => {
    const config = (rev: string) => json({ os: 'linux', architecture: 'amd64', config: { Labels: { [REVISION_LABEL]: rev } } });
    const manifest = (c: Buffer) =>
      json({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: { digest: sha256Digest(c), size: c.length }, layers: [] });
    const [bad, good] = [config('other'), config('abc')];
    const [badM, goodM] = [manifest(bad), manifest(good)];
    const idx = json({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociIndex,
      manifests: [badM, goodM].map((m) => ({
        mediaType: MEDIA_TYPES.ociManifest,
        digest: sha256Digest(m),
        size: m.length,
        platform: { os: 'linux', architecture: 'amd64' },
      })),
    });
    const { client, puts } = fakeClient(
      new Map([
        ['ci', idx],
        ['bad', badM],
        ['good', goodM],
      ]),
      [bad, good],
    );
    await expect(
      promoteByDigest({ client, repository: 'svc', sourceTag: 'ci', targetTag: 'prod', expectedDigest: sha256Digest(idx), expectedRevision: 'abc' }),
    ).rejects.toThrow(/has org\.opencontainers\.image\.revision=other, not the evidence commit abc/);
    expect(puts).toEqual([]);
  });

  it('promotes a single image whose revision matches', async () => {
    const c = json({ os: 'linux', architecture: 'amd64', config: { Labels: { [REVISION_LABEL]: 'abc' } } });
    const m = json({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: { digest: sha256Digest(c), size: c.length }, layers: [] });
    const { client, puts } = fakeClient(new Map([['ci', m]]), [c]);
    const result = await promoteByDigest({
      client,
      repository: 'svc',
      sourceTag: 'ci',
      targetTag: 'prod',
      expectedDigest: sha256Digest(m),
      expectedRevision: 'abc',
    });
    expect(result).toMatchObject({ digest: sha256Digest(m), platforms: ['linux/amd64'] });
    expect(puts).toEqual(['prod']);
  });
});

describe('retagManifest', () => {
  const c = json({ os: 'linux', architecture: 'amd64', config: { Labels: { [REVISION_LABEL]: 'abc' } } });
  const image = (n: number) =>
    json({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { digest: sha256Digest(c), size: c.length },
      layers: [],
      annotations: { n: String(n) },
    });

  it('PUTs the identical bytes under every target with their own media type, and reports each previous digest', async () => {
    const [old, fresh] = [image(1), image(2)];
    const { client, puts } = fakeClient(
      new Map([
        ['prod', old],
        ['ci', fresh],
      ]),
      [c],
    );
    const manifest = { bytes: fresh, digest: sha256Digest(fresh), mediaType: MEDIA_TYPES.ociManifest };
    const result = await retagManifest({
      client,
      repository: 'svc',
      manifest,
      targets: [
        { repository: 'svc', tag: 'prod' },
        { repository: 'svc', tag: 'v1' },
      ],
    });
    expect(puts).toEqual(['prod', 'v1']);
    expect(result.targets).toEqual([
      { repository: 'svc', tag: 'prod', previousDigest: sha256Digest(old) },
      { repository: 'svc', tag: 'v1' },
    ]);
  });

  it('restores every target when one reads back as another digest, and fails naming what was restored', async () => {
    const [old, fresh, intruder] = [image(1), image(2), image(3)];
    const manifests = new Map([
      ['prod', old],
      ['ci', fresh],
    ]);
    const { client, puts } = fakeClient(manifests, [c]);
    const put = client.putManifest.bind(client);
    // A registry (or a concurrent writer) that leaves v1 at other bytes than were PUT.
    (client as { putManifest: typeof client.putManifest }).putManifest = async (repo, ref, bytes, type) => {
      const digest = await put(repo, ref, bytes, type);
      if (ref === 'v1' && sha256Digest(bytes) === sha256Digest(fresh)) manifests.set('v1', intruder);
      return digest;
    };
    const manifest = { bytes: fresh, digest: sha256Digest(fresh), mediaType: MEDIA_TYPES.ociManifest };
    const err = await retagManifest({
      client,
      repository: 'svc',
      manifest,
      targets: [
        { repository: 'svc', tag: 'prod' },
        { repository: 'svc', tag: 'v1' },
      ],
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/svc:v1 reads back as sha256:[0-9a-f]{64}, not /);
    expect((err as Error).message).toContain(`svc:prod restored to ${sha256Digest(old)}`);
    expect((err as Error).message).toContain('svc:v1 did not exist before');
    expect(sha256Digest(manifests.get('prod')!)).toBe(sha256Digest(old));
    expect(puts).toEqual(['prod', 'v1', 'prod']);
  });

  it('refuses, before any PUT, when beforePut refuses', async () => {
    const fresh = image(2);
    const { client, puts } = fakeClient(new Map([['ci', fresh]]), [c]);
    const manifest = { bytes: fresh, digest: sha256Digest(fresh), mediaType: MEDIA_TYPES.ociManifest };
    await expect(
      retagManifest({
        client,
        repository: 'svc',
        manifest,
        targets: [{ repository: 'svc', tag: 'prod' }],
        beforePut: () => Promise.reject(new Error('moved')),
      }),
    ).rejects.toThrow('moved');
    expect(puts).toEqual([]);
  });
});
