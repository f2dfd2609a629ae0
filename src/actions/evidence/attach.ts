/**
 * `attach: true`: pushes the evidence bundle as an attestation (DSSE in a Sigstore bundle, an OCI
 * referrer) onto the image digest the image gate recorded. Signed when `signing-key` is given.
 */
import type { EvidenceBundle } from '../../core/bundle.js';
import { ConfigurationError } from '../../core/errors.js';
import { attachAttestation, type AttachResult } from '../../attest/attach.js';
import { loadSigningKey } from '../../attest/dsse.js';
import { RegistryClient } from '../../registry/client.js';
import { DIGEST_PATTERN, parseImageName } from '../../registry/reference.js';

export interface AttachOptions {
  bundle: EvidenceBundle;
  /** The image record's reference (registry/repository[:tag][@digest]). */
  image?: string;
  digest?: string;
  signingKeyPem: string;
  username: string;
  password: string;
  insecure: boolean;
  onSecret: (value: string) => void;
}

/** registry/repository of a reference, tag and digest removed. */
export function imageRepository(ref: string): { registry: string; repository: string } {
  const withoutDigest = ref.split('@')[0]!;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const name = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
  try {
    return parseImageName(name);
  } catch (error) {
    throw new ConfigurationError(`input "attach": the image record names ${JSON.stringify(ref)}, whose repository ${(error as Error).message}`);
  }
}

export async function attachEvidence(opts: AttachOptions): Promise<AttachResult & { image: string }> {
  if (!opts.image || !opts.digest || !DIGEST_PATTERN.test(opts.digest)) {
    throw new ConfigurationError('input "attach" is true, but the evidence has no image record with a pushed digest and reference: run the image gate with push before the evidence action, or set attach: false');
  }
  const { registry, repository } = imageRepository(opts.image);
  const signingKey = opts.signingKeyPem !== '' ? loadSigningKey(opts.signingKeyPem, 'signing-key') : undefined;
  const client = new RegistryClient({
    registry,
    insecure: opts.insecure,
    onSecret: opts.onSecret,
    ...(opts.username !== '' || opts.password !== '' ? { credentials: { username: opts.username, password: opts.password } } : {}),
  });
  const manifest = await client.getManifest(repository, opts.digest);
  if (manifest.digest !== opts.digest) throw new ConfigurationError(`input "attach": ${registry}/${repository}@${opts.digest} served bytes hashing to ${manifest.digest}`);
  const result = await attachAttestation({
    client,
    repository,
    subject: { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length },
    bundle: opts.bundle,
    ...(signingKey ? { signingKey } : {}),
  });
  return { ...result, image: `${registry}/${repository}@${opts.digest}` };
}
