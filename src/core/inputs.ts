import { z } from 'zod';
import { ConfigurationError } from './errors.js';
import { findShellOperator, splitCommandLine } from './exec.js';

/**
 * Inputs arrive as INPUT_<NAME> with the name upper-cased, spaces turned into underscores and
 * hyphens kept (that is what the runner does). An empty string means the input was not set.
 */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export type InputShape = Record<string, z.ZodType>;

export function readRawInputs(names: readonly string[], env: NodeJS.ProcessEnv): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const name of names) raw[name] = (env[inputEnvName(name)] ?? '').trim();
  return raw;
}

/**
 * Parses the inputs of one action. Every schema key is an exact action.yml input name; each
 * schema carries its own "accepted form" description so the error can name it.
 */
export function parseInputs<S extends InputShape>(shape: S, env: NodeJS.ProcessEnv): z.infer<z.ZodObject<S>> {
  const raw = readRawInputs(Object.keys(shape), env);
  const result = z.object(shape).safeParse(raw);
  if (result.success) return result.data;
  const messages = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '?');
    const value = raw[name] ?? '';
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    return `input "${name}" ${issue.message} (got ${JSON.stringify(shown)})`;
  });
  throw new ConfigurationError(messages.join('; '));
}

// ---- field builders: each turns "" into its default and names the accepted form -------------

export function stringInput(defaultValue = '') {
  return z.string().transform((v) => (v === '' ? defaultValue : v));
}

export function requiredString(accepted: string) {
  return z.string().refine((v) => v !== '', { message: `is required: ${accepted}` });
}

export function enumInput<const T extends readonly [string, ...string[]]>(values: T, defaultValue: T[number]) {
  return z
    .string()
    .transform((v) => (v === '' ? defaultValue : v.toLowerCase()))
    .refine((v): v is T[number] => (values as readonly string[]).includes(v), {
      message: `must be one of ${values.join(', ')}`,
    })
    .transform((v) => v as T[number]);
}

export function booleanInput(defaultValue: boolean) {
  return z
    .string()
    .refine((v) => v === '' || /^(true|false)$/i.test(v), { message: 'must be true or false' })
    .transform((v) => (v === '' ? defaultValue : v.toLowerCase() === 'true'));
}

export function integerInput(defaultValue: number, opts: { min?: number; max?: number; unit?: string } = {}) {
  const { min = 0, max = Number.MAX_SAFE_INTEGER, unit = '' } = opts;
  const form = `must be a whole number from ${min} to ${max}${unit ? ` (${unit})` : ''}`;
  return z
    .string()
    .refine((v) => v === '' || /^-?\d+$/.test(v), { message: form })
    .transform((v) => (v === '' ? defaultValue : Number.parseInt(v, 10)))
    .refine((n) => n >= min && n <= max, { message: form });
}

/** Newline- or comma-separated list; blank entries and surrounding spaces are dropped. */
export function listInput(defaultValue: string[] = [], separators: RegExp = /[\n,]/) {
  return z.string().transform((v) => {
    if (v === '') return defaultValue;
    return v
      .split(separators)
      .map((s) => s.trim())
      .filter((s) => s !== '');
  });
}

/**
 * A command-line input split into an argument vector (quotes honoured, no shell). Shell operators
 * are refused: run without a shell, `npm ci && npm test` would start npm with `&&` as an argument,
 * which is not what was asked for.
 */
export function parseCommandInput(value: string, input = 'command'): string[] {
  const operator = findShellOperator(value);
  if (operator !== undefined) {
    throw new ConfigurationError(
      `input "${input}" contains the shell operator ${JSON.stringify(operator)}, but the command runs without a shell (split into arguments, quotes honoured): ` +
        `write it as one program with its arguments, or run a shell yourself, e.g. ${input}: bash -c '${clampExample(value)}', or put the steps in a script and name the script`,
    );
  }
  try {
    return splitCommandLine(value);
  } catch (error) {
    throw new ConfigurationError(`input "${input}" cannot be split into arguments: ${(error as Error).message}; quote arguments with ' or "`);
  }
}

/** The user's own command inside the bash -c example, when it is short and has no single quote to escape. */
function clampExample(value: string): string {
  return value.length <= 80 && !value.includes("'") && !/[\r\n]/.test(value) ? value : '...';
}
