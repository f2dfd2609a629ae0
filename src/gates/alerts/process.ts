/**
 * Long-running processes of the drill (the service, Prometheus): started in their own process
 * group, their output tail kept for error messages, and stopped with every descendant, whatever
 * happens. src/core/exec.ts runs tools to completion; these must run until told to stop.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { withoutActionInputs } from '../../core/exec.js';

export interface RunningProcess {
  pid: number;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<string>;
  hasExited(): boolean;
  /** The last few kilobytes of stdout and stderr. */
  output(): string;
  /** SIGTERM to the group and every descendant, SIGKILL after graceMs; resolves once all are gone. */
  stop(graceMs?: number): Promise<void>;
}

const TAIL_BYTES = 16 * 1024;

/** A free port on 127.0.0.1, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** Every process whose ancestry leads to pid (Linux /proc); empty where /proc is absent. */
export function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name (field 2) may hold spaces and parentheses: fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      const list = parents.get(ppid) ?? [];
      list.push(Number(entry));
      parents.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalAll(pids: readonly number[], groupLeader: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-groupLeader, signal);
  } catch {
    // the group is gone
  }
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export function startProcess(command: string, args: readonly string[], opts: { env: NodeJS.ProcessEnv; cwd: string }): RunningProcess {
  const child = spawn(command, [...args], { cwd: opts.cwd, env: withoutActionInputs(opts.env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let done = false;
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => {
      done = true;
      tail += `\n${error.message}`;
      resolve(`could not be started (${(error as NodeJS.ErrnoException).code ?? error.message})`);
    });
    child.once('exit', (code, signal) => {
      done = true;
      resolve(signal ? `was killed by ${signal}` : `exited with code ${code}`);
    });
  });
  const pid = child.pid ?? -1;
  const stop = async (graceMs = 5000): Promise<void> => {
    if (pid <= 0) return;
    // Collected before the first signal: a child re-parented to init after its parent dies is still ours.
    const family = descendantsOf(pid);
    signalAll(family, pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    const alive = () => [pid, ...family].filter(isAlive);
    while (alive().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (alive().length > 0) {
      signalAll([...family, ...descendantsOf(pid)], pid, 'SIGKILL');
      const hard = Date.now() + 5000;
      while (alive().length > 0 && Date.now() < hard) await new Promise((r) => setTimeout(r, 50));
    }
    if (!done) await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
  };
  return { pid, exited, hasExited: () => done, output: () => tail, stop };
}
