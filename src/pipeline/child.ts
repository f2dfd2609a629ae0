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

export async function runBundle(opts: BundleRunOptions): Promise<BundleRun> {
  mkdirSync(opts.tempDir, { recursive: true });
  const home = mkdtempSync(join(opts.tempDir, `${opts.name}-`));
  const files = { GITHUB_OUTPUT: join(home, 'output'), GITHUB_STEP_SUMMARY: join(home, 'summary.md'), GITHUB_STATE: join(home, 'state') };
  for (const path of Object.values(files)) writeFileSync(path, '');
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(opts.env)) if (!k.startsWith('INPUT_')) env[k] = v;
  for (const [name, value] of Object.entries(opts.inputs)) env[inputEnvName(name)] = value;
  Object.assign(env, files, { GITHUB_ACTION: `release-safety-${opts.name}` });
  const started = performance.now();
  try {
    const { exitCode, log, timedOut } = await spawnCaptured(opts.node, [opts.bundle], opts.cwd, env, opts.timeoutMs);
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
    rmSync(home, { recursive: true, force: true });
  }
}

function spawnCaptured(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ exitCode: number | null; log: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const chunks: Buffer[] = [];
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    // The wait ends at the deadline even when a grandchild still holds the pipes.
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
      finish(null);
    }, timeoutMs);
    let done = false;
    const finish = (code: number | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ exitCode: code, log: Buffer.concat(chunks).toString('utf8'), timedOut });
    };
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => finish(code));
  });
}
