/**
 * Runs one action bundle (dist/<name>/index.js) as the runner runs an action: its inputs as
 * INPUT_<NAME> (hyphens kept), its own GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and GITHUB_STATE files,
 * the job's GITHUB_PATH/GITHUB_ENV shared. Its output is captured and handed back whole, so
 * parallel gates never interleave their log lines or workflow commands.
 *
 * Where it runs: a process of its own (in its own process group), or, when the caller asks for
 * `thread`, a worker thread of the caller's process with its own copy of the environment. A
 * thread saves the Node start of a process (measured on the 2-core machine: about 0.1 CPU-s of
 * the 0.2 a bundle's load costs), and on a small runner the pipeline is bound by CPU, not by
 * waiting. A thread shares the caller's working directory (it cannot chdir), so the caller asks
 * for one only when that directory is the bundle's `cwd`.
 *
 * Either way every process the bundle starts carries GATE_MARK in its environment, so a timeout
 * stops them all, including tools the gate started in process groups of their own.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { START_SIGNAL_ENV } from '../core/entry.js';
import { markedProcesses } from '../core/exec.js';
import { inputEnvName } from '../core/inputs.js';

/** Marks the bundle's environment, and through it every process the gate starts. */
export const GATE_MARK = 'RELEASE_SAFETY_GATE_ID';

export interface BundleRun {
  name: string;
  exitCode: number | null;
  /** stdout and stderr in arrival order, as the runner would show them. */
  log: string;
  outputs: Record<string, string>;
  summary: string;
  durationMs: number;
  timedOut: boolean;
}

export interface BundleRunOptions {
  bundle: string;
  name: string;
  inputs: Record<string, string>;
  /** The environment the runner gave the pipeline (INPUT_* are removed: they are the pipeline's own). */
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Where the private runner files go; removed afterwards. */
  tempDir: string;
  node: string;
  timeoutMs: number;
  /** In a worker thread of this process (same Node, same working directory: `cwd` must be process.cwd()). */
  thread?: boolean;
}

/** Each bundle loaded or running: its stop (the bundle and its tools killed, its runner files removed). */
const live = new Set<() => void>();

/**
 * Stops every bundle this process loaded or started, with every tool each one started, and removes
 * their runner files: for the pipeline's SIGINT / SIGTERM (Ctrl-C, a cancelled job), after which
 * nothing a gate started runs on.
 */
export function stopEveryBundle(): void {
  for (const stop of live) stop();
  live.clear();
}

/** GITHUB_OUTPUT / GITHUB_STATE files: name=value lines and name<<DELIM heredocs. */
export function parseRunnerFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const value: string[] = [];
      i++;
      while (i < lines.length && lines[i] !== heredoc[2]) value.push(lines[i++]!);
      out[heredoc[1]!] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** A bundle's process, started and loaded, waiting for its turn (entry.ts). */
export interface PreparedBundle {
  /** Its turn: the start signal, then its run to the end (or the timeout, counted from here). */
  start(): Promise<BundleRun>;
  /** Not needed after all: the process is stopped before it ran anything, and its files removed. */
  cancel(): void;
}

/**
 * Starts the bundle's process, which loads and then waits for start(). runBundle is prepare and
 * start at once. The private runner files are removed when the run ends or is cancelled.
 */
export function prepareBundle(opts: BundleRunOptions): PreparedBundle {
  mkdirSync(opts.tempDir, { recursive: true });
  const home = mkdtempSync(join(opts.tempDir, `${opts.name}-`));
  const files = { GITHUB_OUTPUT: join(home, 'output'), GITHUB_STEP_SUMMARY: join(home, 'summary.md'), GITHUB_STATE: join(home, 'state') };
  for (const path of Object.values(files)) writeFileSync(path, '');
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(opts.env)) if (!k.startsWith('INPUT_')) env[k] = v;
  for (const [name, value] of Object.entries(opts.inputs)) env[inputEnvName(name)] = value;
  const mark = randomUUID();
  Object.assign(env, files, { GITHUB_ACTION: `release-safety-${opts.name}`, [START_SIGNAL_ENV]: '1', [GATE_MARK]: mark });
  const child = opts.thread ? workerCaptured(opts.bundle, env, mark) : spawnCaptured(opts.node, [opts.bundle], opts.cwd, env, mark);
  const removeHome = () => rmSync(home, { recursive: true, force: true });
  const stop = () => {
    child.kill();
    removeHome();
  };
  live.add(stop);
  void child.closed.finally(() => live.delete(stop));
  let used = false;
  return {
    async start() {
      if (used) throw new Error(`the ${opts.name} bundle was already started or cancelled`);
      used = true;
      const started = performance.now();
      try {
        const { exitCode, log, timedOut } = await child.signalAndWait(opts.timeoutMs);
        return {
          name: opts.name,
          exitCode,
          log,
          timedOut,
          outputs: parseRunnerFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
          summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
          durationMs: Math.round(performance.now() - started),
        };
      } finally {
        removeHome();
      }
    },
    cancel() {
      if (used) return;
      used = true;
      child.kill();
      void child.closed.finally(removeHome);
    },
  };
}

export function runBundle(opts: BundleRunOptions): Promise<BundleRun> {
  return prepareBundle(opts).start();
}

interface CapturedChild {
  /** Settles when the process has exited and its pipes closed (never rejects). */
  closed: Promise<void>;
  signalAndWait(timeoutMs: number): Promise<{ exitCode: number | null; log: string; timedOut: boolean }>;
  kill(): void;
}

/** SIGKILL to every process carrying the gate's mark (its tools, wherever their process group). */
function killMarked(mark: string): void {
  for (const pid of markedProcesses(mark, GATE_MARK)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The wait for a started bundle: the start signal, then its end or the deadline, whichever comes first. */
async function waitWithDeadline(start: () => void, closed: Promise<void>, kill: () => void, timeoutMs: number): Promise<{ timedOut: boolean }> {
  start();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  // The wait ends at the deadline even when a grandchild still holds the pipes.
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      kill();
      resolve();
    }, timeoutMs);
  });
  await Promise.race([closed, deadline]);
  clearTimeout(timer);
  return { timedOut };
}

function spawnCaptured(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, mark: string): CapturedChild {
  const child = spawn(cmd, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stderr.on('data', (c: Buffer) => chunks.push(c));
  // A process that ended before its signal makes the write fail; its exit code says what happened.
  child.stdin.on('error', () => {});
  let exit: { code: number | null } | { error: Error } | undefined;
  const closed = new Promise<void>((resolve) => {
    child.on('error', (error) => {
      exit ??= { error };
      resolve();
    });
    child.on('close', (code) => {
      exit ??= { code };
      resolve();
    });
  });
  const kill = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
    killMarked(mark);
  };
  return {
    closed,
    kill,
    async signalAndWait(timeoutMs) {
      const { timedOut } = await waitWithDeadline(() => child.stdin.end('start\n'), closed, kill, timeoutMs);
      if (exit && 'error' in exit) throw exit.error;
      return { exitCode: timedOut || !exit ? null : exit.code, log: Buffer.concat(chunks).toString('utf8'), timedOut };
    },
  };
}

/**
 * The bundle as a worker thread. An uncaught error ends it with exit code 1 and its stack in the
 * log, as a process would print it. The wait ends once the thread has exited and its output
 * streams have ended (their last chunks arrive after the exit event), or a moment after the exit
 * when a stream does not end.
 */
function workerCaptured(bundle: string, env: NodeJS.ProcessEnv, mark: string): CapturedChild {
  const worker = new Worker(bundle, { env, stdin: true, stdout: true, stderr: true });
  // A thread that ended before its signal makes the write fail; its exit code says what happened.
  worker.stdin?.on('error', () => {});
  const chunks: Buffer[] = [];
  const drained = [worker.stdout, worker.stderr].map(
    (stream) =>
      new Promise<void>((resolve) => {
        stream.on('data', (c: Buffer | string) => chunks.push(Buffer.from(c)));
        stream.once('end', resolve);
        stream.once('error', () => resolve());
      }),
  );
  worker.on('error', (error) => chunks.push(Buffer.from(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)));
  let exitCode: number | undefined;
  const closed = new Promise<void>((resolve) => {
    worker.once('exit', (code) => {
      exitCode = code;
      const grace = setTimeout(resolve, 1000);
      void Promise.all(drained).then(() => {
        clearTimeout(grace);
        resolve();
      });
    });
  });
  const kill = () => {
    killMarked(mark);
    void worker.terminate();
  };
  return {
    closed,
    kill,
    async signalAndWait(timeoutMs) {
      const { timedOut } = await waitWithDeadline(() => worker.stdin?.end('start\n'), closed, kill, timeoutMs);
      return { exitCode: timedOut || exitCode === undefined ? null : exitCode, log: Buffer.concat(chunks).toString('utf8'), timedOut };
    },
  };
}
