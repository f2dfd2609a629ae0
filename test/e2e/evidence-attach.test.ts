/**
 * The evidence action (dist/evidence/index.js) with `attach: true`, run as the runner runs it,
 * against the real CNCF registry (no referrers API: the sha256-<hex> tag index), a registry with
 * htpasswd auth, and the referrers-API stand-in. The stored attestation is checked by tools that
 * share no code with the suite: skopeo reads the registry, openssl checks the signature over the
 * DSSE PAE rebuilt from the stored bytes, @sigstore/verify checks the Sigstore bundle.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bundleFromJSON } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATES, type Evidence } from '../../src/core/evidence.js';
import { randomSha, REPO_ROOT, runAction, type ActionRun } from '../../src/local/harness.js';
import { startRegistryProxy, type RegistryProxy } from '../../src/local/registry-proxy.js';
import { startRegistry, type LocalRegistry } from '../../src/local/registry.js';
import { pullRequestEvent } from './events.js';
import { opensslVerifies } from './openssl-dsse.js';
import { makeKeyPair, pushTinyImage, record, skopeoRaw } from './promote-fixtures.js';

const REPO = 'acme/service';
const keys = makeKeyPair();
let registry: LocalRegistry;
let authRegistry: LocalRegistry;
let apiProxy: RegistryProxy;
let countingProxy: RegistryProxy;
let storage: string;
let work: string;
const USER = { username: 'ci-bot', password: 'pa55-Wrong-Is-Never-Printed' };

interface Pushed {
  host: string;
  repo: string;
  headSha: string;
  digest: string;
}

/** Pushes a tiny image labelled with a fresh head SHA and returns its digest (as skopeo hashes it). */
function pushImage(host: string, repo: string, creds?: string): Pushed {
  const headSha = randomSha();
  pushTinyImage(storage, host, repo, 'ci', headSha, creds ? { creds } : {});
  const digest = `sha256:${
    execFileSync('sha256sum', { input: skopeoRaw(`${host}/${repo}:ci`, creds) })
      .toString()
      .split(' ')[0]
  }`;
  return { host, repo, headSha, digest };
}

/** Every gate's record as the gates write them, the image record naming `image@digest`. */
function records(p: Pushed, opts: { failing?: string; imageDetails?: Record<string, unknown>; omitImage?: boolean } = {}): Evidence[] {
  return GATES.filter((g) => !(opts.omitImage && g === 'image')).map((gate) => {
    const r = record(gate, p.headSha, { digest: p.digest, ...(opts.failing === gate ? { status: 'fail' as const } : {}) });
    r.subject.repository = REPO;
    if (gate === 'image') r.details = { ...r.details, image: `${p.host}/${p.repo}`, ref: `${p.host}/${p.repo}@${p.digest}`, ...opts.imageDetails };
    return r;
  });
}

async function evidence(p: Pushed, recs: Evidence[], inputs: Record<string, string>): Promise<ActionRun> {
  const dir = mkdtempSync(join(work, 'records-'));
  for (const r of recs) writeFileSync(join(dir, `${r.gate}.json`), JSON.stringify(r));
  const run = await runAction('evidence', {
    workspace: work,
    eventName: 'pull_request',
    event: pullRequestEvent({ headSha: p.headSha, number: 9, repository: REPO }),
    repository: REPO,
    inputs: { 'evidence-dir': dir, 'github-token': '', attach: 'true', ...inputs },
  });
  // Read what the runner keeps before its scratch home goes.
  const everything = run.everything();
  rmSync(dirname(run.runnerTemp), { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  return { ...run, everything: () => everything };
}

/** The referrer manifest and the Sigstore bundle it holds, read by skopeo and a plain HTTP GET. */
async function storedAttestation(
  p: Pushed,
  referrer: string,
  auth?: string,
): Promise<{
  manifest: { artifactType: string; subject: { digest: string }; layers: { digest: string; mediaType: string }[] };
  bundle: Record<string, unknown> & { dsseEnvelope: { payloadType: string; payload: string; signatures: { sig: string }[] } };
}> {
  const manifest = JSON.parse(skopeoRaw(`${p.host}/${p.repo}@${referrer}`, auth).toString()) as Awaited<ReturnType<typeof storedAttestation>>['manifest'];
  const headers: Record<string, string> = auth ? { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {};
  const res = await fetch(`http://${p.host}/v2/${p.repo}/blobs/${manifest.layers[0]!.digest}`, { headers, signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
  return { manifest, bundle: JSON.parse(Buffer.from(await res.arrayBuffer()).toString('utf8')) as Awaited<ReturnType<typeof storedAttestation>>['bundle'] };
}

/** The referrer digests listed under the sha256-<hex> tag (skopeo), or none when the tag does not exist. */
function tagIndex(p: Pushed, creds?: string): string[] {
  const r = spawnSync(
    'skopeo',
    ['inspect', '--tls-verify=false', ...(creds ? ['--creds', creds] : []), '--raw', `docker://${p.host}/${p.repo}:${p.digest.replace(':', '-')}`],
    { timeout: 60_000 },
  );
  if (r.status !== 0) {
    expect(r.stderr.toString()).toMatch(/manifest unknown|not found/i);
    return [];
  }
  return (JSON.parse(r.stdout.toString()) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest);
}

function sigstoreVerify(bundle: unknown, key: KeyObject): unknown {
  const root = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [],
    ctlogs: [],
    certificateAuthorities: [],
    timestampAuthorities: [],
  };
  const verifier = new Verifier(
    toTrustMaterial(root as never, () => ({ publicKey: key, validFor: () => true })),
    { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 },
  );
  return verifier.verify(toSignedEntity(bundleFromJSON(bundle), undefined));
}

/** Everything the runner keeps, except the mask commands themselves. */
const shown = (run: ActionRun) =>
  run
    .everything()
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
const errors = (run: ActionRun) =>
  run.annotations
    .filter((a) => a.command === 'error')
    .map((a) => a.message)
    .join('\n');

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rs-evidence-attach-'));
  storage = join(work, 'storage');
  mkdirSync(storage);
  registry = await startRegistry();
  authRegistry = await startRegistry({ user: USER });
  apiProxy = await startRegistryProxy(registry.port, { referrersApi: true });
  countingProxy = await startRegistryProxy(registry.port);
}, 120_000);

afterAll(async () => {
  await apiProxy?.stop();
  await countingProxy?.stop();
  await registry?.stop();
  await authRegistry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('evidence action, attach: true', () => {
  it('signed: found by skopeo under the sha256-<hex> tag; openssl and @sigstore/verify accept it; the key is never printed', async () => {
    const p = pushImage(registry.host, 'acme/signed');
    const run = await evidence(p, records(p), { 'signing-key': keys.privatePem });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    expect(run.outputs.verdict).toBe('pass');
    const referrer = run.outputs['attestation-digest']!;
    expect(referrer).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(tagIndex(p)).toEqual([referrer]);

    const { manifest, bundle } = await storedAttestation(p, referrer);
    expect(manifest.subject.digest).toBe(p.digest);
    expect(manifest.artifactType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(manifest.layers[0]!.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(opensslVerifies(bundle, keys.publicPem)).toBe('Verified OK');
    expect(opensslVerifies(bundle, makeKeyPair().publicPem)).toMatch(/Verification failure/);
    // @sigstore/verify accepts a key-only bundle (no certificate, no tlog entry) given the public key.
    expect(sigstoreVerify(bundle, keys.publicKey)).toMatchObject({ key: keys.publicKey });
    expect(() => sigstoreVerify(bundle, makeKeyPair().publicKey)).toThrow(/signature verification failed/);
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString()) as {
      subject: { name: string; digest: { sha256: string } }[];
      predicate: { commitSha: string; verdict: string };
    };
    expect(statement.subject).toEqual([{ name: `${p.host}/${p.repo}`, digest: { sha256: p.digest.slice(7) } }]);
    expect(statement.predicate).toMatchObject({ commitSha: p.headSha, verdict: 'pass' });

    expect(run.summary).toContain(`\`${referrer}\``);
    expect(run.summary).toContain('signed with ECDSA P-256');
    expect(run.summary).toContain(
      `cosign verify-attestation --key pub.pem --type https://release-safety.dev/evidence-bundle/v1 --insecure-ignore-tlog=true ${p.host}/${p.repo}@${p.digest}`,
    );
    for (const line of keys.privatePem.split('\n').filter((l) => l.length > 0 && !l.startsWith('-----'))) {
      expect(run.masks).toContain(line);
      expect(shown(run)).not.toContain(line);
    }
  });

  it('the by-hand verification printed in the summary runs as printed and says Verified OK', async () => {
    const p = pushImage(registry.host, 'acme/byhand');
    const run = await evidence(p, records(p), { 'signing-key': keys.privatePem });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    const script = /Verify it by hand[^\n]*\n\n```sh\n([\s\S]*?)\n```/.exec(run.summary)?.[1];
    expect(script).toBeDefined();
    const dir = mkdtempSync(join(work, 'by-hand-'));
    try {
      writeFileSync(join(dir, 'pub.pem'), keys.publicPem);
      const r = spawnSync('bash', ['-euo', 'pipefail', '-c', script!], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('Verified OK');
      expect(r.stdout).toContain(`${p.digest.slice(7)}\nhttps://release-safety.dev/evidence-bundle/v1\npass`);
      writeFileSync(join(dir, 'pub.pem'), makeKeyPair().publicPem);
      expect(spawnSync('bash', ['-euo', 'pipefail', '-c', script!], { cwd: dir, encoding: 'utf8', timeout: 120_000 }).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('release-safety verify (dist/cli) verifies what the action attached; another key is refused', async () => {
    const p = pushImage(registry.host, 'acme/cli');
    const run = await evidence(p, records(p), { 'signing-key': keys.privatePem });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    const dir = mkdtempSync(join(work, 'cli-'));
    try {
      writeFileSync(join(dir, 'pub.pem'), keys.publicPem);
      writeFileSync(join(dir, 'other.pem'), makeKeyPair().publicPem);
      const cli = (key: string) =>
        spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'release-safety.mjs'), 'verify', `${p.host}/${p.repo}@${p.digest}`, '--key', join(dir, key)], {
          encoding: 'utf8',
          timeout: 60_000,
        });
      const ok = cli('pub.pem');
      expect(ok.status, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toContain(`verified: attestation ${run.outputs['attestation-digest']}, signed, commit ${p.headSha}`);
      const other = cli('other.pem');
      expect(other.status).toBe(1);
      expect(other.stdout).toMatch(/REFUSED:\n {2}- .*signed by another key/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('no signing-key: attached unsigned, and the summary and a warning say so', async () => {
    const p = pushImage(registry.host, 'acme/unsigned');
    const run = await evidence(p, records(p), {});
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    const referrer = run.outputs['attestation-digest']!;
    expect(tagIndex(p)).toEqual([referrer]);
    const { bundle } = await storedAttestation(p, referrer);
    expect(bundle.dsseEnvelope.signatures).toEqual([]);
    expect(run.summary).toMatch(/\*\*unsigned\*\* \(input `signing-key` is empty\)/);
    expect(
      run.annotations
        .filter((a) => a.command === 'warning')
        .map((a) => a.message)
        .join('\n'),
    ).toMatch(/attached unsigned/);
  });

  it('a failing verdict: the failing evidence is still attached (promotion refuses it), and the step fails', async () => {
    const p = pushImage(registry.host, 'acme/failing');
    const run = await evidence(p, records(p, { failing: 'test' }), { 'signing-key': keys.privatePem });
    expect(run.exitCode).not.toBe(0);
    expect(run.outputs.verdict).toBe('fail');
    const referrer = run.outputs['attestation-digest']!;
    expect(tagIndex(p)).toEqual([referrer]);
    const { bundle } = await storedAttestation(p, referrer);
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString()) as { predicate: { verdict: string } };
    expect(statement.predicate.verdict).toBe('fail');
    expect(opensslVerifies(bundle, keys.publicPem)).toBe('Verified OK');
  });

  it('a registry with htpasswd: attached with the credentials; a wrong password fails without printing it, nothing pushed', async () => {
    const creds = `${USER.username}:${USER.password}`;
    const p = pushImage(authRegistry.host, 'acme/private', creds);
    const ok = await evidence(p, records(p), { 'signing-key': keys.privatePem, 'registry-username': USER.username, 'registry-password': USER.password });
    expect(ok.exitCode, ok.stdout.slice(-3000)).toBe(0);
    expect(tagIndex(p, creds)).toEqual([ok.outputs['attestation-digest']]);
    expect(opensslVerifies((await storedAttestation(p, ok.outputs['attestation-digest']!, creds)).bundle, keys.publicPem)).toBe('Verified OK');

    const q = pushImage(authRegistry.host, 'acme/private2', creds);
    const wrong = 'Wr0ng-pa55word-' + randomSha().slice(0, 8);
    const bad = await evidence(q, records(q), { 'signing-key': keys.privatePem, 'registry-username': USER.username, 'registry-password': wrong });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.outputs['attestation-digest']).toBe('');
    expect(errors(bad)).toMatch(/attach: error: .*(401|unauthorized|credentials)/i);
    expect(bad.summary).toContain('### Attestation: error');
    expect(bad.masks).toContain(wrong);
    expect(shown(bad)).not.toContain(wrong);
    expect(tagIndex(q, creds)).toEqual([]);
  });

  it('with a referrers API (stand-in answering OCI-Subject): stored through the API, listed by GET /v2/<name>/referrers/<digest>', async () => {
    const pushed = pushImage(registry.host, 'acme/api');
    const p = { ...pushed, host: apiProxy.host };
    const run = await evidence(p, records(p), { 'signing-key': keys.privatePem });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    const referrer = run.outputs['attestation-digest']!;
    expect(run.summary).toContain('| the referrers API |');
    const res = await fetch(`${apiProxy.url}/v2/${p.repo}/referrers/${p.digest}`, { signal: AbortSignal.timeout(10_000) });
    const index = (await res.json()) as { manifests: { digest: string; artifactType: string }[] };
    expect(index.manifests).toEqual([expect.objectContaining({ digest: referrer, artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' })]);
    // The API path does not write the tag index.
    expect(tagIndex(pushed)).toEqual([]);
    expect(opensslVerifies((await storedAttestation(pushed, referrer)).bundle, keys.publicPem)).toBe('Verified OK');
  });
});

describe('evidence action, attach: true, refused before any request', () => {
  // The image records point at a counting proxy: "nothing pushed" is "no request reached it".
  const target = (): Pushed => ({ host: countingProxy.host, repo: 'acme/none', headSha: randomSha(), digest: `sha256:${'e'.repeat(64)}` });

  it('no image record: attach is an error, the step fails, no request', async () => {
    countingProxy.reset();
    const p = target();
    const run = await evidence(p, records(p, { omitImage: true }), { 'signing-key': keys.privatePem, 'required-gates': 'lint,test' });
    expect(run.outputs.verdict).toBe('pass');
    expect(run.exitCode).not.toBe(0);
    expect(run.outputs['attestation-digest']).toBe('');
    expect(errors(run)).toMatch(/attach: error: the evidence has no valid image record/);
    expect(run.summary).toContain('### Attestation: error');
    expect(countingProxy.traffic().requests).toBe(0);
  });

  it('an image record whose digest is invalid, or that was not pushed: error, no request', async () => {
    countingProxy.reset();
    const p = target();
    const badDigest = await evidence(p, records(p, { imageDetails: { digest: 'sha256:1234', ref: `${p.host}/${p.repo}@sha256:1234` } }), {
      'signing-key': keys.privatePem,
    });
    expect(badDigest.exitCode).not.toBe(0);
    expect(badDigest.outputs['attestation-digest']).toBe('');
    expect(errors(badDigest)).toMatch(/attach: error: /);
    const notPushed = await evidence(p, records(p, { imageDetails: { pushed: false } }), { 'signing-key': keys.privatePem });
    expect(notPushed.exitCode).not.toBe(0);
    expect(errors(notPushed)).toMatch(/attach: error: the image record says the image was not pushed/);
    const pinned = await evidence(p, records(p), { 'signing-key': keys.privatePem, image: `${p.host}/acme/other` });
    expect(pinned.exitCode).not.toBe(0);
    expect(errors(pinned)).toMatch(/attach: error: the image record names .*acme\/none, not .*acme\/other \(input "image"\)/);
    expect(countingProxy.traffic().requests).toBe(0);
  });

  it('a malformed or non-P-256 signing-key: a ConfigurationError naming the input, no request, the key never printed', async () => {
    countingProxy.reset();
    const p = target();
    const body = keys.privatePem.split('\n').slice(1, 2)[0]!;
    const truncated = `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
    const bad = await evidence(p, records(p), { 'signing-key': truncated });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.outputs.verdict).toBe('error');
    expect(errors(bad)).toMatch(/input "signing-key" is not a PEM private key: expected a PKCS#8 ECDSA P-256 key/);
    expect(bad.masks).toContain(body);
    expect(shown(bad)).not.toContain(body);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const wrongCurve = await evidence(p, records(p), { 'signing-key': rsa });
    expect(errors(wrongCurve)).toMatch(/input "signing-key" is a rsa key: expected ECDSA P-256/);
    expect(shown(wrongCurve)).not.toContain(rsa.split('\n')[1]!);
    expect(countingProxy.traffic().requests).toBe(0);
  });
});
