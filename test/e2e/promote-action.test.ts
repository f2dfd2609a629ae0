/**
 * The promote action bundle (dist/promote) on a real docker-registry and the test GitHub API:
 * a signed ci image promoted (digests compared by hashing skopeo's raw bytes, the attestation
 * still found from prod's digest, a deployment and a release recorded), and every refusal with
 * prod unchanged and the reason named.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverEvidence } from '../../src/attest/discover.js';
import { decodeBase64 } from '../../src/attest/dsse.js';
import { wrapEnvelope } from '../../src/attest/sigstore.js';
import { parseBundle } from '../../src/core/bundle.js';
import { startGitHubApi, type GitHubApi } from '../../src/local/github-api.js';
import { randomSha } from '../../src/local/harness.js';
import { startRegistry, type LocalRegistry } from '../../src/local/registry.js';
import { RegistryClient } from '../../src/registry/client.js';
import {
  attachRaw,
  attachSigned,
  buildAttestation,
  cleanupRuns,
  plainText,
  releaseBundle,
  runPromote,
  skopeoDigest,
  skopeoDigestOrNone,
} from './promote-action-fixtures.js';
import { evidenceBundle, makeKeyPair, pushTinyImage } from './promote-fixtures.js';

describe('promote action: signed promotion and refusals', () => {
  let registry: LocalRegistry;
  let api: GitHubApi;
  let storage: string;
  let client: RegistryClient;
  const keys = makeKeyPair();
  const otherKeys = makeKeyPair();

  beforeAll(async () => {
    registry = await startRegistry();
    api = await startGitHubApi();
    storage = mkdtempSync(join(tmpdir(), 'rs-promote-storage-'));
    client = new RegistryClient({ registry: registry.host });
  });
  afterAll(async () => {
    await api?.stop();
    await registry?.stop();
    rmSync(storage, { recursive: true, force: true });
    cleanupRuns();
  });

  /** A repository with `prod` at an old image and `ci` at a new one whose revision is `rev`. */
  function seed(repo: string, rev = randomSha()): { rev: string; oldProd: string } {
    pushTinyImage(storage, registry.host, repo, 'prod', randomSha());
    pushTinyImage(storage, registry.host, repo, 'ci', rev);
    return { rev, oldProd: skopeoDigest(`${registry.host}/${repo}:prod`) };
  }

  const base = (repo: string, extra: Record<string, string> = {}) => ({
    image: `${registry.host}/${repo}`,
    'public-key': keys.publicPem,
    'github-token': 'ghs_write',
    ...extra,
  });

  it('promotes a signed ci image: prod digest = ci digest (skopeo), referrer found from prod, deployment and release v1.2.3 recorded', async () => {
    const { rev, oldProd } = seed('signed');
    const { digest, referrerDigest } = await attachSigned(client, 'signed', 'ci', (d) => releaseBundle(d, rev), keys.privateKey);
    const run = await runPromote(base('signed', { deployment: 'true', release: 'v1.2.3' }), { apiUrl: api.url });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const prod = skopeoDigest(`${registry.host}/signed:prod`);
    expect(prod).toBe(skopeoDigest(`${registry.host}/signed:ci`));
    expect(prod).toBe(digest);
    expect(run.outputs).toMatchObject({ digest, image: `${registry.host}/signed@${digest}`, 'previous-digest': oldProd, revision: rev });
    // The attestation hangs on the digest: found from prod's digest, as skopeo computed it.
    const found = await discoverEvidence(client, 'signed', prod);
    expect(found.descriptors.map((d) => d.digest)).toEqual([referrerDigest]);
    // The criteria are printed before the verdict.
    expect(run.stdout.indexOf('criteria enforced:')).toBeGreaterThan(-1);
    expect(run.stdout.indexOf('criteria enforced:')).toBeLessThan(run.stdout.indexOf('verified: attestation'));
    // Deployment: created on the attested commit in prod, statuses in_progress then success, log_url the run.
    const deployment = api.state.deployments.find((d) => String(d.id) === run.outputs['deployment-id']);
    expect(deployment).toMatchObject({ sha: rev, environment: 'prod' });
    expect(deployment!.payload).toMatchObject({ digest, previousDigest: oldProd });
    const statuses = api.state.deploymentStatuses.filter((s) => s.deploymentId === deployment!.id).sort((a, b) => a.id - b.id);
    expect(statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(statuses[1]!.logUrl).toBe('https://github.com/acme/service/actions/runs/4242');
    // Release v1.2.3: the note as its body, the evidence bundle as an asset that re-verifies.
    const release = api.state.releases.find((r) => r.tagName === 'v1.2.3');
    expect(plainText(release?.body ?? '')).toContain(digest);
    expect(plainText(release?.body ?? '')).toContain(rev);
    expect(run.outputs['release-url']).toBe('https://github.com/acme/service/releases/tag/v1.2.3');
    const asset = api.state.assets.find((a) => a.releaseId === release!.id);
    const bundle = parseBundle(asset!.data.toString('utf8'), 'the release asset');
    expect((deployment!.payload as { bundleSha256: string }).bundleSha256).toBe(bundle.sha256);
    expect(bundle.digest).toBe(digest);
    // The job summary is the release note.
    for (const part of [
      digest,
      rev,
      '### Gates (from the attestation)',
      '### Alert evidence',
      'AppHigh5xxErrorRate',
      '5xx errors: fired in 61.0 s',
      'octocat',
      'release-manager',
      '### Verify by hand',
      '### Rollback',
      oldProd,
    ])
      expect(plainText(run.summary)).toContain(part);
    expect(run.summary).not.toContain('unsigned');
    expect(api.violations).toEqual([]);
  });

  async function expectRefused(repo: string, oldProd: string, inputs: Record<string, string>, reason: RegExp): Promise<void> {
    const run = await runPromote(base(repo, inputs), { apiUrl: api.url });
    expect(run.exitCode, run.stdout).toBe(1);
    expect(run.stdout).toMatch(reason);
    expect(run.summary).toMatch(/promotion refused/);
    expect(plainText(run.summary)).toMatch(reason);
    expect(run.stdout.indexOf('criteria enforced:')).toBeLessThan(run.stdout.indexOf('REFUSED:'));
    expect(skopeoDigest(`${registry.host}/${repo}:prod`)).toBe(oldProd);
    expect(run.outputs.image).toBe('');
  }

  it('refuses an image with no attestation', async () => {
    const { oldProd } = seed('none');
    await expectRefused('none', oldProd, {}, /no evidence attestation is attached to sha256:[0-9a-f]{64}/);
  });

  it('refuses an attestation signed by another key', async () => {
    const { rev, oldProd } = seed('otherkey');
    await attachSigned(client, 'otherkey', 'ci', (d) => evidenceBundle(d, rev), otherKeys.privateKey);
    await expectRefused('otherkey', oldProd, {}, /signed by another key, or altered after signing/);
  });

  it('refuses a payload altered after signing', async () => {
    const { rev, oldProd } = seed('altered');
    const digest = skopeoDigest(`${registry.host}/altered:ci`);
    const { envelope } = buildAttestation(`${registry.host}/altered`, digest, evidenceBundle(digest, rev), keys.privateKey);
    const statement = JSON.parse(decodeBase64(envelope.payload, 'p').toString('utf8')) as { subject: { name: string }[] };
    statement.subject[0]!.name = `${registry.host}/something-else`;
    const altered = { ...envelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') };
    await attachRaw(client, 'altered', 'ci', Buffer.from(JSON.stringify(wrapEnvelope(altered))));
    await expectRefused('altered', oldProd, {}, /altered after signing/);
  });

  it('refuses an attestation for another digest', async () => {
    const { rev, oldProd } = seed('otherdigest');
    const other = `sha256:${'ab'.repeat(32)}`;
    const { bundleBytes } = buildAttestation(`${registry.host}/otherdigest`, other, evidenceBundle(other, rev), keys.privateKey);
    await attachRaw(client, 'otherdigest', 'ci', bundleBytes);
    await expectRefused('otherdigest', oldProd, {}, /an attestation for another digest/);
  });

  it('refuses a failing required gate, and a missing one', async () => {
    const { rev, oldProd } = seed('failing');
    await attachSigned(client, 'failing', 'ci', (d) => evidenceBundle(d, rev, { statuses: { test: 'fail' } }), keys.privateKey);
    await expectRefused('failing', oldProd, {}, /test/);
    const missing = seed('missing');
    await attachSigned(client, 'missing', 'ci', (d) => evidenceBundle(d, missing.rev, { omit: ['alerts'] }), keys.privateKey);
    await expectRefused('missing', missing.oldProd, {}, /alerts/);
    // Not required: the same image promotes when alerts is left out of required-gates.
    const run = await runPromote(base('missing', { 'required-gates': 'lint,test,image,audit,secrets,rules' }), { apiUrl: api.url });
    expect(run.exitCode, run.stdout).toBe(0);
  });

  it("refuses an image whose revision label is not the predicate's head SHA", async () => {
    const { oldProd } = seed('revision');
    await attachSigned(client, 'revision', 'ci', (d) => evidenceBundle(d, randomSha()), keys.privateKey);
    await expectRefused('revision', oldProd, {}, /has org\.opencontainers\.image\.revision=[0-9a-f]{40}, not the attested head SHA/);
  });

  it('unsigned: refused without a commit status and with a failing one; promoted with a success status naming the digest, and the summary says unsigned', async () => {
    const { rev, oldProd } = seed('unsigned');
    const { digest } = await attachSigned(client, 'unsigned', 'ci', (d) => evidenceBundle(d, rev));
    const inputs = { 'public-key': '' };
    await expectRefused('unsigned', oldProd, inputs, /has no "release-safety" commit status/);
    const status = (state: string, description: string) =>
      fetch(`${api.url}/repos/acme/service/statuses/${rev}`, {
        method: 'POST',
        headers: { authorization: 'token ghs_write', 'content-type': 'application/json' },
        body: JSON.stringify({ state, context: 'release-safety', description }),
      }).then((r) => r.status);
    expect(await status('failure', `fail: 6/7 required gates pass; image ${digest}`)).toBe(201);
    await expectRefused('unsigned', oldProd, inputs, /commit status on [0-9a-f]{40} is failure, not success/);
    expect(await status('success', `pass: 7/7 required gates pass; image sha256:${'cd'.repeat(32)}`)).toBe(201);
    await expectRefused('unsigned', oldProd, inputs, /names sha256:(cd)+, not sha256:/);
    expect(await status('success', `pass: 7/7 required gates pass; image ${digest}`)).toBe(201);
    const run = await runPromote(base('unsigned', inputs), { apiUrl: api.url });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(skopeoDigest(`${registry.host}/unsigned:prod`)).toBe(digest);
    expect(run.summary).toMatch(/The attestation is unsigned/);
    expect(run.summary).toContain('UNSIGNED');
    expect(api.violations).toEqual([]);
  });

  it('a tag that did not exist is created; several targets all get the digest', async () => {
    const rev = randomSha();
    pushTinyImage(storage, registry.host, 'multi', 'ci', rev);
    const { digest } = await attachSigned(client, 'multi', 'ci', (d) => evidenceBundle(d, rev), keys.privateKey);
    expect(skopeoDigestOrNone(`${registry.host}/multi:prod`)).toBeUndefined();
    const run = await runPromote(base('multi', { to: 'prod\nv1.4.2' }), { apiUrl: api.url });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs['previous-digest']).toBe('');
    for (const tag of ['prod', 'v1.4.2']) expect(skopeoDigest(`${registry.host}/multi:${tag}`)).toBe(digest);
  });
});
