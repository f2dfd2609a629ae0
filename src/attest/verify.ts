/**
 * Verifies that an image digest carries passing evidence: the attestation is found by digest,
 * its DSSE signature verifies with the given public key (or it is reported unsigned), its
 * statement names this digest, every required gate passed in its bundle, and the image's
 * org.opencontainers.image.revision (every platform of an index) is the bundle's head SHA.
 * Used by the promote action and by the command line (`release-safety verify`).
 */
import { ConfigurationError } from '../core/errors.js';
import { judgeRelease } from '../core/release.js';
import { RegistryError, type Manifest, type RegistryClient } from '../registry/client.js';
import { inspectImage, registrySource, type ImageFacts } from '../registry/inspect.js';
import { discoverEvidence } from './discover.js';
import { decodeBase64, verifyEnvelope } from './dsse.js';
import { parseSigstoreBundle, SIGSTORE_BUNDLE_MEDIA_TYPE } from './sigstore.js';
import { IN_TOTO_PAYLOAD_TYPE, parseEvidenceStatement, PREDICATE_TYPE, subjectDigests } from './statement.js';
import type { EvidenceBundle } from '../core/bundle.js';
import type { GateName } from '../core/evidence.js';
import type { KeyObject } from 'node:crypto';

export const REVISION_LABEL = 'org.opencontainers.image.revision';
/** At most this many attestations of one digest are examined. */
const MAX_CANDIDATES = 20;

export interface VerifyRequest {
  client: RegistryClient;
  repository: string;
  digest: string;
  /** The image's manifest, when already fetched by digest. */
  manifest?: Manifest;
  /** When set, only an attestation with a signature that verifies with it is accepted. */
  publicKey?: KeyObject;
  requiredGates: readonly GateName[];
  /** Oldest a record in the attestation may be (default 90 days). */
  maxAgeMs?: number;
}

export interface AcceptedAttestation {
  referrerDigest: string;
  bundle: EvidenceBundle;
  signed: boolean;
  /** The key hint of the signature that verified (a hint, never trusted). */
  keyid?: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Why the digest is refused; empty when ok. */
  reasons: string[];
  /** What was enforced, in order, for the log before the verdict. */
  criteria: string[];
  lookups: string[];
  attestation?: AcceptedAttestation;
  facts?: ImageFacts;
  revision?: string;
}

/** How old the evidence of a promoted image may be unless the caller says otherwise. */
export const DEFAULT_MAX_EVIDENCE_AGE_MS = 90 * 24 * 3600_000;

export function criteriaFor(req: Pick<VerifyRequest, 'digest' | 'publicKey' | 'requiredGates'>): string[] {
  return [
    `an attestation (${SIGSTORE_BUNDLE_MEDIA_TYPE}, predicate ${PREDICATE_TYPE}) attached to ${req.digest}`,
    req.publicKey
      ? 'its DSSE signature verifies with public-key (ECDSA P-256 over the PAE bytes)'
      : 'unsigned attestations accepted only with the commit status as a second witness (no public-key given)',
    `its in-toto subject is ${req.digest}, and its evidence bundle's record and bundle hashes verify`,
    `required gates passed in the bundle: ${req.requiredGates.join(', ')}`,
    `every image's ${REVISION_LABEL} label equals the bundle's head SHA`,
  ];
}

type Candidate = { ok: true; attestation: AcceptedAttestation } | { ok: false; reason: string };

async function checkCandidate(req: VerifyRequest, referrerDigest: string): Promise<Candidate> {
  const { client, repository, digest } = req;
  const manifest = await client.getManifest(repository, referrerDigest);
  const m = JSON.parse(manifest.bytes.toString('utf8')) as { subject?: { digest?: unknown }; layers?: { mediaType?: unknown; digest?: unknown }[] };
  if (m.subject?.digest !== digest) return { ok: false, reason: `referrer ${referrerDigest} hangs on ${String(m.subject?.digest)}, not ${digest}` };
  const layer = m.layers?.find((l) => l.mediaType === SIGSTORE_BUNDLE_MEDIA_TYPE);
  if (!layer || typeof layer.digest !== 'string') return { ok: false, reason: `referrer ${referrerDigest} has no Sigstore bundle layer` };
  const sigstore = parseSigstoreBundle(await client.getBlob(repository, layer.digest, 16 * 1024 * 1024), `the attestation ${referrerDigest}`);
  const envelope = sigstore.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    return { ok: false, reason: `attestation ${referrerDigest} has payloadType ${envelope.payloadType}, not ${IN_TOTO_PAYLOAD_TYPE}` };
  let keyid: string | undefined;
  if (req.publicKey) {
    const check = verifyEnvelope(envelope, req.publicKey);
    if (!check.ok) return { ok: false, reason: `attestation ${referrerDigest}: ${check.reason}` };
    keyid = check.keyid;
  }
  const { statement, bundle } = parseEvidenceStatement(decodeBase64(envelope.payload, 'the DSSE payload'), `attestation ${referrerDigest}`);
  const subjects = subjectDigests(statement);
  if (!subjects.includes(digest))
    return { ok: false, reason: `attestation ${referrerDigest} is for ${subjects.join(', ')}, not ${digest}: an attestation for another digest` };
  if (bundle.digest !== undefined && bundle.digest !== digest)
    return { ok: false, reason: `the evidence bundle in ${referrerDigest} is about ${bundle.digest}, not ${digest}` };
  // Promotion happens long after the pull request: records may be old, but never older than the caller allows.
  const verdict = judgeRelease(
    bundle.records.map((r) => r.record),
    {
      digest,
      repository: bundle.repository,
      commitSha: bundle.commitSha,
      maxAgeMs: req.maxAgeMs ?? DEFAULT_MAX_EVIDENCE_AGE_MS,
      required: req.requiredGates,
    },
  );
  if (!verdict.ok) return { ok: false, reason: `attestation ${referrerDigest}: ${verdict.reasons.join('; ')}` };
  if (verdict.commitSha !== undefined && verdict.commitSha !== bundle.commitSha) {
    return { ok: false, reason: `attestation ${referrerDigest}: the records are about ${verdict.commitSha}, the bundle about ${bundle.commitSha}` };
  }
  return {
    ok: true,
    attestation: { referrerDigest, bundle, signed: envelope.signatures.length > 0 && keyid !== undefined, ...(keyid !== undefined ? { keyid } : {}) },
  };
}

/** Every platform image's revision label must be the attested head SHA; an index with no image never passes. */
export function revisionProblems(facts: ImageFacts, digest: string, headSha: string): string[] {
  const entries = Object.entries(facts.labels);
  if (entries.length === 0) return [`${digest} lists no images: there is no ${REVISION_LABEL} label to check`];
  return entries
    .filter(([, labels]) => labels[REVISION_LABEL] !== headSha)
    .map(
      ([platform, labels]) =>
        `the ${platform} image of ${digest} has ${REVISION_LABEL}=${labels[REVISION_LABEL] ?? '(none)'}, not the attested head SHA ${headSha}`,
    );
}

export async function verifyImageEvidence(req: VerifyRequest): Promise<VerifyResult> {
  const criteria = criteriaFor(req);
  const manifest = req.manifest ?? (await req.client.getManifest(req.repository, req.digest));
  if (manifest.digest !== req.digest) throw new RegistryError(`the manifest given hashes to ${manifest.digest}, not ${req.digest}`, 'mismatch');
  const discovery = await discoverEvidence(req.client, req.repository, req.digest);
  const base = { criteria, lookups: discovery.lookups };
  if (discovery.descriptors.length === 0) {
    return { ...base, ok: false, reasons: [`no evidence attestation is attached to ${req.digest} (lookups: ${discovery.lookups.join('; ')})`] };
  }
  const reasons: string[] = [];
  let accepted: AcceptedAttestation | undefined;
  for (const d of discovery.descriptors.slice(0, MAX_CANDIDATES)) {
    let result: Candidate;
    try {
      result = await checkCandidate(req, d.digest);
    } catch (error) {
      // A malformed or altered attestation refuses this candidate; a registry failure means no judgement.
      if (!(error instanceof ConfigurationError)) throw error;
      result = { ok: false, reason: error.message };
    }
    if (result.ok) {
      accepted = result.attestation;
      break;
    }
    reasons.push(result.reason);
  }
  if (!accepted) return { ...base, ok: false, reasons };
  const facts = await inspectImage(registrySource(req.client, req.repository), manifest);
  const problems = revisionProblems(facts, req.digest, accepted.bundle.commitSha);
  return { ...base, ok: problems.length === 0, reasons: problems, attestation: accepted, facts, revision: accepted.bundle.commitSha };
}
