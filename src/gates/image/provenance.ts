/**
 * The SLSA v1 provenance of a built image, as an in-toto Statement v1: what was built (the image
 * digest), from what (the repository at the PR head SHA, the Dockerfile by sha256, each base image
 * by the digest it resolved to), how (builder, target, platforms, build args except secret-looking
 * ones, secret ids only) and by whom (the run). Written beside the evidence record, so the evidence
 * action can attach it to the image as a referrer; pure apart from writeJsonArtifact.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { STATEMENT_TYPE } from '../../attest/statement.js';
import type { BaseImage } from './base-images.js';

export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
/** What the external parameters below mean: this gate's build, versioned with the suite. */
export const BUILD_TYPE = 'https://release-safety.dev/image-build/v1';

/** Build args whose names say they carry a credential: named in the provenance, never valued. */
const SECRET_LOOKING = /token|secret|passw(or)?d|credential|api_?key|private_?key|auth/i;

export interface ProvenanceFacts {
  image: string;
  digest: string;
  /** https://github.com/owner/name */
  repositoryUrl: string;
  ref: string;
  headSha: string;
  dockerfilePath: string;
  dockerfileSha256: string;
  target?: string;
  platforms: readonly string[];
  buildArgs: readonly [string, string][];
  secretIds: readonly string[];
  bases: readonly BaseImage[];
  builder: { name: string; version: string };
  /** The run URL on GitHub; without one (a local run) the suite's own builder id. */
  runUrl?: string;
  startedOn: string;
  finishedOn: string;
}

export function provenanceStatement(f: ProvenanceFacts): Record<string, unknown> {
  const buildArgs: Record<string, string> = {};
  const redacted: string[] = [];
  for (const [k, v] of f.buildArgs) {
    if (SECRET_LOOKING.test(k)) redacted.push(k);
    else buildArgs[k] = v;
  }
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: f.image, digest: { sha256: f.digest.replace(/^sha256:/, '') } }],
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: BUILD_TYPE,
        externalParameters: {
          source: { repository: f.repositoryUrl, ref: f.ref, revision: f.headSha },
          dockerfile: { path: f.dockerfilePath, sha256: f.dockerfileSha256 },
          ...(f.target ? { target: f.target } : {}),
          platforms: f.platforms,
          buildArgs,
          ...(redacted.length > 0 ? { redactedBuildArgs: redacted } : {}),
          secrets: f.secretIds,
        },
        internalParameters: { builder: f.builder.name, builderVersion: f.builder.version },
        resolvedDependencies: [
          { uri: `git+${f.repositoryUrl}@${f.ref}`, digest: { gitCommit: f.headSha } },
          ...f.bases.map((b) => ({
            uri: `oci://${b.registry}/${b.repository}${b.tag ? `:${b.tag}` : ''}`,
            name: b.reference,
            digest: b.digest ? { sha256: b.digest.replace(/^sha256:/, '') } : {},
            annotations: { pinned: Boolean(b.pinned), line: b.line, ...(b.problem ? { unresolved: b.problem } : {}) },
          })),
        ],
      },
      runDetails: {
        builder: { id: f.runUrl ?? 'https://release-safety.dev/image-gate/local', version: { [f.builder.name]: f.builder.version } },
        metadata: { ...(f.runUrl ? { invocationId: f.runUrl } : {}), startedOn: f.startedOn, finishedOn: f.finishedOn },
      },
    },
  };
}

/** Writes a JSON artifact (provenance, SBOM) and returns its path and sha256 of the exact bytes. */
export function writeJsonArtifact(path: string, value: unknown): { path: string; sha256: string } {
  const bytes = Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return { path, sha256: createHash('sha256').update(bytes).digest('hex') };
}
