/**
 * Promotion by digest: the identical manifest bytes PUT under one or more target tags with the
 * manifest's own media type, read back and hashed; on any mismatch every target tag is put back
 * where it was. Targets in another repository of the same registry get the image's blobs
 * cross-mounted (never re-uploaded), child manifests pushed by digest, and every referrer
 * (evidence, provenance, SBOM) copied. Layers are never pulled and an index stays an index.
 */
import { addToReferrersTagIndex } from '../attest/attach.js';
import { discoverReferrers } from '../attest/discover.js';
import { RegistryError, sha256Digest, isIndexMediaType, type Manifest, type RegistryClient } from './client.js';
import { mountBlob } from './content.js';
import { inspectImage, registrySource } from './inspect.js';
import { DIGEST_PATTERN } from './reference.js';
import type { Descriptor } from '../attest/referrer.js';

export const REVISION_LABEL = 'org.opencontainers.image.revision';

export interface PromotionTarget {
  repository: string;
  tag: string;
}

export interface TargetOutcome extends PromotionTarget {
  /** What the tag pointed at before (for rollback), if anything. */
  previousDigest?: string;
}

export interface RetagRequest {
  client: RegistryClient;
  /** Where the manifest lives now. */
  repository: string;
  /** The verified manifest, fetched by digest. */
  manifest: Manifest;
  targets: readonly PromotionTarget[];
  /** Called just before the first PUT: the last moment to refuse (e.g. the source tag moved). */
  beforePut?: () => Promise<void>;
  log?: (line: string) => void;
}

export interface RetagResult {
  digest: string;
  targets: TargetOutcome[];
  /** Blobs mounted into other repositories, and referrers copied there. */
  mounted: number;
  referrersCopied: number;
}

interface Previous {
  target: PromotionTarget;
  manifest?: Manifest;
}

async function currentManifest(client: RegistryClient, target: PromotionTarget): Promise<Manifest | undefined> {
  try {
    return await client.getManifest(target.repository, target.tag);
  } catch (error) {
    if (error instanceof RegistryError && error.kind === 'not-found') return undefined;
    throw error;
  }
}

function parseJson(bytes: Buffer, what: string): Record<string, unknown> {
  try {
    return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new RegistryError(`${what} is not JSON`, 'protocol');
  }
}

function digestsOf(list: unknown, what: string): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((d: { digest?: unknown }) => {
    if (typeof d?.digest !== 'string' || !DIGEST_PATTERN.test(d.digest))
      throw new RegistryError(`${what} lists a digest that is not sha256:<64 hex>`, 'protocol');
    return d.digest;
  });
}

/** The blobs (config and layers) a single-image manifest references. */
function blobsOf(manifest: Manifest): string[] {
  const m = parseJson(manifest.bytes, `manifest ${manifest.digest}`);
  const config = m.config as { digest?: unknown } | undefined;
  return [...digestsOf(config ? [config] : [], `manifest ${manifest.digest}`), ...digestsOf(m.layers, `manifest ${manifest.digest}`)];
}

/**
 * Makes `manifest` (and for an index every child) exist by digest in `to`: blobs mounted from
 * `from`, child manifests pushed by digest with their own bytes. A declined mount is an error:
 * re-uploading would pull the layers through this runner.
 */
async function copyByMount(client: RegistryClient, from: string, to: string, manifest: Manifest): Promise<number> {
  let mounted = 0;
  const mountAll = async (single: Manifest): Promise<void> => {
    for (const blob of blobsOf(single)) {
      if (!(await mountBlob(client, to, blob, from))) {
        throw new RegistryError(
          `registry ${client.registry} declined to mount ${blob} from ${from} into ${to}: the blob would have to be uploaded again, which promotion never does`,
          'protocol',
        );
      }
      mounted++;
    }
  };
  if (isIndexMediaType(manifest.mediaType)) {
    const index = parseJson(manifest.bytes, `index ${manifest.digest}`);
    for (const child of digestsOf(index.manifests, `index ${manifest.digest}`)) {
      const childManifest = await client.getManifest(from, child);
      if (isIndexMediaType(childManifest.mediaType)) throw new RegistryError(`index ${manifest.digest} nests another index; not supported`, 'protocol');
      await mountAll(childManifest);
      await client.putManifest(to, child, childManifest.bytes, childManifest.mediaType);
    }
  } else {
    await mountAll(manifest);
  }
  return mounted;
}

/**
 * Copies every referrer of `digest` (the evidence attestation, the provenance and SBOM beside it,
 * anything else attached) from one repository to another: their blobs mounted, the referrer
 * manifests pushed by digest (identical bytes, so the subject still names the digest), and those
 * the registry did not index itself listed in the destination's `sha256-<hex>` tag index in one
 * read-modify-write.
 */
async function copyReferrers(client: RegistryClient, from: string, to: string, digest: string): Promise<{ copied: number; mounted: number }> {
  const descriptors = await discoverReferrers(client, from, digest);
  let mounted = 0;
  const unindexed: Descriptor[] = [];
  for (const d of descriptors) {
    const referrer = await client.getManifest(from, d.digest);
    for (const blob of blobsOf(referrer)) {
      if (!(await mountBlob(client, to, blob, from)))
        throw new RegistryError(`registry ${client.registry} declined to mount the referrer blob ${blob} into ${to}`, 'protocol');
      mounted++;
    }
    const pushed = await client.pushManifest(to, d.digest, referrer.bytes, referrer.mediaType);
    if (pushed.ociSubject !== digest) unindexed.push(d as Descriptor);
  }
  if (unindexed.length > 0) await addToReferrersTagIndex(client, to, digest, unindexed, 5);
  return { copied: descriptors.length, mounted };
}

async function restore(client: RegistryClient, previous: readonly Previous[], log: (line: string) => void): Promise<string[]> {
  const notes: string[] = [];
  for (const p of previous) {
    const name = `${p.target.repository}:${p.target.tag}`;
    try {
      if (p.manifest) {
        await client.putManifest(p.target.repository, p.target.tag, p.manifest.bytes, p.manifest.mediaType);
        const back = await client.getManifest(p.target.repository, p.target.tag);
        notes.push(
          back.digest === p.manifest.digest
            ? `${name} restored to ${p.manifest.digest}`
            : `${name} could NOT be restored: it reads ${back.digest}, not ${p.manifest.digest}`,
        );
      } else {
        // The distribution API deletes manifests, not tags: a tag that did not exist cannot be unset
        // without deleting the image itself for every tag.
        notes.push(`${name} did not exist before and cannot be removed through the registry API: delete it by hand`);
      }
    } catch (error) {
      notes.push(`${name} could NOT be restored: ${(error as Error).message}`);
    }
  }
  for (const n of notes) log(n);
  return notes;
}

/**
 * Retags `manifest` under every target. Previous digests are read first; the PUTs happen only
 * after `beforePut` agrees; every target is then read back and hashed, and on any mismatch (or a
 * failed PUT) every target is restored and the error names what was restored.
 */
export async function retagManifest(req: RetagRequest): Promise<RetagResult> {
  const { client, manifest } = req;
  const log = req.log ?? (() => undefined);
  if (sha256Digest(manifest.bytes) !== manifest.digest)
    throw new RegistryError(`the manifest given hashes to ${sha256Digest(manifest.bytes)}, not ${manifest.digest}`, 'mismatch');
  const previous: Previous[] = [];
  for (const target of req.targets) {
    const current = await currentManifest(client, target);
    previous.push({ target, ...(current ? { manifest: current } : {}) });
  }
  let mounted = 0;
  let referrersCopied = 0;
  for (const repository of new Set(req.targets.map((t) => t.repository).filter((r) => r !== req.repository))) {
    mounted += await copyByMount(client, req.repository, repository, manifest);
    await client.putManifest(repository, manifest.digest, manifest.bytes, manifest.mediaType);
    const refs = await copyReferrers(client, req.repository, repository, manifest.digest);
    mounted += refs.mounted;
    referrersCopied += refs.copied;
    log(
      `${repository}: ${mounted} blob(s) mounted from ${req.repository}, ${refs.copied} referrer(s) copied (the evidence attestation and everything else attached to the digest)`,
    );
  }
  await req.beforePut?.();
  const problems: string[] = [];
  for (const target of req.targets) {
    const name = `${target.repository}:${target.tag}`;
    try {
      await client.putManifest(target.repository, target.tag, manifest.bytes, manifest.mediaType);
      const after = await client.getManifest(target.repository, target.tag);
      if (after.digest !== manifest.digest) problems.push(`${name} reads back as ${after.digest}, not ${manifest.digest}`);
      else log(`${name} -> ${manifest.digest} (read back and hashed)`);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
    if (problems.length > 0) break;
  }
  if (problems.length > 0) {
    const restored = await restore(client, previous, log);
    throw new RegistryError(`promotion failed: ${problems.join('; ')}; restored: ${restored.join('; ')}`, 'mismatch');
  }
  const targets = previous.map((p) => ({ ...p.target, ...(p.manifest ? { previousDigest: p.manifest.digest } : {}) }));
  return { digest: manifest.digest, targets, mounted, referrersCopied };
}

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
    throw new RegistryError(
      `${req.expectedDigest} is an index that lists no images: there is no ${REVISION_LABEL} label to check, so it is not promoted`,
      'protocol',
    );
  }
  for (const [platform, labels] of Object.entries(facts.labels)) {
    const revision = labels[REVISION_LABEL];
    if (revision !== req.expectedRevision) {
      throw new RegistryError(
        `${platform} image of ${req.expectedDigest} has ${REVISION_LABEL}=${revision ?? '(none)'}, not the evidence commit ${req.expectedRevision}`,
        'mismatch',
      );
    }
  }
  const result = await retagManifest({ client, repository, manifest, targets: [{ repository, tag: req.targetTag }] });
  const previousDigest = result.targets[0]?.previousDigest;
  return { digest: req.expectedDigest, mediaType: manifest.mediaType, platforms: facts.platforms, ...(previousDigest ? { previousDigest } : {}) };
}
