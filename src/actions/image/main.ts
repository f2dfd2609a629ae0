import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { commonGateInputs, runGateAction } from '../../core/action.js';
import type { RunnerContext } from '../../core/context.js';
import { ConfigurationError } from '../../core/errors.js';
import { booleanInput, enumInput, integerInput, listInput, parseCommandInput, stringInput } from '../../core/inputs.js';
import { resolveDirectoryInput, resolveFileInput } from '../../core/paths.js';
import { setSecret } from '../../core/runner.js';
import { runImageGate, type ImageOptions } from '../../gates/image/index.js';
import {
  BUILD_ARG_KEY,
  defaultTags,
  IMAGE_BUILDERS,
  IMAGE_FORMATS,
  imageLabels,
  LABEL_KEY,
  parseKeyValueLines,
  validatePlatforms,
  validateTags,
} from '../../gates/image/plan.js';
import { parseImageName, type ImageName } from '../../registry/reference.js';

/** Keys are the exact input names of actions/image/action.yml. */
export const inputs = {
  builder: enumInput(IMAGE_BUILDERS, 'auto'),
  context: stringInput('.'),
  file: stringInput(''),
  image: stringInput(''),
  tags: listInput([]),
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
    return parseImageName(value);
  } catch (error) {
    throw new ConfigurationError(`input "image" ${(error as Error).message} (got ${JSON.stringify(value)}); expected registry/repository, e.g. ghcr.io/acme/service`);
  }
}

/** Turns inputs into gate options; every check here runs before anything is built. */
export function imageOptions(i: Inputs, ctx: RunnerContext, tempDir: string, mask?: (v: string) => void): ImageOptions {
  const username = i['registry-username'];
  const password = i['registry-password'];
  if ((username === '') !== (password === '')) {
    throw new ConfigurationError('inputs "registry-username" and "registry-password" go together: set both or neither');
  }
  const context = resolveDirectoryInput('context', i.context, ctx.workspace);
  const file = resolveDockerfile(i.file, context, ctx.workspace);
  const image = imageName(i.image, i.push, ctx);
  const tags = validateTags(i.tags.length > 0 ? i.tags : defaultTags(ctx.headSha, ctx.ref));
  const platforms = validatePlatforms(i.platforms);
  const userLabels = parseKeyValueLines(i.labels, 'labels', LABEL_KEY);
  const labels = imageLabels({ revision: ctx.headSha, source: `${ctx.serverUrl}/${ctx.repository}`, created: new Date().toISOString() }, userLabels);
  const smokeCommand = i['smoke-command'] === '' ? [] : parseCommandInput(i['smoke-command'], 'smoke-command');
  const storageDir = i['storage-dir'] === '' ? join(tempDir, 'release-safety', 'buildah') : isAbsolute(i['storage-dir']) ? i['storage-dir'] : resolve(ctx.workspace, i['storage-dir']);
  return {
    builder: i.builder,
    context,
    file,
    image,
    tags,
    buildArgs: parseKeyValueLines(i['build-args'], 'build-args', BUILD_ARG_KEY),
    labels,
    revision: ctx.headSha,
    platforms,
    push: i.push,
    ...(username ? { credentials: { username, password } } : {}),
    smokeCommand,
    insecureRegistry: i['insecure-registry'],
    format: i.format,
    storageDir,
    timeoutMs: i['timeout-seconds'] * 1000,
    mask,
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
      execute: (i, ctx, rt) =>
        runImageGate({ ...imageOptions(i, ctx, rt.tempDir, (v) => setSecret(v)), userDockerConfig: env.DOCKER_CONFIG || join(homedir(), '.docker') }, rt),
    },
    env,
  );
}
