import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { commonGateInputs, modeInput, runGateAction } from '../../core/action.js';
import { repoRelative } from '../../core/annotations.js';
import { ConfigurationError, ToolError } from '../../core/errors.js';
import { BASE_POLICY_EVENTS } from '../../core/git.js';
import { enumInput, integerInput, listInput, stringInput } from '../../core/inputs.js';
import { resolveFileInput } from '../../core/paths.js';
import { addPath } from '../../core/runner.js';
import { parseDuration } from '../../gates/rules/duration.js';
import { DEFAULT_RULES_BASELINE, LEVELS, runRulesGate, type BaselineFile } from '../../gates/rules/index.js';
import { checkMirrorUrl } from '../../tools/installer.js';
import { acquirePromtool, isCommandName } from '../../tools/promtool.js';

const ONLY_CHANGED = ['auto', 'true', 'false'] as const;

/** Keys are the exact input names of actions/rules/action.yml. */
export const inputs = {
  rules: listInput([]),
  tests: listInput([]),
  'promtool-path': stringInput(''),
  'promtool-version': stringInput(''),
  'mirror-url': stringInput(''),
  'require-severity': enumInput(LEVELS, 'error'),
  severities: listInput([]),
  'require-summary': enumInput(LEVELS, 'error'),
  'require-runbook': enumInput(LEVELS, 'warning'),
  'min-for': stringInput(''),
  'min-for-level': enumInput(LEVELS, 'warning'),
  'duplicate-alerts': enumInput(LEVELS, 'warning'),
  coverage: enumInput(LEVELS, 'error'),
  'only-changed': enumInput(ONLY_CHANGED, 'auto'),
  'timeout-seconds': integerInput(300, { min: 1, max: 21_600, unit: 'seconds' }),
  baseline: stringInput(''),
  ...modeInput,
  ...commonGateInputs,
};

/**
 * The baseline file: the one named (it must exist, inside the repository or RUNNER_TEMP), else the
 * default path when the checkout has it (or had it: on a pull request the base commit's copy is
 * what counts, so a change deleting the file is still judged by it).
 */
export function baselineFile(named: string, workspace: string, runnerTemp: string): BaselineFile {
  const value = named === '' ? DEFAULT_RULES_BASELINE : named;
  const roots = { workspace, others: runnerTemp ? [runnerTemp] : [] };
  const path =
    named === '' && !existsSync(resolve(workspace, value)) ? resolve(workspace, value) : resolveFileInput('baseline', value, roots, 'rules baseline file');
  const shown = repoRelative(path, workspace);
  return { path, shown, explicit: named !== '', ...(shown.startsWith('/') ? {} : { rel: shown }) };
}

export function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return runGateAction(
    {
      gate: 'rules',
      shape: inputs,
      execute: async (inputs, ctx, runtime) => {
        if (inputs.rules.length === 0) {
          throw new ConfigurationError(
            'input "rules" is required: the rule files to check, as paths or globs relative to the repository root (one per line or comma-separated), e.g. "prometheus/rules/*.yml"',
          );
        }
        let minForMs: number | undefined;
        if (inputs['min-for'] !== '') {
          minForMs = parseDuration(inputs['min-for']);
          if (minForMs === undefined)
            throw new ConfigurationError(`input "min-for" must be a Prometheus duration such as 1m, 5m or 1h30m (got ${JSON.stringify(inputs['min-for'])})`);
        }
        // http(s) only and no credentials (they would be printed with the download URL).
        if (inputs['mirror-url'] !== '') checkMirrorUrl(inputs['mirror-url']);
        // "promtool" is a command name looked up on PATH; anything with a slash is a path.
        const promtoolPath = inputs['promtool-path'];
        const path = promtoolPath === '' || isCommandName(promtoolPath) || isAbsolute(promtoolPath) ? promtoolPath : resolve(ctx.workspace, promtoolPath);
        const isPullRequest = ctx.eventName === 'pull_request' || ctx.eventName === 'pull_request_target';
        const onlyChanged = inputs['only-changed'] === 'auto' ? isPullRequest : inputs['only-changed'] === 'true';
        // Not the gate's scratch directory: an installed promtool stays on PATH for the job's later steps.
        // A failed install (ToolError) still lets the gate read the files and report why it could not judge.
        const promtool = await acquirePromtool({
          path,
          version: inputs['promtool-version'],
          mirrorUrl: inputs['mirror-url'],
          searchPath: env.PATH ?? '',
          addPath,
          tempDir: runtime.tempDir,
          log: runtime.log,
        }).catch((error: unknown) => {
          if (error instanceof ToolError) return { unavailable: error.message };
          throw error;
        });
        return runRulesGate(
          {
            rules: inputs.rules,
            tests: inputs.tests,
            promtool,
            otherRoots: ctx.runnerTemp ? [ctx.runnerTemp] : [],
            hygiene: {
              severity: inputs['require-severity'],
              severities: inputs.severities,
              summary: inputs['require-summary'],
              runbook: inputs['require-runbook'],
              ...(minForMs !== undefined ? { minForMs } : {}),
              minFor: inputs['min-for-level'],
              duplicates: inputs['duplicate-alerts'],
            },
            coverage: inputs.coverage,
            onlyChanged,
            ...(ctx.baseSha ? { baseSha: ctx.baseSha } : {}),
            headSha: ctx.headSha,
            timeoutMs: inputs['timeout-seconds'] * 1000,
            baseline: baselineFile(inputs.baseline, ctx.workspace, ctx.runnerTemp),
            // Pull requests and merge groups are judged by the baseline of the commit they merge into.
            ...(BASE_POLICY_EVENTS.includes(ctx.eventName) && ctx.baseSha ? { policyBase: ctx.baseSha } : {}),
            outputDir: join(runtime.tempDir, 'release-safety', 'rules'),
          },
          runtime,
        );
      },
    },
    env,
  );
}
