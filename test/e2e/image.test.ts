import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildah, fetchBlobJson, fetchManifest, makeBaseImage, sha256, skopeoDigest } from '../../src/local/base-image.js';
import { randomSha, runAction, type ActionRun } from '../../src/local/harness.js';
import { startRegistry, type LocalRegistry } from '../../src/local/registry.js';
import { scratchDir } from '../../src/local/scratch.js';
import { pullRequestEvent } from './events.js';
import { scratchSampleService, evidenceOf } from './workspace.js';

function noStackTrace(run: ActionRun) {
  expect(`${run.stdout}\n${run.stderr}`).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
}

/**
 * Everything the runner keeps, minus the ::add-mask:: commands themselves: the runner consumes
 * those (they never reach the log) and then hides the value in every other line.
 */
function keptByRunner(run: ActionRun): string {
  return run
    .everything()
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
}

function errorMessages(run: ActionRun): string {
  return run.annotations
    .filter((a) => a.command === 'error')
    .map((a) => a.message)
    .join('\n');
}

describe('image gate (bundle) with real buildah and a real registry', () => {
  let registry: LocalRegistry;
  let authRegistry: LocalRegistry;
  /** One vfs storage for this file's runs: the base image is pulled once. Private to this file. */
  let storage: string;
  let base: string;
  let trivial: string;
  const headSha = randomSha();
  const mergeSha = randomSha();
  const prEvent = pullRequestEvent({ headSha, number: 31 });
  const user = { username: 'ci-bot', password: `pw-${randomSha().slice(0, 20)}` };

  beforeAll(async () => {
    [registry, authRegistry] = await Promise.all([startRegistry(), startRegistry({ user })]);
    storage = scratchDir('rs-image-storage-');
    base = makeBaseImage(registry, storage);
    // A Dockerfile whose steps need no emulation on any platform: FROM + COPY only.
    trivial = scratchDir('rs-image-trivial-');
    writeFileSync(join(trivial, 'Dockerfile'), 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY hello.txt /hello.txt\n');
    writeFileSync(join(trivial, 'hello.txt'), 'hello\n');
  });

  afterAll(async () => {
    await Promise.all([registry?.stop(), authRegistry?.stop()]);
    if (storage) rmSync(storage, { recursive: true, force: true });
    if (trivial) rmSync(trivial, { recursive: true, force: true });
  });

  const common = () => ({ 'storage-dir': storage, 'insecure-registry': 'true', 'build-args': `BASE_IMAGE=${base}` });

  it('builds sample-service, smoke-tests it, pushes pr-<number> and sha-<head>, and the digest is the registry manifest hash', async () => {
    const { workspace } = scratchSampleService();
    const run = await runAction('image', {
      workspace,
      eventName: 'pull_request',
      event: prEvent,
      sha: mergeSha,
      inputs: {
        ...common(),
        context: 'sample-service',
        image: `${registry.host}/acme/sample-service`,
        'smoke-command': `node -e "import('/app/dist/app.js').then((m) => process.exit(m.DEFAULT_SERVICE_NAME === 'sample-service' ? 0 : 1))"`,
      },
      timeoutMs: 600_000,
    });
    expect(run.exitCode, run.stdout.slice(-4000)).toBe(0);
    expect(run.outputs.status).toBe('pass');
    const digest = run.outputs.digest!;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const short = headSha.slice(0, 7);
    expect(run.outputs.tags!.split('\n')).toEqual([`${registry.host}/acme/sample-service:pr-31`, `${registry.host}/acme/sample-service:sha-${short}`]);
    expect(run.outputs.image).toBe(`${registry.host}/acme/sample-service@${digest}`);
    // The digest is the hash of the bytes the registry serves for both tags, and what skopeo reports.
    for (const tag of ['pr-31', `sha-${short}`]) {
      const { bytes } = await fetchManifest(registry, 'acme/sample-service', tag);
      expect(sha256(bytes), tag).toBe(digest);
      expect(skopeoDigest(`${registry.host}/acme/sample-service:${tag}`)).toBe(digest);
    }
    // The revision label in the pushed config is the PR head SHA, never the merge SHA.
    const manifest = JSON.parse((await fetchManifest(registry, 'acme/sample-service', digest)).bytes.toString('utf8')) as {
      config: { digest: string };
      mediaType: string;
    };
    expect(manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    const config = (await fetchBlobJson(registry, 'acme/sample-service', manifest.config.digest)) as {
      config: { Labels: Record<string, string>; User: string; Healthcheck?: { Test: string[] } };
    };
    expect(config.config.Labels['org.opencontainers.image.revision']).toBe(headSha);
    expect(config.config.Labels['org.opencontainers.image.revision']).not.toBe(mergeSha);
    expect(config.config.Labels['org.opencontainers.image.source']).toBe('https://github.com/acme/service');
    expect(Date.parse(config.config.Labels['org.opencontainers.image.created']!)).toBeGreaterThan(Date.now() - 3_600_000);
    expect(config.config.User).toBe('10001:10001');
    expect(config.config.Healthcheck?.Test.join(' ')).toContain('/health/ready');
    // Outputs, evidence and summary agree.
    const metadata = JSON.parse(run.outputs.metadata!) as Record<string, unknown>;
    expect(metadata).toMatchObject({ digest, revision: headSha, pushed: true, platforms: ['linux/amd64'] });
    const ev = evidenceOf(run);
    expect(ev).toMatchObject({ gate: 'image', status: 'pass', subject: { commitSha: headSha, mergeSha }, tool: { name: 'buildah' } });
    expect(ev.tool.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(ev.details).toMatchObject({
      digest,
      revision: headSha,
      image: `${registry.host}/acme/sample-service`,
      tags: ['pr-31', `sha-${short}`],
      platforms: ['linux/amd64'],
      pushed: true,
    });
    expect(ev.details.size as number).toBeGreaterThan(10_000_000);
    expect(run.summary).toContain('release-safety image: pass');
    expect(run.summary).toContain(digest.slice('sha256:'.length));
    expect(run.stdout).toContain('Smoke test');
  });

  it('a failing smoke command fails the gate and nothing is pushed', async () => {
    const run = await runAction('image', {
      workspace: trivial,
      inputs: { ...common(), image: `${registry.host}/acme/smoke-fails`, 'smoke-command': 'node -e "process.exit(3)"' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('fail');
    expect(run.outputs.digest).toBe('');
    expect(errorMessages(run)).toContain('the smoke command "node -e process.exit(3)" exited with code 3 inside the built image');
    // No tag at all: the repository is unknown to the registry.
    expect((await fetch(`${registry.url}/v2/acme/smoke-fails/tags/list`, { signal: AbortSignal.timeout(10_000) })).status).toBe(404);
  });

  it('a failing build step fails the gate with the last lines of the build log in the summary', async () => {
    const ws = scratchDir('rs-image-broken-');
    writeFileSync(join(ws, 'Dockerfile'), 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN echo "compile-error-marker: missing semicolon" && exit 7\n');
    const run = await runAction('image', { workspace: ws, inputs: { ...common(), image: `${registry.host}/acme/broken` } });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('fail');
    expect(run.outputs.digest).toBe('');
    expect(run.summary).toContain('Last lines of the build log');
    expect(run.summary).toContain('compile-error-marker');
    expect(evidenceOf(run).findings[0]).toMatchObject({ severity: 'error', file: 'Dockerfile' });
    noStackTrace(run);
  });

  it('a missing Dockerfile is a configuration error naming the input', async () => {
    const ws = scratchDir('rs-image-empty-');
    const run = await runAction('image', { workspace: ws, inputs: { ...common(), image: `${registry.host}/acme/x`, file: 'docker/Dockerfile.prod' } });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(errorMessages(run)).toContain(
      'input "file" names "docker/Dockerfile.prod", which does not exist: give the Dockerfile path relative to the repository root',
    );
    noStackTrace(run);
  });

  it('a Dockerfile outside the repository is a configuration error naming the input', async () => {
    const ws = scratchDir('rs-image-outside-');
    mkdirSync(join(ws, 'repo'));
    writeFileSync(join(ws, 'Dockerfile'), 'FROM scratch\n');
    const run = await runAction('image', { workspace: join(ws, 'repo'), inputs: { ...common(), image: `${registry.host}/acme/x`, file: '../Dockerfile' } });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(errorMessages(run)).toContain(
      'input "file" names "../Dockerfile", which is outside the repository: give the Dockerfile path relative to the repository root',
    );
    expect(run.stdout).not.toContain('buildah bud');
    noStackTrace(run);
  });

  it('a storage-dir that cannot be created is a configuration error naming it, not a bug', async () => {
    const blocker = join(trivial, 'not-a-directory');
    writeFileSync(blocker, 'a file where storage-dir wants a directory\n');
    try {
      const run = await runAction('image', {
        workspace: trivial,
        inputs: { ...common(), image: `${registry.host}/acme/x`, push: 'false', 'storage-dir': join(blocker, 'storage') },
      });
      expect(run.exitCode).toBe(1);
      expect(run.outputs.status).toBe('error');
      expect(errorMessages(run)).toContain(
        `input "storage-dir" names ${JSON.stringify(join(blocker, 'storage'))}, where buildah's storage cannot be created or written (ENOTDIR)`,
      );
      expect(errorMessages(run)).not.toContain('unexpected error');
      expect(run.stdout).not.toContain('buildah bud');
      noStackTrace(run);
    } finally {
      rmSync(blocker, { force: true });
    }
  });

  it('an invalid tag is rejected before anything is built', async () => {
    const run = await runAction('image', { workspace: trivial, inputs: { ...common(), image: `${registry.host}/acme/x`, tags: 'ci, feature/login, -bad' } });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(errorMessages(run)).toContain('input "tags" has invalid tags "feature/login", "-bad"');
    expect(run.stdout).not.toContain('buildah bud');
    noStackTrace(run);
  });

  it('a registry that is down is error (not fail, never pass), found before building', async () => {
    // Port 1 (tcpmux): nothing listens there, and no parallel test's registry can be given it.
    const run = await runAction('image', { workspace: trivial, inputs: { ...common(), image: '127.0.0.1:1/acme/x' } });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(run.outputs.digest).toBe('');
    expect(errorMessages(run)).toMatch(/the registry cannot be used: .*unreachable after \d attempts/);
    expect(run.stdout).not.toContain('buildah bud');
  });

  it('wrong credentials: a clear message and the password appears nowhere', async () => {
    const wrong = `wrong-${randomSha().slice(0, 16)}`;
    const run = await runAction('image', {
      workspace: trivial,
      inputs: { ...common(), image: `${authRegistry.host}/acme/private`, 'registry-username': user.username, 'registry-password': wrong },
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(errorMessages(run)).toContain(`refused the credentials of user "${user.username}" (HTTP 401): check registry-username and registry-password`);
    expect(run.masks).toContain(wrong);
    expect(keptByRunner(run)).not.toContain(wrong);
    expect(keptByRunner(run)).not.toContain(Buffer.from(`${user.username}:${wrong}`).toString('base64'));
  });

  it('right credentials push to the auth registry; a v1.2.3 tag push adds 1.2.3, 1.2 and 1 (and not ci)', async () => {
    const sha = randomSha();
    const run = await runAction('image', {
      workspace: trivial,
      eventName: 'push',
      sha,
      event: { before: randomSha(), after: sha, ref: 'refs/tags/v1.2.3', repository: { default_branch: 'main' } },
      inputs: { ...common(), image: `${authRegistry.host}/acme/private`, 'registry-username': user.username, 'registry-password': user.password },
    });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    const tags = [`sha-${sha.slice(0, 7)}`, '1.2.3', '1.2', '1'];
    expect(evidenceOf(run).details.tags).toEqual(tags);
    for (const tag of tags) expect(sha256((await fetchManifest(authRegistry, 'acme/private', tag)).bytes), tag).toBe(run.outputs.digest);
    expect(run.masks).toContain(user.password);
    expect(keptByRunner(run)).not.toContain(user.password);
  });

  it('two platforms push an index whose digest is the output', async () => {
    const run = await runAction('image', {
      workspace: trivial,
      inputs: { ...common(), image: `${registry.host}/acme/multi`, platforms: 'linux/amd64,linux/arm64', tags: 'multi' },
    });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    const { bytes } = await fetchManifest(registry, 'acme/multi', 'multi');
    expect(sha256(bytes)).toBe(run.outputs.digest);
    expect(skopeoDigest(`${registry.host}/acme/multi:multi`)).toBe(run.outputs.digest);
    const index = JSON.parse(bytes.toString('utf8')) as { mediaType: string; manifests: { digest: string; platform: { architecture: string; os: string } }[] };
    expect(index.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
    expect(index.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(evidenceOf(run).details.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    // Every child carries the revision label, and no unknown/unknown entry exists.
    for (const m of index.manifests) {
      const child = JSON.parse((await fetchManifest(registry, 'acme/multi', m.digest)).bytes.toString('utf8')) as { config: { digest: string } };
      const config = (await fetchBlobJson(registry, 'acme/multi', child.config.digest)) as { config: { Labels: Record<string, string> } };
      expect(config.config.Labels['org.opencontainers.image.revision']).toBe(evidenceOf(run).subject.commitSha);
    }
  });

  it('push: false outputs the locally computed digest and says no registry holds it', async () => {
    const run = await runAction('image', { workspace: trivial, inputs: { ...common(), image: `${registry.host}/acme/local-only`, push: 'false' } });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    expect(run.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.summary).toContain('no registry holds this image');
    expect(evidenceOf(run).details).toMatchObject({ pushed: false });
    expect((await fetch(`${registry.url}/v2/acme/local-only/tags/list`, { signal: AbortSignal.timeout(10_000) })).status).toBe(404);
  });

  it('leaves no working containers or build images behind in the storage', () => {
    expect(buildah(storage, ['containers', '--quiet'])).toBe('');
    const images = buildah(storage, ['images', '--format', '{{.Name}}:{{.Tag}}']);
    expect(images).toContain('base/node');
    expect(images).not.toContain('release-safety');
  });
});
