/**
 * The image gate as a new user meets it (dist/image through the runner harness, real buildah with
 * chroot isolation and vfs storage, a real registry): the tags each event pushes, build secrets
 * that reach no layer, argv or log, the build-push-action inputs, and the buildah layer cache.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildah, makeBaseImage } from '../../src/local/base-image.js';
import { randomSha, runAction, type ActionRun } from '../../src/local/harness.js';
import { startRegistry, type LocalRegistry } from '../../src/local/registry.js';
import { scratchDir } from '../../src/local/scratch.js';
import { pullRequestEvent } from './events.js';
import { evidenceOf } from './workspace.js';

/** What the runner keeps, without the ::add-mask:: commands it consumes. */
function keptByRunner(run: ActionRun): string {
  return run
    .everything()
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
}

/** The registry's own tag list (skopeo, an independent client). */
function listTags(registry: LocalRegistry, repository: string): string[] {
  const out = execFileSync('skopeo', ['list-tags', '--tls-verify=false', `docker://${registry.host}/${repository}`], { encoding: 'utf8', timeout: 60_000 });
  return ((JSON.parse(out) as { Tags: string[] }).Tags ?? []).sort();
}

/** Every blob of the image (layers gunzipped, config as is), copied out with skopeo to an OCI layout. */
function imageBlobs(reference: string, into: string): { digest: string; bytes: Buffer }[] {
  execFileSync('skopeo', ['copy', '--src-tls-verify=false', `docker://${reference}`, `oci:${into}:x`], { timeout: 120_000, stdio: 'pipe' });
  const dir = join(into, 'blobs', 'sha256');
  return readdirSync(dir).map((name) => {
    const raw = readFileSync(join(dir, name));
    let bytes = raw;
    try {
      bytes = gunzipSync(raw);
    } catch {
      // Not gzip: a config, manifest or uncompressed layer.
    }
    return { digest: name, bytes };
  });
}

describe('image gate: the first hour', () => {
  let registry: LocalRegistry;
  let storage: string;
  let base: string;
  let trivial: string;

  beforeAll(async () => {
    registry = await startRegistry();
    storage = scratchDir('rs-image-fh-storage-');
    base = makeBaseImage(registry, storage);
    trivial = scratchDir('rs-image-fh-trivial-');
    writeFileSync(join(trivial, 'Dockerfile'), 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY hello.txt /hello.txt\n');
    writeFileSync(join(trivial, 'hello.txt'), 'hello\n');
  }, 600_000);

  afterAll(async () => {
    await registry?.stop();
  });

  const common = () => ({ 'storage-dir': storage, 'insecure-registry': 'true', 'build-args': `BASE_IMAGE=${base}` });

  it('a PR pushes pr-7 and sha-<short>, never ci; a push to main pushes ci; a v1.2.3 tag pushes 1.2.3, 1.2 and 1; Acme/Service is lower-cased', async () => {
    const prHead = randomSha();
    const pr = await runAction('image', {
      workspace: trivial,
      eventName: 'pull_request',
      event: pullRequestEvent({ headSha: prHead, number: 7 }),
      sha: randomSha(),
      inputs: { ...common(), image: `${registry.host}/Acme/Service` },
    });
    expect(pr.exitCode, pr.stdout.slice(-3000)).toBe(0);
    expect(pr.stdout).toContain(
      `image name lower-cased as registries require (and as docker/metadata-action does): ${registry.host}/Acme/Service -> ${registry.host}/acme/service`,
    );
    expect(listTags(registry, 'acme/service')).toEqual(['pr-7', `sha-${prHead.slice(0, 7)}`].sort());
    expect(evidenceOf(pr).details).toMatchObject({ image: `${registry.host}/acme/service`, tags: ['pr-7', `sha-${prHead.slice(0, 7)}`] });

    const mainHead = randomSha();
    const push = await runAction('image', {
      workspace: trivial,
      eventName: 'push',
      sha: mainHead,
      event: { before: randomSha(), after: mainHead, ref: 'refs/heads/main', repository: { default_branch: 'main' } },
      inputs: { ...common(), image: `${registry.host}/acme/service` },
    });
    expect(push.exitCode, push.stdout.slice(-3000)).toBe(0);
    expect(listTags(registry, 'acme/service')).toEqual(['ci', 'pr-7', `sha-${prHead.slice(0, 7)}`, `sha-${mainHead.slice(0, 7)}`].sort());

    const tagHead = randomSha();
    const release = await runAction('image', {
      workspace: trivial,
      eventName: 'push',
      sha: tagHead,
      event: { before: '0'.repeat(40), after: tagHead, ref: 'refs/tags/v1.2.3', repository: { default_branch: 'main' } },
      inputs: { ...common(), image: `${registry.host}/acme/service` },
    });
    expect(release.exitCode, release.stdout.slice(-3000)).toBe(0);
    expect(listTags(registry, 'acme/service')).toEqual(
      ['1', '1.2', '1.2.3', 'ci', 'pr-7', `sha-${prHead.slice(0, 7)}`, `sha-${mainHead.slice(0, 7)}`, `sha-${tagHead.slice(0, 7)}`].sort(),
    );
    // ci still names the main push's image: the tag push moved only its own tags.
    expect(
      execFileSync('skopeo', ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${registry.host}/acme/service:ci`], {
        encoding: 'utf8',
      }).trim(),
    ).toBe(push.outputs.digest);
    expect(release.outputs.digest).not.toBe(push.outputs.digest);
  }, 600_000);

  it('build secrets (a file and a variable) reach the RUN that mounts them, and no layer, no argv seen by ps, no log', async () => {
    const ws = scratchDir('rs-image-fh-secret-');
    const fileSecret = `file-secret-${randomSha().slice(0, 24)}`;
    const envSecret = `env-secret-${randomSha().slice(0, 24)}`;
    mkdirSync(join(ws, 'private'));
    writeFileSync(join(ws, 'private', 'token.txt'), fileSecret);
    writeFileSync(join(ws, 'hello.txt'), 'hello\n');
    // The RUN records only the lengths it read, then stays alive a while so ps can look at it.
    writeFileSync(
      join(ws, 'Dockerfile'),
      [
        'ARG BASE_IMAGE',
        'FROM ${BASE_IMAGE}',
        'COPY hello.txt /hello.txt',
        `RUN --mount=type=secret,id=filetoken --mount=type=secret,id=envtoken node -e "const fs=require('fs'); fs.writeFileSync('/secret-lengths', [fs.readFileSync('/run/secrets/filetoken','utf8').length, fs.readFileSync('/run/secrets/envtoken','utf8').length].join(',')); setTimeout(() => {}, 6000)"`,
        '',
      ].join('\n'),
    );
    const seen: string[] = [];
    let polling = true;
    // Every process's argv while the gate runs, as ps would show them.
    const poll = (async () => {
      while (polling) {
        for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
          try {
            seen.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
          } catch {
            // The process ended between the listing and the read.
          }
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    let run: ActionRun;
    try {
      run = await runAction('image', {
        workspace: ws,
        env: { BUILD_TOKEN: envSecret },
        inputs: {
          ...common(),
          image: `${registry.host}/acme/secret`,
          tags: 'secret',
          secrets: 'id=filetoken,src=private/token.txt\nid=envtoken,env=BUILD_TOKEN',
        },
      });
    } finally {
      polling = false;
      await poll;
    }
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    // The poll saw the build itself (so it was looking while the secrets were in use) ...
    const builds = seen.filter((c) => c.includes(' bud ') && c.includes('--secret'));
    expect(builds.length).toBeGreaterThan(0);
    expect(builds[0]).toContain('id=envtoken,env=BUILD_TOKEN');
    expect(seen.some((c) => c.includes('/run/secrets/envtoken'))).toBe(true);
    // ... and no argv held either value.
    expect(seen.filter((c) => c.includes(fileSecret) || c.includes(envSecret))).toEqual([]);
    // The log: both values masked first, then never printed.
    expect(run.masks).toEqual(expect.arrayContaining([fileSecret, envSecret]));
    expect(keptByRunner(run)).not.toContain(fileSecret);
    expect(keptByRunner(run)).not.toContain(envSecret);
    // Every layer and the config, extracted: the RUN read both (their lengths are there), neither value is.
    const blobs = imageBlobs(`${registry.host}/acme/secret:secret`, join(ws, 'oci'));
    expect(blobs.length).toBeGreaterThanOrEqual(4);
    const lengths = blobs.filter((b) => b.bytes.includes('secret-lengths'));
    expect(lengths.length).toBeGreaterThan(0);
    expect(lengths.some((b) => b.bytes.includes(`${fileSecret.length},${envSecret.length}`))).toBe(true);
    for (const b of blobs) {
      expect(b.bytes.includes(fileSecret), b.digest).toBe(false);
      expect(b.bytes.includes(envSecret), b.digest).toBe(false);
    }
  }, 600_000);

  it('an unset secret variable is a configuration error naming it, before anything is built', async () => {
    const run = await runAction('image', {
      workspace: trivial,
      inputs: { ...common(), image: `${registry.host}/acme/x`, secrets: 'id=t,env=NOT_SET_ANYWHERE' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(run.stdout + run.stderr).toContain('secret "t" reads the environment variable NOT_SET_ANYWHERE, which is not set in this step');
    expect(run.stdout).not.toContain('buildah bud');
  });

  it('target, build-contexts, labels, annotations (oci), no-cache, pull and load do what they say', async () => {
    const ws = scratchDir('rs-image-fh-extras-');
    mkdirSync(join(ws, 'shared'));
    writeFileSync(join(ws, 'shared', 'config.json'), '{"from":"named context"}\n');
    writeFileSync(
      join(ws, 'Dockerfile'),
      [
        'ARG BASE_IMAGE',
        'FROM ${BASE_IMAGE} AS runtime',
        'COPY --from=shared config.json /config.json',
        'FROM runtime AS debug',
        'COPY Dockerfile /debug-only',
        '',
      ].join('\n'),
    );
    const run = await runAction('image', {
      workspace: ws,
      inputs: {
        ...common(),
        image: `${registry.host}/acme/extras`,
        tags: 'extras',
        target: 'runtime',
        'build-contexts': 'shared=shared',
        labels: 'team=payments',
        annotations: 'org.opencontainers.image.description=the service',
        format: 'oci',
        'no-cache': 'true',
        pull: 'true',
        load: 'true',
      },
    });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    const raw = JSON.parse(
      execFileSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${registry.host}/acme/extras:extras`], { encoding: 'utf8' }),
    ) as { annotations?: Record<string, string> };
    expect(raw.annotations?.['org.opencontainers.image.description']).toBe('the service');
    const inspected = JSON.parse(
      execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/acme/extras:extras`], { encoding: 'utf8' }),
    ) as { Labels: Record<string, string> };
    expect(inspected.Labels.team).toBe('payments');
    // load: the image stays in the storage under its reference; target: the debug stage is not in it.
    const ctr = buildah(storage, ['from', '--pull=never', `${registry.host}/acme/extras:extras`]);
    try {
      const mnt = buildah(storage, ['mount', ctr]);
      expect(readFileSync(join(mnt, 'config.json'), 'utf8')).toContain('named context');
      expect(() => readFileSync(join(mnt, 'debug-only'))).toThrow();
      buildah(storage, ['umount', ctr]);
    } finally {
      buildah(storage, ['rm', ctr]);
      buildah(storage, ['rmi', `${registry.host}/acme/extras:extras`]);
    }
  }, 600_000);
});
