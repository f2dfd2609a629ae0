import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RegistryError, sha256Digest, isIndexMediaType, manifestMediaType, type Manifest, type RegistryClient } from './client.js';
import { DIGEST_PATTERN } from './reference.js';

/** Where manifests and blobs come from: a registry, or an OCI layout on disk. */
export interface ContentSource {
  describe: string;
  manifest(digest: string): Promise<Manifest>;
  blob(digest: string): Promise<Buffer>;
}

export function registrySource(client: RegistryClient, repository: string): ContentSource {
  return {
    describe: `${client.registry}/${repository}`,
    manifest: (digest) => client.getManifest(repository, digest),
    blob: (digest) => client.getBlob(repository, digest),
  };
}

/** An OCI image layout directory (what `buildah push ... oci:<dir>` writes); every read is hashed. */
export function ociLayoutSource(dir: string): ContentSource {
  const read = async (digest: string): Promise<Buffer> => {
    if (!DIGEST_PATTERN.test(digest)) throw new RegistryError(`digest ${JSON.stringify(digest)} is not sha256:<64 hex>`, 'protocol');
    const bytes = await readFile(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)));
    const actual = sha256Digest(bytes);
    if (actual !== digest) throw new RegistryError(`blob ${digest} in ${dir} hashes to ${actual}`, 'mismatch');
    return bytes;
  };
  return {
    describe: dir,
    manifest: async (digest) => {
      const bytes = await read(digest);
      return { bytes, digest, mediaType: manifestMediaType(bytes, null) };
    },
    blob: read,
  };
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

export interface ImageFacts {
  mediaType: string;
  isIndex: boolean;
  /** os/arch[/variant] of every image, in manifest order. */
  platforms: string[];
  /** Bytes of every manifest, config and (compressed) layer that the image references. */
  size: number;
  /** Labels of each image, keyed by platform (platform@digest for a second image of the same platform). */
  labels: Record<string, Record<string, string>>;
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw new RegistryError(`${what} is not JSON`, 'protocol');
  }
}

function platformString(p: { os?: string; architecture?: string; variant?: string } | undefined): string {
  if (!p?.os || !p.architecture) return 'unknown/unknown';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/**
 * Reads what an image is made of without pulling layers: platforms, total size and the labels of
 * each image config. For an index, every child manifest is fetched by digest and verified.
 */
export async function inspectImage(source: ContentSource, top: Manifest): Promise<ImageFacts> {
  const facts: ImageFacts = { mediaType: top.mediaType, isIndex: isIndexMediaType(top.mediaType), platforms: [], size: top.bytes.length, labels: {} };
  const single = async (manifest: Manifest): Promise<void> => {
    const m = parseJson<{ config?: Descriptor; layers?: Descriptor[] }>(manifest.bytes, `manifest ${manifest.digest}`);
    if (!m.config?.digest) throw new RegistryError(`manifest ${manifest.digest} has no config`, 'protocol');
    const config = parseJson<{ os?: string; architecture?: string; variant?: string; config?: { Labels?: Record<string, string> | null } }>(
      await source.blob(m.config.digest),
      `image config ${m.config.digest}`,
    );
    const platform = platformString(config);
    facts.platforms.push(platform);
    // Two images for one platform keep both label sets: keyed by platform alone, the second
    // would hide the first from a revision check.
    facts.labels[Object.hasOwn(facts.labels, platform) ? `${platform}@${manifest.digest}` : platform] = config.config?.Labels ?? {};
    facts.size += m.config.size + (m.layers ?? []).reduce((sum, l) => sum + (l.size || 0), 0);
  };
  if (facts.isIndex) {
    const index = parseJson<{ manifests?: Descriptor[] }>(top.bytes, `index ${top.digest}`);
    for (const d of index.manifests ?? []) {
      // Fetched by digest so the bytes are hashed against it; anything else would be fetched as a
      // tag (whatever it points at now) with nothing to check it against.
      if (typeof d.digest !== 'string' || !DIGEST_PATTERN.test(d.digest)) {
        throw new RegistryError(`index ${top.digest} lists a manifest whose digest ${JSON.stringify(d.digest ?? null)} is not sha256:<64 hex>`, 'protocol');
      }
      const child = await source.manifest(d.digest);
      if (isIndexMediaType(child.mediaType)) throw new RegistryError(`index ${top.digest} nests another index; not supported`, 'protocol');
      facts.size += child.bytes.length;
      await single(child);
    }
  } else {
    await single(top);
  }
  return facts;
}
