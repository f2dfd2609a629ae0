/**
 * Runs one action bundle (dist/<name>/index.js) as the runner runs an action: its inputs as
 * INPUT_<NAME> (hyphens kept), its own GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and GITHUB_STATE files,
 * the job's GITHUB_PATH/GITHUB_ENV shared, in its own process group so a timeout stops everything
 * it started. Its output is captured and handed back whole, so parallel gates never interleave
 * their log lines or workflow commands.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { START_SIGNAL_ENV } from '../core/entry.js';
import { inputEnvName } from '../core/inputs.js';

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
  Object.assign(env, files, { GITHUB_ACTION: `release-safety-${opts.name}`, [START_SIGNAL_ENV]: '1' });
  const child = spawnCaptured(opts.node, [opts.bundle], opts.cwd, env);
  const removeHome = () => rmSync(home, { recursive: true, force: true });
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

function spawnCaptured(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): CapturedChild {
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
  };
  return {
    closed,
    kill,
    async signalAndWait(timeoutMs) {
      child.stdin.end('start\n');
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
      if (exit && 'error' in exit) throw exit.error;
      return { exitCode: timedOut || !exit ? null : exit.code, log: Buffer.concat(chunks).toString('utf8'), timedOut };
    },
  };
}
