/**
 * The pure half of the image gate: tags, labels and the exact command lines of each builder.
 * Everything here is unit-tested on its output; image.ts runs it.
 */
import { ConfigurationError } from '../../core/errors.js';
import { isValidTag } from '../../registry/reference.js';
import { secretFlag, type BuildSecret, type NamedContext } from './build-inputs.js';

export const IMAGE_BUILDERS = ['auto', 'docker', 'buildah'] as const;
export type ImageBuilder = (typeof IMAGE_BUILDERS)[number];
export const IMAGE_FORMATS = ['docker', 'oci'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

export const LABEL_REVISION = 'org.opencontainers.image.revision';
export const LABEL_SOURCE = 'org.opencontainers.image.source';
export const LABEL_CREATED = 'org.opencontainers.image.created';

const SEMVER_TAG = /^refs\/tags\/v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/**
 * Tags for a v1.2.3 tag push: 1.2.3, 1.2 and 1. A pre-release (v1.2.3-rc.1) gets only its own
 * version, so it never moves 1.2 or 1. Any other ref adds nothing.
 */
export function semverTags(ref: string): string[] {
  const m = SEMVER_TAG.exec(ref);
  if (!m) return [];
  const [, major, minor, patch, pre] = m;
  if (pre) return [`${major}.${minor}.${patch}-${pre}`];
  return [`${major}.${minor}.${patch}`, `${major}.${minor}`, `${major}`];
}

export interface TagEvent {
  eventName: string;
  /** The commit under test: the PR head SHA on pull requests, never the merge commit. */
  headSha: string;
  ref: string;
  prNumber?: number;
  /** The repository's default branch, from the push payload (repository.default_branch). */
  defaultBranch?: string;
  /** The tag a push to the default branch moves (input ci-tag); '' for none. */
  ciTag: string;
}

/**
 * The default tags, as docker/metadata-action derives them, so parallel pull requests never move
 * the tag promotion reads: pull requests get pr-<number> and sha-<7 of the head SHA>; only a push
 * to the default branch moves the ci tag; a v1.2.3 tag push adds 1.2.3, 1.2 and 1.
 */
export function defaultTags(e: TagEvent): string[] {
  const sha = `sha-${e.headSha.slice(0, 7)}`;
  const pullRequest = e.eventName === 'pull_request' || e.eventName === 'pull_request_target';
  if (pullRequest && e.prNumber !== undefined) return [`pr-${e.prNumber}`, sha];
  const toDefaultBranch = e.eventName === 'push' && e.defaultBranch !== undefined && e.ref === `refs/heads/${e.defaultBranch}`;
  return [...(toDefaultBranch && e.ciTag ? [e.ciTag] : []), sha, ...semverTags(e.ref)];
}

/**
 * metadata-action lower-cases the image name (GitHub owners and repositories may hold capitals;
 * registry repository names may not). Returns the name to use and whether it was rewritten.
 */
export function lowerCaseImageName(value: string): { name: string; rewritten: boolean } {
  const name = value.trim().toLowerCase();
  return { name, rewritten: name !== value.trim() };
}

export function validateTags(tags: readonly string[], input = 'tags'): string[] {
  const bad = tags.filter((t) => !isValidTag(t));
  if (bad.length > 0) {
    throw new ConfigurationError(
      `input "${input}" has invalid tag${bad.length > 1 ? 's' : ''} ${bad.map((t) => JSON.stringify(t)).join(', ')}: a tag is 1 to 128 characters of letters, digits, _ . and -, not starting with . or - (no registry or repository in it)`,
    );
  }
  return [...new Set(tags)];
}

/** KEY=value lines (build-args, labels); the value may contain anything but a newline. */
export function parseKeyValueLines(lines: readonly string[], input: string, keyPattern: RegExp): [string, string][] {
  const pairs: [string, string][] = [];
  for (const line of lines) {
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq).trim() : '';
    if (!key || !keyPattern.test(key)) {
      throw new ConfigurationError(
        `input "${input}" has the line ${JSON.stringify(line.length > 60 ? `${line.slice(0, 57)}...` : line)}: expected one KEY=value per line`,
      );
    }
    pairs.push([key, line.slice(eq + 1)]);
  }
  return pairs;
}

export const BUILD_ARG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/;

export function validatePlatforms(platforms: readonly string[]): string[] {
  const bad = platforms.filter((p) => !PLATFORM.test(p));
  if (bad.length > 0)
    throw new ConfigurationError(
      `input "platforms" has ${bad.map((p) => JSON.stringify(p)).join(', ')}: expected os/arch[/variant], e.g. linux/amd64, linux/arm64`,
    );
  return [...new Set(platforms)];
}

/** The platform this runner executes natively, as os/arch. */
export function hostPlatform(arch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return `linux/${map[arch] ?? arch}`;
}

/**
 * The platform a smoke command runs on: the runner's own, since the gate runs the image here
 * without emulation. '' when no platforms are given (the build is for the runner's platform).
 * A platform list without the runner's is a configuration error, raised before anything is built.
 */
export function smokePlatform(platforms: readonly string[], host: string = hostPlatform()): string {
  if (platforms.length === 0) return '';
  const match = platforms.find((p) => p === host || p.startsWith(`${host}/`));
  if (match === undefined) {
    throw new ConfigurationError(
      `input "smoke-command" runs the built image on this runner (${host}), but input "platforms" (${platforms.join(', ')}) does not include ${host}: add it to platforms, or leave smoke-command empty`,
    );
  }
  return match;
}

export interface LabelFacts {
  revision: string;
  source: string;
  created: string;
}

/**
 * The labels every image gets. The revision is what promotion reads back, so the user may add
 * labels but never replace it.
 */
export function imageLabels(facts: LabelFacts, user: readonly [string, string][]): [string, string][] {
  if (user.some(([k]) => k === LABEL_REVISION)) {
    throw new ConfigurationError(`input "labels" sets ${LABEL_REVISION}: the gate sets it to the commit under test (the PR head SHA); remove that line`);
  }
  const labels = new Map<string, string>([
    [LABEL_SOURCE, facts.source],
    [LABEL_CREATED, facts.created],
  ]);
  for (const [k, v] of user) labels.set(k, v);
  labels.set(LABEL_REVISION, facts.revision);
  return [...labels.entries()];
}

// ---- buildah ------------------------------------------------------------------------------------

export interface BuildahStorage {
  root: string;
  runroot: string;
}

/** Global flags: vfs storage in a directory of its own, so parallel runs never share state. */
export function buildahGlobalArgs(s: BuildahStorage): string[] {
  return ['--root', s.root, '--runroot', s.runroot, '--storage-driver', 'vfs'];
}

export interface BuildahBuildPlan {
  storage: BuildahStorage;
  file: string;
  context: string;
  /** Empty: the runner's own platform, no --platform flag. */
  platform: string;
  format: ImageFormat;
  buildArgs: readonly [string, string][];
  labels: readonly [string, string][];
  localName: string;
  tlsVerify: boolean;
  authFile?: string;
  extras?: BuildExtras;
}

/** What build-push-action users set beyond the basics; every field optional, none by default. */
export interface BuildExtras {
  target?: string;
  buildContexts?: readonly NamedContext[];
  secrets?: readonly BuildSecret[];
  annotations?: readonly [string, string][];
  noCache?: boolean;
  /** Always pull the base images (true), or use the ones already present (default). */
  pull?: boolean;
  /** buildah: one repository; buildx: its own forms, as given. */
  cacheFrom?: readonly string[];
  cacheTo?: readonly string[];
}

/** Flags both builders spell the same way. */
function commonExtraArgs(x: BuildExtras): string[] {
  return [
    ...(x.target ? ['--target', x.target] : []),
    ...(x.buildContexts ?? []).flatMap((c) => ['--build-context', `${c.name}=${c.value}`]),
    // The flag names the secret's file or variable; the value reaches only the RUN that mounts it.
    ...(x.secrets ?? []).flatMap((s) => ['--secret', secretFlag(s)]),
    ...(x.annotations ?? []).flatMap(([k, v]) => ['--annotation', `${k}=${v}`]),
    ...(x.noCache ? ['--no-cache'] : []),
  ];
}

/**
 * buildah's layer cache: --layers keeps each step as an image, and --cache-from/--cache-to put
 * those in a registry repository, so a fresh runner reuses the steps an earlier build made.
 */
function buildahExtraArgs(x: BuildExtras): string[] {
  const cache = [...(x.cacheFrom ?? []).flatMap((r) => ['--cache-from', r]), ...(x.cacheTo ?? []).flatMap((r) => ['--cache-to', r])];
  return [...commonExtraArgs(x), ...(x.pull ? ['--pull=always'] : []), ...(cache.length > 0 ? ['--layers', ...cache] : [])];
}

export function buildahBudArgs(p: BuildahBuildPlan): string[] {
  return [
    ...buildahGlobalArgs(p.storage),
    'bud',
    '--isolation',
    'chroot',
    '--format',
    p.format,
    '--file',
    p.file,
    ...(p.platform ? ['--platform', p.platform] : []),
    ...p.buildArgs.flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
    ...p.labels.flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    ...buildahExtraArgs(p.extras ?? {}),
    ...(p.tlsVerify ? [] : ['--tls-verify=false']),
    ...(p.authFile ? ['--authfile', p.authFile] : []),
    '--tag',
    p.localName,
    p.context,
  ];
}

export interface BuildahPushPlan {
  storage: BuildahStorage;
  /** A local image, or a manifest list when all is true. */
  source: string;
  destination: string;
  format: ImageFormat;
  digestFile: string;
  tlsVerify: boolean;
  authFile?: string;
  manifestList: boolean;
}

export function buildahPushArgs(p: BuildahPushPlan): string[] {
  const common = [
    '--format',
    p.format === 'docker' ? 'v2s2' : 'oci',
    '--digestfile',
    p.digestFile,
    ...(p.tlsVerify ? [] : ['--tls-verify=false']),
    ...(p.authFile ? ['--authfile', p.authFile] : []),
  ];
  return p.manifestList
    ? [...buildahGlobalArgs(p.storage), 'manifest', 'push', '--all', ...common, p.source, p.destination]
    : [...buildahGlobalArgs(p.storage), 'push', ...common, p.source, p.destination];
}

// ---- docker buildx ---------------------------------------------------------------------------

export interface DockerBuildPlan {
  file: string;
  context: string;
  platforms: readonly string[];
  buildArgs: readonly [string, string][];
  labels: readonly [string, string][];
  /** registry/repository, without a tag: where a push goes, by digest. */
  imageName: string;
  /** Full references, registry/repository:tag: local names when the image is not pushed. */
  references: readonly string[];
  push: boolean;
  /** Load into the daemon (single platform: a smoke command runs it, or the load input asks). */
  load: boolean;
  metadataFile: string;
  extras?: BuildExtras;
}

/**
 * docker buildx build with --provenance=false and --sbom=false: attestations would add
 * unknown/unknown entries to the index that some registries reject. The metadata file carries
 * containerimage.digest whether or not the image is pushed (type=image output).
 *
 * A push goes by digest only (push-by-digest, no --tag): the image is in the registry but no tag
 * names it, so a failing smoke test leaves every tag where it was. The gate puts the tags itself
 * afterwards, with the manifest bytes it fetched back and hashed.
 */
export function dockerBuildArgs(p: DockerBuildPlan): string[] {
  const x = p.extras ?? {};
  const output = p.push
    ? [
        '--output',
        `type=image,name=${p.imageName},push-by-digest=true,name-canonical=true,push=true`,
        // A second exporter (buildx 0.13+) so later steps can run the image the daemon now has.
        ...(p.load ? ['--output', `type=docker,name=${p.references.join(',')}`] : []),
      ]
    : p.load
      ? ['--load']
      : ['--output', 'type=image,push=false'];
  return [
    'buildx',
    'build',
    '--file',
    p.file,
    ...(p.platforms.length > 0 ? ['--platform', p.platforms.join(',')] : []),
    ...p.buildArgs.flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
    ...p.labels.flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    ...(p.push ? [] : p.references.flatMap((r) => ['--tag', r])),
    ...commonExtraArgs(x),
    ...(x.pull ? ['--pull'] : []),
    ...(x.cacheFrom ?? []).flatMap((c) => ['--cache-from', c]),
    ...(x.cacheTo ?? []).flatMap((c) => ['--cache-to', c]),
    '--provenance=false',
    '--sbom=false',
    '--metadata-file',
    p.metadataFile,
    ...output,
    p.context,
  ];
}

export function dockerLoginArgs(registry: string, username: string): string[] {
  return ['login', '--username', username, '--password-stdin', registry];
}

export function dockerSmokeArgs(reference: string, command: readonly string[]): string[] {
  const [entry, ...rest] = command;
  return ['run', '--rm', '--entrypoint', entry!, reference, ...rest];
}

export function buildahSmokeArgs(storage: BuildahStorage, container: string, command: readonly string[]): string[] {
  return [...buildahGlobalArgs(storage), 'run', '--isolation', 'chroot', container, '--', ...command];
}

export interface BuildxMetadata {
  digest: string;
  mediaType?: string;
  imageName?: string;
}

/** Reads buildx's --metadata-file; a missing or malformed containerimage.digest is an error. */
export function parseBuildxMetadata(text: string): BuildxMetadata {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error('the buildx metadata file is not JSON');
  }
  const digest = data['containerimage.digest'];
  if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new Error(`the buildx metadata file has no valid containerimage.digest (got ${JSON.stringify(digest ?? null)})`);
  }
  const descriptor = data['containerimage.descriptor'] as { mediaType?: unknown } | undefined;
  const name = data['image.name'];
  return {
    digest,
    ...(typeof descriptor?.mediaType === 'string' ? { mediaType: descriptor.mediaType } : {}),
    ...(typeof name === 'string' ? { imageName: name } : {}),
  };
}

// ---- verdicts -----------------------------------------------------------------------------------

/**
 * A failed build is the change's fault (fail) unless the output shows the builder could not reach
 * a registry or its own storage (error: the gate could not judge).
 */
export function classifyBuildFailure(output: string): 'fail' | 'error' {
  const infrastructure = [
    /pinging container registry/i,
    /connection refused/i,
    /no such host/i,
    /i\/o timeout/i,
    /TLS handshake timeout/i,
    /server gave HTTP response to HTTPS client/i,
    /unauthorized: authentication required/i,
    /requested access to the resource is denied/i,
    /toomanyrequests/i,
    /no space left on device/i,
    /error (?:creating|mounting) .*storage/i,
    // The builder, not the Dockerfile: the docker driver cannot push by digest.
    /push-by-digest is currently not implemented/i,
  ];
  return infrastructure.some((re) => re.test(output)) ? 'error' : 'fail';
}
