/**
 * The in-toto Statement v1 that carries an evidence bundle: the subject is the image (its
 * repository and the sha256 of its top manifest, the index digest for a multi-platform image),
 * the predicate is the `release-safety/bundle@1` document itself.
 */
import { z } from 'zod';
import { parseBundle, serializeBundle, type EvidenceBundle } from '../core/bundle.js';
import { ConfigurationError } from '../core/errors.js';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/**
 * The predicate type of "release-safety evidence bundle v1". Stable: readers select attestations
 * by it (`cosign verify-attestation --type` takes it as is).
 */
export const PREDICATE_TYPE = 'https://release-safety.dev/evidence-bundle/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex characters');

export const statementSchema = z.object({
  _type: z.literal(STATEMENT_TYPE),
  subject: z
    .array(z.object({ name: z.string().min(1).max(500), digest: z.object({ sha256: hex64 }).catchall(z.string().max(200)) }))
    .min(1)
    .max(16),
  predicateType: z.string().url().max(500),
  predicate: z.unknown(),
});
export type Statement = z.infer<typeof statementSchema>;

export interface EvidenceStatement {
  statement: Statement;
  bundle: EvidenceBundle;
}

/** `name` is registry/repository of the image; `digest` its sha256:<hex> digest. */
export function createStatement(name: string, digest: string, bundle: EvidenceBundle): Statement {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new ConfigurationError(`the attested digest ${JSON.stringify(digest)} is not sha256:<64 hex>`);
  // The predicate is the bundle as it was hashed: a reader re-verifies its hashes with parseBundle.
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name, digest: { sha256: digest.slice(7) } }],
    predicateType: PREDICATE_TYPE,
    predicate: JSON.parse(serializeBundle(bundle)) as unknown,
  };
}

/** Validates untrusted statement bytes; the predicate must be a bundle whose hashes verify. */
export function parseEvidenceStatement(payload: Buffer, source: string): EvidenceStatement {
  let data: unknown;
  try {
    data = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new ConfigurationError(`the attestation payload of ${source} is not JSON: expected an in-toto Statement v1`);
  }
  const result = statementSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigurationError(
      `the attestation payload of ${source} is not an in-toto Statement v1: field "${issue?.path.join('.') || '(root)'}" ${issue?.message ?? ''}`.trim(),
    );
  }
  const statement = result.data;
  if (statement.predicateType !== PREDICATE_TYPE) {
    throw new ConfigurationError(`the attestation of ${source} has predicateType ${JSON.stringify(statement.predicateType)}, not ${PREDICATE_TYPE}`);
  }
  const bundle = parseBundle(JSON.stringify(statement.predicate), `in the attestation of ${source}`);
  return { statement, bundle };
}

/** Every sha256:<hex> digest the statement names as its subject. */
export function subjectDigests(statement: Statement): string[] {
  return statement.subject.map((s) => `sha256:${s.digest.sha256}`);
}
