import { describe, expect, it } from 'vitest';
import { ConfigurationError } from './errors.js';
import { booleanInput, enumInput, inputEnvName, integerInput, listInput, parseCommandInput, parseInputs, stringInput } from './inputs.js';

const shape = {
  preset: enumInput(['node', 'python'] as const, 'node'),
  'working-directory': stringInput('.'),
  'fail-on-warnings': booleanInput(false),
  'timeout-seconds': integerInput(600, { min: 1, max: 1000, unit: 'seconds' }),
  junit: listInput([]),
};

describe('inputs', () => {
  it('names env variables as the runner does: upper case, hyphens kept, spaces to underscores', () => {
    expect(inputEnvName('working-directory')).toBe('INPUT_WORKING-DIRECTORY');
    expect(inputEnvName('my input')).toBe('INPUT_MY_INPUT');
  });

  it('applies defaults for unset inputs and parses set ones', () => {
    expect(parseInputs(shape, {})).toEqual({ preset: 'node', 'working-directory': '.', 'fail-on-warnings': false, 'timeout-seconds': 600, junit: [] });
    const env = { INPUT_PRESET: 'Python', 'INPUT_FAIL-ON-WARNINGS': 'TRUE', 'INPUT_TIMEOUT-SECONDS': ' 30 ', INPUT_JUNIT: 'a.xml\n b.xml, c.xml\n\n' };
    expect(parseInputs(shape, env)).toMatchObject({ preset: 'python', 'fail-on-warnings': true, 'timeout-seconds': 30, junit: ['a.xml', 'b.xml', 'c.xml'] });
  });

  it.each([
    [{ INPUT_PRESET: 'ruby' }, /input "preset" must be one of node, python \(got "ruby"\)/],
    [{ 'INPUT_TIMEOUT-SECONDS': '-5' }, /input "timeout-seconds" must be a whole number from 1 to 1000 \(seconds\)/],
    [{ 'INPUT_TIMEOUT-SECONDS': '1.5' }, /input "timeout-seconds" must be a whole number/],
    [{ 'INPUT_FAIL-ON-WARNINGS': 'yes' }, /input "fail-on-warnings" must be true or false/],
  ])('rejects %o with a message naming the input and the accepted form', (env, message) => {
    expect(() => parseInputs(shape, env)).toThrowError(ConfigurationError);
    expect(() => parseInputs(shape, env)).toThrowError(message);
  });

  it('splits command inputs without a shell', () => {
    expect(parseCommandInput(`npx eslint -f json "src dir" 'a b' c\\ d '$(id)'`)).toEqual(['npx', 'eslint', '-f', 'json', 'src dir', 'a b', 'c d', '$(id)']);
    expect(() => parseCommandInput('echo "open')).toThrowError(/input "command" cannot be split/);
  });
});

describe('command inputs with shell operators', () => {
  it.each([
    ['npm ci && npm test', '&&'],
    ['npm test || true', '||'],
    ['npm test | tee log.txt', '|'],
    ['npm ci; npm test', ';'],
    ['npm test > out.txt', '>'],
    ['npm test 2>&1', '>'],
    ['node app.js < input.txt', '<'],
    ['echo $(id)', '$('],
    ['echo "$(id)"', '$('],
    ['echo `id`', '`'],
    ['echo "`id`"', '`'],
  ])('%s is a configuration error naming the input and the fix', (command, operator) => {
    let message = '';
    try {
      parseCommandInput(command, 'smoke-command');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      message = (error as Error).message;
    }
    expect(message).toContain('input "smoke-command"');
    expect(message).toContain(`shell operator ${JSON.stringify(operator)}`);
    expect(message).toContain("bash -c '");
    expect(message).toContain('script');
  });

  it('shows the command inside the bash -c example when it can', () => {
    expect(() => parseCommandInput('npm ci && npm test')).toThrowError(`command: bash -c 'npm ci && npm test'`);
  });

  it.each([
    [`bash -c 'npm ci && npm test | tee log'`, ['bash', '-c', 'npm ci && npm test | tee log']],
    [`go test -run 'A|B' ./...`, ['go', 'test', '-run', 'A|B', './...']],
    [`find . -name '*.ts' -exec echo {} \\;`, ['find', '.', '-name', '*.ts', '-exec', 'echo', '{}', ';']],
    [`node -e "console.log(1 > 0 && 2 < 3)"`, ['node', '-e', 'console.log(1 > 0 && 2 < 3)']],
    [`echo 'a;b' "c|d"`, ['echo', 'a;b', 'c|d']],
  ])('quoted or escaped operators are arguments: %s', (command, argv) => {
    expect(parseCommandInput(command)).toEqual(argv);
  });
});
