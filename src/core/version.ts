/**
 * Tool version probes, written once: run `<tool> --version` (or the tool's own spelling), read the
 * first version number it prints, and remember the answer for the rest of the process. A version
 * does not change while a job runs, so a gate, a tool locator and a reporter asking about the same
 * executable cost one subprocess between them (node spends ~30-60 ms on each spawn on a busy runner).
 * Where the answer can be read exactly without starting the tool (an npm package's own bin prints
 * its package.json version; a Go program prints the version it was linked with), it is read: a
 * node tool's `--version` costs a whole node start, the gitleaks engine's a WebAssembly compile.
 * Callers start the probe beside the tool's real run and await it afterwards.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, realpathSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
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
  /**
   * The version read without running the tool, when that is exactly what the tool would print
   * (npmBinVersion, goLinkedVersion); undefined (or '') falls back to running it.
   */
  known?: () => string | undefined;
}

export interface VersionAnswer {
  /** The version the tool printed (or would print); '' when it printed none. */
  version: string;
  /** The probe's own run, for callers that judge a failing probe (exit code, output); absent when the version was read without running the tool. */
  result?: ExecResult;
}

const runs = new Map<string, Promise<ExecResult | string>>();

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
  const key = JSON.stringify([probe.command, probe.args ?? ['--version'], probe.cwd ?? '', probe.known !== undefined]);
  let run = runs.get(key);
  if (run === undefined) {
    const known = probe.known?.();
    run = known
      ? Promise.resolve(known)
      : execTool(probe.command, probe.args ?? ['--version'], { ...(probe.cwd ? { cwd: probe.cwd } : {}), timeoutMs: probe.timeoutMs ?? 30_000, niceness: 10 });
    runs.set(key, run);
    run.catch(() => runs.delete(key));
  }
  const result = await run;
  if (typeof result === 'string') return { version: result };
  return { version: parse(`${result.stdout}\n${result.stderr}`), result };
}

/** The version for the record when it is informative only: '' when the probe fails or the tool exits non-zero. */
export async function versionOrEmpty(probe: VersionProbe, parse?: (output: string) => string): Promise<string> {
  try {
    const answer = await probeVersion(probe, parse);
    return answer.result === undefined || answer.result.exitCode === 0 ? answer.version : '';
  } catch {
    return '';
  }
}

/** Forgets every remembered answer (tests that swap a tool behind one path). */
export function forgetVersions(): void {
  runs.clear();
}

const packageJsonSchema = z.object({
  name: z.string(),
  version: z.string(),
  bin: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
});

function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The npm package `name` when `command` is one of that package's own bins (node_modules/.bin/x
 * or a global link on PATH, followed to the file package.json declares): its folder and version.
 * Undefined for anything else (a wrapper script, another package, no package at all). `bin` is
 * the bin's real path (the file package.json declares).
 */
export function npmBinPackage(command: string, name: string, searchPath = process.env.PATH ?? ''): { root: string; version: string; bin: string } | undefined {
  // As spawn finds it: a path as given, a bare name on PATH. (Not tools/promtool's findOnPath:
  // importing src/tools here would put the tool installer into every bundle's cold start.)
  const located = command.includes('/')
    ? command
    : searchPath
        .split(delimiter)
        .map((dir) => join(dir, command))
        .find((path) => isAbsolute(path) && existsSync(path));
  const real = located === undefined ? undefined : realOrUndefined(located);
  if (real === undefined) return undefined;
  // The bin sits at most a few folders below its package.json (bin/x.js, dist/bin/x.js).
  for (let dir = dirname(real), depth = 0; depth < 4 && dirname(dir) !== dir; dir = dirname(dir), depth++) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    let pkg;
    try {
      pkg = packageJsonSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    } catch {
      return undefined;
    }
    if (!pkg.success || pkg.data.name !== name) return undefined;
    const bins = typeof pkg.data.bin === 'string' ? [pkg.data.bin] : Object.values(pkg.data.bin ?? {});
    return bins.some((bin) => realOrUndefined(join(dir, bin)) === real) ? { root: dir, version: pkg.data.version, bin: real } : undefined;
  }
  return undefined;
}

/** What `<bin> --version` prints for an npm package's own bin (eslint, npm): its package.json version. */
export function npmBinVersion(command: string, name: string, searchPath?: string): string | undefined {
  const version = npmBinPackage(command, name, searchPath)?.version;
  return version !== undefined && parseVersionNumber(version) === version ? version : undefined;
}

/** Bytes read at a time while looking for the build information (it sits deep inside the program). */
const SCAN_CHUNK = 4 * 1024 * 1024;

/**
 * The version a Go program was linked with (`go build -ldflags "-X=<variable>=<version>"`), from the
 * build information Go records in the program itself (an executable or a WebAssembly module): the
 * value the program prints as its version, read without starting it. Undefined when the program
 * records no such setting, or it names no version number.
 */
export function goLinkedVersion(program: string, variable: string): string | undefined {
  const needles = [`-X=${variable}=`, `-X ${variable}=`].map((n) => Buffer.from(n, 'latin1'));
  const overlap = 256;
  let fd: number;
  try {
    fd = openSync(program, 'r');
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(SCAN_CHUNK + overlap);
    let carried = 0;
    for (let position = 0; ;) {
      const read = readSync(fd, buffer, carried, SCAN_CHUNK, position);
      if (read === 0) return undefined;
      position += read;
      const window = buffer.subarray(0, carried + read);
      for (const needle of needles) {
        const at = window.indexOf(needle);
        if (at < 0) continue;
        // The value may run past this window: read on from the file where it starts.
        const tail = Buffer.alloc(128);
        const got = readSync(fd, tail, 0, tail.length, position - window.length + at + needle.length);
        const value = /^[^\s"'`\\\0]*/.exec(tail.subarray(0, got).toString('latin1'))![0];
        const version = parseVersionNumber(value);
        return version !== '' && value.replace(/^v/, '') === version ? version : undefined;
      }
      carried = Math.min(overlap, window.length);
      window.copyWithin(0, window.length - carried);
    }
  } finally {
    closeSync(fd);
  }
}
