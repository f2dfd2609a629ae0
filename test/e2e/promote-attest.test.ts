import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachAttestation } from '../../src/attest/attach.js';
import { referrersTag } from '../../src/attest/referrer.js';
import { verifyImageEvidence } from '../../src/attest/verify.js';
import { GATES } from '../../src/core/evidence.js';
import { randomSha, REPO_ROOT } from '../../src/local/harness.js';
import { startRegistryProxy, type RegistryProxy } from '../../src/local/registry-proxy.js';
import { startRegistry, type LocalRegistry } from '../../src/local/registry.js';
import { RegistryClient } from '../../src/registry/client.js';
import { evidenceBundle, makeKeyPair, pushTinyImage, skopeoRaw } from './promote-fixtures.js';

describe('attestations on a real registry', () => {
  let registry: LocalRegistry;
  let proxy: RegistryProxy;
  let storage: string;
  const keys = makeKeyPair();

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startRegistryProxy(registry.port, { referrersApi: true });
    storage = mkdtempSync(join(tmpdir(), 'rs-attest-storage-'));
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
    rmSync(storage, { recursive: true, force: true });
  });

  async function attachTo(client: RegistryClient, repo: string, rev: string, beforeIndexWrite?: (n: number) => Promise<void>) {
    const manifest = await client.getManifest(repo, 'ci');
    const subject = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length };
    const result = await attachAttestation({
      client,
      repository: repo,
      subject,
      bundle: evidenceBundle(manifest.digest, rev),
      signingKey: keys.privateKey,
      ...(beforeIndexWrite ? { beforeIndexWrite } : {}),
    });
    return { manifest, result };
  }

  it('without a referrers API: the sha256-<hex> tag index lists it (skopeo), and it verifies', async () => {
    const rev = randomSha();
    pushTinyImage(storage, registry.host, 'svc', 'ci', rev);
    const client = new RegistryClient({ registry: registry.host });
    const { manifest, result } = await attachTo(client, 'svc', rev);
    expect(result.via).toBe('tag-index');
    const index = JSON.parse(skopeoRaw(`${registry.host}/svc:${referrersTag(manifest.digest)}`).toString()) as {
      manifests: { digest: string; artifactType: string }[];
    };
    expect(index.manifests.map((m) => m.digest)).toEqual([result.referrerDigest]);
    expect(index.manifests[0]!.artifactType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    const verified = await verifyImageEvidence({ client, repository: 'svc', digest: manifest.digest, publicKey: keys.publicKey, requiredGates: GATES });
    expect(verified.reasons).toEqual([]);
    expect(verified).toMatchObject({ ok: true, revision: rev, attestation: { signed: true } });
    const wrongKey = await verifyImageEvidence({
      client,
      repository: 'svc',
      digest: manifest.digest,
      publicKey: makeKeyPair().publicKey,
      requiredGates: GATES,
    });
    expect(wrongKey.ok).toBe(false);
    expect(wrongKey.reasons.join(' ')).toMatch(/signed by another key/);
  });

  it('npx release-safety verify (dist/cli): the criteria, then verified; another key refused; a tag instead of a digest is a usage error', async () => {
    const rev = randomSha();
    pushTinyImage(storage, registry.host, 'cli', 'ci', rev);
    const client = new RegistryClient({ registry: registry.host });
    const { manifest } = await attachTo(client, 'cli', rev);
    const dir = mkdtempSync(join(tmpdir(), 'rs-verify-keys-'));
    try {
      writeFileSync(join(dir, 'pub.pem'), keys.publicPem);
      writeFileSync(join(dir, 'other.pem'), makeKeyPair().publicPem);
      const cli = (...args: string[]) =>
        spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'release-safety.mjs'), 'verify', ...args], { encoding: 'utf8', timeout: 60_000 });
      const ok = cli(`${registry.host}/cli@${manifest.digest}`, '--key', join(dir, 'pub.pem'));
      expect(ok.status, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/criteria enforced:\n( {2}- .+\n)+/);
      expect(ok.stdout.indexOf('criteria enforced:')).toBeLessThan(ok.stdout.indexOf('verified:'));
      expect(ok.stdout).toContain(`commit ${rev}`);
      const other = cli(`${registry.host}/cli@${manifest.digest}`, '--key', join(dir, 'other.pem'));
      expect(other.status).toBe(1);
      expect(other.stdout).toMatch(/REFUSED:\n {2}- .*signed by another key/);
      const byTag = cli(`${registry.host}/cli:ci`, '--key', join(dir, 'pub.pem'));
      expect(byTag.status).toBe(2);
      expect(byTag.stderr).toContain('give the image by digest');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a concurrent writer between read and write: the lost update is detected, retried, and both entries kept', async () => {
    const rev = randomSha();
    pushTinyImage(storage, registry.host, 'race', 'ci', rev);
    const client = new RegistryClient({ registry: registry.host });
    const first = await attachTo(client, 'race', rev);
    let interfered = false;
    const second = await attachTo(client, 'race', rev, async () => {
      if (interfered) return;
      interfered = true;
      // Another writer replaces the index with one that lacks both our entries.
      await client.putManifest(
        'race',
        referrersTag(first.manifest.digest),
        Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] })),
        'application/vnd.oci.image.index.v1+json',
      );
    });
    expect(second.result.indexAttempts).toBe(1);
    const entries = (
      JSON.parse(skopeoRaw(`${registry.host}/race:${referrersTag(first.manifest.digest)}`).toString()) as { manifests: { digest: string }[] }
    ).manifests.map((m) => m.digest);
    expect(entries).toContain(second.result.referrerDigest);
  });

  it('with a referrers API (stand-in answering OCI-Subject): found through the API', async () => {
    const rev = randomSha();
    pushTinyImage(storage, registry.host, 'api', 'ci', rev);
    const client = new RegistryClient({ registry: proxy.host });
    const { manifest, result } = await attachTo(client, 'api', rev);
    expect(result.via).toBe('referrers-api');
    const verified = await verifyImageEvidence({ client, repository: 'api', digest: manifest.digest, publicKey: keys.publicKey, requiredGates: GATES });
    expect(verified.ok).toBe(true);
    expect(verified.lookups[0]).toMatch(/referrers API: 1 Sigstore bundle referrer/);
  });
});
