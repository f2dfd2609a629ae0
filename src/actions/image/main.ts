import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { commonGateInputs, runGateAction } from '../../core/action.js';
import { ConfigurationError } from '../../core/errors.js';
import { booleanInput, enumInput, integerInput, listInput, parseCommandInput, stringInput } from '../../core/inputs.js';
import { resolveDirectoryInput, resolveFileInput } from '../../core/paths.js';
import { setSecret } from '../../core/runner.js';
import { buildahCacheRepository, parseBuildContexts, parseSecretLines, type BuildSecret } from '../../gates/image/build-inputs.js';
import { runImageGate, type ImageOptions } from '../../gates/image/index.js';
import {
  BUILD_ARG_KEY,
  defaultTags,
  IMAGE_BUILDERS,
  IMAGE_FORMATS,
  imageLabels,
  LABEL_KEY,
  lowerCaseImageName,
  parseKeyValueLines,
  validatePlatforms,
  validateTags,
} from '../../gates/image/plan.js';
import { parseImageName, type ImageName } from '../../registry/reference.js';
import type { RunnerContext } from '../../core/context.js';
import type { BuildExtras } from '../../gates/image/plan.js';

/** Keys are the exact input names of actions/image/action.yml. */
export const inputs = {
  builder: enumInput(IMAGE_BUILDERS, 'auto'),
  context: stringInput('.'),
  file: stringInput(''),
  image: stringInput(''),
  tags: listInput([]),
  'ci-tag': stringInput('ci'),
  'build-args': listInput([], /\n/),
  labels: listInput([], /\n/),
  platforms: listInput([]),
  push: booleanInput(true),
  'registry-username': stringInput(''),
  'registry-password': stringInput(''),
  'smoke-command': stringInput(''),
  'insecure-registry': booleanInput(false),
  format: enumInput(IMAGE_FORMATS, 'docker'),
  'storage-dir': stringInput(''),
  'timeout-seconds': integerInput(1800, { min: 1, max: 21_600, unit: 'seconds' }),
  target: stringInput(''),
  'build-contexts': listInput([], /\n/),
  secrets: listInput([], /\n/),
  'cache-from': listInput([], /\n/),
  'cache-to': listInput([], /\n/),
  annotations: listInput([], /\n/),
  'no-cache': booleanInput(false),
  pull: booleanInput(false),
  load: booleanInput(false),
  'require-pinned-base': booleanInput(false),
  sbom: booleanInput(true),
  ...commonGateInputs,
};

type Inputs = { [K in keyof typeof inputs]: ReturnType<(typeof inputs)[K]['parse']> };

function resolveDockerfile(value: string, context: string, workspace: string): string {
  // Given: a file inside the repository, as context is a directory inside it.
  if (value !== '') return resolveFileInput('file', value, workspace, 'Dockerfile path');
  const path = join(context, 'Dockerfile');
  if (!existsSync(path) || !statSync(path).isFile()) {
    const shown = `${context === workspace ? '' : `${context.slice(workspace.length + 1)}/`}Dockerfile (the default: <context>/Dockerfile)`;
    throw new ConfigurationError(`input "file" names ${JSON.stringify(shown)}, which does not exist: give the Dockerfile path relative to the repository root`);
  }
  return path;
}

function imageName(value: string, push: boolean, ctx: RunnerContext): ImageName {
  if (value === '') {
    if (push) throw new ConfigurationError('input "image" is required when push is true: the registry/repository to push to, e.g. ghcr.io/acme/service');
    return { registry: 'localhost', repository: ctx.repository.toLowerCase() };
  }
  try {
    return parseImageName(lowerCaseImageName(value).name);
  } catch (error) {
    throw new ConfigurationError(
      `input "image" ${(error as Error).message} (got ${JSON.stringify(value)}); expected registry/repository, e.g. ghcr.io/acme/service`,
    );
  }
}

const STAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Secrets: a file must resolve inside the workspace or RUNNER_TEMP (where an earlier step writes
 * one), a variable must be set; both values are masked before the build can print them.
 */
function resolveSecrets(lines: readonly string[], ctx: RunnerContext, env: NodeJS.ProcessEnv, mask?: (v: string) => void): BuildSecret[] {
  const maskValue = (value: string) => {
    for (const part of [value.trim(), ...value.split(/\r?\n/).map((l) => l.trim())]) if (part.length >= 3) mask?.(part);
  };
  return parseSecretLines(lines).map((s) => {
    if ('env' in s) {
      const value = env[s.env];
      if (value === undefined || value === '')
        throw new ConfigurationError(
          `input "secrets": secret ${JSON.stringify(s.id)} reads the environment variable ${s.env}, which is not set in this step (set it under env:)`,
        );
      maskValue(value);
      return s;
    }
    const src = resolveFileInput('secrets', s.src, { workspace: ctx.workspace, others: [ctx.runnerTemp] }, 'secret file');
    maskValue(readFileSync(src, 'utf8'));
    return { id: s.id, src };
  });
}

function buildExtras(inputs: Inputs, ctx: RunnerContext, builder: string, format: string, env: NodeJS.ProcessEnv, mask?: (v: string) => void): BuildExtras {
  if (inputs.target !== '' && !STAGE_NAME.test(inputs.target))
    throw new ConfigurationError(`input "target" is ${JSON.stringify(inputs.target)}: expected the name of a build stage (FROM ... AS <name>)`);
  const annotations = parseKeyValueLines(inputs.annotations, 'annotations', LABEL_KEY);
  if (annotations.length > 0 && builder !== 'docker' && format === 'docker') {
    // Docker v2 manifests have no annotations: buildah would drop them without a word.
    throw new ConfigurationError(
      'input "annotations" needs format: oci with buildah (Docker v2 manifests carry no annotations): set format: oci, or use labels',
    );
  }
  // buildah's form is checked now when it is the builder; with auto, once the builder is known.
  if (builder === 'buildah') {
    buildahCacheRepository(inputs['cache-from'], 'cache-from');
    buildahCacheRepository(inputs['cache-to'], 'cache-to');
  }
  return {
    ...(inputs.target ? { target: inputs.target } : {}),
    buildContexts: parseBuildContexts(inputs['build-contexts'], (v) => resolveDirectoryInput('build-contexts', v, ctx.workspace)),
    secrets: resolveSecrets(inputs.secrets, ctx, env, mask),
    annotations,
    noCache: inputs['no-cache'],
    pull: inputs.pull,
    cacheFrom: inputs['cache-from'],
    cacheTo: inputs['cache-to'],
  };
}

/** Turns inputs into gate options; every check here runs before anything is built. */
export function imageOptions(
  inputs: Inputs,
  ctx: RunnerContext,
  tempDir: string,
  mask?: (v: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): ImageOptions {
  const username = inputs['registry-username'];
  const password = inputs['registry-password'];
  if ((username === '') !== (password === '')) {
    throw new ConfigurationError('inputs "registry-username" and "registry-password" go together: set both or neither');
  }
  const context = resolveDirectoryInput('context', inputs.context, ctx.workspace);
  const file = resolveDockerfile(inputs.file, context, ctx.workspace);
  const image = imageName(inputs.image, inputs.push, ctx);
  const ciTag = inputs['ci-tag'] === 'none' ? '' : validateTags([inputs['ci-tag']], 'ci-tag')[0]!;
  const tags = validateTags(
    inputs.tags.length > 0
      ? inputs.tags
      : defaultTags({ eventName: ctx.eventName, headSha: ctx.headSha, ref: ctx.ref, prNumber: ctx.prNumber, defaultBranch: ctx.defaultBranch, ciTag }),
  );
  const lowered = lowerCaseImageName(inputs.image);
  const platforms = validatePlatforms(inputs.platforms);
  if (inputs.load && platforms.length > 1)
    throw new ConfigurationError('input "load" keeps one image locally, but input "platforms" names several: load takes a single platform');
  const userLabels = parseKeyValueLines(inputs.labels, 'labels', LABEL_KEY);
  const labels = imageLabels({ revision: ctx.headSha, source: `${ctx.serverUrl}/${ctx.repository}`, created: new Date().toISOString() }, userLabels);
  const smokeCommand = inputs['smoke-command'] === '' ? [] : parseCommandInput(inputs['smoke-command'], 'smoke-command');
  const storageDir =
    inputs['storage-dir'] === ''
      ? join(tempDir, 'release-safety', 'buildah')
      : isAbsolute(inputs['storage-dir'])
        ? inputs['storage-dir']
        : resolve(ctx.workspace, inputs['storage-dir']);
  return {
    builder: inputs.builder,
    context,
    file,
    image,
    ...(lowered.rewritten ? { imageRewrite: `${inputs.image.trim()} -> ${lowered.name}` } : {}),
    tags,
    buildArgs: parseKeyValueLines(inputs['build-args'], 'build-args', BUILD_ARG_KEY),
    labels,
    revision: ctx.headSha,
    platforms,
    push: inputs.push,
    ...(username ? { credentials: { username, password } } : {}),
    smokeCommand,
    insecureRegistry: inputs['insecure-registry'],
    format: inputs.format,
    storageDir,
    timeoutMs: inputs['timeout-seconds'] * 1000,
    mask,
    extras: buildExtras(inputs, ctx, inputs.builder, inputs.format, env, mask),
    load: inputs.load,
    requirePinnedBase: inputs['require-pinned-base'],
    sbom: inputs.sbom,
    // Beside the evidence record, where the evidence action finds them (the same directory rule).
    artifactsDir:
      inputs['evidence-dir'] === ''
        ? join(tempDir, 'release-safety', 'evidence')
        : isAbsolute(inputs['evidence-dir'])
          ? inputs['evidence-dir']
          : resolve(ctx.workspace, inputs['evidence-dir']),
    toolCache: ctx.toolCache || join(tempDir, 'release-safety-tool-cache'),
    source: { repositoryUrl: `${ctx.serverUrl}/${ctx.repository}`, ref: ctx.ref, ...(ctx.runUrl ? { runUrl: ctx.runUrl } : {}) },
  };
}

export function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // Masked before anything can log it: the runner then hides it in every line.
  const password = (env['INPUT_REGISTRY-PASSWORD'] ?? '').trim();
  if (password) setSecret(password);
  return runGateAction(
    {
      gate: 'image',
      shape: inputs,
      execute: (inputs, ctx, runtime) =>
        runImageGate(
          { ...imageOptions(inputs, ctx, runtime.tempDir, (v) => setSecret(v), env), userDockerConfig: env.DOCKER_CONFIG || join(homedir(), '.docker') },
          runtime,
        ),
    },
    env,
  );
}
