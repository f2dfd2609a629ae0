/**
 * Fixtures for the attestation and promotion tests: tiny images from scratch pushed with buildah,
 * evidence records and bundles for a digest, and a throwaway ECDSA P-256 key pair.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createBundle, type EvidenceBundle } from '../../src/core/bundle.js';
import { EVIDENCE_SCHEMA, GATES, type Evidence, type GateName, type GateStatus } from '../../src/core/evidence.js';
import { buildah } from '../../src/local/base-image.js';
import { REVISION_LABEL } from '../../src/registry/promote.js';
import { sampleRulesDetails, sampleTestDetails } from '../fixtures/evidence.js';

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  privatePem: string;
  publicPem: string;
}

export function makeKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKey,
    publicKey,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Pushes a label-only image (no layers) for one platform; returns nothing, the tag names it. */
export function pushTinyImage(storage: string, host: string, repo: string, tag: string, revision: string, opts: { arch?: string; creds?: string } = {}): void {
  const arch = opts.arch ?? 'amd64';
  const ctr = buildah(storage, ['from', 'scratch']);
  buildah(storage, ['config', '--label', `${REVISION_LABEL}=${revision}`, '--os', 'linux', '--arch', arch, ctr]);
  const local = `localhost/${repo.replace(/\//g, '-')}-${arch}:${tag}`;
  buildah(storage, ['commit', '--format', 'oci', ctr, local]);
  buildah(storage, ['rm', ctr]);
  buildah(storage, ['push', '--tls-verify=false', ...(opts.creds ? ['--creds', opts.creds] : []), local, `docker://${host}/${repo}:${tag}`]);
}

/** A two-platform index of tiny images under `tag`. */
export function pushTinyIndex(
  storage: string,
  host: string,
  repo: string,
  tag: string,
  revision: string,
  revisions: Partial<Record<'amd64' | 'arm64', string>> = {},
): void {
  for (const arch of ['amd64', 'arm64'] as const) pushTinyImage(storage, host, repo, `${tag}-${arch}`, revisions[arch] ?? revision, { arch });
  const list = `localhost/${repo.replace(/\//g, '-')}-list:${tag}`;
  buildah(storage, ['manifest', 'create', list]);
  for (const arch of ['amd64', 'arm64']) buildah(storage, ['manifest', 'add', '--tls-verify=false', list, `docker://${host}/${repo}:${tag}-${arch}`]);
  buildah(storage, ['manifest', 'push', '--all', '--format', 'oci', '--tls-verify=false', list, `docker://${host}/${repo}:${tag}`]);
  buildah(storage, ['manifest', 'rm', list]);
}

export function record(gate: GateName, commitSha: string, opts: { status?: GateStatus; digest?: string } = {}): Evidence {
  return {
    schema: EVIDENCE_SCHEMA,
    gate,
    status: opts.status ?? 'pass',
    summary: `${gate} ${opts.status ?? 'pass'}`,
    startedAt: new Date().toISOString(),
    durationMs: 12,
    subject: {
      repository: 'acme/service',
      commitSha,
      eventName: 'pull_request',
      prNumber: 7,
      runId: '4242',
      runUrl: 'https://github.com/acme/service/actions/runs/4242',
    },
    tool: { name: gate, version: '1.0.0' },
    metrics: {},
    findings: [],
    findingsTotal: 0,
    details:
      gate === 'image'
        ? imageDetails(opts.digest ?? '', commitSha)
        : gate === 'alerts'
          ? { alerts: [{ name: 'HighErrorRate', fired: true }] }
          : gate === 'test'
            ? sampleTestDetails()
            : gate === 'rules'
              ? sampleRulesDetails()
              : {},
  };
}

/** What the image gate records for a pushed, verified image (the shape src/core/details.ts checks). */
function imageDetails(digest: string, revision: string): Record<string, unknown> {
  return {
    builder: 'buildah',
    builderVersion: '1.28.2',
    image: '127.0.0.1/acme/app',
    digest,
    ref: `127.0.0.1/acme/app@${digest}`,
    tags: ['ci'],
    platforms: ['linux/amd64'],
    size: 1024,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    revision,
    pushed: true,
    verifiedBy: 'sha256 of the manifest the registry serves',
  };
}

/** A bundle with every gate passing for `digest` at `commitSha`, except the statuses given and the gates left out. */
export function evidenceBundle(
  digest: string,
  commitSha: string,
  opts: { statuses?: Partial<Record<GateName, GateStatus>>; omit?: GateName[] } = {},
): EvidenceBundle {
  const gates = GATES.filter((g) => !(opts.omit ?? []).includes(g));
  const records = gates.map((g) => record(g, commitSha, { status: opts.statuses?.[g] ?? 'pass', digest }));
  const failing = records.filter((r) => r.status !== 'pass');
  return createBundle(records, {
    repository: 'acme/service',
    commitSha,
    digest,
    verdict: failing.length === 0 ? 'pass' : 'fail',
    requiredGates: [...GATES],
    reasons: failing.map((r) => `${r.gate} is ${r.status}`),
    run: {
      id: '4242',
      attempt: '1',
      url: 'https://github.com/acme/service/actions/runs/4242',
      workflowRef: 'acme/service/.github/workflows/pr.yml@refs/pull/7/merge',
    },
  });
}

/** skopeo's raw bytes of a reference (an independent registry client). */
export function skopeoRaw(reference: string, creds?: string): Buffer {
  return execFileSync('skopeo', ['inspect', '--tls-verify=false', ...(creds ? ['--creds', creds] : []), '--raw', `docker://${reference}`], {
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}
