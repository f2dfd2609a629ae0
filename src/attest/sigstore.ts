/**
 * The Sigstore bundle v0.3 that holds the DSSE envelope, as cosign v3 stores attestations: key
 * material is a public-key hint only (no certificate), no transparency-log entry, no timestamp.
 */
import { z } from 'zod';
import { ConfigurationError } from '../core/errors.js';
import { envelopeSchema, type DsseEnvelope } from './dsse.js';

export const SIGSTORE_BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

export const sigstoreBundleSchema = z.object({
  mediaType: z.literal(SIGSTORE_BUNDLE_MEDIA_TYPE),
  verificationMaterial: z.object({
    publicKey: z.object({ hint: z.string().max(500) }).optional(),
    tlogEntries: z.array(z.unknown()).max(16).optional(),
    timestampVerificationData: z.unknown().optional(),
  }),
  dsseEnvelope: envelopeSchema,
});
export type SigstoreBundle = z.infer<typeof sigstoreBundleSchema>;

export function wrapEnvelope(envelope: DsseEnvelope): SigstoreBundle {
  return {
    mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: envelope.signatures[0]?.keyid ?? '' }, tlogEntries: [] },
    dsseEnvelope: envelope,
  };
}

export function parseSigstoreBundle(bytes: Buffer, source: string): SigstoreBundle {
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ConfigurationError(`${source} is not JSON: expected a Sigstore bundle (${SIGSTORE_BUNDLE_MEDIA_TYPE})`);
  }
  const result = sigstoreBundleSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigurationError(
      `${source} is not a Sigstore bundle v0.3 with a DSSE envelope: field "${issue?.path.join('.') || '(root)'}" ${issue?.message ?? ''}`.trim(),
    );
  }
  return result.data;
}
