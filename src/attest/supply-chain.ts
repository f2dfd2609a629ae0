/**
 * The image's SLSA provenance and CycloneDX SBOM as attestations next to the evidence: read from
 * the evidence directory (the image gate writes them beside its record), validated, bound to the
 * image record by the sha256 it names for each, and turned into in-toto statements about the image
 * digest.
 *
 * Both go out as in-toto statements in DSSE envelopes in Sigstore bundles, each its own OCI
 * referrer, exactly like the evidence:
 * - provenance: the statement the gate wrote, its exact bytes as the DSSE payload (so the payload's
 *   sha256 is the one the image record names), predicate type https://slsa.dev/provenance/v1.
 * - SBOM: the CycloneDX document as the predicate of a statement whose subject is the image,
 *   predicate type https://cyclonedx.org/bom. That is what `cosign attest --type cyclonedx` writes
 *   and `cosign verify-attestation --type cyclonedx` selects (and the in-toto attestation
 *   framework's CycloneDX predicate URI). A bare `application/vnd.cyclonedx+json` artifact (what
 *   `oras attach` pushes) cannot carry a DSSE signature, so it could not be signed with the key that
 *   signs the evidence; docker buildx keeps its SBOMs inside the image index as attestation manifests
 *   (changing the index digest), which promotion by digest must not do.
 */
import { readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { z } from 'zod';
import { ConfigurationError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import { globInside, type PathRoots } from '../core/paths.js';
import { SLSA_PROVENANCE_V1 } from '../gates/image/provenance.js';
import { statementSchema, STATEMENT_TYPE } from './statement.js';
import type { StatementToAttach } from './attach.js';

export const PROVENANCE_PREDICATE_TYPE = SLSA_PROVENANCE_V1;
export const SBOM_PREDICATE_TYPE = 'https://cyclonedx.org/bom';
/** Larger than any SBOM of an image's packages; below what a DSSE envelope may hold on read (16 MiB of base64). */
export const MAX_SUPPLY_CHAIN_BYTES = 8 * 1024 * 1024;

const PROVENANCE_GLOB = '**/*.provenance.json';
const SBOM_GLOB = '**/*.sbom.cdx.json';

/** The image the statements must be about. */
export interface SupplyChainSubject {
  /** registry/repository */
  name: string;
  /** sha256:<hex> */
  digest: string;
}

/** What the image record says it wrote: the sha256 of each file's exact bytes. */
export interface NamedArtifacts {
  provenance?: { sha256: string };
  sbom?: { sha256: string };
}

export type SupplyChainKind = 'provenance' | 'sbom';

export interface SupplyChainStatement extends StatementToAttach {
  kind: SupplyChainKind;
  /** The file it came from, relative to the evidence directory. */
  file: string;
}

export interface SupplyChain {
  statements: SupplyChainStatement[];
  /** Why a kind is not attached when that is not an error (none written, not named by the record). */
  notes: string[];
}

/** SLSA v1 provenance: the fields a reader needs; the rest is kept as written. */
const slsaPredicateSchema = z
  .object({
    buildDefinition: z.object({ buildType: z.string().min(1), externalParameters: z.unknown() }).loose(),
    runDetails: z.object({ builder: z.object({ id: z.string().min(1) }).loose() }).loose(),
  })
  .loose();

const cycloneDxSchema = z
  .object({
    bomFormat: z.literal('CycloneDX'),
    specVersion: z.string().regex(/^1\.\d+$/, 'a CycloneDX spec version such as 1.6'),
    components: z.array(z.object({ type: z.string(), name: z.string() }).loose()).optional(),
    metadata: z
      .object({ properties: z.array(z.object({ name: z.string(), value: z.string().optional() }).loose()).optional() })
      .loose()
      .optional(),
  })
  .loose();

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `field "${issue?.path.join('.') || '(root)'}" ${issue?.message ?? 'is invalid'}`;
}

function parseJsonFile(bytes: Buffer, file: string, expected: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ConfigurationError(`${file} is not JSON: expected ${expected}`);
  }
}

/** Validates the provenance bytes: an in-toto Statement v1, SLSA v1, about exactly the image digest. */
export function checkProvenance(bytes: Buffer, file: string, subject: SupplyChainSubject): void {
  const data = parseJsonFile(bytes, file, 'an in-toto Statement v1 with a SLSA v1 provenance predicate');
  const statement = statementSchema.safeParse(data);
  if (!statement.success) throw new ConfigurationError(`${file} is not an in-toto Statement v1: ${firstIssue(statement.error)}`);
  const s = statement.data;
  if (s.predicateType !== PROVENANCE_PREDICATE_TYPE)
    throw new ConfigurationError(`${file} has predicateType ${JSON.stringify(s.predicateType)}, not ${PROVENANCE_PREDICATE_TYPE}`);
  const predicate = slsaPredicateSchema.safeParse(s.predicate);
  if (!predicate.success) throw new ConfigurationError(`${file} is not SLSA v1 provenance: predicate ${firstIssue(predicate.error)}`);
  const hex = subject.digest.replace(/^sha256:/, '');
  const others = s.subject.filter((x) => x.digest.sha256 !== hex || x.name !== subject.name);
  if (others.length > 0) {
    const o = others[0]!;
    throw new ConfigurationError(
      `${file} is about ${o.name}@sha256:${o.digest.sha256}, not the image ${subject.name}@${subject.digest}: it is not this image's provenance, nothing is attached`,
    );
  }
}

/** Validates the SBOM bytes and returns the in-toto statement that attests it for the image. */
export function sbomStatementPayload(bytes: Buffer, file: string, subject: SupplyChainSubject): Buffer {
  const bom = cycloneDxSchema.safeParse(parseJsonFile(bytes, file, 'a CycloneDX JSON document'));
  if (!bom.success) throw new ConfigurationError(`${file} is not a CycloneDX JSON document: ${firstIssue(bom.error)}`);
  // The image gate names the image it describes; one naming another image is not this image's SBOM.
  const named = bom.data.metadata?.properties?.find((p) => p.name === 'release-safety:image')?.value;
  if (named !== undefined && named !== `${subject.name}@${subject.digest}`) {
    throw new ConfigurationError(`${file} describes ${named}, not the image ${subject.name}@${subject.digest}: nothing is attached`);
  }
  const statement = {
    _type: STATEMENT_TYPE,
    subject: [{ name: subject.name, digest: { sha256: subject.digest.replace(/^sha256:/, '') } }],
    predicateType: SBOM_PREDICATE_TYPE,
    predicate: bom.data,
  };
  return Buffer.from(JSON.stringify(statement));
}

interface Candidate {
  file: string;
  bytes: Buffer;
  sha256: string;
}

function candidates(dir: string, roots: PathRoots, glob: string): Candidate[] {
  return globInside([glob], { cwd: dir, roots }).map((path) => {
    const file = relative(dir, path).split('\\').join('/');
    const size = statSync(path).size;
    if (size > MAX_SUPPLY_CHAIN_BYTES)
      throw new ConfigurationError(`${file} is ${size} bytes, over the ${MAX_SUPPLY_CHAIN_BYTES}-byte limit for a provenance or SBOM`);
    const bytes = readFileSync(path);
    return { file, bytes, sha256: sha256Hex(bytes) };
  });
}

const WHAT: Record<SupplyChainKind, string> = { provenance: 'provenance', sbom: 'SBOM' };

/**
 * The file of one kind that the image record names, by the sha256 of its bytes. The evidence
 * directory may hold files from several artifact downloads; the record (inside the bundle, and so
 * inside the evidence attestation) is what binds a file to this image. A record naming a file that
 * is not there, or a file edited since, is an error; a file the record does not name is not
 * attached (the gate names them only when it passed), and a note says so.
 */
export function selectNamed(kind: SupplyChainKind, found: readonly Candidate[], named: { sha256: string } | undefined): { pick?: Candidate; note?: string } {
  const what = WHAT[kind];
  if (!named) {
    if (found.length === 0) return { note: `no ${what}: the image record names none and the evidence directory has none (image gate run without it)` };
    return {
      note: `${found.map((f) => f.file).join(', ')} not attached: the image record names no ${what} (the image gate did not pass, or the file is from another run)`,
    };
  }
  const pick = found.find((f) => f.sha256 === named.sha256);
  if (pick) return { pick };
  if (found.length === 0)
    throw new ConfigurationError(
      `the image record names a ${what} (sha256 ${named.sha256}) but the evidence directory has no ${kind === 'sbom' ? '*.sbom.cdx.json' : '*.provenance.json'} file: upload it with the image record`,
    );
  throw new ConfigurationError(
    `${found.map((f) => `${f.file} (sha256 ${f.sha256})`).join(', ')}: not the bytes the image record names for its ${what} (sha256 ${named.sha256}); changed after the image gate wrote it`,
  );
}

/** Reads, binds and validates the provenance and SBOM; a ConfigurationError naming the file when one is wrong. */
export function readSupplyChain(dir: string | undefined, roots: PathRoots, named: NamedArtifacts, subject: SupplyChainSubject): SupplyChain {
  const notes: string[] = [];
  const statements: SupplyChainStatement[] = [];
  const prov = selectNamed('provenance', dir ? candidates(dir, roots, PROVENANCE_GLOB) : [], named.provenance);
  if (prov.note) notes.push(prov.note);
  if (prov.pick) {
    checkProvenance(prov.pick.bytes, prov.pick.file, subject);
    statements.push({ kind: 'provenance', label: 'provenance', file: prov.pick.file, payload: prov.pick.bytes, predicateType: PROVENANCE_PREDICATE_TYPE });
  }
  const sbom = selectNamed('sbom', dir ? candidates(dir, roots, SBOM_GLOB) : [], named.sbom);
  if (sbom.note) notes.push(sbom.note);
  if (sbom.pick)
    statements.push({
      kind: 'sbom',
      label: 'SBOM',
      file: sbom.pick.file,
      payload: sbomStatementPayload(sbom.pick.bytes, sbom.pick.file, subject),
      predicateType: SBOM_PREDICATE_TYPE,
    });
  return { statements, notes };
}
