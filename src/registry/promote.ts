import { RegistryError, sha256Digest, type RegistryClient } from './client.js';
import { inspectImage, registrySource } from './inspect.js';

export const REVISION_LABEL = 'org.opencontainers.image.revision';

export interface PromotionRequest {
  client: RegistryClient;
  repository: string;
  sourceTag: string;
  targetTag: string;
  /** The digest the evidence approved; the source tag must still point at it. */
  expectedDigest: string;
  /** The commit the evidence is about; every image in the manifest must carry it as revision. */
  expectedRevision: string;
}

export interface PromotionResult {
  digest: string;
  mediaType: string;
  platforms: string[];
  /** What the target tag pointed at before (for rollback), if anything. */
  previousDigest?: string;
}

/**
 * Retags by digest without pulling layers: the source tag is resolved once, the manifest is
 * fetched by that digest with every manifest type accepted, its revision labels are checked, and
 * the identical bytes are PUT under the target tag and read back. An index stays an index.
 */
export async function promoteByDigest(req: PromotionRequest): Promise<PromotionResult> {
  const { client, repository } = req;
  const current = await client.resolveDigest(repository, req.sourceTag);
  if (current !== req.expectedDigest) {
    throw new RegistryError(`${repository}:${req.sourceTag} now points at ${current}, not the approved ${req.expectedDigest}: the tag moved`, 'mismatch');
  }
  const manifest = await client.getManifest(repository, req.expectedDigest);
  const facts = await inspectImage(registrySource(client, repository), manifest);
  // An index that lists no image would pass the loop below without a single label checked.
  if (Object.keys(facts.labels).length === 0) {
    throw new RegistryError(`${req.expectedDigest} is an index that lists no images: there is no ${REVISION_LABEL} label to check, so it is not promoted`, 'protocol');
  }
  for (const [platform, labels] of Object.entries(facts.labels)) {
    const revision = labels[REVISION_LABEL];
    if (revision !== req.expectedRevision) {
      throw new RegistryError(`${platform} image of ${req.expectedDigest} has ${REVISION_LABEL}=${revision ?? '(none)'}, not the evidence commit ${req.expectedRevision}`, 'mismatch');
    }
  }
  let previousDigest: string | undefined;
  try {
    previousDigest = await client.resolveDigest(repository, req.targetTag);
  } catch (error) {
    if (!(error instanceof RegistryError && error.kind === 'not-found')) throw error;
  }
  await client.putManifest(repository, req.targetTag, manifest.bytes, manifest.mediaType);
  const after = await client.getManifest(repository, req.targetTag);
  if (sha256Digest(after.bytes) !== req.expectedDigest) {
    throw new RegistryError(`${repository}:${req.targetTag} reads back as ${sha256Digest(after.bytes)}, not ${req.expectedDigest}`, 'mismatch');
  }
  return { digest: req.expectedDigest, mediaType: manifest.mediaType, platforms: facts.platforms, ...(previousDigest ? { previousDigest } : {}) };
}
