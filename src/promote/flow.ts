/**
 * The promotion: resolve `from` to a digest once, fetch that manifest by digest, verify its
 * evidence attestation (and, unsigned, the commit status as a second witness), print the criteria
 * and then the verdict, and only then retag (several targets, read back and hashed, restored on a
 * mismatch), with a GitHub deployment around the retag and a release afterwards. Never reads
 * process.env or @actions/core: the entry point passes everything in.
 */
import { verifyImageEvidence, type VerifyResult } from '../attest/verify.js';
import { serializeBundle } from '../core/bundle.js';
import { sameRepository } from '../core/identifiers.js';
import { createDeployment, setDeploymentStatus, type DeploymentRef } from '../github/deployment.js';
import { publishRelease } from '../github/release.js';
import { retagManifest, type PromotionTarget, type RetagResult } from '../registry/promote.js';
import { platformDigests, renderPromotionNote, renderRefusalNote } from './note.js';
import { environmentOf, type SourceRef } from './targets.js';
import { checkCommitStatus } from './witness.js';
import type { GateName } from '../core/evidence.js';
import type { GitHubClient } from '../github/octokit.js';
import type { RegistryClient } from '../registry/client.js';
import type { ImageName } from '../registry/reference.js';
import type { KeyObject } from 'node:crypto';

export interface PromoteLog {
  info(line: string): void;
  warning(line: string): void;
}

export interface PromoteRequest {
  client: RegistryClient;
  image: ImageName;
  source: SourceRef;
  targets: PromotionTarget[];
  expectedDigest?: string;
  publicKey?: KeyObject;
  requiredGates: GateName[];
  /** Absent without a github-token: then an unsigned attestation cannot be witnessed, and there is no release or deployment. */
  github?: GitHubClient;
  /** owner/name of this workflow's repository. */
  repository: string;
  serverUrl: string;
  runUrl?: string;
  dispatchedBy: string[];
  release?: string;
  deployment: boolean;
  log: PromoteLog;
}

export interface PromoteOutputs {
  digest: string;
  image: string;
  'previous-digest': string;
  revision: string;
  'release-url': string;
  'deployment-id': string;
}

export type PromoteOutcome = { ok: true; outputs: PromoteOutputs; note: string } | { ok: false; reasons: string[]; note: string; digest?: string };

/** A refusal decided inside the retag (the source tag moved, the destination does not verify). */
class Refusal extends Error {}

function referenceOf(image: ImageName, t: PromotionTarget): string {
  return `${image.registry}/${t.repository}:${t.tag}`;
}

function refuse(req: PromoteRequest, reasons: string[], extra: { digest?: string; criteria?: string[]; lookups?: string[] } = {}): PromoteOutcome {
  req.log.info('REFUSED:');
  for (const r of reasons) req.log.info(`  - ${r}`);
  const from =
    req.source.kind === 'tag'
      ? `${req.image.registry}/${req.image.repository}:${req.source.tag}`
      : `${req.image.registry}/${req.image.repository}@${req.source.digest}`;
  const note = renderRefusalNote({
    image: `${req.image.registry}/${req.image.repository}`,
    from,
    ...(extra.digest ? { digest: extra.digest } : {}),
    reasons,
    criteria: extra.criteria ?? [],
    lookups: extra.lookups ?? [],
    unchanged: req.targets.map((t) => referenceOf(req.image, t)),
  });
  return { ok: false, reasons, note, ...(extra.digest ? { digest: extra.digest } : {}) };
}

/** The checks beyond the attestation itself: the bundle's repository, and the second witness when unsigned. */
async function extraChecks(req: PromoteRequest, digest: string, verified: VerifyResult): Promise<{ reasons: string[]; witness?: string }> {
  const bundle = verified.attestation!.bundle;
  const reasons: string[] = [];
  if (!sameRepository(bundle.repository, req.repository))
    reasons.push(`the attested evidence is about ${bundle.repository}, not this repository ${req.repository}`);
  if (req.publicKey) return { reasons };
  if (!req.github)
    return {
      reasons: [
        ...reasons,
        'the attestation is unsigned and there is no github-token to read the commit status that must witness it: set public-key, or github-token',
      ],
    };
  const witness = await checkCommitStatus(req.github, req.repository, bundle.commitSha, digest);
  if (!witness.ok) reasons.push(witness.reason);
  return { reasons, witness: witness.reason };
}

function criteriaOf(req: PromoteRequest, verified: VerifyResult, digest: string): string[] {
  const criteria = [...verified.criteria, `the evidence bundle is about this repository (${req.repository})`];
  if (!req.publicKey)
    criteria.push(`the "release-safety" commit status on the attested commit is success and names ${digest} (second witness for an unsigned attestation)`);
  if (req.expectedDigest)
    criteria.push(
      `${req.source.kind === 'tag' ? `the tag ${req.source.tag}` : 'from'} resolves to expected-digest ${req.expectedDigest}, at resolve time and again just before the retag`,
    );
  if (req.targets.some((t) => t.repository !== req.image.repository))
    criteria.push('targets in another repository: blobs cross-mounted, evidence referrer copied, and the copy verified there before any tag moves');
  criteria.push('every target tag reads back, hashed, as the verified digest; on any mismatch every target is restored');
  return criteria;
}

async function resolveSource(req: PromoteRequest): Promise<string> {
  if (req.source.kind === 'digest') return req.source.digest;
  return req.client.resolveDigest(req.image.repository, req.source.tag);
}

/** Verifies the copy at each other repository and, with expected-digest, that the source tag has not moved. */
function lastChecks(req: PromoteRequest, digest: string): () => Promise<void> {
  return async () => {
    if (req.expectedDigest && req.source.kind === 'tag') {
      const now = await req.client.resolveDigest(req.image.repository, req.source.tag);
      if (now !== req.expectedDigest)
        throw new Refusal(
          `${req.image.repository}:${req.source.tag} moved to ${now} after it was resolved to ${digest}; expected-digest is ${req.expectedDigest}: the tag moved, nothing was retagged`,
        );
    }
    for (const repository of new Set(req.targets.map((t) => t.repository).filter((r) => r !== req.image.repository))) {
      const there = await verifyImageEvidence({
        client: req.client,
        repository,
        digest,
        ...(req.publicKey ? { publicKey: req.publicKey } : {}),
        requiredGates: req.requiredGates,
      });
      if (!there.ok) throw new Refusal(`the copy in ${repository} does not verify: ${there.reasons.join('; ')}`);
      req.log.info(`verified at the destination ${repository}: attestation ${there.attestation?.referrerDigest ?? ''}`);
    }
  };
}

async function startDeployment(
  req: PromoteRequest,
  digest: string,
  previousDigest: string,
  bundleSha256: string,
  revision: string,
): Promise<DeploymentRef | undefined> {
  if (!req.deployment) return undefined;
  if (!req.github) throw new Error('deployment: true needs github-token');
  const ref = await createDeployment(req.github, {
    repository: req.repository,
    sha: revision,
    environment: environmentOf(req.targets),
    payload: { digest, previousDigest, bundleSha256 },
    description: `promote ${digest}`,
  });
  await setDeploymentStatus(req.github, ref, { state: 'in_progress', description: `retagging ${digest}`, ...(req.runUrl ? { logUrl: req.runUrl } : {}) });
  req.log.info(`deployment ${ref.id} in ${environmentOf(req.targets)}: in_progress`);
  return ref;
}

export async function promote(req: PromoteRequest): Promise<PromoteOutcome> {
  const { client, image } = req;
  const digest = await resolveSource(req);
  req.log.info(`resolved ${req.source.kind === 'tag' ? `${image.repository}:${req.source.tag}` : 'from'} -> ${digest} (once; everything below is by digest)`);
  const manifest = await client.getManifest(image.repository, digest);
  const verified = await verifyImageEvidence({
    client,
    repository: image.repository,
    digest,
    manifest,
    ...(req.publicKey ? { publicKey: req.publicKey } : {}),
    requiredGates: req.requiredGates,
  });
  const criteria = criteriaOf(req, verified, digest);
  req.log.info('criteria enforced:');
  for (const c of criteria) req.log.info(`  - ${c}`);
  req.log.info('lookups:');
  for (const l of verified.lookups) req.log.info(`  - ${l}`);
  const reasons = [...verified.reasons];
  if (req.expectedDigest && digest !== req.expectedDigest) reasons.unshift(`from resolved to ${digest}, not expected-digest ${req.expectedDigest}`);
  let witness: string | undefined;
  if (reasons.length === 0 && verified.attestation) {
    const extra = await extraChecks(req, digest, verified);
    reasons.push(...extra.reasons);
    witness = extra.witness;
  }
  if (reasons.length > 0 || !verified.ok || !verified.attestation)
    return refuse(req, reasons.length > 0 ? reasons : ['the attestation did not verify'], { digest, criteria, lookups: verified.lookups });
  const attestation = verified.attestation;
  const revision = attestation.bundle.commitSha;
  req.log.info(
    `verified: attestation ${attestation.referrerDigest}, ${attestation.signed ? 'signed' : 'UNSIGNED (witnessed by the commit status)'}, commit ${revision}, bundle ${attestation.bundle.sha256}`,
  );

  const previousFirst = await client.getManifest(req.targets[0]!.repository, req.targets[0]!.tag).then(
    (m) => m.digest,
    () => '',
  );
  const deployment = await startDeployment(req, digest, previousFirst, attestation.bundle.sha256, revision);
  let retag: RetagResult;
  try {
    retag = await retagManifest({
      client,
      repository: image.repository,
      manifest,
      targets: req.targets,
      beforePut: lastChecks(req, digest),
      log: (l) => req.log.info(l),
    });
  } catch (error) {
    if (deployment && req.github)
      await setDeploymentStatus(req.github, deployment, {
        state: 'failure',
        description: (error as Error).message,
        ...(req.runUrl ? { logUrl: req.runUrl } : {}),
      });
    if (error instanceof Refusal) return refuse(req, [error.message], { digest, criteria, lookups: verified.lookups });
    throw error;
  }
  if (deployment && req.github) {
    await setDeploymentStatus(req.github, deployment, {
      state: 'success',
      description: `${digest} under ${req.targets.map((t) => t.tag).join(', ')}`,
      ...(req.runUrl ? { logUrl: req.runUrl } : {}),
    });
    req.log.info(`deployment ${deployment.id}: success`);
  }
  const previousDigest = retag.targets[0]?.previousDigest ?? '';
  const note = renderPromotionNote({
    image: `${image.registry}/${image.repository}`,
    digest,
    platforms: platformDigests(manifest.bytes),
    targets: retag.targets.map((t) => ({ reference: referenceOf(image, t), ...(t.previousDigest ? { previousDigest: t.previousDigest } : {}) })),
    revision,
    repository: req.repository,
    serverUrl: req.serverUrl,
    ...(req.runUrl ? { runUrl: req.runUrl } : {}),
    dispatchedBy: req.dispatchedBy,
    signed: attestation.signed,
    ...(witness ? { witness } : {}),
    bundle: attestation.bundle,
    requiredGates: req.requiredGates,
    criteria,
    lookups: verified.lookups,
    referrerDigest: attestation.referrerDigest,
    ...(previousDigest ? { previousDigest } : {}),
  });
  let releaseUrl = '';
  if (req.release) {
    if (!req.github) throw new Error('release needs github-token');
    const bundleText = Buffer.from(serializeBundle(attestation.bundle));
    const published = await publishRelease(req.github, {
      repository: req.repository,
      tag: req.release,
      sha: revision,
      name: req.release,
      body: note,
      bundle: bundleText,
      bundleSha256: attestation.bundle.sha256,
    });
    releaseUrl = published.url;
    req.log.info(`release ${req.release}: ${published.url} (asset ${published.assetName}${published.assetUploaded ? ' uploaded' : ' already there'})`);
  }
  const outputs: PromoteOutputs = {
    digest,
    image: `${image.registry}/${image.repository}@${digest}`,
    'previous-digest': previousDigest,
    revision,
    'release-url': releaseUrl,
    'deployment-id': deployment ? String(deployment.id) : '',
  };
  return { ok: true, outputs, note };
}
