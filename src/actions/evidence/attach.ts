/**
 * `attach: true`: pushes the evidence bundle as an attestation (an in-toto statement in a DSSE
 * envelope in a Sigstore bundle, an OCI 1.1 referrer) onto the image digest the image record names.
 * Signed when `signing-key` is given, unsigned otherwise (and the summary says so).
 *
 * The bundle is attached whatever its verdict: a failing bundle is the honest record of that
 * digest, and promotion refuses it because a required gate did not pass. Attaching is refused
 * (status error, nothing pushed) when there is no pushed, verified image record to attach to.
 */
import { attachStatements, type AttachedStatement, type AttachResult } from '../../attest/attach.js';
import { loadSigningKey } from '../../attest/dsse.js';
import { cosignCommand, manualVerificationScript } from '../../attest/manual.js';
import { createStatement, PREDICATE_TYPE } from '../../attest/statement.js';
import { readSupplyChain, type NamedArtifacts, type SupplyChainKind } from '../../attest/supply-chain.js';
import { parseImageDetails } from '../../core/details.js';
import { ConfigurationError, ToolError, errorMessage } from '../../core/errors.js';
import { md } from '../../core/markdown.js';
import { RegistryClient, RegistryError } from '../../registry/client.js';
import { DIGEST_PATTERN, isLoopbackRegistry, parseImageName, type ImageName } from '../../registry/reference.js';
import type { EvidenceBundle } from '../../core/bundle.js';
import type { Evidence } from '../../core/evidence.js';
import type { PathRoots } from '../../core/paths.js';
import type { KeyObject } from 'node:crypto';

export interface AttachTarget extends ImageName {
  digest: string;
  /** The provenance and SBOM the image record says it wrote beside itself (sha256 of their bytes). */
  named: NamedArtifacts;
}

export interface AttachOptions {
  bundle: EvidenceBundle;
  target: AttachTarget;
  signingKey?: KeyObject;
  username: string;
  password: string;
  insecure: boolean;
  onSecret: (value: string) => void;
  /** Where the records were found: the provenance and SBOM are looked for there too. */
  evidenceDir: string | undefined;
  roots: PathRoots;
}

export interface AttachedSupplyChain extends AttachedStatement {
  kind: SupplyChainKind;
  file: string;
}

export type AttachOutcome = ({ ok: true; image: string; supplyChain: AttachedSupplyChain[]; notes: string[] } & AttachResult) | { ok: false; problem: string };

/** The `provenance-digest` and `sbom-digest` outputs: the referrer digests, '' when not attached. */
export function supplyChainOutputs(outcome: AttachOutcome | undefined): Record<'provenance-digest' | 'sbom-digest', string> {
  const of = (kind: SupplyChainKind) => (outcome?.ok ? (outcome.supplyChain.find((s) => s.kind === kind)?.referrerDigest ?? '') : '');
  return { 'provenance-digest': of('provenance'), 'sbom-digest': of('sbom') };
}

/** The signing key, read before anything is pushed; a malformed key names the input (never its text). */
export function readSigningKey(pem: string): KeyObject | undefined {
  return pem.trim() === '' ? undefined : loadSigningKey(pem, 'signing-key');
}

/** registry/repository of the `image` input; '' = take the image record's. */
export function readImagePin(value: string): ImageName | undefined {
  if (value.trim() === '') return undefined;
  try {
    return parseImageName(value);
  } catch (error) {
    throw new ConfigurationError(`input "image" ${errorMessage(error)}: expected registry/repository (e.g. ghcr.io/acme/service) or empty`);
  }
}

/**
 * Where the attestation goes: the image record's pushed, registry-verified digest. Pure; the
 * problem says why there is no target (the caller reports attach as error and pushes nothing).
 */
export function attachTarget(records: readonly Evidence[], pin: ImageName | undefined): { ok: true; target: AttachTarget } | { ok: false; problem: string } {
  const record = records.find((r) => r.gate === 'image');
  if (!record)
    return {
      ok: false,
      problem: 'the evidence has no valid image record about the head commit: run the image gate (with push) before the evidence action, or set attach: false',
    };
  const parsed = parseImageDetails(record.details);
  if (!parsed.ok) return { ok: false, problem: `the image record cannot be read: ${parsed.problem}` };
  const d = parsed.details;
  if (!d.pushed)
    return {
      ok: false,
      problem: `the image record says the image was not pushed and verified in a registry (status ${record.status}): there is no digest in a registry to attach to`,
    };
  if (!DIGEST_PATTERN.test(d.digest)) return { ok: false, problem: `the image record's digest ${JSON.stringify(d.digest)} is not sha256:<64 hex>` };
  let name: ImageName;
  try {
    name = parseImageName(d.image);
  } catch (error) {
    return { ok: false, problem: `the image record's image ${JSON.stringify(d.image)} ${errorMessage(error)}` };
  }
  if (d.ref !== '' && d.ref !== `${d.image}@${d.digest}`)
    return { ok: false, problem: `the image record contradicts itself: ref ${JSON.stringify(d.ref)} is not ${d.image}@${d.digest}` };
  if (pin && (pin.registry !== name.registry || pin.repository !== name.repository)) {
    return {
      ok: false,
      problem: `the image record names ${name.registry}/${name.repository}, not ${pin.registry}/${pin.repository} (input "image"): nothing is attached, no credentials are sent`,
    };
  }
  const named: NamedArtifacts = {
    ...(d.provenance ? { provenance: { sha256: d.provenance.sha256 } } : {}),
    ...(d.sbom ? { sbom: { sha256: d.sbom.sha256 } } : {}),
  };
  return { ok: true, target: { ...name, digest: d.digest, named } };
}

/**
 * Pushes the evidence attestation and, beside it, the provenance and SBOM the image record names.
 * Both files are read and validated before any request: a wrong one is a problem and nothing is
 * pushed. Registry and target problems come back as a problem, never thrown.
 */
export async function attachEvidence(opts: AttachOptions): Promise<AttachOutcome> {
  const { registry, repository, digest } = opts.target;
  try {
    const supply = readSupplyChain(opts.evidenceDir, opts.roots, opts.target.named, { name: `${registry}/${repository}`, digest });
    const client = new RegistryClient({
      registry,
      insecure: opts.insecure,
      onSecret: opts.onSecret,
      ...(opts.username !== '' || opts.password !== '' ? { credentials: { username: opts.username, password: opts.password } } : {}),
    });
    // The subject descriptor needs the manifest's media type and size: fetched by digest, hashed by the client.
    const manifest = await client.getManifest(repository, digest);
    const evidence = createStatement(`${registry}/${repository}`, manifest.digest, opts.bundle);
    const { attached } = await attachStatements({
      client,
      repository,
      subject: { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length },
      statements: [{ label: 'evidence', payload: Buffer.from(JSON.stringify(evidence)), predicateType: PREDICATE_TYPE }, ...supply.statements],
      ...(opts.signingKey ? { signingKey: opts.signingKey } : {}),
    });
    const [main, ...rest] = attached;
    const supplyChain = rest.map((a, i) => ({ ...a, kind: supply.statements[i]!.kind, file: supply.statements[i]!.file }));
    const signed = opts.signingKey !== undefined;
    return {
      ok: true,
      image: `${registry}/${repository}@${digest}`,
      referrerDigest: main!.referrerDigest,
      bundleBytes: main!.bundleBytes,
      envelope: main!.envelope,
      signed,
      via: main!.via,
      indexAttempts: main!.indexAttempts,
      supplyChain,
      notes: supply.notes,
    };
  } catch (error) {
    if (error instanceof RegistryError || error instanceof ConfigurationError || error instanceof ToolError) return { ok: false, problem: error.message };
    throw error;
  }
}

const KIND_NAME: Record<SupplyChainKind, string> = { provenance: 'provenance (SLSA v1)', sbom: 'SBOM (CycloneDX)' };

/** The summary section: the referrer, signed or not, and how to check it without this suite. */
export function renderAttachment(outcome: AttachOutcome, target: AttachTarget | undefined, insecure: boolean): string {
  if (!outcome.ok) return `\n### Attestation: error\n\nNothing was attached: ${md(outcome.problem)}\n`;
  const image = `${target!.registry}/${target!.repository}`;
  const how = outcome.signed
    ? 'signed with ECDSA P-256 (`signing-key`)'
    : '**unsigned** (input `signing-key` is empty): a promotion that requires a public key refuses it; without one it needs the commit status as a second witness';
  const lines = [
    '',
    '### Attestation',
    '',
    `| referrer | image | stored via | signature |`,
    '| --- | --- | --- | --- |',
    `| \`${outcome.referrerDigest}\` | \`${image}@${target!.digest}\` | ${outcome.via === 'referrers-api' ? 'the referrers API' : `the referrers tag index \`${target!.digest.replace(':', '-')}\``} | ${how} |`,
    '',
    ...renderSupplyChain(outcome),
  ];
  if (outcome.signed) {
    const plainHttp = insecure || isLoopbackRegistry(target!.registry);
    lines.push(
      'Verify it by hand with the public key in `pub.pem` (skopeo, jq, openssl):',
      '',
      '```sh',
      manualVerificationScript({ image, digest: target!.digest, referrerDigest: outcome.referrerDigest, plainHttp }),
      '```',
      '',
      'or with cosign, or with this suite:',
      '',
      '```sh',
      cosignCommand(image, target!.digest),
      ...outcome.supplyChain.map((a) => cosignCommand(image, target!.digest, a.predicateType)),
      `npx release-safety verify ${image}@${target!.digest} --key pub.pem`,
      '```',
      '',
    );
  }
  return lines.join('\n');
}

/** The provenance and SBOM rows: each referrer, the file it came from, signed or not; or why there are none. */
function renderSupplyChain(outcome: Extract<AttachOutcome, { ok: true }>): string[] {
  const signature = outcome.signed ? 'signed with the same key' : '**unsigned** (no `signing-key`)';
  const lines = ['### Provenance and SBOM', ''];
  if (outcome.supplyChain.length > 0) {
    lines.push('| attestation | referrer | from | predicate type | signature |', '| --- | --- | --- | --- | --- |');
    for (const a of outcome.supplyChain)
      lines.push(`| ${KIND_NAME[a.kind]} | \`${a.referrerDigest}\` | \`${md(a.file)}\` | \`${a.predicateType}\` | ${signature} |`);
    lines.push('');
  } else lines.push('No provenance and no SBOM were attached.', '');
  for (const note of outcome.notes) lines.push(`- ${md(note)}`);
  if (outcome.notes.length > 0) lines.push('');
  return lines;
}
