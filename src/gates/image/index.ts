/**
 * The image gate. Phases: collect (pick the builder, build, smoke-test, push by digest: build.ts),
 * judge (the digest re-fetched and hashed, the revision label checked), render (the summary table).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRelative } from '../../core/annotations.js';
import { ToolNotFoundError } from '../../core/errors.js';
import { describeExit, execTool, lastLines, type ExecResult } from '../../core/exec.js';
import { startClock, type GateReport, type GateRuntime } from '../../core/gate.js';
import { code, codeBlock, md, table } from '../../core/markdown.js';
import { parseVersionNumber, probeVersion } from '../../core/version.js';
import { RegistryClient, type RegistryCredentials } from '../../registry/client.js';
import { imageNameToString, type ImageName } from '../../registry/reference.js';
import { buildWithBuildah, buildWithDocker } from './build.js';
import { registryStop, Stop, type BuiltImage, type Timings } from './model.js';
import { LABEL_REVISION, smokePlatform, type BuildExtras, type ImageBuilder, type ImageFormat } from './plan.js';
import { checkBaseImages, prepareSbom, writeSupplyChain, type BaseCheck, type SupplyChainRecord } from './supply-chain.js';
import type { Finding, GateStatus } from '../../core/evidence.js';

export interface ImageOptions {
  builder: ImageBuilder;
  /** Absolute build context. */
  context: string;
  /** Absolute Dockerfile path (already checked to exist). */
  file: string;
  image: ImageName;
  /** Set when the image input was lower-cased ("Given -> used"), shown in the log. */
  imageRewrite?: string;
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
  /** target, build-contexts, secrets, annotations, no-cache, pull, cache-from/-to. */
  extras?: BuildExtras;
  /** A FROM not pinned by digest fails the gate (else it is a warning naming the digest). */
  requirePinnedBase?: boolean;
  /** Write a CycloneDX SBOM beside the provenance (default true). */
  sbom?: boolean;
  /** Where the provenance and SBOM go: beside the evidence record. */
  artifactsDir?: string;
  /** RUNNER_TOOL_CACHE, where the SBOM tool is cached. */
  toolCache?: string;
  /** What the provenance names as the source and the run. */
  source?: { repositoryUrl: string; ref: string; runUrl?: string };
  /** docker: --load into the daemon; buildah: keep the image in the storage under its references. */
  load?: boolean;
  /** Registers credential-derived values for masking before they can be printed. */
  mask?: (value: string) => void;
  /**
   * The user's Docker client configuration directory (DOCKER_CONFIG, else ~/.docker). docker runs
   * with a configuration of the gate's own, in its scratch directory, that starts from this one's
   * settings; nothing is ever written here.
   */
  userDockerConfig?: string;
}

function versionOf(r: ExecResult): string {
  return parseVersionNumber(`${r.stdout} ${r.stderr}`);
}

/**
 * Chooses the builder: docker when asked or when a Docker daemon answers (auto), else buildah.
 * A push needs a buildx builder that can push by digest: the default `docker` driver cannot, so
 * with it auto builds with buildah and builder: docker stops before building.
 */
async function pickBuilder(
  opts: ImageOptions,
  runtime: GateRuntime,
  dockerEnv: NodeJS.ProcessEnv,
): Promise<{ builder: 'docker' | 'buildah'; version: string }> {
  const probeDocker = async (): Promise<{ version: string; driver: string } | undefined> => {
    try {
      const server = await execTool('docker', ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 15_000, env: dockerEnv });
      if (server.exitCode !== 0) return undefined;
      const buildx = await execTool('docker', ['buildx', 'version'], { timeoutMs: 15_000, env: dockerEnv });
      if (buildx.exitCode !== 0) return undefined;
      const version = versionOf(buildx) || 'unknown';
      if (!opts.push) return { version, driver: '' };
      const inspect = await execTool('docker', ['buildx', 'inspect'], { timeoutMs: 30_000, env: dockerEnv });
      // Unknown when inspect fails: the build then says what is wrong.
      return { version, driver: inspect.exitCode === 0 ? (/^Driver:\s*(\S+)/m.exec(inspect.stdout)?.[1] ?? '') : '' };
    } catch (error) {
      if (error instanceof ToolNotFoundError) return undefined;
      throw error;
    }
  };
  let dockerProblem = '';
  if (opts.builder !== 'buildah') {
    const docker = await probeDocker();
    if (docker && docker.driver !== 'docker') return { builder: 'docker', version: docker.version };
    if (docker) {
      dockerProblem =
        'the current buildx builder uses the docker driver, which cannot push by digest (the gate pushes untagged and tags only after the smoke test and the digest check)';
      if (opts.builder === 'docker') {
        throw new Stop(
          'error',
          `builder: docker: ${dockerProblem}; create a BuildKit builder first (docker/setup-buildx-action, or docker buildx create --use), or set builder: buildah`,
        );
      }
    } else {
      dockerProblem = 'no Docker daemon with buildx answers on this runner';
      if (opts.builder === 'docker') throw new Stop('error', `builder: docker was asked for, but ${dockerProblem}`);
    }
    runtime.log.info(`Building with buildah: ${dockerProblem}.`);
  }
  try {
    const { version, result: r } = await probeVersion({ command: 'buildah' });
    if (r && r.exitCode !== 0) throw new Stop('error', `buildah --version ${describeExit(r)}: ${lastLines(r.stderr, 3)}`);
    return { builder: 'buildah', version };
  } catch (error) {
    if (error instanceof ToolNotFoundError) {
      throw new Stop(
        'error',
        `buildah is not installed${dockerProblem ? ` and docker cannot be used (${dockerProblem})` : ''}: install buildah (apt-get install buildah) or run on a runner with Docker`,
      );
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
function dockerEnvironment(scratch: string, opts: ImageOptions): NodeJS.ProcessEnv {
  const dir = join(scratch, 'docker');
  mkdirSync(dir, { mode: 0o700 });
  let config: Record<string, unknown> = {};
  const user = opts.userDockerConfig;
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
  if (opts.credentials) {
    delete config.credsStore;
    const helpers = config.credHelpers;
    if (helpers && typeof helpers === 'object') for (const key of dockerLoginKeys(opts.image.registry)) delete (helpers as Record<string, unknown>)[key];
  }
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: dir };
  if (!env.BUILDX_CONFIG && user && existsSync(join(user, 'buildx'))) env.BUILDX_CONFIG = join(user, 'buildx');
  return env;
}

export async function runImageGate(opts: ImageOptions, runtime: GateRuntime): Promise<GateReport> {
  // Before anything is built: a smoke test needs an image this runner can run.
  const smokeOn = opts.smokeCommand.length > 0 ? smokePlatform(opts.platforms) : undefined;
  const clock = startClock();
  const deadline = Date.now() + opts.timeoutMs;
  // Registry calls stop at the same deadline as the subprocesses.
  const overrun = new AbortController();
  const overrunTimer = setTimeout(() => overrun.abort(new Error(`timeout-seconds (${Math.round(opts.timeoutMs / 1000)} s) ran out`)), opts.timeoutMs);
  const remaining = (what: string): number => {
    const left = deadline - Date.now();
    if (left <= 0) throw new Stop('error', `timeout-seconds ran out before ${what}`);
    return left;
  };
  const imageRef = imageNameToString(opts.image);
  const references = opts.tags.map((t) => `${imageRef}:${t}`);
  const scratch = mkdtempSync(join(runtime.tempDir, 'release-safety-image-'));
  const timings: Timings = { buildMs: 0, smokeMs: 0, pushMs: 0, verifyMs: 0 };
  const client = new RegistryClient({
    registry: opts.image.registry,
    credentials: opts.credentials,
    insecure: opts.insecureRegistry,
    onSecret: opts.mask,
    signal: overrun.signal,
  });
  const sections: string[] = [];
  const findings: Finding[] = [];
  let tool = { name: 'buildah', version: '' };
  let built: BuiltImage | undefined;
  let status: GateStatus = 'pass';
  let summary = '';
  const cleanups: (() => Promise<void>)[] = [];
  let check: BaseCheck | undefined;
  let supply: SupplyChainRecord | undefined;
  try {
    if (opts.imageRewrite) runtime.log.info(`image name lower-cased as registries require (and as docker/metadata-action does): ${opts.imageRewrite}`);
    // Fail fast on a registry that is down or credentials that do not work, before a long build;
    // the check runs while the builder is probed.
    const preflight = opts.push
      ? client.ping(opts.image.repository, ['pull', 'push']).then(
          () => undefined,
          (error: unknown) => registryStop(error, 'the registry cannot be used'),
        )
      : Promise.resolve(undefined);
    const dockerEnv = opts.builder === 'buildah' ? process.env : dockerEnvironment(scratch, opts);
    // The base images are resolved while the builder is probed, too.
    const baseChecking = checkBaseImages(opts, runtime, overrun.signal);
    baseChecking.catch(() => undefined);
    const picked = await pickBuilder(opts, runtime, dockerEnv);
    tool = { name: picked.builder === 'docker' ? 'docker buildx' : 'buildah', version: picked.version };
    const preflightStop = await preflight;
    if (preflightStop) throw preflightStop;
    if (opts.push) runtime.log.info(`Push access to ${imageRef}: ok`);
    check = await baseChecking;
    findings.push(...check.findings);
    const unpinned = check.findings.filter((f) => f.severity === 'error').length;
    if (unpinned > 0)
      throw new Stop('fail', `${unpinned} base image(s) not pinned by digest, and require-pinned-base is true: pin each FROM to the digest its finding names`);
    const sbomDraft = opts.sbom === false ? undefined : await prepareSbom(opts, runtime, check.bases, remaining);
    const authFile = dockerAuthFile(scratch, opts.image, opts.credentials, opts.mask);
    built =
      picked.builder === 'buildah'
        ? await buildWithBuildah(opts, runtime, { scratch, authFile, references, client, timings, remaining, cleanups, smokeOn })
        : await buildWithDocker(opts, runtime, { scratch, references, client, timings, remaining, smokeOn, dockerEnv });
    if (opts.push) {
      const labels = Object.values(built.facts.labels);
      const wrong = labels.filter((l) => l[LABEL_REVISION] !== opts.revision);
      if (labels.length === 0 || wrong.length > 0) {
        throw new Stop(
          'error',
          `the pushed image's ${LABEL_REVISION} label is ${JSON.stringify(wrong[0]?.[LABEL_REVISION] ?? null)}, not the commit under test ${opts.revision}`,
        );
      }
    }
    supply = writeSupplyChain(opts, runtime, { built, check, sbom: sbomDraft, builder: tool, startedOn: clock.startedAt });
    summary = opts.push
      ? `pushed ${imageRef}@${built.digest} (${opts.tags.join(', ')}), verified by hashing the manifest served by the registry`
      : `built ${imageRef}@${built.digest} (not pushed: the digest is of the manifest computed locally; no registry holds it)`;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    status = error.status;
    summary = error.message;
    if (error.logTail) sections.push(`### Last lines of the build log\n\n${codeBlock(error.logTail)}`);
    findings.push({
      severity: 'error',
      message: error.message,
      ...(error.status === 'fail' && error.logTail ? { file: repoRelative(opts.file, runtime.workspace) } : {}),
    });
  } finally {
    clearTimeout(overrunTimer);
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  }

  return imageReport({ opts, imageRef, references, tool, built, status, summary, check, supply, timings, clock, findings, sections });
}

interface DetailFacts {
  opts: ImageOptions;
  tool: { name: string; version: string };
  imageRef: string;
  digest: string;
  built?: BuiltImage;
  status: GateStatus;
  check?: BaseCheck;
  supply?: SupplyChainRecord;
  timings: Timings;
  durationMs: number;
}

interface ImageOutcome {
  opts: ImageOptions;
  imageRef: string;
  references: string[];
  tool: { name: string; version: string };
  built: BuiltImage | undefined;
  status: GateStatus;
  summary: string;
  check: BaseCheck | undefined;
  supply: SupplyChainRecord | undefined;
  timings: Timings;
  clock: ReturnType<typeof startClock>;
  findings: Finding[];
  sections: string[];
}

/** Render: the outputs, the record's details and metrics, and the summary table from what the run found. */
function imageReport({
  opts,
  imageRef,
  references,
  tool,
  built,
  status,
  summary,
  check,
  supply,
  timings,
  clock,
  findings,
  sections,
}: ImageOutcome): GateReport {
  const digest = status === 'pass' && built ? built.digest : '';
  const outputs: Record<string, string> = {
    digest,
    image: digest ? `${imageRef}@${digest}` : '',
    tags: status === 'pass' ? references.join('\n') : '',
    metadata: '',
  };
  const details = imageDetails({ opts, tool, imageRef, digest, built, status, check, supply, timings, durationMs: clock.elapsed() });
  outputs.metadata = JSON.stringify({
    image: imageRef,
    digest,
    tags: outputs.tags ? references : [],
    platforms: details.platforms,
    mediaType: details.mediaType,
    size: details.size,
    revision: opts.revision,
    pushed: details.pushed,
    builder: tool.name,
    builderVersion: tool.version,
  });
  if (built) sections.unshift(renderImageTable(imageRef, built, references, opts, status === 'pass' ? supply : undefined, check));
  return {
    gate: 'image',
    status,
    summary,
    tool,
    metrics: {
      platforms: built?.facts.platforms.length ?? 0,
      tags: opts.tags.length,
      sizeBytes: built?.facts.size ?? 0,
      buildMs: timings.buildMs,
      pushMs: timings.pushMs,
    },
    findings,
    details,
    startedAt: clock.startedAt,
    durationMs: clock.elapsed(),
    outputs,
    summarySections: sections,
  };
}

/** The record's details (src/core/details.ts): provenance and SBOM only for a pass. */
function imageDetails({ opts, tool, imageRef, digest, built, status, check, supply, timings, durationMs }: DetailFacts): Record<string, unknown> {
  return {
    builder: tool.name,
    builderVersion: tool.version,
    image: imageRef,
    digest,
    ref: digest ? `${imageRef}@${digest}` : '',
    tags: opts.tags,
    platforms: built?.facts.platforms ?? opts.platforms,
    size: built?.facts.size ?? 0,
    mediaType: built?.mediaType ?? '',
    revision: opts.revision,
    pushed: Boolean(built?.pushed && status === 'pass'),
    verifiedBy: built?.verifiedBy ?? '',
    baseImages: (check?.bases ?? []).map((b) => ({
      reference: b.reference,
      line: b.line,
      pinned: Boolean(b.pinned),
      digest: b.digest ?? '',
      ...(b.problem ? { problem: b.problem } : {}),
    })),
    ...(check ? { dockerfileSha256: check.dockerfileSha256 } : {}),
    ...(supply && status === 'pass' ? { provenance: supply.provenance, ...(supply.sbom ? { sbom: supply.sbom } : {}) } : {}),
    durationMs,
    ...timings,
  };
}

function renderImageTable(imageRef: string, b: BuiltImage, references: string[], opts: ImageOptions, supply?: SupplyChainRecord, check?: BaseCheck): string {
  const rows: string[][] = [
    ['image', code(imageRef)],
    ['digest', code(b.digest)],
    ['tags', references.map((r) => code(r)).join('<br>')],
    ['platforms', b.facts.platforms.map((p) => code(p)).join(' ')],
    ['media type', code(b.mediaType)],
    ['size', `${(b.facts.size / 1024 / 1024).toFixed(1)} MiB`],
    ['revision', code(opts.revision)],
    ['in a registry', b.pushed ? `yes: ${md(b.verifiedBy)}` : 'no: not pushed; the digest was computed locally and no registry holds this image'],
    ...(check?.bases ?? []).map((base) => [
      'base image',
      `${code(base.reference)}${base.digest ? ` ${code(base.digest)}` : ' (digest unknown)'}${base.pinned ? ' pinned' : ' **not pinned**'}`,
    ]),
    ...(supply ? [['provenance', `SLSA v1: ${code(String(supply.provenance.path))} sha256 ${code(String(supply.provenance.sha256))}`]] : []),
    ...(supply?.sbom
      ? [
          [
            'SBOM',
            `${md(String(supply.sbom.format))}, ${md(String(supply.sbom.components))} components: ${code(String(supply.sbom.path))} sha256 ${code(String(supply.sbom.sha256))}`,
          ],
        ]
      : []),
  ];
  return `### Image\n\n${table(['property', 'value'], rows)}`;
}
