import { describe, expect, it } from 'vitest';
import {
  BUILD_ARG_KEY,
  buildahBudArgs,
  buildahPushArgs,
  buildahSmokeArgs,
  classifyBuildFailure,
  defaultTags,
  lowerCaseImageName,
  type TagEvent,
  dockerBuildArgs,
  dockerLoginArgs,
  dockerSmokeArgs,
  hostPlatform,
  imageLabels,
  parseBuildxMetadata,
  parseKeyValueLines,
  semverTags,
  smokePlatform,
  validatePlatforms,
  validateTags,
} from './plan.js';

const HEAD = '0123456789abcdef0123456789abcdef01234567';

const extras = {
  target: 'runtime',
  buildContexts: [{ name: 'shared', value: '/w/shared' }],
  secrets: [
    { id: 'npmrc', src: '/w/.npmrc' },
    { id: 'token', env: 'NPM_TOKEN' },
  ],
  annotations: [['org.opencontainers.image.description', 'svc']] as [string, string][],
  noCache: true,
  pull: true,
  cacheFrom: ['127.0.0.1:5000/acme/cache'],
  cacheTo: ['127.0.0.1:5000/acme/cache'],
};

describe('tags', () => {
  const on = (eventName: string, ref: string, extra: Partial<TagEvent> = {}) => defaultTags({ eventName, headSha: HEAD, ref, ciTag: 'ci', ...extra });
  it.each([
    [
      'a pull request: pr-<number> and sha-<7 of the head SHA>, never ci',
      on('pull_request', 'refs/pull/7/merge', { prNumber: 7, defaultBranch: 'main' }),
      ['pr-7', 'sha-0123456'],
    ],
    ['pull_request_target the same', on('pull_request_target', 'refs/heads/main', { prNumber: 9, defaultBranch: 'main' }), ['pr-9', 'sha-0123456']],
    ['a push to the default branch moves ci', on('push', 'refs/heads/main', { defaultBranch: 'main' }), ['ci', 'sha-0123456']],
    ['a push to the default branch with another ci-tag', on('push', 'refs/heads/trunk', { defaultBranch: 'trunk', ciTag: 'edge' }), ['edge', 'sha-0123456']],
    ['a push to the default branch with ci-tag none', on('push', 'refs/heads/main', { defaultBranch: 'main', ciTag: '' }), ['sha-0123456']],
    ['a push to another branch does not', on('push', 'refs/heads/feature', { defaultBranch: 'main' }), ['sha-0123456']],
    ['a push whose payload names no default branch does not', on('push', 'refs/heads/main'), ['sha-0123456']],
    ['workflow_dispatch on main does not', on('workflow_dispatch', 'refs/heads/main', { defaultBranch: 'main' }), ['sha-0123456']],
    ['a v1.2.3 tag push: 1.2.3, 1.2 and 1, no ci', on('push', 'refs/tags/v1.2.3', { defaultBranch: 'main' }), ['sha-0123456', '1.2.3', '1.2', '1']],
  ])('%s', (_, tags, expected) => {
    expect(tags).toEqual(expected);
  });
  it('a v1.2.3 tag push adds 1.2.3, 1.2 and 1; a pre-release only itself', () => {
    expect(semverTags('refs/tags/1.10.0')).toEqual(['1.10.0', '1.10', '1']);
    expect(semverTags('refs/tags/v2.0.0-rc.1')).toEqual(['2.0.0-rc.1']);
    expect(semverTags('refs/tags/v1.2')).toEqual([]);
    expect(semverTags('refs/heads/v1.2.3')).toEqual([]);
    expect(semverTags('refs/tags/v01.2.3')).toEqual([]);
  });
  it('lower-cases the image name as metadata-action does, and says when it did', () => {
    expect(lowerCaseImageName('ghcr.io/Acme/Service')).toEqual({ name: 'ghcr.io/acme/service', rewritten: true });
    expect(lowerCaseImageName('ghcr.io/acme/service')).toEqual({ name: 'ghcr.io/acme/service', rewritten: false });
  });
  it('rejects invalid tags naming each one, and drops duplicates', () => {
    expect(() => validateTags(['ci', 'feature/x', 'a:b'])).toThrow('input "tags" has invalid tags "feature/x", "a:b"');
    expect(validateTags(['ci', 'ci', 'v1'])).toEqual(['ci', 'v1']);
  });
});

describe('labels and key=value inputs', () => {
  const facts = { revision: HEAD, source: 'https://github.com/acme/service', created: '2026-01-01T00:00:00.000Z' };
  it('always sets revision, source and created; user labels are added', () => {
    expect(imageLabels(facts, [['team', 'payments']])).toEqual([
      ['org.opencontainers.image.source', facts.source],
      ['org.opencontainers.image.created', facts.created],
      ['team', 'payments'],
      ['org.opencontainers.image.revision', HEAD],
    ]);
  });
  it('never lets the revision be replaced', () => {
    expect(() => imageLabels(facts, [['org.opencontainers.image.revision', 'x']])).toThrow('input "labels" sets org.opencontainers.image.revision');
  });
  it('parses KEY=value lines and names a bad line', () => {
    expect(parseKeyValueLines(['A=1', 'B=x=y', 'C='], 'build-args', BUILD_ARG_KEY)).toEqual([
      ['A', '1'],
      ['B', 'x=y'],
      ['C', ''],
    ]);
    expect(() => parseKeyValueLines(['novalue'], 'build-args', BUILD_ARG_KEY)).toThrow(
      'input "build-args" has the line "novalue": expected one KEY=value per line',
    );
  });
  it('validates platforms', () => {
    expect(validatePlatforms(['linux/amd64', 'linux/arm/v7'])).toEqual(['linux/amd64', 'linux/arm/v7']);
    expect(() => validatePlatforms(['amd64'])).toThrow('expected os/arch[/variant]');
    expect(hostPlatform('x64')).toBe('linux/amd64');
    expect(hostPlatform('arm64')).toBe('linux/arm64');
  });
  it("a smoke test runs on the runner's platform, which must be among the platforms", () => {
    expect(smokePlatform([], 'linux/amd64')).toBe('');
    expect(smokePlatform(['linux/arm64', 'linux/amd64'], 'linux/amd64')).toBe('linux/amd64');
    expect(smokePlatform(['linux/arm64/v8'], 'linux/arm64')).toBe('linux/arm64/v8');
    expect(() => smokePlatform(['linux/arm64', 'linux/s390x'], 'linux/amd64')).toThrow(
      'input "smoke-command" runs the built image on this runner (linux/amd64), but input "platforms" (linux/arm64, linux/s390x) does not include linux/amd64',
    );
    expect(() => smokePlatform(['linux/amd64'], 'linux/arm64')).toThrow(/input "platforms"/);
  });
});

const storage = { root: '/t/s/root', runroot: '/t/s/runroot' };

describe('buildah command lines', () => {
  it('bud: vfs storage, chroot isolation, every label and build-arg as its own argument', () => {
    expect(
      buildahBudArgs({
        storage,
        file: '/w/Dockerfile',
        context: '/w',
        platform: 'linux/arm64',
        format: 'docker',
        buildArgs: [['BASE_IMAGE', 'reg/base:1']],
        labels: [['org.opencontainers.image.revision', HEAD]],
        localName: 'localhost/rs:1',
        tlsVerify: false,
        authFile: '/t/auth.json',
      }),
    ).toEqual([
      '--root',
      '/t/s/root',
      '--runroot',
      '/t/s/runroot',
      '--storage-driver',
      'vfs',
      'bud',
      '--isolation',
      'chroot',
      '--format',
      'docker',
      '--file',
      '/w/Dockerfile',
      '--platform',
      'linux/arm64',
      '--build-arg',
      'BASE_IMAGE=reg/base:1',
      '--label',
      `org.opencontainers.image.revision=${HEAD}`,
      '--tls-verify=false',
      '--authfile',
      '/t/auth.json',
      '--tag',
      'localhost/rs:1',
      '/w',
    ]);
  });
  it('extras: target, named contexts, secrets by file or variable (never their values), annotations, no-cache, pull, the --layers cache', () => {
    const args = buildahBudArgs({
      storage,
      file: '/w/Dockerfile',
      context: '/w',
      platform: '',
      format: 'oci',
      buildArgs: [],
      labels: [],
      localName: 'localhost/rs:1',
      tlsVerify: true,
      extras,
    });
    expect(args.slice(13, -3)).toEqual([
      '--target',
      'runtime',
      '--build-context',
      'shared=/w/shared',
      '--secret',
      'id=npmrc,src=/w/.npmrc',
      '--secret',
      'id=token,env=NPM_TOKEN',
      '--annotation',
      'org.opencontainers.image.description=svc',
      '--no-cache',
      '--pull=always',
      '--layers',
      '--cache-from',
      '127.0.0.1:5000/acme/cache',
      '--cache-to',
      '127.0.0.1:5000/acme/cache',
    ]);
    // Without a cache repository no --layers: nothing is kept that a later build could mistake for fresh.
    expect(
      buildahBudArgs({
        storage,
        file: '/w/Dockerfile',
        context: '/w',
        platform: '',
        format: 'oci',
        buildArgs: [],
        labels: [],
        localName: 'l',
        tlsVerify: true,
        extras: { target: 't' },
      }),
    ).not.toContain('--layers');
  });
  it('push: a digest file; manifest lists with --all', () => {
    const base = {
      storage,
      source: 'localhost/rs:1',
      destination: 'docker://reg/acme/svc:ci',
      digestFile: '/t/d',
      tlsVerify: true,
      manifestList: false,
      format: 'docker' as const,
    };
    expect(buildahPushArgs(base)).toEqual([
      '--root',
      '/t/s/root',
      '--runroot',
      '/t/s/runroot',
      '--storage-driver',
      'vfs',
      'push',
      '--format',
      'v2s2',
      '--digestfile',
      '/t/d',
      'localhost/rs:1',
      'docker://reg/acme/svc:ci',
    ]);
    expect(buildahPushArgs({ ...base, manifestList: true, format: 'oci' }).slice(6)).toEqual([
      'manifest',
      'push',
      '--all',
      '--format',
      'oci',
      '--digestfile',
      '/t/d',
      'localhost/rs:1',
      'docker://reg/acme/svc:ci',
    ]);
  });
  it('smoke: buildah run with the command after --', () => {
    expect(buildahSmokeArgs(storage, 'ctr', ['node', '-e', 'x']).slice(6)).toEqual(['run', '--isolation', 'chroot', 'ctr', '--', 'node', '-e', 'x']);
  });
});

describe('docker buildx command lines', () => {
  const plan = {
    file: '/w/Dockerfile',
    context: '/w',
    platforms: ['linux/amd64', 'linux/arm64'],
    buildArgs: [['A', '1']] as [string, string][],
    labels: [['org.opencontainers.image.revision', HEAD]] as [string, string][],
    imageName: 'ghcr.io/acme/svc',
    references: ['ghcr.io/acme/svc:ci', 'ghcr.io/acme/svc:sha-0123456'],
    push: true,
    load: false,
    metadataFile: '/t/meta.json',
  };
  it('pushes by digest only, no tag (the gate tags after the smoke test), attestations off, a metadata file', () => {
    expect(dockerBuildArgs(plan)).toEqual([
      'buildx',
      'build',
      '--file',
      '/w/Dockerfile',
      '--platform',
      'linux/amd64,linux/arm64',
      '--build-arg',
      'A=1',
      '--label',
      `org.opencontainers.image.revision=${HEAD}`,
      '--provenance=false',
      '--sbom=false',
      '--metadata-file',
      '/t/meta.json',
      '--output',
      'type=image,name=ghcr.io/acme/svc,push-by-digest=true,name-canonical=true,push=true',
      '/w',
    ]);
    expect(dockerBuildArgs(plan)).not.toContain('--push');
    expect(dockerBuildArgs(plan)).not.toContain('--tag');
  });
  it('without push: tagged locally, an image output (digest still in the metadata), or --load for a smoke test', () => {
    expect(dockerBuildArgs({ ...plan, push: false }).slice(-3)).toEqual(['--output', 'type=image,push=false', '/w']);
    expect(dockerBuildArgs({ ...plan, push: false })).toEqual(expect.arrayContaining(['--tag', 'ghcr.io/acme/svc:ci']));
    expect(dockerBuildArgs({ ...plan, push: false, load: true, platforms: [] }).slice(-2)).toEqual(['--load', '/w']);
    expect(dockerBuildArgs({ ...plan, platforms: [] })).not.toContain('--platform');
  });
  it('buildx extras: the same flags, its own cache forms as given, --pull, and a second docker exporter for load with push', () => {
    const args = dockerBuildArgs({
      ...plan,
      extras: { ...extras, cacheFrom: ['type=registry,ref=ghcr.io/acme/cache'], cacheTo: ['type=registry,ref=ghcr.io/acme/cache,mode=max'] },
    });
    expect(args.slice(args.indexOf(`org.opencontainers.image.revision=${HEAD}`) + 1, args.indexOf('--provenance=false'))).toEqual([
      '--target',
      'runtime',
      '--build-context',
      'shared=/w/shared',
      '--secret',
      'id=npmrc,src=/w/.npmrc',
      '--secret',
      'id=token,env=NPM_TOKEN',
      '--annotation',
      'org.opencontainers.image.description=svc',
      '--no-cache',
      '--pull',
      '--cache-from',
      'type=registry,ref=ghcr.io/acme/cache',
      '--cache-to',
      'type=registry,ref=ghcr.io/acme/cache,mode=max',
    ]);
    const loaded = dockerBuildArgs({ ...plan, load: true });
    expect(loaded.slice(-5)).toEqual([
      '--output',
      'type=image,name=ghcr.io/acme/svc,push-by-digest=true,name-canonical=true,push=true',
      '--output',
      'type=docker,name=ghcr.io/acme/svc:ci,ghcr.io/acme/svc:sha-0123456',
      '/w',
    ]);
  });
  it('login reads the password from stdin, never argv; smoke overrides the entrypoint', () => {
    expect(dockerLoginArgs('ghcr.io', 'bot')).toEqual(['login', '--username', 'bot', '--password-stdin', 'ghcr.io']);
    expect(dockerSmokeArgs('ghcr.io/acme/svc@sha256:x', ['node', '-v'])).toEqual(['run', '--rm', '--entrypoint', 'node', 'ghcr.io/acme/svc@sha256:x', '-v']);
  });
  it('reads containerimage.digest from the buildx metadata file', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const meta = JSON.stringify({
      'buildx.build.ref': 'builder/builder0/xyz',
      'containerimage.descriptor': { mediaType: 'application/vnd.oci.image.index.v1+json', digest, size: 743 },
      'containerimage.digest': digest,
      'image.name': 'ghcr.io/acme/svc:ci,ghcr.io/acme/svc:sha-0123456',
    });
    expect(parseBuildxMetadata(meta)).toEqual({
      digest,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      imageName: 'ghcr.io/acme/svc:ci,ghcr.io/acme/svc:sha-0123456',
    });
    expect(() => parseBuildxMetadata('{"buildx.build.ref":"x"}')).toThrow('no valid containerimage.digest (got null)');
    expect(() => parseBuildxMetadata('{"containerimage.digest":""}')).toThrow('no valid containerimage.digest');
    expect(() => parseBuildxMetadata('not json')).toThrow('not JSON');
  });
});

describe('classifyBuildFailure', () => {
  it('a failing RUN step is the change (fail); an unreachable registry is not (error)', () => {
    expect(classifyBuildFailure('error building at STEP "RUN exit 7": exit status 7')).toBe('fail');
    expect(
      classifyBuildFailure(
        'creating build container: initializing source docker://127.0.0.1:1/x: pinging container registry 127.0.0.1:1: Get "http://127.0.0.1:1/v2/": dial tcp: connect: connection refused',
      ),
    ).toBe('error');
    expect(classifyBuildFailure('writing blob: no space left on device')).toBe('error');
  });
});
