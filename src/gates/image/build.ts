/**
 * The image gate's build phase: buildah (chroot isolation, vfs storage) or docker buildx, push by
 * digest, and the verification that re-fetches and hashes what the registry serves.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError, errorMessage } from '../../core/errors.js';
import { describeExit, execTool, lastLines, type ExecResult } from '../../core/exec.js';
import { type GateRuntime } from '../../core/gate.js';
import { RegistryClient, type Manifest } from '../../registry/client.js';
import { inspectImage, ociLayoutSource, registrySource, type ContentSource, type ImageFacts } from '../../registry/inspect.js';
import { DIGEST_PATTERN, imageNameToString, registryApiHost } from '../../registry/reference.js';
import { buildahCacheRepository } from './build-inputs.js';
import { registryStop, Stop, type BuiltImage, type Timings } from './model.js';
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
  parseBuildxMetadata,
  type BuildahStorage,
  type BuildExtras,
} from './plan.js';
import type { ImageOptions } from './index.js';

export interface BuildContext {
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

export interface DockerBuildContext extends Omit<BuildContext, 'authFile' | 'cleanups'> {
  dockerEnv: NodeJS.ProcessEnv;
}

export async function runLogged(
  runtime: GateRuntime,
  cmd: string,
  args: string[],
  options: { timeoutMs: number; env?: NodeJS.ProcessEnv; input?: string; cwd?: string },
): Promise<ExecResult> {
  const live = runtime.log.untrustedStream();
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

export function combined(r: ExecResult): string {
  return `${r.stdout}\n${r.stderr}`;
}

/** Reads a digest file written by buildah/skopeo; an empty or malformed one is an error, never a pass. */
export function readDigestFile(path: string, what: string): string {
  const text = existsSync(path) ? readFileSync(path, 'utf8').trim() : '';
  if (!DIGEST_PATTERN.test(text)) throw new Stop('error', `${what} left no usable digest (got ${JSON.stringify(text.slice(0, 80))})`);
  return text;
}

/** buildah's vfs storage under storage-dir; a directory that cannot be made or written is the input's fault. */
export function prepareStorage(storageDir: string): BuildahStorage {
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

/** buildah takes one cache repository each way; the buildx form type=registry,ref= is accepted. */
function buildahExtras(x: BuildExtras | undefined): BuildExtras {
  const from = buildahCacheRepository(x?.cacheFrom ?? [], 'cache-from');
  const to = buildahCacheRepository(x?.cacheTo ?? [], 'cache-to');
  return { ...x, cacheFrom: from ? [from] : [], cacheTo: to ? [to] : [] };
}

export async function buildWithBuildah(opts: ImageOptions, runtime: GateRuntime, c: BuildContext): Promise<BuiltImage> {
  const storage = prepareStorage(opts.storageDir);
  const env = { ...process.env, STORAGE_DRIVER: 'vfs', BUILDAH_ISOLATION: 'chroot' };
  const tlsVerify = !opts.insecureRegistry;
  const buildah = (args: string[], what: string, input?: string) => runLogged(runtime, 'buildah', args, { timeoutMs: c.remaining(what), env, input });
  const quiet = (args: string[], what: string) => execTool('buildah', args, { timeoutMs: c.remaining(what), env });
  const id = randomBytes(6).toString('hex');
  const platforms = opts.platforms.length > 0 ? opts.platforms : [''];
  const localNames: string[] = [];
  const extras = buildahExtras(opts.extras);

  const buildStart = Date.now();
  for (const platform of platforms) {
    const localName = `localhost/release-safety-build:${id}${platform ? `-${platform.replace(/\//g, '-')}` : ''}`;
    const args = buildahBudArgs({
      storage,
      file: opts.file,
      context: opts.context,
      platform,
      format: opts.format,
      buildArgs: opts.buildArgs,
      labels: opts.labels,
      localName,
      tlsVerify,
      authFile: c.authFile,
      extras,
    });
    const r = await runtime.log.group(`buildah bud${platform ? ` --platform ${platform}` : ''}`, () => buildah(args, 'the build'));
    localNames.push(localName);
    c.cleanups.push(async () => {
      await quiet([...buildahGlobalArgs(storage), 'rmi', '--force', localName], 'cleanup');
    });
    if (r.exitCode !== 0 || r.timedOut) {
      const tail = lastLines(combined(r), 30);
      if (r.timedOut || r.signal) throw new Stop('error', `the build ${describeExit(r)}`, tail);
      const status = classifyBuildFailure(combined(r));
      throw new Stop(
        status,
        `the build ${platform ? `for ${platform} ` : ''}${describeExit(r)}${status === 'error' ? ' on a registry or storage problem' : ''}: ${lastLines(r.stderr || r.stdout, 1)}`,
        tail,
      );
    }
  }
  c.timings.buildMs = Date.now() - buildStart;

  if (c.smokeOn !== undefined) {
    // runImageGate made sure the runner's platform is among those built.
    const index = platforms.indexOf(c.smokeOn);
    const smokeStart = Date.now();
    await runtime.log.group(`Smoke test: ${opts.smokeCommand.join(' ')}`, async () => {
      const ctrName = `release-safety-smoke-${id}`;
      const from = await quiet([...buildahGlobalArgs(storage), 'from', '--pull=false', '--name', ctrName, localNames[index]!], 'the smoke test');
      if (from.exitCode !== 0) throw new Stop('error', `buildah from for the smoke test ${describeExit(from)}: ${lastLines(from.stderr, 2)}`);
      try {
        const r = await buildah(buildahSmokeArgs(storage, ctrName, opts.smokeCommand), 'the smoke test');
        if (r.exitCode !== 0 || r.timedOut || r.signal) {
          throw new Stop(
            'fail',
            `the smoke command ${JSON.stringify(opts.smokeCommand.join(' '))} ${describeExit(r)} inside the built image`,
            lastLines(combined(r), 30),
          );
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
  const destination = opts.push ? `docker://${c.references[0]}` : `oci:${layout}:build`;
  const pushStart = Date.now();
  const pushed = await runtime.log.group(opts.push ? `Pushing ${c.references[0]}` : 'Writing the image to a local OCI layout (push: false)', () =>
    buildah(buildahPushArgs({ storage, source, destination, format: opts.format, digestFile, tlsVerify, authFile: c.authFile, manifestList }), 'the push'),
  );
  if (pushed.exitCode !== 0 || pushed.timedOut || pushed.signal) {
    throw new Stop(
      'error',
      `${opts.push ? 'the push' : 'writing the local image'} ${describeExit(pushed)}: ${lastLines(pushed.stderr || pushed.stdout, 1)}`,
      lastLines(combined(pushed), 20),
    );
  }
  const claimed = readDigestFile(digestFile, 'buildah push');
  c.timings.pushMs = Date.now() - pushStart;
  const built = await verify(opts, runtime, c, claimed, opts.push ? { tagged: opts.tags[0]! } : { local: ociLayoutSource(layout) });
  if (opts.load) {
    // Kept under its references (the build name is dropped in cleanup), for later steps' buildah from.
    const tagged = await quiet([...buildahGlobalArgs(storage), 'tag', localNames[0]!, ...c.references], 'keeping the image');
    if (tagged.exitCode !== 0) throw new Stop('error', `buildah tag (load: true) ${describeExit(tagged)}: ${lastLines(tagged.stderr, 2)}`);
    runtime.log.info(`load: true: the image stays in the buildah storage ${opts.storageDir} as ${c.references.join(', ')}`);
  }
  return built;
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
export async function verify(
  opts: ImageOptions,
  runtime: GateRuntime,
  c: Pick<BuildContext, 'client' | 'timings'>,
  claimed: string,
  at: PushedAs,
): Promise<BuiltImage> {
  const start = Date.now();
  const tagged = 'tagged' in at ? at.tagged : undefined;
  return runtime.log.group(opts.push ? 'Verifying the digest in the registry and tagging' : 'Verifying the local digest', async () => {
    let manifest: Manifest;
    let source: ContentSource;
    try {
      if ('local' in at) {
        source = at.local;
        manifest = await at.local.manifest(claimed);
      } else {
        source = registrySource(c.client, opts.image.repository);
        // By the tag the builder pushed, or else by the digest (getManifest hashes the bytes against it).
        manifest = await c.client.getManifest(opts.image.repository, tagged ?? claimed);
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
      if (opts.push) {
        await Promise.all(
          opts.tags.filter((tag) => tag !== tagged).map((tag) => c.client.putManifest(opts.image.repository, tag, manifest.bytes, manifest.mediaType)),
        );
        // Every tag, the builder's included, must now serve bytes that hash to the digest.
        const resolved = await Promise.all(opts.tags.map((tag) => c.client.resolveDigest(opts.image.repository, tag)));
        const moved = opts.tags.find((_, i) => resolved[i] !== manifest.digest);
        if (moved) throw new Stop('error', `tag ${moved} resolves to ${resolved[opts.tags.indexOf(moved)]}, not ${manifest.digest}`);
      }
      facts = await inspecting;
    } catch (error) {
      if (error instanceof Stop) throw error;
      throw registryStop(error, opts.push ? 'tagging or reading the pushed image' : 'reading the local image');
    }
    c.timings.verifyMs = Date.now() - start;
    runtime.log.info(`${manifest.digest} (${manifest.mediaType}, ${facts.platforms.join(', ')})`);
    return {
      digest: manifest.digest,
      mediaType: manifest.mediaType,
      facts,
      pushed: opts.push,
      verifiedBy: opts.push
        ? `sha256 of the manifest bytes served by ${registryApiHost(opts.image.registry)} for ${opts.tags.join(', ')}`
        : 'sha256 of the manifest in a local OCI layout',
    };
  });
}

/**
 * docker buildx: a push goes by digest only, so the smoke test runs before any tag names the
 * image; the gate then puts the tags with the manifest bytes it fetched back and hashed.
 * Without push, a smoke test runs the image loaded into the daemon.
 */
export async function buildWithDocker(opts: ImageOptions, runtime: GateRuntime, c: DockerBuildContext): Promise<BuiltImage> {
  const env = c.dockerEnv;
  if (opts.credentials) {
    const login = await execTool('docker', dockerLoginArgs(opts.image.registry, opts.credentials.username), {
      timeoutMs: c.remaining('docker login'),
      input: opts.credentials.password,
      env,
    });
    if (login.exitCode !== 0) throw new Stop('error', `docker login to ${opts.image.registry} ${describeExit(login)}: ${lastLines(login.stderr, 1)}`);
  }
  const imageRef = imageNameToString(opts.image);
  const metadataFile = join(c.scratch, 'metadata.json');
  const load = opts.platforms.length <= 1 && ((!opts.push && c.smokeOn !== undefined) || Boolean(opts.load));
  const args = dockerBuildArgs({
    file: opts.file,
    context: opts.context,
    platforms: opts.platforms,
    buildArgs: opts.buildArgs,
    labels: opts.labels,
    imageName: imageRef,
    references: c.references,
    push: opts.push,
    load,
    metadataFile,
    extras: opts.extras,
  });
  const start = Date.now();
  const r = await runtime.log.group(opts.push ? `docker buildx build (pushed to ${imageRef} by digest, untagged)` : 'docker buildx build', () =>
    runLogged(runtime, 'docker', args, { timeoutMs: c.remaining('the build'), env }),
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
    const ref = opts.push ? `${imageRef}@${digest}` : c.references[0]!;
    const smokeStart = Date.now();
    const smoke = await runtime.log.group(`Smoke test: ${opts.smokeCommand.join(' ')}`, () =>
      runLogged(runtime, 'docker', dockerSmokeArgs(ref, opts.smokeCommand), { timeoutMs: c.remaining('the smoke test'), env }),
    );
    c.timings.smokeMs = Date.now() - smokeStart;
    if (smoke.exitCode !== 0)
      throw new Stop(
        'fail',
        `the smoke command ${JSON.stringify(opts.smokeCommand.join(' '))} ${describeExit(smoke)} inside the built image`,
        lastLines(combined(smoke), 30),
      );
  }
  if (!opts.push) {
    return {
      digest,
      mediaType,
      facts: { mediaType, isIndex: opts.platforms.length > 1, platforms: opts.platforms.length ? opts.platforms : [hostPlatform()], size: 0, labels: {} },
      pushed: false,
      verifiedBy: 'buildx metadata (containerimage.digest)',
    };
  }
  return verify(opts, runtime, c, digest, { untagged: true });
}
