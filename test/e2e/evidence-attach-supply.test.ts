/**
 * The evidence action (dist/evidence/index.js) with `attach: true` on records whose image record
 * names a SLSA provenance and a CycloneDX SBOM written beside it, as the image gate writes them,
 * against the real CNCF registry (the sha256-<hex> tag index) and the referrers-API stand-in.
 * Checked by tools that share no code with the suite: skopeo lists the referrers, openssl checks
 * each DSSE signature over the PAE rebuilt from the stored bytes. Then `release-safety verify`
 * and the promote action (dist/promote) run with the three referrers present, and a cross-
 * repository promotion carries all three.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATES, type Evidence } from '../../src/core/evidence.js';
import { provenanceStatement, writeJsonArtifact } from '../../src/gates/image/provenance.js';
import { startGitHubApi, type GitHubApi } from '../../src/local/github-api.js';
import { randomSha, REPO_ROOT, runAction, type ActionRun } from '../../src/local/harness.js';
import { startRegistryProxy, type RegistryProxy } from '../../src/local/registry-proxy.js';
import { startRegistry, type LocalRegistry } from '../../src/local/registry.js';
import { pullRequestEvent } from './events.js';
import { opensslVerifies } from './openssl-dsse.js';
import { cleanupRuns, plainText, runPromote, skopeoDigest } from './promote-action-fixtures.js';
import { makeKeyPair, pushTinyImage, record, skopeoRaw } from './promote-fixtures.js';

const REPO = 'acme/service';
const SIGSTORE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const EVIDENCE_TYPE = 'https://release-safety.dev/evidence-bundle/v1';
const SLSA = 'https://slsa.dev/provenance/v1';
const CDX = 'https://cyclonedx.org/bom';
const keys = makeKeyPair();
let registry: LocalRegistry;
let apiProxy: RegistryProxy;
let countingProxy: RegistryProxy;
let github: GitHubApi;
let storage: string;
let work: string;

interface Pushed {
  host: string;
  repo: string;
  headSha: string;
  digest: string;
}

interface Referrer {
  artifactType: string;
  subject: { digest: string };
  layers: { digest: string }[];
  annotations: Record<string, string>;
}

interface StoredBundle {
  dsseEnvelope: { payloadType: string; payload: string; signatures: { sig: string }[] };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function pushImage(host: string, repo: string): Pushed {
  const headSha = randomSha();
  pushTinyImage(storage, host, repo, 'ci', headSha);
  const digest = `sha256:${
    execFileSync('sha256sum', { input: skopeoRaw(`${host}/${repo}:ci`) })
      .toString()
      .split(' ')[0]
  }`;
  return { host, repo, headSha, digest };
}

interface Written {
  dir: string;
  provenanceBytes: Buffer;
}

/**
 * The records of every gate in `dir/<gate>/` (one artifact download each), and beside the image
 * record the provenance and SBOM written as the image gate writes them; the record names their sha256.
 */
function writeEvidence(p: Pushed, opts: { provenanceDigest?: string; omitSupplyChain?: boolean; sbom?: unknown; tamperSbom?: boolean } = {}): Written {
  const dir = mkdtempSync(join(work, 'records-'));
  const imageDir = join(dir, 'image');
  mkdirSync(imageDir);
  const image = `${p.host}/${p.repo}`;
  let supply: Record<string, unknown> = {};
  let provenanceBytes = Buffer.alloc(0);
  if (!opts.omitSupplyChain) {
    const statement = provenanceStatement({
      image,
      digest: opts.provenanceDigest ?? p.digest,
      repositoryUrl: `https://github.com/${REPO}`,
      ref: 'refs/pull/9/merge',
      headSha: p.headSha,
      dockerfilePath: 'Dockerfile',
      dockerfileSha256: 'd'.repeat(64),
      platforms: ['linux/amd64'],
      buildArgs: [['BASE_IMAGE', `${p.host}/acme/base@sha256:${'a'.repeat(64)}`]],
      secretIds: [],
      bases: [],
      builder: { name: 'buildah', version: '1.28.2' },
      startedOn: new Date().toISOString(),
      finishedOn: new Date().toISOString(),
    });
    const prov = writeJsonArtifact(join(imageDir, 'image.provenance.json'), statement);
    const bom = opts.sbom ?? {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: [{ type: 'library', name: 'prom-client', version: '15.1.3', purl: 'pkg:npm/prom-client@15.1.3' }],
      metadata: { properties: [{ name: 'release-safety:image', value: `${image}@${p.digest}` }] },
    };
    const sbom = writeJsonArtifact(join(imageDir, 'image.sbom.cdx.json'), bom);
    if (opts.tamperSbom) writeFileSync(join(imageDir, 'image.sbom.cdx.json'), JSON.stringify({ ...(bom as object), components: [] }));
    provenanceBytes = Buffer.from(`${JSON.stringify(statement, null, 2)}\n`);
    supply = { provenance: { ...prov, predicateType: SLSA }, sbom: { ...sbom, format: 'CycloneDX 1.6 JSON', components: 1 } };
  }
  for (const gate of GATES) {
    const r: Evidence = record(gate, p.headSha, { digest: p.digest });
    r.subject.repository = REPO;
    if (gate === 'image') r.details = { ...r.details, image, ref: `${image}@${p.digest}`, ...supply };
    const folder = gate === 'image' ? imageDir : join(dir, gate);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `${gate}.json`), JSON.stringify(r));
  }
  return { dir, provenanceBytes };
}

async function evidence(p: Pushed, dir: string, inputs: Record<string, string>): Promise<ActionRun> {
  const run = await runAction('evidence', {
    workspace: work,
    eventName: 'pull_request',
    event: pullRequestEvent({ headSha: p.headSha, number: 9, repository: REPO }),
    repository: REPO,
    inputs: { 'evidence-dir': dir, 'github-token': '', attach: 'true', ...inputs },
  });
  const everything = run.everything();
  rmSync(dirname(run.runnerTemp), { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  return { ...run, everything: () => everything };
}

/** The digests listed under the sha256-<hex> tag (skopeo), none when the tag does not exist. */
function tagIndex(host: string, repo: string, digest: string): string[] {
  const r = spawnSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${host}/${repo}:${digest.replace(':', '-')}`], { timeout: 60_000 });
  if (r.status !== 0) {
    expect(r.stderr.toString()).toMatch(/manifest unknown|not found/i);
    return [];
  }
  return (JSON.parse(r.stdout.toString()) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest);
}

async function stored(host: string, repo: string, referrer: string): Promise<{ manifest: Referrer; bundle: StoredBundle; payload: Buffer }> {
  const manifest = JSON.parse(skopeoRaw(`${host}/${repo}@${referrer}`).toString()) as Referrer;
  const res = await fetch(`http://${host}/v2/${repo}/blobs/${manifest.layers[0]!.digest}`, { signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
  const bundle = JSON.parse(Buffer.from(await res.arrayBuffer()).toString('utf8')) as StoredBundle;
  return { manifest, bundle, payload: Buffer.from(bundle.dsseEnvelope.payload, 'base64') };
}

const errors = (run: ActionRun) =>
  run.annotations
    .filter((a) => a.command === 'error')
    .map((a) => a.message)
    .join('\n');
const threeOutputs = (run: ActionRun) => [run.outputs['attestation-digest'], run.outputs['provenance-digest'], run.outputs['sbom-digest']];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rs-evidence-supply-'));
  storage = join(work, 'storage');
  mkdirSync(storage);
  registry = await startRegistry();
  apiProxy = await startRegistryProxy(registry.port, { referrersApi: true });
  countingProxy = await startRegistryProxy(registry.port);
  github = await startGitHubApi();
}, 120_000);

afterAll(async () => {
  await github?.stop();
  await apiProxy?.stop();
  await countingProxy?.stop();
  await registry?.stop();
  cleanupRuns();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('evidence action, attach: true, with the image provenance and SBOM', () => {
  let signed: { p: Pushed; run: ActionRun };

  it('three referrers under the tag index, each digest the output, each signature verified by openssl, the provenance about the image digest', async () => {
    const p = pushImage(registry.host, 'acme/supply');
    const { dir, provenanceBytes } = writeEvidence(p);
    const run = await evidence(p, dir, { 'signing-key': keys.privatePem });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    signed = { p, run };
    const [evidenceDigest, provenanceDigest, sbomDigest] = threeOutputs(run);
    for (const d of [evidenceDigest, provenanceDigest, sbomDigest]) expect(d).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(new Set([evidenceDigest, provenanceDigest, sbomDigest]).size).toBe(3);
    expect(tagIndex(p.host, p.repo, p.digest).sort()).toEqual([evidenceDigest, provenanceDigest, sbomDigest].sort());

    const expected: [string, string][] = [
      [evidenceDigest!, EVIDENCE_TYPE],
      [provenanceDigest!, SLSA],
      [sbomDigest!, CDX],
    ];
    for (const [digest, predicateType] of expected) {
      const { manifest, bundle, payload } = await stored(p.host, p.repo, digest);
      expect(manifest.subject.digest).toBe(p.digest);
      expect(manifest.artifactType).toBe(SIGSTORE);
      expect(manifest.annotations['dev.sigstore.bundle.predicateType']).toBe(predicateType);
      expect(opensslVerifies(bundle, keys.publicPem)).toBe('Verified OK');
      expect(opensslVerifies(bundle, makeKeyPair().publicPem)).toMatch(/Verification failure/);
      const statement = JSON.parse(payload.toString()) as {
        subject: { name: string; digest: { sha256: string } }[];
        predicateType: string;
        predicate: Record<string, unknown>;
      };
      expect(statement.subject).toEqual([{ name: `${p.host}/${p.repo}`, digest: { sha256: p.digest.slice(7) } }]);
      expect(statement.predicateType).toBe(predicateType);
      if (predicateType === SLSA) {
        // The payload is the file the image gate wrote, byte for byte: its sha256 is the one the record names.
        expect(payload.equals(provenanceBytes)).toBe(true);
        expect(statement.predicate).toMatchObject({ buildDefinition: { externalParameters: { source: { revision: p.headSha } } } });
      }
      if (predicateType === CDX)
        expect(statement.predicate).toMatchObject({ bomFormat: 'CycloneDX', components: [{ name: 'prom-client', version: '15.1.3' }] });
    }
    expect(run.summary).toContain('### Provenance and SBOM');
    expect(run.summary).toMatch(
      new RegExp(
        `\\| provenance \\(SLSA v1\\) \\| \`${provenanceDigest}\` \\| \`image/image\\.provenance\\.json\` \\| \`${SLSA}\` \\| signed with the same key \\|`,
      ),
    );
    expect(run.summary).toMatch(
      new RegExp(`\\| SBOM \\(CycloneDX\\) \\| \`${sbomDigest}\` \\| \`image/image\\.sbom\\.cdx\\.json\` \\| \`${CDX}\` \\| signed with the same key \\|`),
    );
    expect(run.summary).toContain(`cosign verify-attestation --key pub.pem --type ${SLSA} --insecure-ignore-tlog=true ${p.host}/${p.repo}@${p.digest}`);
  });

  it('release-safety verify still selects the evidence attestation among the three', () => {
    const { p, run } = signed;
    const dir = mkdtempSync(join(work, 'cli-'));
    try {
      writeFileSync(join(dir, 'pub.pem'), keys.publicPem);
      const r = spawnSync(
        process.execPath,
        [join(REPO_ROOT, 'bin', 'release-safety.mjs'), 'verify', `${p.host}/${p.repo}@${p.digest}`, '--key', join(dir, 'pub.pem')],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(`verified: attestation ${run.outputs['attestation-digest']}, signed, commit ${p.headSha}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the promote action (dist/promote) verifies with the extra referrers present; to another repository it copies all three', async () => {
    const { p, run } = signed;
    const same = await runPromote({ image: `${p.host}/${p.repo}`, 'public-key': keys.publicPem, 'github-token': 'ghs_write' }, { apiUrl: github.url });
    expect(same.exitCode, same.stdout.slice(-3000)).toBe(0);
    expect(skopeoDigest(`${p.host}/${p.repo}:prod`)).toBe(p.digest);
    expect(same.stdout).toContain(`verified: attestation ${run.outputs['attestation-digest']}`);

    const cross = await runPromote(
      { image: `${p.host}/${p.repo}`, to: 'acme/supply-released:prod', 'public-key': keys.publicPem, 'github-token': 'ghs_write' },
      { apiUrl: github.url },
    );
    expect(cross.exitCode, cross.stdout.slice(-3000)).toBe(0);
    expect(skopeoDigest(`${p.host}/acme/supply-released:prod`)).toBe(p.digest);
    const copied = tagIndex(p.host, 'acme/supply-released', p.digest).sort();
    expect(copied).toEqual([...threeOutputs(run)].sort());
    for (const d of copied) {
      // Identical bytes in both repositories, and the signature still verifies at the destination.
      expect(sha256(skopeoRaw(`${p.host}/acme/supply-released@${d}`))).toBe(d.slice(7));
      expect(opensslVerifies((await stored(p.host, 'acme/supply-released', d)).bundle, keys.publicPem)).toBe('Verified OK');
    }
    expect(cross.stdout).toMatch(/3 referrer\(s\) copied/);
  });

  it('no signing-key: all three attached unsigned, and the summary says so', async () => {
    const p = pushImage(registry.host, 'acme/supply-unsigned');
    const run = await evidence(p, writeEvidence(p).dir, {});
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    for (const d of threeOutputs(run)) expect((await stored(p.host, p.repo, d!)).bundle.dsseEnvelope.signatures).toEqual([]);
    expect(run.summary).toMatch(/\| provenance \(SLSA v1\) \|.*\| \*\*unsigned\*\* \(no `signing-key`\) \|/);
    expect(run.summary).toMatch(/\| SBOM \(CycloneDX\) \|.*\| \*\*unsigned\*\* \(no `signing-key`\) \|/);
  });

  it('neither file written (image gate without them): the evidence alone, empty outputs, the summary says so, no error', async () => {
    const p = pushImage(registry.host, 'acme/supply-none');
    const run = await evidence(p, writeEvidence(p, { omitSupplyChain: true }).dir, { 'signing-key': keys.privatePem });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    expect(run.outputs['provenance-digest']).toBe('');
    expect(run.outputs['sbom-digest']).toBe('');
    expect(tagIndex(p.host, p.repo, p.digest)).toEqual([run.outputs['attestation-digest']]);
    expect(run.summary).toContain('No provenance and no SBOM were attached.');
    expect(plainText(run.summary)).toMatch(/- no provenance: the image record names none .*\n- no SBOM: the image record names none/);
  });

  it('with a referrers API (stand-in): the three are listed by GET /v2/<name>/referrers/<digest>', async () => {
    const pushed = pushImage(registry.host, 'acme/supply-api');
    const p = { ...pushed, host: apiProxy.host };
    const run = await evidence(p, writeEvidence(p).dir, { 'signing-key': keys.privatePem });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    const res = await fetch(`${apiProxy.url}/v2/${p.repo}/referrers/${p.digest}`, { signal: AbortSignal.timeout(10_000) });
    const index = (await res.json()) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
    expect(index.manifests.map((m) => m.digest).sort()).toEqual([...threeOutputs(run)].sort());
    expect(index.manifests.map((m) => m.annotations?.['dev.sigstore.bundle.predicateType']).sort()).toEqual([CDX, EVIDENCE_TYPE, SLSA].sort());
    expect(tagIndex(pushed.host, pushed.repo, pushed.digest)).toEqual([]);
  });
});

describe('evidence action, attach: true, a wrong provenance or SBOM: error naming the file, nothing attached', () => {
  // The records point at the counting proxy: "nothing attached" is "no request reached it".
  const target = (): Pushed => ({ host: countingProxy.host, repo: 'acme/none', headSha: randomSha(), digest: `sha256:${'e'.repeat(64)}` });
  const cases: [string, Parameters<typeof writeEvidence>[1], RegExp][] = [
    [
      'a provenance about another digest',
      { provenanceDigest: `sha256:${'f'.repeat(64)}` },
      /attach: error: image\/image\.provenance\.json is about .*acme\/none@sha256:f{64}, not the image .*acme\/none@sha256:e{64}/,
    ],
    [
      'an SBOM that is not CycloneDX',
      { sbom: { spdxVersion: 'SPDX-2.3' } },
      /attach: error: image\/image\.sbom\.cdx\.json is not a CycloneDX JSON document: field "bomFormat"/,
    ],
    [
      'an SBOM changed after the image gate wrote it',
      { tamperSbom: true },
      /attach: error: image\/image\.sbom\.cdx\.json \(sha256 [0-9a-f]{64}\): not the bytes the image record names for its SBOM/,
    ],
  ];
  it.each(cases)('%s', async (_name, opts, expected) => {
    countingProxy.reset();
    const p = target();
    const run = await evidence(p, writeEvidence(p, opts).dir, { 'signing-key': keys.privatePem });
    expect(run.exitCode).not.toBe(0);
    expect(errors(run)).toMatch(expected);
    expect(threeOutputs(run)).toEqual(['', '', '']);
    expect(run.summary).toContain('### Attestation: error');
    expect(countingProxy.traffic().requests).toBe(0);
  });

  it('a provenance about another digest, against the real registry: the tag index stays absent', async () => {
    const p = pushImage(registry.host, 'acme/supply-mismatch');
    const run = await evidence(p, writeEvidence(p, { provenanceDigest: `sha256:${'f'.repeat(64)}` }).dir, { 'signing-key': keys.privatePem });
    expect(run.exitCode).not.toBe(0);
    expect(errors(run)).toMatch(/image\/image\.provenance\.json is about .*@sha256:f{64}, not the image/);
    expect(tagIndex(p.host, p.repo, p.digest)).toEqual([]);
  });
});
