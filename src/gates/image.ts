import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRelative } from '../core/annotations.js';
import { ConfigurationError, ToolNotFoundError, errorMessage } from '../core/errors.js';
import type { Finding, GateStatus } from '../core/evidence.js';
import { describeExit, execTool, lastLines, type ExecResult } from '../core/exec.js';
import { startClock, type GateReport, type GateRuntime } from '../core/gate.js';
import { code, codeBlock, md, table } from '../core/markdown.js';
import { RegistryClient, RegistryError, type Manifest, type RegistryCredentials } from '../registry/client.js';
import { inspectImage, ociLayoutSource, registrySource, type ContentSource, type ImageFacts } from '../registry/inspect.js';
import { DIGEST_PATTERN, imageNameToString, registryApiHost, type ImageName } from '../registry/reference.js';
import {
  buildahBudArgs,
  buildahGlobalArgs,
  buildahPushArgs,
  buildahSmokeArgs,
  classifyBuildFailure,
  dockerBuildArgs,
  dockerLoginArgs,
  dockerSmokeArgs,
  hostPlatform,
  LABEL_REVISION,
  parseBuildxMetadata,
  smokePlatform,
  type BuildahStorage,
  type ImageBuilder,
  type ImageFormat,
} from './image-plan.js';

export interface ImageOptions {
  builder: ImageBuilder;
  /** Absolute build context. */
  context: string;
  /** Absolute Dockerfile path (already checked to exist). */
  file: string;
  image: ImageName;
  /** Validated tag names (no repository). */
  tags: string[];
  buildArgs: [string, string][];
  /** Every label including revision, source and created. */
  labels: [string, string][];
  /** The commit the revision label names (the PR head SHA). */
  revision: string;
  platforms: string[];
  push: boolean;
  credentials?: RegistryCredentials;
  /** Argument vector run inside the built image; empty for none. */
  smokeCommand: string[];
  insecureRegistry: boolean;
  format: ImageFormat;
  /** buildah storage (vfs root and runroot live under it). */
  storageDir: string;
  timeoutMs: number;
  /** Registers credential-derived values for masking before they can be printed. */
  mask?: (value: string) => void;
  /**
   * The user's Docker client configuration directory (DOCKER_CONFIG, else ~/.docker). docker runs
   * with a configuration of the gate's own, in its scratch directory, that starts from this one's
   * settings; nothing is ever written here.
   */
  userDockerConfig?: string;
}

/** A step that stopped the gate: its status, one-line reason and the log tail worth showing. */
class Stop extends Error {
  constructor(
    readonly status: GateStatus,
    message: string,
    readonly logTail = '',
  ) {
    super(message);
  }
}

interface BuiltImage {
  digest: string;
  mediaType: string;
  facts: ImageFacts;
  pushed: boolean;
  verifiedBy: string;
}

interface Timings {
  buildMs: number;
  smokeMs: number;
  pushMs: number;
  verifyMs: number;
}

function versionOf(r: ExecResult): string {
  return /(\d+\.\d+\.\d+[\w.+-]*)/.exec(`${r.stdout} ${r.stderr}`)?.[1] ?? '';
}

/**
 * Chooses the builder: docker when asked or when a Docker daemon answers (auto), else buildah.
 * A push needs a buildx builder that can push by digest: the default `docker` driver cannot, so
 * with it auto builds with buildah and builder: docker stops before building.
 */
async function pickBuilder(o: ImageOptions, rt: GateRuntime, dockerEnv: NodeJS.ProcessEnv): Promise<{ builder: 'docker' | 'buildah'; version: string }> {
  const probeDocker = async (): Promise<{ version: string; driver: string } | undefined> => {
    try {
      const server = await execTool('docker', ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 15_000, env: dockerEnv });
      if (server.exitCode !== 0) return undefined;
      const buildx = await execTool('docker', ['buildx', 'version'], { timeoutMs: 15_000, env: dockerEnv });
      if (buildx.exitCode !== 0) return undefined;
      const version = versionOf(buildx) || 'unknown';
      if (!o.push) return { version, driver: '' };
      const inspect = await execTool('docker', ['buildx', 'inspect'], { timeoutMs: 30_000, env: dockerEnv });
      // Unknown when inspect fails: the build then says what is wrong.
      return { version, driver: inspect.exitCode === 0 ? (/^Driver:\s*(\S+)/m.exec(inspect.stdout)?.[1] ?? '') : '' };
    } catch (error) {
      if (error instanceof ToolNotFoundError) return undefined;
      throw error;
    }
  };
  let dockerProblem = '';
  if (o.builder !== 'buildah') {
    const docker = await probeDocker();
    if (docker && docker.driver !== 'docker') return { builder: 'docker', version: docker.version };
    if (docker) {
      dockerProblem = 'the current buildx builder uses the docker driver, which cannot push by digest (the gate pushes untagged and tags only after the smoke test and the digest check)';
      if (o.builder === 'docker') {
        throw new Stop('error', `builder: docker: ${dockerProblem}; create a BuildKit builder first (docker/setup-buildx-action, or docker buildx create --use), or set builder: buildah`);
      }
    } else {
      dockerProblem = 'no Docker daemon with buildx answers on this runner';
      if (o.builder === 'docker') throw new Stop('error', `builder: docker was asked for, but ${dockerProblem}`);
    }
    rt.log.info(`Building with buildah: ${dockerProblem}.`);
  }
  try {
    const r = await execTool('buildah', ['--version'], { timeoutMs: 30_000 });
    if (r.exitCode !== 0) throw new Stop('error', `buildah --version ${describeExit(r)}: ${lastLines(r.stderr, 3)}`);
    return { builder: 'buildah', version: versionOf(r) };
  } catch (error) {
    if (error instanceof ToolNotFoundError) {
      throw new Stop('error', `buildah is not installed${dockerProblem ? ` and docker cannot be used (${dockerProblem})` : ''}: install buildah (apt-get install buildah) or run on a runner with Docker`);
    }
    throw error;
  }
}

function dockerAuthFile(dir: string, image: ImageName, credentials: RegistryCredentials | undefined, mask?: (v: string) => void): string | undefined {
  if (!credentials) return undefined;
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  mask?.(auth);
  const path = join(dir, 'auth.json');
  writeFileSync(path, JSON.stringify({ auths: { [image.registry]: { auth } } }), { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

/** Registries whose credentials a `docker login` to `registry` would store, as config.json names them. */
function dockerLoginKeys(registry: string): string[] {
  return registry === 'docker.io' ? ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/'] : [registry];
}

/**
 * The environment every docker command of the gate runs in. DOCKER_CONFIG is a directory in the
 * gate's scratch directory (removed in finally), so `docker login` never leaves the gate's
 * credentials in ~/.docker/config.json for later steps. It starts from the user's config.json
 * (proxies, current context, credentials already there for base images); when the gate logs in,
 * credsStore and the registry's credHelper are dropped, since either would send the login to a
 * store outside the scratch directory. The user's cli-plugins and contexts are linked, and buildx
 * keeps its state (builders made by docker/setup-buildx-action) through BUILDX_CONFIG.
 */
function dockerEnvironment(scratch: string, o: ImageOptions): NodeJS.ProcessEnv {
  const dir = join(scratch, 'docker');
  mkdirSync(dir, { mode: 0o700 });
  let config: Record<string, unknown> = {};
  const user = o.userDockerConfig;
  if (user) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(join(user, 'config.json'), 'utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) config = parsed as Record<string, unknown>;
    } catch {
      // No configuration (or one docker itself could not read): start from an empty one.
    }
    for (const sub of ['cli-plugins', 'contexts']) {
      if (existsSync(join(user, sub))) symlinkSync(join(user, sub), join(dir, sub));
    }
  }
  if (o.credentials) {
    delete config.credsStore;
    const helpers = config.credHelpers;
    if (helpers && typeof helpers === 'object') for (const key of dockerLoginKeys(o.image.registry)) delete (helpers as Record<string, unknown>)[key];
  }
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: dir };
  if (!env.BUILDX_CONFIG && user && existsSync(join(user, 'buildx'))) env.BUILDX_CONFIG = join(user, 'buildx');
  return env;
}

/** What a failed registry call means for the gate: every one of them is "could not judge". */
function registryStop(error: unknown, doing: string): Stop {
  if (error instanceof RegistryError) return new Stop('error', `${doing}: ${error.message}`);
  return new Stop('error', `${doing}: ${errorMessage(error)}`);
}

export async function runImageGate(o: ImageOptions, rt: GateRuntime): Promise<GateReport> {
  // Before anything is built: a smoke test needs an image this runner can run.
  const smokeOn = o.smokeCommand.length > 0 ? smokePlatform(o.platforms) : undefined;
  const clock = startClock();
  const deadline = Date.now() + o.timeoutMs;
  // Registry calls stop at the same deadline as the subprocesses.
  const overrun = new AbortController();
  const overrunTimer = setTimeout(() => overrun.abort(new Error(`timeout-seconds (${Math.round(o.timeoutMs / 1000)} s) ran out`)), o.timeoutMs);
  const remaining = (what: string): number => {
    const left = deadline - Date.now();
    if (left <= 0) throw new Stop('error', `timeout-seconds ran out before ${what}`);
    return left;
  };
  const imageRef = imageNameToString(o.image);
  const references = o.tags.map((t) => `${imageRef}:${t}`);
  const scratch = mkdtempSync(join(rt.tempDir, 'release-safety-image-'));
  const timings: Timings = { buildMs: 0, smokeMs: 0, pushMs: 0, verifyMs: 0 };
  const client = new RegistryClient({ registry: o.image.registry, credentials: o.credentials, insecure: o.insecureRegistry, onSecret: o.mask, signal: overrun.signal });
  const sections: string[] = [];
  const findings: Finding[] = [];
  let tool = { name: 'buildah', version: '' };
  let built: BuiltImage | undefined;
  let status: GateStatus = 'pass';
  let summary = '';
  const cleanups: (() => Promise<void>)[] = [];
  try {
    // Fail fast on a registry that is down or credentials that do not work, before a long build;
    // the check runs while the builder is probed.
    const preflight = o.push
      ? client.ping(o.image.repository, ['pull', 'push']).then(
          () => undefined,
          (error: unknown) => registryStop(error, 'the registry cannot be used'),
        )
      : Promise.resolve(undefined);
    const dockerEnv = o.builder === 'buildah' ? process.env : dockerEnvironment(scratch, o);
    const picked = await pickBuilder(o, rt, dockerEnv);
    tool = { name: picked.builder === 'docker' ? 'docker buildx' : 'buildah', version: picked.version };
    const preflightStop = await preflight;
    if (preflightStop) throw preflightStop;
    if (o.push) rt.log.info(`Push access to ${imageRef}: ok`);
    const authFile = dockerAuthFile(scratch, o.image, o.credentials, o.mask);
    built =
      picked.builder === 'buildah'
        ? await buildWithBuildah(o, rt, { scratch, authFile, references, client, timings, remaining, cleanups, smokeOn })
        : await buildWithDocker(o, rt, { scratch, references, client, timings, remaining, smokeOn, dockerEnv });
    if (o.push) {
      const labels = Object.values(built.facts.labels);
      const wrong = labels.filter((l) => l[LABEL_REVISION] !== o.revision);
      if (labels.length === 0 || wrong.length > 0) {
        throw new Stop('error', `the pushed image's ${LABEL_REVISION} label is ${JSON.stringify(wrong[0]?.[LABEL_REVISION] ?? null)}, not the commit under test ${o.revision}`);
      }
    }
    summary = o.push
      ? `pushed ${imageRef}@${built.digest} (${o.tags.join(', ')}), verified by hashing the manifest served by the registry`
      : `built ${imageRef}@${built.digest} (not pushed: the digest is of the manifest computed locally; no registry holds it)`;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    status = error.status;
    summary = error.message;
    if (error.logTail) sections.push(`### Last lines of the build log\n\n${codeBlock(error.logTail)}`);
    findings.push({ severity: 'error', message: error.message, ...(error.status === 'fail' && error.logTail ? { file: repoRelative(o.file, rt.workspace) } : {}) });
  } finally {
    clearTimeout(overrunTimer);
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  }

  const digest = status === 'pass' && built ? built.digest : '';
  const outputs: Record<string, string> = {
    digest,
    image: digest ? `${imageRef}@${digest}` : '',
    tags: status === 'pass' ? references.join('\n') : '',
    metadata: '',
  };
  const details: Record<string, unknown> = {
    builder: tool.name,
    builderVersion: tool.version,
    image: imageRef,
    digest,
    ref: digest ? `${imageRef}@${digest}` : '',
    tags: o.tags,
    platforms: built?.facts.platforms ?? o.platforms,
    size: built?.facts.size ?? 0,
    mediaType: built?.mediaType ?? '',
    revision: o.revision,
    pushed: Boolean(built?.pushed && status === 'pass'),
    verifiedBy: built?.verifiedBy ?? '',
    durationMs: clock.elapsed(),
    ...timings,
  };
  outputs.metadata = JSON.stringify({
    image: imageRef,
    digest,
    tags: outputs.tags ? references : [],
    platforms: details.platforms,
    mediaType: details.mediaType,
    size: details.size,
    revision: o.revision,
    pushed: details.pushed,
    builder: tool.name,
    builderVersion: tool.version,
  });
  if (built) sections.unshift(renderImageTable(imageRef, built, references, o));
  return {
    gate: 'image',
    status,
    summary,
    tool,
    metrics: { platforms: built?.facts.platforms.length ?? 0, tags: o.tags.length, sizeBytes: built?.facts.size ?? 0, buildMs: timings.buildMs, pushMs: timings.pushMs },
    findings,
    details,
    startedAt: clock.startedAt,
    durationMs: clock.elapsed(),
    outputs,
    summarySections: sections,
  };
}

function renderImageTable(imageRef: string, b: BuiltImage, references: string[], o: ImageOptions): string {
  const rows: string[][] = [
    ['image', code(imageRef)],
    ['digest', code(b.digest)],
    ['tags', references.map((r) => code(r)).join('<br>')],
    ['platforms', b.facts.platforms.map((p) => code(p)).join(' ')],
    ['media type', code(b.mediaType)],
    ['size', `${(b.facts.size / 1024 / 1024).toFixed(1)} MiB`],
    ['revision', code(o.revision)],
    ['in a registry', b.pushed ? `yes: ${md(b.verifiedBy)}` : 'no: not pushed; the digest was computed locally and no registry holds this image'],
  ];
  return `### Image\n\n${table(['', ''], rows)}`;
}

interface BuildContext {
  scratch: string;
  authFile?: string;
  references: string[];
  client: RegistryClient;
  timings: Timings;
  remaining: (what: string) => number;
  cleanups: (() => Promise<void>)[];
  /** The platform to smoke-test ('' for the only one); undefined without a smoke command. */
  smokeOn?: string;
}

interface DockerBuildContext extends Omit<BuildContext, 'authFile' | 'cleanups'> {
  dockerEnv: NodeJS.ProcessEnv;
}

async function runLogged(rt: GateRuntime, cmd: string, args: string[], options: { timeoutMs: number; env?: NodeJS.ProcessEnv; input?: string; cwd?: string }): Promise<ExecResult> {
  const live = rt.log.untrustedStream();
  try {
    return await execTool(cmd, args, {
      ...options,
      maxBuffer: 4 * 1024 * 1024,
      onStdout: (c) => live.write(c),
      onStderr: (c) => live.write(c),
    });
  } finally {
    live.end();
  }
}

function combined(r: ExecResult): string {
  return `${r.stdout}\n${r.stderr}`;
}

/** Reads a digest file written by buildah/skopeo; an empty or malformed one is an error, never a pass. */
function readDigestFile(path: string, what: string): string {
  const text = existsSync(path) ? readFileSync(path, 'utf8').trim() : '';
  if (!DIGEST_PATTERN.test(text)) throw new Stop('error', `${what} left no usable digest (got ${JSON.stringify(text.slice(0, 80))})`);
  return text;
}

/** buildah's vfs storage under storage-dir; a directory that cannot be made or written is the input's fault. */
function prepareStorage(storageDir: string): BuildahStorage {
  const storage: BuildahStorage = { root: join(storageDir, 'root'), runroot: join(storageDir, 'runroot') };
  try {
    for (const dir of [storage.root, storage.runroot]) {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
    }
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? errorMessage(error);
    throw new ConfigurationError(
      `input "storage-dir" names ${JSON.stringify(storageDir)}, where buildah's storage cannot be created or written (${reason}): give a writable directory, or leave it empty for RUNNER_TEMP/release-safety/buildah`,
    );
  }
  return storage;
}

async function buildWithBuildah(o: ImageOptions, rt: GateRuntime, c: BuildContext): Promise<BuiltImage> {
  const storage = prepareStorage(o.storageDir);
  const env = { ...process.env, STORAGE_DRIVER: 'vfs', BUILDAH_ISOLATION: 'chroot' };
  const tlsVerify = !o.insecureRegistry;
  const buildah = (args: string[], what: string, input?: string) => runLogged(rt, 'buildah', args, { timeoutMs: c.remaining(what), env, input });
  const quiet = (args: string[], what: string) => execTool('buildah', args, { timeoutMs: c.remaining(what), env });
  const id = randomBytes(6).toString('hex');
  const platforms = o.platforms.length > 0 ? o.platforms : [''];
  const localNames: string[] = [];

  const buildStart = Date.now();
  for (const platform of platforms) {
    const localName = `localhost/release-safety-build:${id}${platform ? `-${platform.replace(/\//g, '-')}` : ''}`;
    const args = buildahBudArgs({ storage, file: o.file, context: o.context, platform, format: o.format, buildArgs: o.buildArgs, labels: o.labels, localName, tlsVerify, authFile: c.authFile });
    const r = await rt.log.group(`buildah bud${platform ? ` --platform ${platform}` : ''}`, () => buildah(args, 'the build'));
    localNames.push(localName);
    c.cleanups.push(async () => {
      await quiet([...buildahGlobalArgs(storage), 'rmi', '--force', localName], 'cleanup');
    });
    if (r.exitCode !== 0 || r.timedOut) {
      const tail = lastLines(combined(r), 30);
      if (r.timedOut || r.signal) throw new Stop('error', `the build ${describeExit(r)}`, tail);
      const status = classifyBuildFailure(combined(r));
      throw new Stop(status, `the build ${platform ? `for ${platform} ` : ''}${describeExit(r)}${status === 'error' ? ' on a registry or storage problem' : ''}: ${lastLines(r.stderr || r.stdout, 1)}`, tail);
    }
  }
  c.timings.buildMs = Date.now() - buildStart;

  if (c.smokeOn !== undefined) {
    // runImageGate made sure the runner's platform is among those built.
    const index = platforms.indexOf(c.smokeOn);
    const smokeStart = Date.now();
    await rt.log.group(`Smoke test: ${o.smokeCommand.join(' ')}`, async () => {
      const ctrName = `release-safety-smoke-${id}`;
      const from = await quiet([...buildahGlobalArgs(storage), 'from', '--pull=false', '--name', ctrName, localNames[index]!], 'the smoke test');
      if (from.exitCode !== 0) throw new Stop('error', `buildah from for the smoke test ${describeExit(from)}: ${lastLines(from.stderr, 2)}`);
      try {
        const r = await buildah(buildahSmokeArgs(storage, ctrName, o.smokeCommand), 'the smoke test');
        if (r.exitCode !== 0 || r.timedOut || r.signal) {
          throw new Stop('fail', `the smoke command ${JSON.stringify(o.smokeCommand.join(' '))} ${describeExit(r)} inside the built image`, lastLines(combined(r), 30));
        }
      } finally {
        await quiet([...buildahGlobalArgs(storage), 'rm', ctrName], 'cleanup').catch(() => undefined);
      }
    });
    c.timings.smokeMs = Date.now() - smokeStart;
  }

  let source = localNames[0]!;
  const manifestList = platforms.length > 1;
  if (manifestList) {
    source = `localhost/release-safety-list:${id}`;
    const create = await quiet([...buildahGlobalArgs(storage), 'manifest', 'create', source], 'the manifest list');
    if (create.exitCode !== 0) throw new Stop('error', `buildah manifest create ${describeExit(create)}: ${lastLines(create.stderr, 2)}`);
    c.cleanups.push(async () => {
      await quiet([...buildahGlobalArgs(storage), 'manifest', 'rm', source], 'cleanup');
    });
    for (const name of localNames) {
      const add = await quiet([...buildahGlobalArgs(storage), 'manifest', 'add', source, `containers-storage:${name}`], 'the manifest list');
      if (add.exitCode !== 0) throw new Stop('error', `buildah manifest add ${describeExit(add)}: ${lastLines(add.stderr, 2)}`);
    }
  }

  const digestFile = join(c.scratch, 'digest');
  const layout = join(c.scratch, 'oci-layout');
  const destination = o.push ? `docker://${c.references[0]}` : `oci:${layout}:build`;
  const pushStart = Date.now();
  const pushed = await rt.log.group(o.push ? `Pushing ${c.references[0]}` : 'Writing the image to a local OCI layout (push: false)', () =>
    buildah(buildahPushArgs({ storage, source, destination, format: o.format, digestFile, tlsVerify, authFile: c.authFile, manifestList }), 'the push'),
  );
  if (pushed.exitCode !== 0 || pushed.timedOut || pushed.signal) {
    throw new Stop('error', `${o.push ? 'the push' : 'writing the local image'} ${describeExit(pushed)}: ${lastLines(pushed.stderr || pushed.stdout, 1)}`, lastLines(combined(pushed), 20));
  }
  const claimed = readDigestFile(digestFile, 'buildah push');
  c.timings.pushMs = Date.now() - pushStart;
  return verify(o, rt, c, claimed, o.push ? { tagged: o.tags[0]! } : { local: ociLayoutSource(layout) });
}

/**
 * Where the manifest to verify is: in a local OCI layout (push: false), in the registry under the
 * one tag the builder pushed (buildah), or in the registry by digest only, untagged (docker).
 */
type PushedAs = { local: ContentSource } | { tagged: string } | { untagged: true };

/**
 * Proves the digest: fetches the manifest back (from the registry or the local layout), hashes
 * the bytes, compares with what the builder claimed, puts the same bytes under every tag the
 * builder did not push and checks that every tag now resolves to it.
 */
async function verify(o: ImageOptions, rt: GateRuntime, c: Pick<BuildContext, 'client' | 'timings'>, claimed: string, at: PushedAs): Promise<BuiltImage> {
  const start = Date.now();
  const tagged = 'tagged' in at ? at.tagged : undefined;
  return rt.log.group(o.push ? 'Verifying the digest in the registry and tagging' : 'Verifying the local digest', async () => {
    let manifest: Manifest;
    let source: ContentSource;
    try {
      if ('local' in at) {
        source = at.local;
        manifest = await at.local.manifest(claimed);
      } else {
        source = registrySource(c.client, o.image.repository);
        // By the tag the builder pushed, or else by the digest (getManifest hashes the bytes against it).
        manifest = await c.client.getManifest(o.image.repository, tagged ?? claimed);
      }
    } catch (error) {
      throw registryStop(error, 'the pushed manifest cannot be fetched back');
    }
    if (manifest.digest !== claimed) {
      throw new Stop('error', `the builder reported ${claimed} but ${tagged ?? claimed} serves a manifest that hashes to ${manifest.digest}`);
    }
    let facts: ImageFacts;
    try {
      const inspecting = inspectImage(source, manifest);
      // Handled here so a tag failure first cannot leave it an unhandled rejection; awaited below.
      inspecting.catch(() => undefined);
      if (o.push) {
        await Promise.all(o.tags.filter((tag) => tag !== tagged).map((tag) => c.client.putManifest(o.image.repository, tag, manifest.bytes, manifest.mediaType)));
        // Every tag, the builder's included, must now serve bytes that hash to the digest.
        const resolved = await Promise.all(o.tags.map((tag) => c.client.resolveDigest(o.image.repository, tag)));
        const moved = o.tags.find((_, i) => resolved[i] !== manifest.digest);
        if (moved) throw new Stop('error', `tag ${moved} resolves to ${resolved[o.tags.indexOf(moved)]}, not ${manifest.digest}`);
      }
      facts = await inspecting;
    } catch (error) {
      if (error instanceof Stop) throw error;
      throw registryStop(error, o.push ? 'tagging or reading the pushed image' : 'reading the local image');
    }
    c.timings.verifyMs = Date.now() - start;
    rt.log.info(`${manifest.digest} (${manifest.mediaType}, ${facts.platforms.join(', ')})`);
    return {
      digest: manifest.digest,
      mediaType: manifest.mediaType,
      facts,
      pushed: o.push,
      verifiedBy: o.push ? `sha256 of the manifest bytes served by ${registryApiHost(o.image.registry)} for ${o.tags.join(', ')}` : 'sha256 of the manifest in a local OCI layout',
    };
  });
}

/**
 * docker buildx: a push goes by digest only, so the smoke test runs before any tag names the
 * image; the gate then puts the tags with the manifest bytes it fetched back and hashed.
 * Without push, a smoke test runs the image loaded into the daemon.
 */
async function buildWithDocker(o: ImageOptions, rt: GateRuntime, c: DockerBuildContext): Promise<BuiltImage> {
  const env = c.dockerEnv;
  if (o.credentials) {
    const login = await execTool('docker', dockerLoginArgs(o.image.registry, o.credentials.username), { timeoutMs: c.remaining('docker login'), input: o.credentials.password, env });
    if (login.exitCode !== 0) throw new Stop('error', `docker login to ${o.image.registry} ${describeExit(login)}: ${lastLines(login.stderr, 1)}`);
  }
  const imageRef = imageNameToString(o.image);
  const metadataFile = join(c.scratch, 'metadata.json');
  const load = !o.push && o.platforms.length <= 1 && c.smokeOn !== undefined;
  const args = dockerBuildArgs({ file: o.file, context: o.context, platforms: o.platforms, buildArgs: o.buildArgs, labels: o.labels, imageName: imageRef, references: c.references, push: o.push, load, metadataFile });
  const start = Date.now();
  const r = await rt.log.group(o.push ? `docker buildx build (pushed to ${imageRef} by digest, untagged)` : 'docker buildx build', () =>
    runLogged(rt, 'docker', args, { timeoutMs: c.remaining('the build'), env }),
  );
  c.timings.buildMs = Date.now() - start;
  if (r.exitCode !== 0 || r.timedOut || r.signal) {
    const tail = lastLines(combined(r), 30);
    if (r.timedOut || r.signal) throw new Stop('error', `the build ${describeExit(r)}`, tail);
    throw new Stop(classifyBuildFailure(combined(r)), `docker buildx build ${describeExit(r)}: ${lastLines(r.stderr || r.stdout, 1)}`, tail);
  }
  let digest: string;
  let mediaType = '';
  try {
    const meta = parseBuildxMetadata(readFileSync(metadataFile, 'utf8'));
    digest = meta.digest;
    mediaType = meta.mediaType ?? '';
  } catch (error) {
    throw new Stop('error', `the build succeeded but its digest is unknown: ${errorMessage(error)}`);
  }
  if (c.smokeOn !== undefined) {
    // Pushed: by digest (docker picks the runner's platform from an index); else the loaded image.
    const ref = o.push ? `${imageRef}@${digest}` : c.references[0]!;
    const smokeStart = Date.now();
    const smoke = await rt.log.group(`Smoke test: ${o.smokeCommand.join(' ')}`, () =>
      runLogged(rt, 'docker', dockerSmokeArgs(ref, o.smokeCommand), { timeoutMs: c.remaining('the smoke test'), env }),
    );
    c.timings.smokeMs = Date.now() - smokeStart;
    if (smoke.exitCode !== 0) throw new Stop('fail', `the smoke command ${JSON.stringify(o.smokeCommand.join(' '))} ${describeExit(smoke)} inside the built image`, lastLines(combined(smoke), 30));
  }
  if (!o.push) {
    return {
      digest,
      mediaType,
      facts: { mediaType, isIndex: o.platforms.length > 1, platforms: o.platforms.length ? o.platforms : [hostPlatform()], size: 0, labels: {} },
      pushed: false,
      verifiedBy: 'buildx metadata (containerimage.digest)',
    };
  }
  return verify(o, rt, c, digest, { untagged: true });
}
