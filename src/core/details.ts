/**
 * The shape of each gate's `details` in its evidence record, for readers that act on them (the
 * release judgement, promotion). Records come from other jobs: a reader parses details through
 * these schemas and never reads `details.x` untyped. Extra fields (timings) are allowed.
 */
import { z } from 'zod';

export const digestSchema = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'sha256:<64 hex>');

/** A file the image gate wrote beside the evidence record: where it is and the sha256 of its bytes. */
const artifactSchema = z.object({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 hex') });

/** What the image gate records: the image, the digest it verified, where it pushed. */
export const imageDetailsSchema = z
  .object({
    builder: z.string(),
    builderVersion: z.string(),
    image: z.string(),
    /** The digest of the manifest the registry serves (or of the local layout when not pushed); '' when none. */
    digest: z.union([digestSchema, z.literal('')]),
    ref: z.string(),
    tags: z.array(z.string()),
    platforms: z.array(z.string()),
    size: z.number().nonnegative(),
    mediaType: z.string(),
    revision: z.string(),
    /** True only when the image was pushed and its digest re-read from the registry. */
    pushed: z.boolean(),
    verifiedBy: z.string(),
    /** Each FROM that names an image, with the digest it resolved to ('' when unknown). */
    baseImages: z
      .array(
        z.object({
          reference: z.string(),
          line: z.number().int().positive(),
          pinned: z.boolean(),
          digest: z.union([digestSchema, z.literal('')]),
          problem: z.string().optional(),
        }),
      )
      .optional(),
    dockerfileSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    /** The SLSA v1 provenance statement written beside the record (pass only). */
    provenance: artifactSchema.extend({ predicateType: z.string() }).loose().optional(),
    /** The CycloneDX SBOM written beside the record (pass only, unless sbom: false). */
    sbom: artifactSchema.extend({ format: z.string(), components: z.number().int().nonnegative() }).loose().optional(),
  })
  .loose();
export type ImageDetails = z.infer<typeof imageDetailsSchema>;

/** Parses an image record's details; the first problem, named, when they do not fit. */
export function parseImageDetails(details: unknown): { ok: true; details: ImageDetails } | { ok: false; problem: string } {
  const result = imageDetailsSchema.safeParse(details);
  if (result.success) return { ok: true, details: result.data };
  const issue = result.error.issues[0];
  return { ok: false, problem: `field "details.${issue?.path.join('.') ?? ''}" ${issue?.message ?? 'is invalid'}` };
}
