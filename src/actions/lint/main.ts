import { commonGateInputs, modeInput, runGateAction } from '../../core/action.js';
import { ConfigurationError } from '../../core/errors.js';
import { booleanInput, enumInput, integerInput, parseCommandInput, stringInput } from '../../core/inputs.js';
import { resolveDirectoryInput } from '../../core/paths.js';
import { LINT_PRESETS, LINT_REPORT_FORMATS, runLintGate } from '../../gates/lint/index.js';

/** Keys are the exact input names of actions/lint/action.yml. */
export const inputs = {
  preset: enumInput(LINT_PRESETS, 'node'),
  'working-directory': stringInput('.'),
  command: stringInput(''),
  report: stringInput(''),
  'report-format': enumInput(LINT_REPORT_FORMATS, 'none'),
  'fail-on-warnings': booleanInput(false),
  'timeout-seconds': integerInput(600, { min: 1, max: 21_600, unit: 'seconds' }),
  ...modeInput,
  ...commonGateInputs,
};

export function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return runGateAction(
    {
      gate: 'lint',
      shape: inputs,
      execute: (inputs, ctx, runtime) => {
        if (inputs.preset !== 'command' && inputs.command !== '') {
          throw new ConfigurationError(`input "command" is only used with preset: command (preset is ${inputs.preset})`);
        }
        if (inputs['report-format'] !== 'none' && inputs.report === '') {
          throw new ConfigurationError('input "report" is required when "report-format" is set: the path the command writes its report to');
        }
        return runLintGate(
          {
            preset: inputs.preset,
            workingDirectory: resolveDirectoryInput('working-directory', inputs['working-directory'], ctx.workspace),
            command: parseCommandInput(inputs.command),
            report: inputs.report,
            reportFormat: inputs['report-format'],
            failOnWarnings: inputs['fail-on-warnings'],
            timeoutMs: inputs['timeout-seconds'] * 1000,
          },
          runtime,
        );
      },
    },
    env,
  );
}
