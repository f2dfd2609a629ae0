/**
 * Finds the evidence attestations of a digest: the referrers API first, then the `sha256-<hex>`
 * tag index (registries without the API, and referrers pushed before a registry gained it).
 * Every lookup tried is reported, with what it found.
 */
import { RegistryError, type RegistryClient } from '../registry/client.js';
import { listReferrers, type IndexDescriptor } from '../registry/content.js';
import { readReferrersTagIndex } from './attach.js';
import { PREDICATE_ANNOTATION, referrersTag } from './referrer.js';
import { SIGSTORE_BUNDLE_MEDIA_TYPE } from './sigstore.js';
import { PREDICATE_TYPE } from './statement.js';

export interface Discovery {
  descriptors: IndexDescriptor[];
  /** One line per lookup path tried, e.g. "referrers API: not supported (404)". */
  lookups: string[];
}

/** An evidence attestation: a Sigstore bundle whose predicate-type annotation, when set, is ours. */
function isEvidence(d: { artifactType?: unknown; annotations?: unknown }): boolean {
  if (d.artifactType !== SIGSTORE_BUNDLE_MEDIA_TYPE) return false;
  const annotations = (d.annotations ?? {}) as Record<string, unknown>;
  return annotations[PREDICATE_ANNOTATION] === undefined || annotations[PREDICATE_ANNOTATION] === PREDICATE_TYPE;
}

export async function discoverEvidence(client: RegistryClient, repository: string, digest: string): Promise<Discovery> {
  const lookups: string[] = [];
  const found = new Map<string, IndexDescriptor>();
  const api = await listReferrers(client, repository, digest, SIGSTORE_BUNDLE_MEDIA_TYPE);
  if (api === undefined) lookups.push('referrers API: not supported by the registry (HTTP 404)');
  else {
    const ours = api.filter(isEvidence);
    lookups.push(`referrers API: ${api.length} Sigstore bundle referrer(s), ${ours.length} with predicate ${PREDICATE_TYPE}`);
    for (const d of ours) found.set(d.digest, d);
  }
  if (found.size === 0) {
    const tag = referrersTag(digest);
    let entries: Record<string, unknown>[];
    try {
      entries = await readReferrersTagIndex(client, repository, digest);
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      lookups.push(`tag index ${tag}: unreadable: ${error.message}`);
      throw new RegistryError(`${error.message} (lookups tried: ${lookups.join('; ')})`, error.kind, error.status);
    }
    const ours = entries.filter(isEvidence) as unknown as IndexDescriptor[];
    lookups.push(
      entries.length === 0 ? `tag index ${tag}: absent or empty` : `tag index ${tag}: ${entries.length} referrer(s), ${ours.length} evidence attestation(s)`,
    );
    for (const d of ours) found.set(d.digest, d);
  }
  return { descriptors: [...found.values()], lookups };
}

/**
 * Every referrer of a digest, whatever its type (the evidence, the provenance and SBOM beside it,
 * signatures by other tools): what a copy to another repository must carry along. The referrers
 * API when the registry has one, else the tag index.
 */
export async function discoverReferrers(client: RegistryClient, repository: string, digest: string): Promise<IndexDescriptor[]> {
  const api = await listReferrers(client, repository, digest);
  if (api !== undefined && api.length > 0) return api;
  return (await readReferrersTagIndex(client, repository, digest)) as unknown as IndexDescriptor[];
}
