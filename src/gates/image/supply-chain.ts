/**
 * What the image gate records about where an image came from: its base images (resolved to
 * digests, pinning judged before the build), and after the build a SLSA v1 provenance statement
 * and a CycloneDX SBOM written beside the evidence record, their paths and sha256 in its details.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../../core/errors.js';
import { describeExit, execTool, lastLines } from '../../core/exec.js';
import { sha256Hex } from '../../core/hash.js';
import { installCycloneDxNpm } from '../../tools/cyclonedx.js';
import { judgeBasePinning, parseBaseImages, resolveBaseImages, type BaseImage } from './base-images.js';
import { Stop, type BuiltImage } from './model.js';
import { provenanceStatement, writeJsonArtifact } from './provenance.js';
import type { Finding } from '../../core/evidence.js';
import type { GateRuntime } from '../../core/gate.js';
import type { ImageOptions } from './index.js';

export interface BaseCheck {
  bases: BaseImage[];
  findings: Finding[];
  dockerfileSha256: string;
}

/** Reads the Dockerfile's FROMs, resolves each base to its digest and judges the pinning. */
export async function checkBaseImages(opts: ImageOptions, runtime: GateRuntime, signal: AbortSignal): Promise<BaseCheck> {
  let text: Buffer;
  try {
    text = readFileSync(opts.file);
  } catch (error) {
    throw new Stop('error', `the Dockerfile ${opts.file} cannot be read: ${errorMessage(error)}`);
  }
  const contexts = (opts.extras?.buildContexts ?? []).map((c) => c.name);
  const parsed = parseBaseImages(text.toString('utf8'), opts.buildArgs, contexts);
  const bases = await resolveBaseImages(parsed, {
    imageRegistry: opts.image.registry,
    credentials: opts.credentials,
    insecure: opts.insecureRegistry,
    signal,
    onSecret: opts.mask,
  });
  const file = relative(runtime.workspace, opts.file) || opts.file;
  for (const b of bases)
    runtime.log.info(`base image (line ${b.line}): ${b.reference} -> ${b.digest ?? `unresolved: ${b.problem ?? ''}`}${b.pinned ? ' (pinned)' : ''}`);
  return { bases, findings: judgeBasePinning(bases, opts.requirePinnedBase ?? false, file), dockerfileSha256: sha256Hex(text) };
}

const cycloneDxSchema = z
  .object({
    bomFormat: z.literal('CycloneDX'),
    specVersion: z.string(),
    components: z.array(z.object({ name: z.string(), version: z.string().optional(), type: z.string() }).loose()).default([]),
    metadata: z.object({}).loose().optional(),
  })
  .loose();

function baseComponent(b: BaseImage): { name: string; type: string; version?: string; [k: string]: unknown } {
  const name = `${b.registry}/${b.repository}`;
  const hex = (b.digest ?? '').replace(/^sha256:/, '');
  return {
    type: 'container',
    'bom-ref': `base-image:${name}@${b.digest ?? 'unresolved'}`,
    name,
    version: b.digest ?? b.tag,
    description: `base image (FROM ${b.reference}, line ${b.line})`,
    ...(hex
      ? {
          hashes: [{ alg: 'SHA-256', content: hex }],
          purl: `pkg:oci/${b.repository.split('/').pop()}@${encodeURIComponent(b.digest!)}?repository_url=${encodeURIComponent(name)}${b.tag ? `&tag=${b.tag}` : ''}`,
        }
      : {}),
  };
}

export interface SbomDraft {
  bom: z.infer<typeof cycloneDxSchema>;
  packages: string;
  toolVersion: string;
}

/**
 * The SBOM's packages, made before the build so a tool that cannot be obtained stops the gate
 * before anything is pushed: the npm packages of the context (cyclonedx-npm on package-lock.json,
 * runtime dependencies only, as the image installs them) plus each base image by digest. Without
 * a lockfile the SBOM lists the base images only, and says so.
 */
export async function prepareSbom(
  opts: ImageOptions,
  runtime: GateRuntime,
  bases: readonly BaseImage[],
  remaining: (what: string) => number,
): Promise<SbomDraft> {
  const lockfile = join(opts.context, 'package-lock.json');
  let bom: z.infer<typeof cycloneDxSchema> = { bomFormat: 'CycloneDX', specVersion: '1.6', components: [] };
  let packages = 'none: the build context has no package-lock.json; base images only';
  let toolVersion = '';
  if (existsSync(lockfile)) {
    let tool;
    try {
      tool = await installCycloneDxNpm({
        toolCache: opts.toolCache ?? join(runtime.tempDir, 'release-safety-tool-cache'),
        tempDir: runtime.tempDir,
        log: runtime.log,
        timeoutMs: Math.min(remaining('the SBOM tool'), 600_000),
      });
    } catch (error) {
      throw new Stop(
        'error',
        `the SBOM tool @cyclonedx/cyclonedx-npm could not be obtained: ${errorMessage(error)} (set sbom: false to build without an SBOM)`,
      );
    }
    toolVersion = tool.version;
    const out = join(runtime.tempDir, `sbom-${Date.now()}-${process.pid}.json`);
    try {
      const args = [
        tool.cli,
        '--package-lock-only',
        '--omit',
        'dev',
        '--output-format',
        'JSON',
        '--spec-version',
        '1.6',
        '--output-reproducible',
        '--output-file',
        out,
      ];
      const r = await runtime.log.group('SBOM: cyclonedx-npm on package-lock.json', () =>
        execTool(process.execPath, args, { cwd: opts.context, timeoutMs: remaining('the SBOM') }),
      );
      if (r.exitCode !== 0 || r.timedOut || r.signal) throw new Stop('error', `cyclonedx-npm ${describeExit(r)}: ${lastLines(r.stderr || r.stdout, 3)}`);
      const parsed = cycloneDxSchema.safeParse(JSON.parse(readFileSync(out, 'utf8')));
      if (!parsed.success) throw new Stop('error', `cyclonedx-npm wrote no CycloneDX JSON document: ${parsed.error.issues[0]?.message ?? ''}`);
      bom = parsed.data;
      packages = `${bom.components.length} npm package(s) from package-lock.json (runtime dependencies)`;
    } catch (error) {
      if (error instanceof Stop) throw error;
      throw new Stop('error', `the SBOM could not be made: ${errorMessage(error)}`);
    } finally {
      rmSync(out, { force: true });
    }
  }
  bom.components = [...bom.components, ...bases.map(baseComponent)];
  return { bom, packages, toolVersion };
}

function writeSbom(opts: ImageOptions, runtime: GateRuntime, draft: SbomDraft, bases: number, built: BuiltImage): Record<string, unknown> {
  const bom = {
    ...draft.bom,
    metadata: {
      ...draft.bom.metadata,
      properties: [{ name: 'release-safety:image', value: `${opts.image.registry}/${opts.image.repository}@${built.digest}` }],
    },
  };
  const written = writeJsonArtifact(join(opts.artifactsDir ?? runtime.tempDir, 'image.sbom.cdx.json'), bom);
  runtime.log.info(`SBOM: ${written.path} (sha256 ${written.sha256}): ${draft.packages}, ${bases} base image(s)`);
  return {
    ...written,
    format: `CycloneDX ${bom.specVersion} JSON`,
    components: bom.components.length,
    packages: draft.packages,
    tool: draft.toolVersion ? `@cyclonedx/cyclonedx-npm ${draft.toolVersion}` : '',
  };
}

export interface SupplyChainRecord {
  provenance: Record<string, unknown>;
  sbom?: Record<string, unknown>;
}

/** Writes the provenance, and the SBOM when one was prepared, for a built image. */
export function writeSupplyChain(
  opts: ImageOptions,
  runtime: GateRuntime,
  args: { built: BuiltImage; check: BaseCheck; sbom?: SbomDraft; builder: { name: string; version: string }; startedOn: string },
): SupplyChainRecord {
  const statement = provenanceStatement({
    image: `${opts.image.registry}/${opts.image.repository}`,
    digest: args.built.digest,
    repositoryUrl: opts.source?.repositoryUrl ?? '',
    ref: opts.source?.ref ?? '',
    headSha: opts.revision,
    dockerfilePath: relative(runtime.workspace, opts.file) || opts.file,
    dockerfileSha256: args.check.dockerfileSha256,
    target: opts.extras?.target,
    platforms: args.built.facts.platforms,
    buildArgs: opts.buildArgs,
    secretIds: (opts.extras?.secrets ?? []).map((s) => s.id),
    bases: args.check.bases,
    builder: args.builder,
    runUrl: opts.source?.runUrl,
    startedOn: args.startedOn,
    finishedOn: new Date().toISOString(),
  });
  const written = writeJsonArtifact(join(opts.artifactsDir ?? runtime.tempDir, 'image.provenance.json'), statement);
  runtime.log.info(`provenance (SLSA v1): ${written.path} (sha256 ${written.sha256})`);
  const provenance = { ...written, predicateType: statement.predicateType };
  return { provenance, ...(args.sbom ? { sbom: writeSbom(opts, runtime, args.sbom, args.check.bases.length, args.built) } : {}) };
}
