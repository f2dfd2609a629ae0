/**
 * A mistake the user can fix (bad input, missing file, malformed config). Its message is shown
 * as is, without a stack trace, so it must name what is wrong and the accepted form.
 */
export class ConfigurationError extends Error {
  override readonly name: string = 'ConfigurationError';
}

/**
 * The one way to say "could not judge": a tool crashed, timed out, wrote no readable report, a
 * network call failed, a range could not be resolved. `runGateAction` turns it into status
 * `error` with this message; a gate that reports partial results collects these and calls
 * `verdictWithProblems` (src/core/gate.ts) instead of throwing.
 */
export class ToolError extends Error {
  override readonly name: string = 'ToolError';
}

/** A tool could not be found on PATH or in the working directory: the gate could not judge. */
export class ToolNotFoundError extends ToolError {
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
