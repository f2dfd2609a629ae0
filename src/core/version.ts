/**
 * Tool version probes, written once: run `<tool> --version` (or the tool's own spelling), read the
 * first version number it prints, and remember the answer for the rest of the process. A version
 * does not change while a job runs, so a gate, a tool locator and a reporter asking about the same
 * executable cost one subprocess between them (node spends ~30-60 ms on each spawn on a busy runner).
 */
import { execTool, type ExecResult } from './exec.js';

/** The first dotted version in a tool's output: `1.2.3`, `v8.24.0`, `2.42.0+ds`. */
const VERSION_NUMBER = /v?(\d+\.\d+\.\d+[\w.+-]*)/;

export interface VersionProbe {
  /** The executable (a path, or a name looked up on PATH). */
  command: string;
  /** How the tool is asked; default `--version`. */
  args?: readonly string[];
  cwd?: string;
  timeoutMs?: number;
}

export interface VersionAnswer {
  /** The version the tool printed; '' when it printed none. */
  version: string;
  /** The probe's own run, for callers that judge a failing probe (exit code, output). */
  result: ExecResult;
}

const runs = new Map<string, Promise<ExecResult>>();

/** The first version number in a tool's output, or ''. */
export function parseVersionNumber(text: string): string {
  return VERSION_NUMBER.exec(text)?.[1] ?? '';
}

/**
 * Asks a tool its version once per process (the same command, arguments and folder share one run;
 * each caller reads it with its own parser). Rejects as execTool does (ToolNotFoundError when the
 * tool is missing); a rejected probe is not remembered, so a tool installed later is asked again.
 */
export async function probeVersion(probe: VersionProbe, parse: (output: string) => string = parseVersionNumber): Promise<VersionAnswer> {
  const key = JSON.stringify([probe.command, probe.args ?? ['--version'], probe.cwd ?? '']);
  let run = runs.get(key);
  if (run === undefined) {
    run = execTool(probe.command, probe.args ?? ['--version'], { ...(probe.cwd ? { cwd: probe.cwd } : {}), timeoutMs: probe.timeoutMs ?? 30_000 });
    runs.set(key, run);
    run.catch(() => runs.delete(key));
  }
  const result = await run;
  return { version: parse(`${result.stdout}\n${result.stderr}`), result };
}

/** The version for the record when it is informative only: '' when the probe fails or the tool exits non-zero. */
export async function versionOrEmpty(probe: VersionProbe, parse?: (output: string) => string): Promise<string> {
  try {
    const answer = await probeVersion(probe, parse);
    return answer.result.exitCode === 0 ? answer.version : '';
  } catch {
    return '';
  }
}

/** Forgets every remembered answer (tests that swap a tool behind one path). */
export function forgetVersions(): void {
  runs.clear();
}
