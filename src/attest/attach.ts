/**
 * Attaches an evidence bundle to an image as a signed attestation: an in-toto statement in a DSSE
 * envelope in a Sigstore bundle, pushed as an OCI 1.1 referrer of the image digest. A registry that
 * answers the manifest PUT with OCI-Subject keeps the referrers itself; otherwise the
 * `sha256-<hex>` referrers tag index is maintained here (read-modify-write, re-read to catch a
 * lost update from a concurrent writer, bounded retries).
 */
import { RegistryError, type RegistryClient } from '../registry/client.js';
import { pushBlob, parseReferrersIndex } from '../registry/content.js';
import { MEDIA_TYPES } from '../registry/reference.js';
import { createEnvelope, type DsseEnvelope } from './dsse.js';
import { buildReferrerManifest, EMPTY_CONFIG_BYTES, referrersTag, type Descriptor } from './referrer.js';
import { wrapEnvelope } from './sigstore.js';
import { createStatement, IN_TOTO_PAYLOAD_TYPE } from './statement.js';
import type { EvidenceBundle } from '../core/bundle.js';
import type { KeyObject } from 'node:crypto';

export interface AttachRequest {
  client: RegistryClient;
  repository: string;
  /** The image's top manifest descriptor (the index for a multi-platform image). */
  subject: Descriptor;
  bundle: EvidenceBundle;
  signingKey?: KeyObject;
  /** Attempts of the tag-index read-modify-write (default 5). */
  maxAttempts?: number;
  /** Called between the read and the write of the tag index: lets a test interleave a concurrent writer. */
  beforeIndexWrite?: (attempt: number) => Promise<void>;
}

export interface AttachResult {
  referrerDigest: string;
  bundleBytes: Buffer;
  envelope: DsseEnvelope;
  signed: boolean;
  /** How the registry learned of the referrer. */
  via: 'referrers-api' | 'tag-index';
  indexAttempts: number;
}

/** Builds the attestation bytes without touching a registry (also what tests verify independently). */
export function buildAttestation(imageName: string, subjectDigest: string, bundle: EvidenceBundle, key?: KeyObject): { envelope: DsseEnvelope; bundleBytes: Buffer } {
  const statement = createStatement(imageName, subjectDigest, bundle);
  const envelope = createEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)), key);
  return { envelope, bundleBytes: Buffer.from(JSON.stringify(wrapEnvelope(envelope))) };
}

export async function attachAttestation(req: AttachRequest): Promise<AttachResult> {
  const { client, repository, subject } = req;
  const { envelope, bundleBytes } = buildAttestation(`${client.registry}/${repository}`, subject.digest, req.bundle, req.signingKey);
  const referrer = buildReferrerManifest(bundleBytes, subject);
  await pushBlob(client, repository, EMPTY_CONFIG_BYTES);
  await pushBlob(client, repository, bundleBytes);
  const pushed = await client.pushManifest(repository, referrer.digest, referrer.bytes, MEDIA_TYPES.ociManifest);
  const base = { referrerDigest: referrer.digest, bundleBytes, envelope, signed: req.signingKey !== undefined };
  if (pushed.ociSubject === subject.digest) return { ...base, via: 'referrers-api', indexAttempts: 0 };
  const indexAttempts = await addToReferrersTagIndex(client, repository, subject.digest, referrer.descriptor, req.maxAttempts ?? 5, req.beforeIndexWrite);
  return { ...base, via: 'tag-index', indexAttempts };
}

/** The raw descriptors of the `sha256-<hex>` tag index (kept verbatim), or none when the tag does not exist. */
export async function readReferrersTagIndex(client: RegistryClient, repository: string, digest: string): Promise<Record<string, unknown>[]> {
  let bytes: Buffer;
  try {
    bytes = (await client.getManifest(repository, referrersTag(digest))).bytes;
  } catch (error) {
    if (error instanceof RegistryError && error.kind === 'not-found') return [];
    throw error;
  }
  parseReferrersIndex(bytes, `the referrers tag index ${repository}:${referrersTag(digest)}`);
  return (JSON.parse(bytes.toString('utf8')) as { manifests: Record<string, unknown>[] }).manifests;
}

/**
 * Adds one descriptor to the tag index: entries of other writers are kept byte for byte, an entry
 * already there is not added twice, and the index is read back after the PUT; if the descriptor is
 * gone, another writer's PUT overwrote ours, and the whole read-modify-write is repeated.
 */
export async function addToReferrersTagIndex(
  client: RegistryClient,
  repository: string,
  subjectDigest: string,
  descriptor: Descriptor,
  maxAttempts: number,
  beforeWrite?: (attempt: number) => Promise<void>,
): Promise<number> {
  const tag = referrersTag(subjectDigest);
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const entries = await readReferrersTagIndex(client, repository, subjectDigest);
    if (!entries.some((e) => e.digest === descriptor.digest)) {
      const index = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [...entries, { ...descriptor }] };
      await beforeWrite?.(attempt);
      await client.pushManifest(repository, tag, Buffer.from(JSON.stringify(index)), MEDIA_TYPES.ociIndex);
    }
    const after = await readReferrersTagIndex(client, repository, subjectDigest);
    if (after.some((e) => e.digest === descriptor.digest)) return attempt;
  }
  throw new RegistryError(`the referrers tag index ${repository}:${tag} lost the attestation ${descriptor.digest} to concurrent writers ${maxAttempts} times`, 'mismatch');
}
