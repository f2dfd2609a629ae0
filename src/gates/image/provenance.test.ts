import { describe, expect, it } from 'vitest';
import { provenanceStatement, SLSA_PROVENANCE_V1 } from './provenance.js';

interface Shape {
  _type: string;
  subject: unknown;
  predicateType: string;
  predicate: { buildDefinition: { externalParameters: Record<string, unknown>; resolvedDependencies: unknown[] }; runDetails: { builder: { id: string } } };
}

const HEAD = '0123456789abcdef0123456789abcdef01234567';
const D = `sha256:${'b'.repeat(64)}`;
const BASE = `sha256:${'c'.repeat(64)}`;

describe('provenanceStatement', () => {
  const facts = {
    image: 'ghcr.io/acme/service',
    digest: D,
    repositoryUrl: 'https://github.com/acme/service',
    ref: 'refs/pull/7/merge',
    headSha: HEAD,
    dockerfilePath: 'Dockerfile',
    dockerfileSha256: 'd'.repeat(64),
    target: 'runtime',
    platforms: ['linux/amd64'],
    buildArgs: [
      ['BASE_IMAGE', 'ghcr.io/acme/node:20'],
      ['NPM_TOKEN', 'npm_s3cr3t'],
    ] as [string, string][],
    secretIds: ['npmrc'],
    bases: [{ line: 2, written: '${BASE_IMAGE}', reference: 'ghcr.io/acme/node:20', registry: 'ghcr.io', repository: 'acme/node', tag: '20', digest: BASE }],
    builder: { name: 'buildah', version: '1.28.2' },
    runUrl: 'https://github.com/acme/service/actions/runs/42',
    startedOn: '2026-01-01T00:00:00.000Z',
    finishedOn: '2026-01-01T00:01:00.000Z',
  };
  it('is an in-toto v1 statement of the image digest with a SLSA v1 predicate naming source, Dockerfile and base digests', () => {
    const s = provenanceStatement(facts) as unknown as Shape;
    expect(s._type).toBe('https://in-toto.io/Statement/v1');
    expect(s.subject).toEqual([{ name: 'ghcr.io/acme/service', digest: { sha256: 'b'.repeat(64) } }]);
    expect(s.predicateType).toBe(SLSA_PROVENANCE_V1);
    expect(s.predicate.buildDefinition.externalParameters).toMatchObject({
      source: { repository: 'https://github.com/acme/service', ref: 'refs/pull/7/merge', revision: HEAD },
      dockerfile: { path: 'Dockerfile', sha256: 'd'.repeat(64) },
      target: 'runtime',
      secrets: ['npmrc'],
    });
    expect(s.predicate.buildDefinition.resolvedDependencies).toEqual([
      { uri: 'git+https://github.com/acme/service@refs/pull/7/merge', digest: { gitCommit: HEAD } },
      { uri: 'oci://ghcr.io/acme/node:20', name: 'ghcr.io/acme/node:20', digest: { sha256: 'c'.repeat(64) }, annotations: { pinned: false, line: 2 } },
    ]);
    expect(s.predicate.runDetails.builder.id).toBe(facts.runUrl);
  });
  it('a build arg named like a credential is named, never valued', () => {
    const s = provenanceStatement(facts) as unknown as Shape;
    expect(s.predicate.buildDefinition.externalParameters.buildArgs).toEqual({ BASE_IMAGE: 'ghcr.io/acme/node:20' });
    expect(s.predicate.buildDefinition.externalParameters.redactedBuildArgs).toEqual(['NPM_TOKEN']);
    expect(JSON.stringify(s)).not.toContain('npm_s3cr3t');
  });
});
