import { existsSync, lstatSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { commonGateInputs, modeInput, runGateAction } from '../../core/action.js';
import { ConfigurationError } from '../../core/errors.js';
import { DEFAULT_EXCEPTIONS_PATH } from '../../core/exceptions.js';
import { enumInput, integerInput, stringInput } from '../../core/inputs.js';
import { resolveDirectoryInput, resolveFileInput } from '../../core/paths.js';
import { BASE_POLICY_EVENTS } from '../../gates/audit/exceptions.js';
import { AUDIT_ADVISORIES, AUDIT_ECOSYSTEMS, AUDIT_SCOPES, FAIL_ON_LEVELS, runAuditGate, UNKNOWN_SEVERITY_MODES } from '../../gates/audit/index.js';

/**
 * `scope` says which dependencies count; which advisories count is input `advisories`. A user who
 * writes `scope: introduced` (the other axis) is told which input does that.
 */
const scopeInput = z
  .string()
  .refine((v) => v.trim().toLowerCase() !== 'introduced', {
    message: 'says which dependencies count (runtime or all); to judge only the advisories a pull request introduces, set input "advisories" to introduced',
  })
  .pipe(enumInput(AUDIT_SCOPES, 'runtime'));

/** Keys are the exact input names of actions/audit/action.yml. */
export const inputs = {
  ecosystem: enumInput(AUDIT_ECOSYSTEMS, 'auto'),
  'working-directory': stringInput('.'),
  'fail-on': enumInput(FAIL_ON_LEVELS, 'high'),
  'unknown-severity': enumInput(UNKNOWN_SEVERITY_MODES, 'fail'),
  scope: scopeInput,
  advisories: enumInput(AUDIT_ADVISORIES, 'all'),
  'exceptions-file': stringInput(''),
  'max-exception-days': integerInput(90, { min: 0, max: 36_500, unit: 'days' }),
  registry: stringInput(''),
  'timeout-seconds': integerInput(300, { min: 1, max: 3600, unit: 'seconds' }),
  ...modeInput,
  ...commonGateInputs,
};

/** The registry must be an http(s) URL: it is passed to npm as --registry. */
export function checkRegistry(value: string): string {
  if (value === '') return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(`input "registry" must be an http(s) URL such as https://registry.npmjs.org/ (got ${JSON.stringify(value.slice(0, 80))})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError(`input "registry" must be an http(s) URL such as https://registry.npmjs.org/ (got ${JSON.stringify(value.slice(0, 80))})`);
  }
  return value;
}

/**
 * The exceptions file in the checkout: inside the workspace or RUNNER_TEMP after realpath (a
 * symlink out of the repository is a configuration error). The default path may be absent.
 */
export function exceptionsPath(named: string, workspace: string, runnerTemp: string): string {
  const value = named === '' ? DEFAULT_EXCEPTIONS_PATH : named;
  const path = isAbsolute(value) ? value : resolve(workspace, value);
  let present = existsSync(path);
  try {
    present = present || lstatSync(path).isSymbolicLink();
  } catch {
    // absent
  }
  if (!present && named === '') return path;
  return resolveFileInput('exceptions-file', value, { workspace, others: runnerTemp ? [runnerTemp] : [] }, 'exceptions file');
}

export function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return runGateAction(
    {
      gate: 'audit',
      shape: inputs,
      execute: async (inputs, ctx, runtime) => {
        const named = inputs['exceptions-file'];
        // Pull requests and merge groups are judged by the exceptions of the commit they merge into.
        const baseCommit = BASE_POLICY_EVENTS.includes(ctx.eventName) ? ctx.baseSha : undefined;
        const report = await runAuditGate(
          {
            ecosystem: inputs.ecosystem,
            workingDirectory: resolveDirectoryInput('working-directory', inputs['working-directory'], ctx.workspace),
            failOn: inputs['fail-on'],
            unknownSeverity: inputs['unknown-severity'],
            scope: inputs.scope,
            advisories: inputs.advisories,
            exceptionsFile: exceptionsPath(named, ctx.workspace, ctx.runnerTemp),
            exceptionsFileExplicit: named !== '',
            ...(baseCommit ? { baseCommit } : {}),
            maxExceptionDays: inputs['max-exception-days'],
            registry: checkRegistry(inputs.registry),
            timeoutMs: inputs['timeout-seconds'] * 1000,
            now: new Date(),
          },
          runtime,
        );
        return report;
      },
    },
    env,
  );
}
