/**
 * The image gate's supply-chain record, on dist/image with real buildah, a real registry and the
 * real @cyclonedx/cyclonedx-npm (installed by the gate from its pinned lockfile): base pinning,
 * the SLSA provenance statement and the SBOM beside the evidence record.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImageDetails } from '../../src/core/details.js';
import { sha256Hex } from '../../src/core/hash.js';
import { makeBaseImage, skopeoDigest } from '../../src/local/base-image.js';
import { randomSha, runAction } from '../../src/local/harness.js';
import { startRegistry, type LocalRegistry } from '../../src/local/registry.js';
import { scratchDir } from '../../src/local/scratch.js';
import { pullRequestEvent } from './events.js';
import { scratchSampleService, evidenceOf } from './workspace.js';

describe('image gate: base pinning, provenance and SBOM', () => {
  let registry: LocalRegistry;
  let storage: string;
  let base: string;
  let baseDigest: string;
  let toolCache: string;

  beforeAll(async () => {
    registry = await startRegistry();
    storage = scratchDir('rs-image-sc-storage-');
    toolCache = scratchDir('rs-image-sc-toolcache-');
    base = makeBaseImage(registry, storage);
    baseDigest = skopeoDigest(base);
  }, 600_000);

  afterAll(async () => {
    await registry?.stop();
  });

  const common = () => ({ 'storage-dir': storage, 'insecure-registry': 'true', 'build-args': `BASE_IMAGE=${base}` });

  it('sample-service on a PR: unpinned FROMs warn with the digest to pin to; the provenance names that digest and the head SHA; the SBOM lists prom-client', async () => {
    const { workspace } = scratchSampleService();
    const headSha = randomSha();
    const run = await runAction('image', {
      workspace,
      eventName: 'pull_request',
      event: pullRequestEvent({ headSha, number: 12 }),
      sha: randomSha(),
      toolCache,
      // The SBOM tool's install runs from npm's cache only (scripts/setup.mjs filled it): no request leaves the machine.
      env: { npm_config_offline: 'true' },
      inputs: { ...common(), context: 'sample-service', image: `${registry.host}/acme/sample-service` },
      timeoutMs: 900_000,
    });
    expect(run.exitCode, run.stdout.slice(-4000)).toBe(0);
    const ev = evidenceOf(run);
    const parsed = parseImageDetails(ev.details);
    expect(parsed.ok).toBe(true);
    const details = parsed.ok ? parsed.details : undefined;
    // Both stages build FROM ${BASE_IMAGE}: two warnings, each naming the digest the registry serves.
    const warnings = run.annotations.filter((a) => a.command === 'warning' && a.message.includes('is not pinned by digest'));
    expect(warnings).toHaveLength(2);
    for (const w of warnings) {
      expect(w.message).toContain(`FROM ${base} is not pinned by digest: pin it as ${base}@${baseDigest}`);
      expect(w.properties.file).toBe('sample-service/Dockerfile');
    }
    expect(details?.baseImages).toEqual(
      [
        { reference: base, line: 6, pinned: false, digest: baseDigest },
        { reference: base, line: 25, pinned: false, digest: baseDigest },
      ].map((b) => ({ ...b, line: expect.any(Number) as number })),
    );

    // The provenance: beside the record, hashed in it, naming the base digest and the head SHA.
    const provenancePath = details!.provenance!.path;
    expect(provenancePath).toBe(join(run.outputs['evidence-path']!, '..', 'image.provenance.json'));
    const provenanceBytes = readFileSync(provenancePath);
    expect(sha256Hex(provenanceBytes)).toBe(details!.provenance!.sha256);
    const statement = JSON.parse(provenanceBytes.toString('utf8')) as {
      _type: string;
      predicateType: string;
      subject: { name: string; digest: { sha256: string } }[];
      predicate: {
        buildDefinition: { externalParameters: Record<string, unknown>; resolvedDependencies: { uri: string; digest: Record<string, string> }[] };
        runDetails: { builder: { id: string } };
      };
    };
    expect(statement._type).toBe('https://in-toto.io/Statement/v1');
    expect(statement.predicateType).toBe('https://slsa.dev/provenance/v1');
    expect(statement.subject).toEqual([{ name: `${registry.host}/acme/sample-service`, digest: { sha256: run.outputs.digest!.slice(7) } }]);
    const { externalParameters, resolvedDependencies } = statement.predicate.buildDefinition;
    expect(externalParameters.source).toMatchObject({ repository: 'https://github.com/acme/service', revision: headSha });
    expect(externalParameters.dockerfile).toEqual({
      path: 'sample-service/Dockerfile',
      sha256: sha256Hex(readFileSync(join(workspace, 'sample-service', 'Dockerfile'))),
    });
    expect(externalParameters.buildArgs).toEqual({ BASE_IMAGE: base });
    expect(resolvedDependencies).toContainEqual(expect.objectContaining({ digest: { gitCommit: headSha } }));
    expect(resolvedDependencies).toContainEqual(expect.objectContaining({ uri: `oci://${base}`, digest: { sha256: baseDigest.slice(7) } }));

    // The SBOM: the real cyclonedx-npm on the lockfile, prom-client with the version the lockfile pins.
    const lock = JSON.parse(readFileSync(join(workspace, 'sample-service', 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
    const promVersion = lock.packages['node_modules/prom-client']!.version;
    const sbomBytes = readFileSync(details!.sbom!.path);
    expect(sha256Hex(sbomBytes)).toBe(details!.sbom!.sha256);
    const sbom = JSON.parse(sbomBytes.toString('utf8')) as {
      bomFormat: string;
      components: { name: string; version?: string; type: string; purl?: string; hashes?: { content: string }[] }[];
    };
    expect(sbom.bomFormat).toBe('CycloneDX');
    expect(sbom.components).toContainEqual(expect.objectContaining({ name: 'prom-client', version: promVersion, purl: `pkg:npm/prom-client@${promVersion}` }));
    expect(sbom.components).toContainEqual(
      expect.objectContaining({
        type: 'container',
        name: base.replace(/:local$/, ''),
        version: baseDigest,
        hashes: [{ alg: 'SHA-256', content: baseDigest.slice(7) }],
      }),
    );
    // Dev dependencies are not in the image, so not in its SBOM.
    expect(sbom.components.map((c) => c.name)).not.toContain('vitest');
    expect(run.summary).toContain('image.provenance.json');
    expect(run.summary).toContain('image.sbom.cdx.json');
    expect(run.stdout).toContain('@cyclonedx/cyclonedx-npm 6.0.1: installed from the pinned lockfile');
  }, 900_000);

  it('require-pinned-base: an unpinned FROM fails before building; pinned by digest it passes without a warning', async () => {
    const ws = scratchDir('rs-image-sc-pin-');
    writeFileSync(join(ws, 'hello.txt'), 'hello\n');
    writeFileSync(join(ws, 'Dockerfile'), `FROM ${base}\nCOPY hello.txt /hello.txt\n`);
    const failed = await runAction('image', {
      workspace: ws,
      toolCache,
      inputs: { 'storage-dir': storage, 'insecure-registry': 'true', image: `${registry.host}/acme/pin`, 'require-pinned-base': 'true' },
    });
    expect(failed.exitCode).toBe(1);
    expect(failed.outputs.status).toBe('fail');
    expect(
      failed.annotations
        .filter((a) => a.command === 'error')
        .map((a) => a.message)
        .join('\n'),
    ).toContain(`FROM ${base} is not pinned by digest: pin it as ${base}@${baseDigest} (require-pinned-base: true)`);
    expect(failed.stdout).not.toContain('buildah bud');

    writeFileSync(join(ws, 'Dockerfile'), `FROM ${base}@${baseDigest}\nCOPY hello.txt /hello.txt\n`);
    const pinned = await runAction('image', {
      workspace: ws,
      toolCache,
      inputs: { 'storage-dir': storage, 'insecure-registry': 'true', image: `${registry.host}/acme/pin`, 'require-pinned-base': 'true' },
    });
    expect(pinned.exitCode, pinned.stdout.slice(-3000)).toBe(0);
    expect(pinned.annotations.filter((a) => a.command === 'warning')).toEqual([]);
    expect(evidenceOf(pinned).details).toMatchObject({ baseImages: [{ reference: `${base}@${baseDigest}`, pinned: true, digest: baseDigest }] });
    // No lockfile in this context: the SBOM holds the base image only, and says so.
    expect(evidenceOf(pinned).details).toMatchObject({
      sbom: { packages: 'none: the build context has no package-lock.json; base images only', components: 1 },
    });
  }, 600_000);

  it('an SBOM tool that cannot be obtained is error naming it, unless sbom: false', async () => {
    const { workspace } = scratchSampleService();
    const ws = join(workspace, 'sample-service');
    writeFileSync(join(ws, 'Dockerfile'), `FROM ${base}\nCOPY package.json /package.json\n`);
    // npm pointed at a registry that refuses everything: the pinned install cannot happen.
    const env = {
      npm_config_registry: `http://127.0.0.1:1/`,
      npm_config_fetch_retries: '0',
      npm_config_cache: join(ws, '.empty-npm-cache'),
      npm_config_offline: 'false',
    };
    const emptyCache = scratchDir('rs-image-sc-nocache-');
    const run = await runAction('image', {
      workspace: ws,
      env,
      toolCache: emptyCache,
      inputs: { 'storage-dir': storage, 'insecure-registry': 'true', image: `${registry.host}/acme/nosbom` },
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(run.annotations.map((a) => a.message).join('\n')).toContain('the SBOM tool @cyclonedx/cyclonedx-npm could not be obtained');
    expect(run.outputs.digest).toBe('');
    // Found before the build: nothing was pushed.
    expect((await fetch(`${registry.url}/v2/acme/nosbom/tags/list`, { signal: AbortSignal.timeout(10_000) })).status).toBe(404);
    expect(run.stdout).not.toContain('buildah bud');
    const without = await runAction('image', {
      workspace: ws,
      env,
      toolCache: emptyCache,
      inputs: { 'storage-dir': storage, 'insecure-registry': 'true', image: `${registry.host}/acme/nosbom`, sbom: 'false' },
    });
    expect(without.exitCode, without.stdout.slice(-3000)).toBe(0);
    expect(evidenceOf(without).details.sbom).toBeUndefined();
    expect(evidenceOf(without).details.provenance).toBeDefined();
    expect(execFileSync('skopeo', ['list-tags', '--tls-verify=false', `docker://${registry.host}/acme/nosbom`], { encoding: 'utf8' })).toContain('sha-');
  }, 600_000);
});
