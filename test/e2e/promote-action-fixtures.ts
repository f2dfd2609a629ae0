/**
 * What the promote action's end-to-end tests share: a ci image with an attestation attached the
 * way the evidence action attaches it (or deliberately wrong ones), the digest of a tag as skopeo
 * sees it, and a run of dist/promote through the runner harness.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { addToReferrersTagIndex, attachAttestation, buildAttestation } from '../../src/attest/attach.js';
import { buildReferrerManifest, EMPTY_CONFIG_BYTES } from '../../src/attest/referrer.js';
import { createBundle, type EvidenceBundle } from '../../src/core/bundle.js';
import { runAction, type ActionRun } from '../../src/local/harness.js';
import { pushBlob } from '../../src/registry/content.js';
import { MEDIA_TYPES } from '../../src/registry/reference.js';
import { sampleRulesDetails } from '../fixtures/evidence.js';
import { evidenceBundle, skopeoRaw } from './promote-fixtures.js';
import type { RegistryClient } from '../../src/registry/client.js';

export const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** The digest a tag names, as an independent client (skopeo) reads it: the sha256 of the raw bytes. */
export function skopeoDigest(reference: string, creds?: string): string {
  return sha256(skopeoRaw(reference, creds));
}

/** skopeo's digest of a tag, or undefined when the tag does not exist. */
export function skopeoDigestOrNone(reference: string, creds?: string): string | undefined {
  try {
    return skopeoDigest(reference, creds);
  } catch {
    return undefined;
  }
}

export async function subjectOf(client: RegistryClient, repo: string, tag: string) {
  const manifest = await client.getManifest(repo, tag);
  return { manifest, subject: { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length } };
}

/** Attaches the evidence attestation the way the evidence action does. */
export async function attachSigned(client: RegistryClient, repo: string, tag: string, bundle: (digest: string) => EvidenceBundle, key?: KeyObject) {
  const { manifest, subject } = await subjectOf(client, repo, tag);
  const result = await attachAttestation({ client, repository: repo, subject, bundle: bundle(manifest.digest), ...(key ? { signingKey: key } : {}) });
  return { digest: manifest.digest, referrerDigest: result.referrerDigest };
}

/** Attaches arbitrary Sigstore bundle bytes as a referrer of `tag` (for forged or altered attestations). */
export async function attachRaw(client: RegistryClient, repo: string, tag: string, bundleBytes: Buffer): Promise<string> {
  const { subject } = await subjectOf(client, repo, tag);
  const referrer = buildReferrerManifest(bundleBytes, subject);
  await pushBlob(client, repo, EMPTY_CONFIG_BYTES);
  await pushBlob(client, repo, bundleBytes);
  await client.pushManifest(repo, referrer.digest, referrer.bytes, MEDIA_TYPES.ociManifest);
  await addToReferrersTagIndex(client, repo, subject.digest, referrer.descriptor, 3);
  return subject.digest;
}

export { buildAttestation };

const homes = new Set<string>();
const workspaces = new Set<string>();

export async function runPromote(inputs: Record<string, string>, opts: { apiUrl: string; env?: Record<string, string>; event?: unknown }): Promise<ActionRun> {
  const workspace = mkdtempSync(join(tmpdir(), 'rs-promote-ws-'));
  workspaces.add(workspace);
  const result = await runAction('promote', {
    workspace,
    eventName: 'workflow_dispatch',
    event: opts.event ?? { inputs: {}, sender: { login: 'release-manager', id: 1, type: 'User' } },
    inputs,
    env: { GITHUB_API_URL: opts.apiUrl, ...opts.env },
    timeoutMs: 120_000,
  });
  homes.add(dirname(result.runnerTemp));
  return result;
}

/** Removes every workspace and runner home the runs above created. */
export function cleanupRuns(): void {
  for (const dir of [...homes, ...workspaces]) rmSync(dir, { recursive: true, force: true });
  homes.clear();
  workspaces.clear();
}

/** Markdown as a reader sees it: the HTML entities md() writes turned back into characters. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/<\/?code>/g, '')
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * Pushes a label-only OCI image (config and manifest, no layers) with the suite's own client: for
 * registries whose auth flow buildah cannot take over plain http (the bearer-token flow on loopback).
 */
export async function pushLabelImage(client: RegistryClient, repo: string, tag: string, revision: string): Promise<string> {
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: { 'org.opencontainers.image.revision': revision } },
      rootfs: { type: 'layers', diff_ids: [] },
    }),
  );
  await pushBlob(client, repo, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [],
    }),
  );
  return client.putManifest(repo, tag, manifest, MEDIA_TYPES.ociManifest);
}

/**
 * A passing bundle whose rules and alerts records carry the details those gates write (rule tests
 * that fire and stay silent, a live drill outcome): what the release note's alert evidence shows.
 */
export function releaseBundle(digest: string, commitSha: string): EvidenceBundle {
  const plain = evidenceBundle(digest, commitSha);
  const records = plain.records.map((e) => {
    if (e.record.gate === 'rules') {
      const alerts = [
        {
          name: 'AppHigh5xxErrorRate',
          severity: 'critical',
          file: 'rules/service.yml',
          line: 4,
          tested: true,
          fires: [{ test: 'errors fire', evalTime: '10m', labels: {} }],
          silent: [{ test: 'quiet stays silent', evalTime: '10m' }],
        },
      ];
      return { ...e.record, details: sampleRulesDetails({ alerts }) };
    }
    if (e.record.gate === 'alerts')
      return {
        ...e.record,
        details: { alerts: [{ alert: 'AppHigh5xxErrorRate', scenario: '5xx errors', expected: 'fire', outcome: 'fired', firingAfterMs: 61_000 }] },
      };
    return e.record;
  });
  return createBundle(records, {
    repository: plain.repository,
    commitSha: plain.commitSha,
    digest,
    verdict: plain.verdict,
    requiredGates: plain.requiredGates,
    reasons: plain.reasons,
    ...(plain.run ? { run: plain.run } : {}),
  });
}
