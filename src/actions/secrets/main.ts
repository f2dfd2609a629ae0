import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { commonGateInputs, modeInput, runGateAction } from '../../core/action.js';
import { ConfigurationError } from '../../core/errors.js';
import { DEFAULT_EXCEPTIONS_PATH, loadExceptions } from '../../core/exceptions.js';
import { enumInput, integerInput, stringInput } from '../../core/inputs.js';
import { resolveDirectoryInput } from '../../core/paths.js';
import { addPath } from '../../core/runner.js';
import { runSecretsGate, SECRETS_SCOPES, type SecretsOptions } from '../../gates/secrets/index.js';
import { GITLEAKS_DEFAULT_VERSION, resolveGitleaks } from '../../tools/gitleaks.js';
import type { RunnerContext } from '../../core/context.js';
import type { PolicyFiles } from '../../gates/secrets/policy.js';

/** Keys are the exact input names of actions/secrets/action.yml. */
export const inputs = {
  scope: enumInput(SECRETS_SCOPES, 'auto'),
  config: stringInput(''),
  'baseline-path': stringInput(''),
  'exceptions-file': stringInput(''),
  'gitleaks-version': stringInput(GITLEAKS_DEFAULT_VERSION),
  'gitleaks-path': stringInput(''),
  'mirror-url': stringInput(''),
  'timeout-seconds': integerInput(1800, { min: 1, max: 21_600, unit: 'seconds' }),
  'repository-path': stringInput(''),
  ...modeInput,
  ...commonGateInputs,
};

/** `path` as a repository path (`/`-separated), or undefined when it is outside the repository. */
function repoRelative(repoDir: string, path: string): string | undefined {
  const rel = relative(repoDir, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

function fileInput(input: string, value: string, workspace: string, form: string): string {
  const path = isAbsolute(value) ? value : resolve(workspace, value);
  if (!existsSync(path) || !statSync(path).isFile())
    throw new ConfigurationError(`input "${input}" names ${JSON.stringify(value)}, which is not a file: ${form}`);
  return path;
}

type SecretsInputs = { config: string; 'baseline-path': string; 'exceptions-file': string };

/**
 * The policy files, where a scan finds them: gitleaks' own discovery order for the config
 * (--config, GITLEAKS_CONFIG, then <repository>/.gitleaks.toml), the baseline and the exceptions.
 * The `*Rel` paths are what a range scan reads at its base commit instead (see gates/secrets/policy.ts).
 */
export function policyFiles(inputs: SecretsInputs, repository: string, env: NodeJS.ProcessEnv): PolicyFiles {
  let configPath: string | undefined;
  let configRel: string | undefined;
  let configSource = "gitleaks' default rules";
  if (inputs.config !== '') {
    configPath = fileInput('config', inputs.config, repository, 'give the path of a gitleaks TOML config relative to the repository root, e.g. .gitleaks.toml');
    configRel = repoRelative(repository, configPath);
    configSource = inputs.config;
  } else if (env.GITLEAKS_CONFIG) {
    configPath = fileInput('config', env.GITLEAKS_CONFIG, repository, 'GITLEAKS_CONFIG must name a gitleaks TOML config');
    configRel = repoRelative(repository, configPath);
    configSource = `GITLEAKS_CONFIG (${env.GITLEAKS_CONFIG})`;
  } else if (env.GITLEAKS_CONFIG_TOML) {
    configSource = 'GITLEAKS_CONFIG_TOML';
  } else {
    configRel = '.gitleaks.toml';
    if (existsSync(join(repository, '.gitleaks.toml'))) {
      configPath = join(repository, '.gitleaks.toml');
      configSource = '.gitleaks.toml';
    }
  }
  const baselinePath =
    inputs['baseline-path'] !== ''
      ? fileInput('baseline-path', inputs['baseline-path'], repository, 'give a gitleaks JSON report relative to the repository root')
      : undefined;
  const exceptionsNamed = inputs['exceptions-file'] !== '';
  const exceptionsRel = exceptionsNamed ? inputs['exceptions-file'] : DEFAULT_EXCEPTIONS_PATH;
  const exceptionsAbs = isAbsolute(exceptionsRel) ? exceptionsRel : join(repository, exceptionsRel);
  // Messages name the file as the user wrote it, not the runner's absolute path.
  const exceptions = loadExceptions(exceptionsAbs, exceptionsNamed, exceptionsRel);
  const baselineRel = baselinePath ? repoRelative(repository, baselinePath) : undefined;
  const exceptionsInRepo = repoRelative(repository, exceptionsAbs);
  return {
    ...(configPath ? { configPath } : {}),
    ...(configRel !== undefined ? { configRel } : {}),
    configSource,
    gitleaksIgnorePath: join(repository, '.gitleaksignore'),
    ...(baselinePath ? { baselinePath } : {}),
    ...(baselineRel !== undefined ? { baselineRel } : {}),
    exceptions,
    ...(exceptionsInRepo !== undefined ? { exceptionsRel: exceptionsInRepo } : {}),
  };
}

function scanEvent(ctx: RunnerContext): SecretsOptions['event'] {
  return {
    eventName: ctx.eventName,
    headSha: ctx.headSha,
    ...(ctx.baseSha ? { baseSha: ctx.baseSha } : {}),
    ref: ctx.ref,
    ...(ctx.forced !== undefined ? { forced: ctx.forced } : {}),
    ...(ctx.created !== undefined ? { created: ctx.created } : {}),
    ...(ctx.defaultBranch ? { defaultBranch: ctx.defaultBranch } : {}),
  };
}

export function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return runGateAction(
    {
      gate: 'secrets',
      shape: inputs,
      execute: async (values, ctx, runtime) => {
        // Where actions/checkout put the repository ("path:"); config, baseline and exceptions
        // paths are relative to it. gitleaks-path and evidence-dir stay workspace-relative.
        const repository =
          values['repository-path'] === '' ? ctx.workspace : resolveDirectoryInput('repository-path', values['repository-path'], ctx.workspace);
        const policy = policyFiles(values, repository, env);
        const gitleaks = await resolveGitleaks({
          path: values['gitleaks-path'],
          version: values['gitleaks-version'],
          mirrorUrl: values['mirror-url'],
          workspace: ctx.workspace,
          tempDir: runtime.tempDir,
          log: runtime.log,
          addPath,
        });
        const repoLocation =
          values['repository-path'] === ''
            ? { label: `the workspace (${ctx.workspace})`, input: 'repository-path' }
            : { label: `repository-path ${JSON.stringify(values['repository-path'])} (${repository})` };
        const report = await runSecretsGate(
          {
            gitleaks,
            scope: values.scope,
            event: scanEvent(ctx),
            repoDir: repository,
            repoLocation,
            policy,
            now: new Date(),
            outputDir: join(runtime.tempDir, 'release-safety', 'secrets'),
            timeoutMs: values['timeout-seconds'] * 1000,
          },
          runtime,
        );
        return report;
      },
    },
    env,
  );
}
