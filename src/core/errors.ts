/**
 * A mistake the user can fix (bad input, missing file, malformed config). Its message is shown
 * as is, without a stack trace, so it must name what is wrong and the accepted form.
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** A tool could not be found on PATH or in the working directory. */
export class ToolNotFoundError extends Error {
  override readonly name = 'ToolNotFoundError';
  constructor(
    readonly tool: string,
    readonly hint: string,
  ) {
    super(`${tool} was not found: ${hint}`);
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
