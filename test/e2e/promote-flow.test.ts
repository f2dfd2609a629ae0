/**
 * The promote action bundle on a real docker-registry: the source tag retagged between resolve
 * and put, a two-platform index promoted whole, rollback to previous-digest (with and without
 * evidence), and malformed inputs rejected before a single request.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubApi, type GitHubApi } from '../../src/local/github-api.js';
import { randomSha } from '../../src/local/harness.js';
import { startRegistryProxy, type RegistryProxy } from '../../src/local/registry-proxy.js';
import { startRegistry, type LocalRegistry } from '../../src/local/registry.js';
import { RegistryClient } from '../../src/registry/client.js';
import { attachSigned, cleanupRuns, plainText, runPromote, skopeoDigest } from './promote-action-fixtures.js';
import { evidenceBundle, makeKeyPair, pushTinyImage, pushTinyIndex, skopeoRaw } from './promote-fixtures.js';

describe('promote action: races, indexes, rollback, malformed inputs', () => {
  let registry: LocalRegistry;
  let proxy: RegistryProxy;
  let api: GitHubApi;
  let storage: string;
  let direct: RegistryClient;
  const keys = makeKeyPair();
  /** Run before each request the proxy forwards; set per test. */
  let hook: ((r: { method: string; path: string }) => Promise<void>) | undefined;

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startRegistryProxy(registry.port, { beforeForward: (r) => hook?.(r) });
    api = await startGitHubApi();
    storage = mkdtempSync(join(tmpdir(), 'rs-promote-flow-storage-'));
    direct = new RegistryClient({ registry: registry.host });
  });
  afterAll(async () => {
    await api?.stop();
    await proxy?.stop();
    await registry?.stop();
    rmSync(storage, { recursive: true, force: true });
    cleanupRuns();
  });

  const inputs = (repo: string, extra: Record<string, string> = {}) => ({
    image: `${proxy.host}/${repo}`,
    'public-key': keys.publicPem,
    'github-token': 'ghs_write',
    ...extra,
  });

  /** ci at a signed image A, ci-b at a signed image B; the hook moves ci to B after the first manifest GET of ci. */
  async function racing(repo: string): Promise<{ a: string; b: string }> {
    const [revA, revB] = [randomSha(), randomSha()];
    pushTinyImage(storage, registry.host, repo, 'ci', revA);
    pushTinyImage(storage, registry.host, repo, 'ci-b', revB);
    const a = (await attachSigned(direct, repo, 'ci', (d) => evidenceBundle(d, revA), keys.privateKey)).digest;
    const b = (await attachSigned(direct, repo, 'ci-b', (d) => evidenceBundle(d, revB), keys.privateKey)).digest;
    let moved = false;
    hook = async (r) => {
      if (moved || r.method !== 'GET' || decodeURIComponent(r.path) !== `/v2/${repo}/manifests/${a}`) return;
      moved = true;
      const bManifest = await direct.getManifest(repo, 'ci-b');
      await direct.putManifest(repo, 'ci', bManifest.bytes, bManifest.mediaType);
    };
    return { a, b };
  }

  it('ci retagged between resolve and put: prod receives the verified digest, not the new one', async () => {
    const { a, b } = await racing('race');
    const run = await runPromote(inputs('race'), { apiUrl: api.url });
    hook = undefined;
    expect(run.exitCode, run.stdout).toBe(0);
    expect(skopeoDigest(`${registry.host}/race:ci`)).toBe(b);
    expect(skopeoDigest(`${registry.host}/race:prod`)).toBe(a);
    expect(run.outputs.digest).toBe(a);
  });

  it('ci retagged between resolve and put with expected-digest: refused, prod unchanged', async () => {
    const { a } = await racing('race-expected');
    pushTinyImage(storage, registry.host, 'race-expected', 'prod', randomSha());
    const oldProd = skopeoDigest(`${registry.host}/race-expected:prod`);
    const run = await runPromote(inputs('race-expected', { 'expected-digest': a }), { apiUrl: api.url });
    hook = undefined;
    expect(run.exitCode, run.stdout).toBe(1);
    expect(run.stdout).toMatch(/the tag moved, nothing was retagged/);
    expect(skopeoDigest(`${registry.host}/race-expected:prod`)).toBe(oldProd);
  });

  it('expected-digest that from does not resolve to: refused', async () => {
    const rev = randomSha();
    pushTinyImage(storage, registry.host, 'expected', 'ci', rev);
    await attachSigned(direct, 'expected', 'ci', (d) => evidenceBundle(d, rev), keys.privateKey);
    const run = await runPromote(inputs('expected', { 'expected-digest': `sha256:${'0'.repeat(64)}` }), { apiUrl: api.url });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/not expected-digest sha256:0{64}/);
  });

  it('a two-platform index is promoted whole: same digest, both platforms under prod', async () => {
    const rev = randomSha();
    pushTinyIndex(storage, registry.host, 'multiarch', 'ci', rev);
    const { digest } = await attachSigned(direct, 'multiarch', 'ci', (d) => evidenceBundle(d, rev), keys.privateKey);
    const run = await runPromote(inputs('multiarch'), { apiUrl: api.url });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(skopeoDigest(`${registry.host}/multiarch:prod`)).toBe(digest);
    const index = JSON.parse(skopeoRaw(`${registry.host}/multiarch:prod`).toString('utf8')) as {
      mediaType: string;
      manifests: { digest: string; platform: { architecture: string } }[];
    };
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests.map((m) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
    for (const m of index.manifests) expect(plainText(run.summary)).toContain(`linux/${m.platform.architecture}: ${m.digest}`);
  });

  it('rollback: promoting previous-digest works when it carries evidence, and is refused when it does not', async () => {
    const [rev1, rev2] = [randomSha(), randomSha()];
    pushTinyImage(storage, registry.host, 'rollback', 'ci', rev1);
    const v1 = (await attachSigned(direct, 'rollback', 'ci', (d) => evidenceBundle(d, rev1), keys.privateKey)).digest;
    expect((await runPromote(inputs('rollback'), { apiUrl: api.url })).exitCode).toBe(0);
    pushTinyImage(storage, registry.host, 'rollback', 'ci', rev2);
    const v2 = (await attachSigned(direct, 'rollback', 'ci', (d) => evidenceBundle(d, rev2), keys.privateKey)).digest;
    const second = await runPromote(inputs('rollback'), { apiUrl: api.url });
    expect(second.outputs['previous-digest']).toBe(v1);
    expect(plainText(second.summary)).toContain(`from = ${v1}`);
    const back = await runPromote(inputs('rollback', { from: second.outputs['previous-digest']! }), { apiUrl: api.url });
    expect(back.exitCode, back.stdout).toBe(0);
    expect(skopeoDigest(`${registry.host}/rollback:prod`)).toBe(v1);
    expect(back.outputs['previous-digest']).toBe(v2);

    // prod at an image without evidence (pushed by hand), then a promotion over it: rolling back to it is refused.
    pushTinyImage(storage, registry.host, 'rollback', 'prod', randomSha());
    const unattested = skopeoDigest(`${registry.host}/rollback:prod`);
    const over = await runPromote(inputs('rollback', { from: v2 }), { apiUrl: api.url });
    expect(over.outputs['previous-digest']).toBe(unattested);
    const refused = await runPromote(inputs('rollback', { from: unattested }), { apiUrl: api.url });
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toMatch(/no evidence attestation is attached to/);
    expect(skopeoDigest(`${registry.host}/rollback:prod`)).toBe(v2);
  });

  it.each([
    ['image', { image: 'Not A/Image' }, /input "image"/],
    ['image with a tag', { image: '127.0.0.1:1/acme/service:ci' }, /input "image" must not contain a tag/],
    ['from', { from: 'ci;rm -rf /' }, /input "from" is not a tag/],
    ['from digest', { from: 'sha256:1234' }, /input "from" is not a digest/],
    ['to', { to: 'prod\nbad tag' }, /input "to" has "bad tag"/],
    ['to another registry', { to: 'ghcr.io/acme/x:prod' }, /names another registry/],
    ['release', { release: '1.2.3' }, /input "release" is not a release tag: expected vMAJOR\.MINOR\.PATCH/],
    ['expected-digest', { 'expected-digest': 'sha256:nope' }, /input "expected-digest"/],
  ])('malformed %s: rejected before any request', async (_name, bad, message) => {
    proxy.reset();
    const apiRequests = api.requests.length;
    const run = await runPromote({ ...inputs('malformed'), ...bad }, { apiUrl: api.url });
    expect(run.exitCode).toBe(1);
    expect(run.stdout + run.stderr).toMatch(message);
    expect(proxy.traffic().requests).toBe(0);
    expect(api.requests.length).toBe(apiRequests);
  });
});
