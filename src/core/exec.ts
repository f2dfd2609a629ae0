// The suite runs its tools here rather than through @actions/exec, which has neither a timeout
// that kills the whole process group (a tool's children can hold its pipes open) nor a way to
// keep INPUT_* (the action's inputs, credentials among them) out of the tool's environment.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { ToolNotFoundError } from './errors.js';

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Hard limit; the process group is killed (SIGTERM, then SIGKILL) when it passes. */
  timeoutMs: number;
  input?: string | Buffer;
  /** Bytes kept of each stream; the tail is kept, since errors are usually last. */
  maxBuffer?: number;
  /** Called with each chunk of output as it arrives (for live logs). */
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  /** Shown in the ToolNotFoundError when the executable is missing. */
  installHint?: string;
  /** Also return stdout as bytes (for protocols that count bytes, e.g. `git cat-file --batch`). */
  keepStdoutBytes?: boolean;
  /**
   * Lowers the tool's CPU priority (a nice value, 1 to 19) for side work started beside a gate's
   * real tool run, such as a version probe: on a 2-core runner the run on the critical path gets
   * the cores first, and the side work takes what is left. Only where the kernel does not group
   * scheduling by session: with sched_autogroup on (/proc/sys/kernel/sched_autogroup_enabled, as on
   * the project's test machine), the tool, in a session of its own (detached), is a group of its own
   * and shares the CPU equally with every other session, whatever its nice value (measured: two
   * busy loops on one core, one at nice 10, each got half when in sessions of their own, 90/10 in one).
   */
  niceness?: number;
}

export interface ExecResult {
  command: string;
  args: readonly string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** True when output beyond maxBuffer was dropped from the start. */
  truncated: boolean;
  /** stdout as bytes, when keepStdoutBytes was asked for. */
  stdoutBytes?: Buffer;
  durationMs: number;
}

class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.max && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
      this.truncated = true;
    }
    if (this.size > this.max) {
      const only = this.chunks[0]!;
      this.chunks[0] = only.subarray(only.length - this.max);
      this.size = this.max;
      this.truncated = true;
    }
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
  toString(): string {
    return this.bytes().toString('utf8');
  }
}

/** After the timeout, how long the process group gets to stop on SIGTERM before SIGKILL. */
const KILL_GRACE_MS = 5_000;
/** After SIGKILL, how long to wait for the pipes to close before the wait ends regardless. */
const PIPE_GRACE_MS = 1_000;

/**
 * Marks every process a tool call starts (the variable is inherited), so the timeout can find a
 * descendant that left the process group and was re-parented (setsid, a daemon holding stdout).
 */
const EXEC_MARK = 'RELEASE_SAFETY_EXEC_ID';

/**
 * Processes other than this one whose environment has `variable=mark` (Linux /proc; [] elsewhere):
 * a tool call's descendants (EXEC_MARK), or everything a pipeline gate started (src/pipeline/child.ts).
 */
export function markedProcesses(mark: string, variable = EXEC_MARK): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid);
  } catch {
    return [];
  }
  const needle = `${variable}=${mark}\0`;
  return pids
    .filter((pid) => {
      try {
        return `${readFileSync(`/proc/${pid}/environ`, 'latin1')}\0`.includes(needle);
      } catch {
        return false; // gone, or not ours to read
      }
    })
    .map(Number);
}

/**
 * The environment without the action's own inputs (INPUT_*): tools never need them, and one of
 * them may be a registry password.
 */
export function withoutActionInputs(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.toUpperCase().startsWith('INPUT_')));
}

/**
 * Runs one executable with an argument array (never a shell). Resolves with the exit status for
 * the caller to interpret; rejects only when the program cannot be started at all.
 */
export function execTool(command: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
  const started = Date.now();
  const max = options.maxBuffer ?? 32 * 1024 * 1024;
  const mark = randomUUID();
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: { ...withoutActionInputs(options.env ?? process.env), [EXEC_MARK]: mark },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    if (options.niceness !== undefined && child.pid !== undefined) {
      try {
        setPriority(child.pid, options.niceness);
      } catch {
        // already gone, or not allowed: it runs at the normal priority
      }
    }
    const out = new TailBuffer(max);
    const err = new TailBuffer(max);
    let timedOut = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const kill = (signal: NodeJS.Signals) => {
      try {
        if (child.pid && process.platform !== 'win32') process.kill(-child.pid, signal);
        else child.kill(signal);
      } catch {
        // the group is already gone
      }
      for (const pid of markedProcesses(mark)) {
        try {
          process.kill(pid, signal);
        } catch {
          // already gone
        }
      }
    };
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      resolve({
        command,
        args,
        exitCode,
        signal,
        timedOut,
        stdout: out.toString(),
        stderr: err.toString(),
        truncated: out.truncated || err.truncated,
        durationMs: Date.now() - started,
        ...(options.keepStdoutBytes ? { stdoutBytes: out.bytes() } : {}),
      });
    };
    // The timeout ends the wait whatever still holds the pipes: SIGTERM to the group and to every
    // process carrying this call's mark, SIGKILL after the grace, then the pipes are closed from this end.
    timers.push(
      setTimeout(() => {
        timedOut = true;
        kill('SIGTERM');
        timers.push(
          setTimeout(() => {
            kill('SIGKILL');
            timers.push(
              setTimeout(() => {
                child.stdout?.destroy();
                child.stderr?.destroy();
                finish(child.exitCode, child.signalCode);
              }, PIPE_GRACE_MS),
            );
          }, KILL_GRACE_MS),
        );
      }, options.timeoutMs),
    );
    // A decoder per stream: a multi-byte character split across two chunks stays whole.
    const outText = new StringDecoder('utf8');
    const errText = new StringDecoder('utf8');
    child.stdout.on('data', (chunk: Buffer) => {
      out.push(chunk);
      if (options.onStdout) options.onStdout(outText.write(chunk));
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err.push(chunk);
      if (options.onStderr) options.onStderr(errText.write(chunk));
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      settled = true;
      for (const t of timers) clearTimeout(t);
      if (error.code === 'ENOENT') reject(new ToolNotFoundError(command, options.installHint ?? 'install it or put it on PATH'));
      else reject(error);
    });
    child.on('close', (exitCode, signal) => finish(exitCode, signal));
    // A timed-out tool that exited while a stray descendant still holds the pipes: do not wait
    // out the kill grace for it.
    child.on('exit', () => {
      if (!timedOut) return;
      kill('SIGKILL');
      timers.push(
        setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          finish(child.exitCode, child.signalCode);
        }, PIPE_GRACE_MS),
      );
    });
    child.stdin.on('error', () => {
      // The tool may exit without reading its input; that is reported through the exit code.
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/** The last `count` non-empty lines of a tool's output, for summaries and error messages. */
export function lastLines(text: string, count: number): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  return lines.slice(-count).join('\n');
}

export function describeExit(result: ExecResult): string {
  if (result.timedOut) return `timed out after ${Math.round(result.durationMs / 1000)} s`;
  if (result.signal) return `was killed by ${result.signal}`;
  return `exited with code ${result.exitCode}`;
}

/**
 * Splits a command line into arguments the way a POSIX shell would for quoting only: single and
 * double quotes and backslash escapes; no expansion, no pipes, no globbing. The result is run
 * without a shell.
 */
export function splitCommandLine(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let inArg = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else current += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) current += line[++i];
      else current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inArg = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      current += line[++i];
      inArg = true;
    } else if (/\s/.test(ch)) {
      if (inArg) args.push(current);
      current = '';
      inArg = false;
    } else {
      current += ch;
      inArg = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote`);
  if (inArg) args.push(current);
  return args;
}

/** Shell operators a command input may not hold outside quotes: without a shell they would be plain arguments. */
const SHELL_OPERATORS = ['&&', '||', '$(', '|', ';', '>', '<', '`'] as const;

/**
 * The first shell operator in a command line that a shell would act on, under the quoting rules
 * of splitCommandLine: outside quotes any of SHELL_OPERATORS; inside double quotes `$(` and
 * backticks (a shell substitutes those there too); nothing inside single quotes or after a
 * backslash (`find . -exec rm {} \;` holds no operator). Undefined when there is none.
 */
export function findShellOperator(line: string): string | undefined {
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote === "'") {
      if (ch === "'") quote = null;
    } else if (ch === '\\') {
      i++;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '`' || line.startsWith('$(', i)) return ch === '`' ? '`' : '$(';
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else {
      const operator = SHELL_OPERATORS.find((op) => line.startsWith(op, i));
      if (operator) return operator;
    }
  }
  return undefined;
}
