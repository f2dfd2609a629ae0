import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { commonGateInputs, errorReport, runGateAction } from '../../core/action.js';
import { ConfigurationError, errorMessage } from '../../core/errors.js';
import { DEFAULT_EXCEPTIONS_PATH, loadExceptions } from '../../core/exceptions.js';
import { enumInput, integerInput, stringInput } from '../../core/inputs.js';
import { resolveDirectoryInput } from '../../core/paths.js';
import { runSecretsGate, SECRETS_SCOPES } from '../../gates/secrets.js';
import type { Logger } from '../../core/log.js';
import { addPath } from '../../core/runner.js';
import { GITLEAKS_DEFAULT_VERSION, TOOL_CATALOG } from '../../tools/catalog.js';
import { checkMirrorUrl, installTool, type InstallRequest } from '../../tools/installer.js';

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
  ...commonGateInputs,
};

/** `mirror-url`: checked by the installer's rule (http(s), no credentials, never echoed). */
export function mirrorUrlInput(value: string): string | undefined {
  return value === '' ? undefined : checkMirrorUrl(value);
}

/** `gitleaks-version`: one of the versions pinned (with sha256 sums) in the tool catalog. */
export function gitleaksVersionInput(value: string): string {
  const pinned = Object.keys(TOOL_CATALOG.gitleaks?.versions ?? {});
  const version = value.replace(/^v/, '');
  if (!pinned.includes(version)) {
    throw new ConfigurationError(
      `input "gitleaks-version" is ${JSON.stringify(value.slice(0, 40))}, which is not pinned in release-safety's tool catalog: use ${pinned.join(' or ')} (pinned versions), or install gitleaks yourself and set "gitleaks-path"`,
    );
  }
  return version;
}

/** What installTool is asked for: validated inputs, and the install directory added to PATH for later steps. */
export function gitleaksInstallRequest(i: { 'gitleaks-version': string; 'mirror-url': string }, tempDir: string, log: Logger): InstallRequest {
  const mirrorUrl = mirrorUrlInput(i['mirror-url']);
  return { tool: 'gitleaks', version: gitleaksVersionInput(i['gitleaks-version']), ...(mirrorUrl ? { mirrorUrl } : {}), tempDir, log, addPath };
}

/** `path` as a repository path (`/`-separated), or undefined when it is outside the repository. */
function repoRelative(repoDir: string, path: string): string | undefined {
  const rel = relative(repoDir, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

function fileInput(input: string, value: string, workspace: string, form: string): string {
  const path = isAbsolute(value) ? value : resolve(workspace, value);
  if (!existsSync(path) || !statSync(path).isFile()) throw new ConfigurationError(`input "${input}" names ${JSON.stringify(value)}, which is not a file: ${form}`);
  return path;
}

export function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return runGateAction(
    {
      gate: 'secrets',
      shape: inputs,
      execute: async (i, ctx, rt) => {
        // Where actions/checkout put the repository ("path:"); config, baseline and exceptions
        // paths are relative to it. gitleaks-path and evidence-dir stay workspace-relative.
        const repository = i['repository-path'] === '' ? ctx.workspace : resolveDirectoryInput('repository-path', i['repository-path'], ctx.workspace);
        // gitleaks' own discovery order: --config, GITLEAKS_CONFIG, then <repository>/.gitleaks.toml.
        // configRel is what a range scan reads at its base commit instead (see gates/secrets/policy.ts).
        let configPath: string | undefined;
        let configRel: string | undefined;
        let configSource = "gitleaks' default rules";
        if (i.config !== '') {
          configPath = fileInput('config', i.config, repository, 'give the path of a gitleaks TOML config relative to the repository root, e.g. .gitleaks.toml');
          configRel = repoRelative(repository, configPath);
          configSource = i.config;
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
        const baselinePath = i['baseline-path'] !== '' ? fileInput('baseline-path', i['baseline-path'], repository, 'give a gitleaks JSON report relative to the repository root') : undefined;
        const exceptionsNamed = i['exceptions-file'] !== '';
        const exceptionsRel = exceptionsNamed ? i['exceptions-file'] : DEFAULT_EXCEPTIONS_PATH;
        const exceptionsAbs = isAbsolute(exceptionsRel) ? exceptionsRel : join(repository, exceptionsRel);
        // Messages name the file as the user wrote it, not the runner's absolute path.
        const exceptions = loadExceptions(exceptionsAbs, exceptionsNamed, exceptionsRel);
        const baselineRel = baselinePath ? repoRelative(repository, baselinePath) : undefined;
        const exceptionsInRepo = repoRelative(repository, exceptionsAbs);

        // Checked whether or not it is used: a URL with credentials in a workflow is a mistake either way.
        mirrorUrlInput(i['mirror-url']);
        let gitleaks: string;
        if (i['gitleaks-path'] !== '') {
          gitleaks = fileInput('gitleaks-path', i['gitleaks-path'], ctx.workspace, 'give the path of an installed gitleaks executable, or leave it empty to install the pinned version');
        } else {
          const started = new Date();
          const request = gitleaksInstallRequest(i, rt.tempDir, rt.log);
          try {
            const installed = await rt.log.group(`install gitleaks ${request.version}`, () => installTool(request));
            gitleaks = installed.path;
          } catch (error) {
            if (error instanceof ConfigurationError) throw error;
            // A download or checksum failure: the gate could not judge, and nothing unverified ran.
            return errorReport('secrets', `gitleaks ${i['gitleaks-version']} could not be installed: ${errorMessage(error)}`, started.toISOString(), Date.now() - started.getTime());
          }
        }
        return runSecretsGate(
          {
            gitleaks,
            scope: i.scope,
            event: {
              eventName: ctx.eventName,
              headSha: ctx.headSha,
              ...(ctx.baseSha ? { baseSha: ctx.baseSha } : {}),
              ref: ctx.ref,
              ...(ctx.forced !== undefined ? { forced: ctx.forced } : {}),
              ...(ctx.created !== undefined ? { created: ctx.created } : {}),
              ...(ctx.defaultBranch ? { defaultBranch: ctx.defaultBranch } : {}),
            },
            repoDir: repository,
            repoLocation:
              i['repository-path'] === ''
                ? { label: `the workspace (${ctx.workspace})`, input: 'repository-path' }
                : { label: `repository-path ${JSON.stringify(i['repository-path'])} (${repository})` },
            policy: {
              ...(configPath ? { configPath } : {}),
              ...(configRel !== undefined ? { configRel } : {}),
              configSource,
              gitleaksIgnorePath: join(repository, '.gitleaksignore'),
              ...(baselinePath ? { baselinePath } : {}),
              ...(baselineRel !== undefined ? { baselineRel } : {}),
              exceptions,
              ...(exceptionsInRepo !== undefined ? { exceptionsRel: exceptionsInRepo } : {}),
            },
            now: new Date(),
            outputDir: join(rt.tempDir, 'release-safety', 'secrets'),
            timeoutMs: i['timeout-seconds'] * 1000,
          },
          rt,
        );
      },
    },
    env,
  );
}
