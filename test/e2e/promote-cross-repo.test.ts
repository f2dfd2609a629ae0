/**
 * The promote action bundle with a `to` in another repository of the same registry: every blob
 * is cross-mounted (the counting proxy sees no blob upload with a body), the child manifests and
 * the evidence referrer are copied, and the copy verifies at the destination.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverEvidence } from '../../src/attest/discover.js';
import { verifyImageEvidence } from '../../src/attest/verify.js';
import { GATES } from '../../src/core/evidence.js';
import { startGitHubApi, type GitHubApi } from '../../src/local/github-api.js';
import { randomSha } from '../../src/local/harness.js';
import { startRegistryProxy, type RegistryProxy } from '../../src/local/registry-proxy.js';
import { startRegistry, type LocalRegistry } from '../../src/local/registry.js';
import { RegistryClient } from '../../src/registry/client.js';
import { attachSigned, cleanupRuns, runPromote, skopeoDigest } from './promote-action-fixtures.js';
import { evidenceBundle, makeKeyPair, pushTinyIndex, skopeoRaw } from './promote-fixtures.js';

describe('promote action: to another repository of the same registry', () => {
  let registry: LocalRegistry;
  let proxy: RegistryProxy;
  let api: GitHubApi;
  let storage: string;
  const keys = makeKeyPair();

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startRegistryProxy(registry.port);
    api = await startGitHubApi();
    storage = mkdtempSync(join(tmpdir(), 'rs-promote-xrepo-storage-'));
  });
  afterAll(async () => {
    await api?.stop();
    await proxy?.stop();
    await registry?.stop();
    rmSync(storage, { recursive: true, force: true });
    cleanupRuns();
  });

  it('mounts the blobs, copies the index and the referrer, verifies at the destination, then tags', async () => {
    const rev = randomSha();
    pushTinyIndex(storage, registry.host, 'acme/ci-images', 'ci', rev);
    const direct = new RegistryClient({ registry: registry.host });
    const { digest, referrerDigest } = await attachSigned(direct, 'acme/ci-images', 'ci', (d) => evidenceBundle(d, rev), keys.privateKey);
    proxy.reset();
    const run = await runPromote(
      { image: `${proxy.host}/acme/ci-images`, to: 'acme/released:prod', 'public-key': keys.publicPem, 'github-token': 'ghs_write' },
      { apiUrl: api.url },
    );
    expect(run.exitCode, run.stdout).toBe(0);
    expect(skopeoDigest(`${registry.host}/acme/released:prod`)).toBe(digest);
    const index = JSON.parse(skopeoRaw(`${registry.host}/acme/released:prod`).toString('utf8')) as { manifests: { digest: string }[] };
    for (const child of index.manifests) expect(skopeoDigest(`${registry.host}/acme/released@${child.digest}`)).toBe(child.digest);

    const traffic = proxy.traffic();
    const blobWrites = traffic.log.filter((r) => r.path.includes('/blobs/') && r.method !== 'GET' && r.method !== 'HEAD');
    expect(blobWrites.length).toBeGreaterThan(0);
    expect(blobWrites.every((r) => r.method === 'POST' && r.path === '/v2/acme/released/blobs/uploads/' && r.bodyBytes === 0)).toBe(true);
    expect(traffic.log.filter((r) => r.path.includes('/blobs/') && r.bodyBytes > 0)).toEqual([]);
    // Layers and configs are never read: only manifests, the attestation's bundle blob and image configs for the label check.
    expect(traffic.bytes.blobs).toBeLessThan(64 * 1024);

    const found = await discoverEvidence(direct, 'acme/released', digest);
    expect(found.descriptors.map((d) => d.digest)).toEqual([referrerDigest]);
    const there = await verifyImageEvidence({ client: direct, repository: 'acme/released', digest, publicKey: keys.publicKey, requiredGates: GATES });
    expect(there.reasons).toEqual([]);
    expect(run.stdout).toContain(`verified at the destination acme/released: attestation ${referrerDigest}`);
    expect(run.stdout.indexOf('verified at the destination')).toBeLessThan(run.stdout.indexOf('acme/released:prod -> '));
  });
});
