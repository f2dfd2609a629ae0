/**
 * The evidence bundle (`release-safety/bundle@1`): every gate's record with its own sha256, the
 * verdict, the commit and the image digest, hashed as a whole over canonical JSON. It is what the
 * evidence action writes (`bundle-path`), what the attestation's predicate carries, and what the
 * promote action and the CLI read back. Readers never trust it: `parseBundle` validates every
 * field and re-computes every hash.
 */

import { z } from 'zod';
import { ConfigurationError } from './errors.js';
import { canonicalJson, evidenceDigest, evidenceSchema, GATES, sha256Hex, type Evidence, type GateName } from './evidence.js';
import { readTextOrConfigurationError } from './files.js';
import { commitShaSchema, repositorySchema } from './identifiers.js';

export const BUNDLE_SCHEMA = 'release-safety/bundle@1';

const digestSchema = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'sha256:<64 hex>');

export const bundleEntrySchema = z.object({
  /** evidenceDigest(record): sha256 over the record's canonical JSON. */
  sha256: digestSchema,
  record: evidenceSchema,
});

export const bundleSchema = z.object({
  schema: z.literal(BUNDLE_SCHEMA),
  repository: repositorySchema,
  /** The commit the change is about: the PR head SHA, never the test merge commit. */
  commitSha: commitShaSchema,
  /** The image the records are about (the image gate's digest), when there is one. */
  digest: digestSchema.optional(),
  /** `repository@digest` of that image. */
  image: z.string().max(500).optional(),
  verdict: z.enum(['pass', 'fail', 'error']),
  requiredGates: z.array(z.enum(GATES)),
  /** Why the verdict is not pass, one line each. */
  reasons: z.array(z.string().max(2000)).max(200),
  run: z
    .object({
      id: z.string().max(40).optional(),
      attempt: z.string().max(10).optional(),
      url: z.string().url().max(1000).optional(),
      workflowRef: z.string().max(1000).optional(),
    })
    .optional(),
  createdAt: z.string().datetime({ offset: true }),
  records: z.array(bundleEntrySchema).max(100),
  /** sha256 over the canonical JSON of every other field of the bundle. */
  sha256: digestSchema,
});
export type EvidenceBundle = z.infer<typeof bundleSchema>;

export type BundleInput = Omit<EvidenceBundle, 'schema' | 'records' | 'sha256' | 'createdAt'> & { createdAt?: string };

function bundleHash(bundle: Omit<EvidenceBundle, 'sha256'>): string {
  return `sha256:${sha256Hex(canonicalJson(bundle))}`;
}

/** Records in gate order (then by start time), each with its own hash, and the bundle's hash over all. */
export function createBundle(records: readonly Evidence[], fields: BundleInput): EvidenceBundle {
  const order = (g: GateName) => GATES.indexOf(g);
  const sorted = [...records].sort((a, b) => order(a.gate) - order(b.gate) || a.startedAt.localeCompare(b.startedAt));
  const body: Omit<EvidenceBundle, 'sha256'> = {
    schema: BUNDLE_SCHEMA,
    ...fields,
    createdAt: fields.createdAt ?? new Date().toISOString(),
    records: sorted.map((record) => ({ sha256: evidenceDigest(record), record })),
  };
  return bundleSchema.parse({ ...body, sha256: bundleHash(body) });
}

/** Validates an untrusted bundle and verifies every record hash and the bundle hash. */
export function parseBundle(text: string, source: string): EvidenceBundle {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`evidence bundle ${source} is not JSON: expected a ${BUNDLE_SCHEMA} document`);
  }
  const result = bundleSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigurationError(
      `evidence bundle ${source} is not a valid ${BUNDLE_SCHEMA} document: field "${issue?.path.join('.') || '(root)'}" ${issue?.message ?? ''}`.trim(),
    );
  }
  const bundle = result.data;
  for (const [i, entry] of bundle.records.entries()) {
    const actual = evidenceDigest(entry.record);
    if (actual !== entry.sha256) {
      throw new ConfigurationError(
        `evidence bundle ${source}: record ${i} (${entry.record.gate}) hashes to ${actual}, not the ${entry.sha256} it carries: it was altered`,
      );
    }
  }
  const { sha256, ...body } = bundle;
  const actual = bundleHash(body);
  if (actual !== sha256) throw new ConfigurationError(`evidence bundle ${source} hashes to ${actual}, not the ${sha256} it carries: it was altered`);
  return bundle;
}

export function readBundle(path: string): EvidenceBundle {
  const text = readTextOrConfigurationError(path, `evidence bundle ${path}`);
  return parseBundle(text, path);
}

/** The JSON a reader gets: pretty, one trailing newline. */
export function serializeBundle(bundle: EvidenceBundle): string {
  return `${JSON.stringify(bundle, null, 2)}\n`;
}
