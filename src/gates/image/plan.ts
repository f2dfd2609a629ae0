/**
 * The pure half of the image gate: tags, labels and the exact command lines of each builder.
 * Everything here is unit-tested on its output; image.ts runs it.
 */
import { ConfigurationError } from '../../core/errors.js';
import { isValidTag } from '../../registry/reference.js';

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

/** ci and sha-<7 characters of the head SHA> (the PR head, never the merge commit), plus semver tags. */
export function defaultTags(headSha: string, ref: string): string[] {
  return ['ci', `sha-${headSha.slice(0, 7)}`, ...semverTags(ref)];
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
      throw new ConfigurationError(`input "${input}" has the line ${JSON.stringify(line.length > 60 ? `${line.slice(0, 57)}...` : line)}: expected one KEY=value per line`);
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
  if (bad.length > 0) throw new ConfigurationError(`input "platforms" has ${bad.map((p) => JSON.stringify(p)).join(', ')}: expected os/arch[/variant], e.g. linux/amd64, linux/arm64`);
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
  /** Load into the daemon (single platform, not pushed, so a smoke command can run it). */
  load: boolean;
  metadataFile: string;
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
  const output = p.push
    ? ['--output', `type=image,name=${p.imageName},push-by-digest=true,name-canonical=true,push=true`]
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
