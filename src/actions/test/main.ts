import { commonGateInputs, modeInput, runGateAction } from '../../core/action.js';
import { ConfigurationError } from '../../core/errors.js';
import { enumInput, integerInput, listInput, parseCommandInput, stringInput } from '../../core/inputs.js';
import { checkGlobPattern, resolveDirectoryInput } from '../../core/paths.js';
import { runTestGate, TEST_PRESETS } from '../../gates/test/index.js';

/** Keys are the exact input names of actions/test/action.yml. */
export const inputs = {
  preset: enumInput(TEST_PRESETS, 'node'),
  'working-directory': stringInput('.'),
  command: stringInput(''),
  junit: listInput([]),
  'timeout-seconds': integerInput(1800, { min: 1, max: 21_600, unit: 'seconds' }),
  ...modeInput,
  ...commonGateInputs,
};

export function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return runGateAction(
    {
      gate: 'test',
      shape: inputs,
      execute: (inputs, ctx, runtime) => {
        if (inputs.preset !== 'command' && inputs.command !== '') {
          throw new ConfigurationError(`input "command" is only used with preset: command (preset is ${inputs.preset})`);
        }
        for (const pattern of inputs.junit) checkGlobPattern('junit', pattern);
        return runTestGate(
          {
            preset: inputs.preset,
            workingDirectory: resolveDirectoryInput('working-directory', inputs['working-directory'], ctx.workspace),
            command: parseCommandInput(inputs.command),
            junit: inputs.junit,
            timeoutMs: inputs['timeout-seconds'] * 1000,
          },
          runtime,
        );
      },
    },
    env,
  );
}
