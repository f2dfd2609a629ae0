/**
 * The attestation as an OCI 1.1 referrer: an image manifest with `artifactType` the Sigstore
 * bundle type, the empty config, one layer holding the bundle, and `subject` the image's
 * descriptor. The annotations are the ones cosign v3 writes, so its tooling finds it.
 */
import { sha256Digest } from '../registry/client.js';
import { MEDIA_TYPES } from '../registry/reference.js';
import { SIGSTORE_BUNDLE_MEDIA_TYPE } from './sigstore.js';
import { PREDICATE_TYPE } from './statement.js';

export const EMPTY_CONFIG = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
} as const;
export const EMPTY_CONFIG_BYTES = Buffer.from('{}');
export const PREDICATE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
export const CONTENT_ANNOTATION = 'dev.sigstore.bundle.content';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface ReferrerManifest {
  bytes: Buffer;
  digest: string;
  descriptor: Descriptor;
  layer: { bytes: Buffer; descriptor: Descriptor };
}

/**
 * The referrer manifest for a serialized Sigstore bundle attached to `subject`. `predicateType` is
 * the in-toto predicate inside (the evidence bundle by default; SLSA provenance, CycloneDX): readers
 * pick attestations by this annotation without fetching them.
 */
export function buildReferrerManifest(
  bundleBytes: Buffer,
  subject: Descriptor,
  created = new Date().toISOString(),
  predicateType: string = PREDICATE_TYPE,
): ReferrerManifest {
  const layer: Descriptor = { mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE, digest: sha256Digest(bundleBytes), size: bundleBytes.length };
  const annotations = { [CONTENT_ANNOTATION]: 'dsse-envelope', [PREDICATE_ANNOTATION]: predicateType, 'org.opencontainers.image.created': created };
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    artifactType: SIGSTORE_BUNDLE_MEDIA_TYPE,
    config: EMPTY_CONFIG,
    layers: [layer],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations,
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = sha256Digest(bytes);
  return {
    bytes,
    digest,
    descriptor: { mediaType: MEDIA_TYPES.ociManifest, digest, size: bytes.length, artifactType: SIGSTORE_BUNDLE_MEDIA_TYPE, annotations },
    layer: { bytes: bundleBytes, descriptor: layer },
  };
}

/** The `sha256-<hex>` tag under which registries without the referrers API keep the referrers index. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}
