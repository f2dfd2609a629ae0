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
import { createStatement, IN_TOTO_PAYLOAD_TYPE, PREDICATE_TYPE } from './statement.js';
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
export function buildAttestation(
  imageName: string,
  subjectDigest: string,
  bundle: EvidenceBundle,
  key?: KeyObject,
): { envelope: DsseEnvelope; bundleBytes: Buffer } {
  const statement = createStatement(imageName, subjectDigest, bundle);
  const envelope = createEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)), key);
  return { envelope, bundleBytes: Buffer.from(JSON.stringify(wrapEnvelope(envelope))) };
}

export async function attachAttestation(req: AttachRequest): Promise<AttachResult> {
  const statement = createStatement(`${req.client.registry}/${req.repository}`, req.subject.digest, req.bundle);
  const [result] = (
    await attachStatements({
      ...req,
      statements: [{ label: 'evidence', payload: Buffer.from(JSON.stringify(statement)), predicateType: PREDICATE_TYPE }],
    })
  ).attached;
  const { referrerDigest, bundleBytes, envelope, via } = result!;
  return { referrerDigest, bundleBytes, envelope, signed: req.signingKey !== undefined, via, indexAttempts: result!.indexAttempts };
}

/** One in-toto statement to attach: its exact bytes become the DSSE payload (and are what is signed). */
export interface StatementToAttach {
  /** What it is, for messages: "evidence", "provenance", "SBOM". */
  label: string;
  payload: Buffer;
  predicateType: string;
}

export interface AttachedStatement {
  label: string;
  predicateType: string;
  referrerDigest: string;
  bundleBytes: Buffer;
  envelope: DsseEnvelope;
  via: 'referrers-api' | 'tag-index';
  indexAttempts: number;
}

export interface StatementsRequest extends Omit<AttachRequest, 'bundle'> {
  statements: readonly StatementToAttach[];
}

/**
 * Attaches several statements to one subject, each as its own referrer. Every blob and manifest is
 * pushed first; the manifests the registry did not index itself (no OCI-Subject) are then added to
 * the tag index in one read-modify-write, so a failure before that leaves none of them listed
 * there. A failure after a referrers-API registry has indexed some names them in the error.
 */
export async function attachStatements(req: StatementsRequest): Promise<{ attached: AttachedStatement[] }> {
  const { client, repository, subject } = req;
  const built = req.statements.map((s) => {
    const envelope = createEnvelope(IN_TOTO_PAYLOAD_TYPE, s.payload, req.signingKey);
    const bundleBytes = Buffer.from(JSON.stringify(wrapEnvelope(envelope)));
    return { ...s, envelope, bundleBytes, referrer: buildReferrerManifest(bundleBytes, subject, undefined, s.predicateType) };
  });
  const pushed: { label: string; digest: string; api: boolean }[] = [];
  try {
    await pushBlob(client, repository, EMPTY_CONFIG_BYTES);
    for (const b of built) {
      await pushBlob(client, repository, b.bundleBytes);
      const answer = await client.pushManifest(repository, b.referrer.digest, b.referrer.bytes, MEDIA_TYPES.ociManifest);
      pushed.push({ label: b.label, digest: b.referrer.digest, api: answer.ociSubject === subject.digest });
    }
    const unindexed = built.filter((_, i) => !pushed[i]!.api).map((b) => b.referrer.descriptor);
    const indexAttempts =
      unindexed.length === 0 ? 0 : await addToReferrersTagIndex(client, repository, subject.digest, unindexed, req.maxAttempts ?? 5, req.beforeIndexWrite);
    return {
      attached: built.map((b, i) => ({
        label: b.label,
        predicateType: b.predicateType,
        referrerDigest: b.referrer.digest,
        bundleBytes: b.bundleBytes,
        envelope: b.envelope,
        via: pushed[i]!.api ? 'referrers-api' : 'tag-index',
        indexAttempts: pushed[i]!.api ? 0 : indexAttempts,
      })),
    };
  } catch (error) {
    const listed = pushed.filter((p) => p.api);
    if (!(error instanceof RegistryError) || listed.length === 0) throw error;
    const names = listed.map((p) => `${p.label} ${p.digest}`).join(', ');
    throw new RegistryError(
      `${error.message} (the registry already lists through its referrers API: ${names}; the others were not attached)`,
      error.kind,
      error.status,
    );
  }
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
 * Adds descriptors to the tag index: entries of other writers are kept byte for byte, an entry
 * already there is not added twice, and the index is read back after the PUT; if one of ours is
 * gone, another writer's PUT overwrote ours, and the whole read-modify-write is repeated.
 */
export async function addToReferrersTagIndex(
  client: RegistryClient,
  repository: string,
  subjectDigest: string,
  descriptors: Descriptor | readonly Descriptor[],
  maxAttempts: number,
  beforeWrite?: (attempt: number) => Promise<void>,
): Promise<number> {
  const ours = Array.isArray(descriptors) ? (descriptors as readonly Descriptor[]) : [descriptors as Descriptor];
  const tag = referrersTag(subjectDigest);
  const allListed = (entries: Record<string, unknown>[]) => ours.every((d) => entries.some((e) => e.digest === d.digest));
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const entries = await readReferrersTagIndex(client, repository, subjectDigest);
    const missing = ours.filter((d) => !entries.some((e) => e.digest === d.digest));
    if (missing.length > 0) {
      const index = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [...entries, ...missing.map((d) => ({ ...d }))] };
      await beforeWrite?.(attempt);
      await client.pushManifest(repository, tag, Buffer.from(JSON.stringify(index)), MEDIA_TYPES.ociIndex);
    }
    if (allListed(await readReferrersTagIndex(client, repository, subjectDigest))) return attempt;
  }
  throw new RegistryError(
    `the referrers tag index ${repository}:${tag} lost ${ours.map((d) => d.digest).join(', ')} to concurrent writers ${maxAttempts} times`,
    'mismatch',
  );
}
