/**
 * Loading a gate's bundle ahead of its turn (src/core/entry.ts, src/pipeline/child.ts), with the
 * real lint bundle: loaded, it reads no input and writes nothing until its start signal; started,
 * it runs as any run does; cancelled, it never runs; and told to wait on a runner with no signal
 * (stdin not a pipe), it runs nothing and fails saying why.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { START_SIGNAL_ENV } from '../../src/core/entry.js';
import { evidenceSchema } from '../../src/core/evidence.js';
import { randomSha, REPO_ROOT, runAction, runnerNode } from '../../src/local/harness.js';
import { scratchDir } from '../../src/local/scratch.js';
import { prepareBundle } from '../../src/pipeline/child.js';
import { initRepo } from './git-fixtures.js';
import { scratchSampleService } from './workspace.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a gate bundle loaded ahead of its turn', () => {
  let ws: { workspace: string; service: string };
  beforeAll(() => {
    ws = scratchSampleService();
  });

  /** The lint bundle prepared as the pipeline prepares it, with its own evidence and temp folders. */
  function prepareLint(inputs: Record<string, string> = {}) {
    return prepareGate('lint', inputs);
  }

  function prepareGate(gate: 'lint' | 'test', inputs: Record<string, string>, more: { thread?: boolean; timeoutMs?: number } = {}) {
    const home = scratchDir('rs-preload-');
    const evidenceDir = join(home, 'evidence');
    const tempDir = join(home, 'temp');
    const event = join(home, 'event.json');
    writeFileSync(event, JSON.stringify({ inputs: {} }));
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      GITHUB_EVENT_PATH: event,
      GITHUB_REPOSITORY: 'acme/service',
      GITHUB_SHA: randomSha(),
      GITHUB_REF: 'refs/heads/main',
      GITHUB_WORKSPACE: ws.workspace,
      RUNNER_TEMP: home,
    };
    const prepared = prepareBundle({
      bundle: join(REPO_ROOT, 'dist', gate, 'index.js'),
      name: gate,
      inputs: { 'working-directory': 'sample-service', 'evidence-dir': evidenceDir, ...inputs },
      env,
      cwd: ws.workspace,
      tempDir,
      node: runnerNode(),
      timeoutMs: more.timeoutMs ?? 240_000,
      thread: more.thread ?? false,
    });
    return { prepared, evidenceDir, tempDir };
  }

  it('waits, having written nothing, then on its turn runs to a valid record', async () => {
    const { prepared, evidenceDir } = prepareLint();
    const loadedAt = performance.now();
    // Long past its load (a cold start is about 0.2 s): still nothing written, eslint never started.
    await sleep(1500);
    expect(existsSync(evidenceDir)).toBe(false);
    const run = await prepared.start();
    expect(run.exitCode, run.log.slice(-3000)).toBe(0);
    expect(run.outputs.status).toBe('pass');
    expect(evidenceSchema.parse(JSON.parse(readFileSync(join(evidenceDir, 'lint.json'), 'utf8')))).toMatchObject({ gate: 'lint', status: 'pass' });
    // Its duration is counted from its turn, not from its load.
    expect(run.durationMs).toBeLessThan(performance.now() - loadedAt - 1400);
    expect(run.log).not.toContain(START_SIGNAL_ENV);
  });

  it('loaded, it reads no input: a bad one, which a started run answers with an error record within a cold start, leaves nothing until the signal', async () => {
    const { prepared, evidenceDir } = prepareLint({ preset: 'bogus' });
    await sleep(1500);
    expect(existsSync(evidenceDir)).toBe(false);
    const run = await prepared.start();
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(JSON.parse(readFileSync(join(evidenceDir, 'lint.json'), 'utf8'))).toMatchObject({
      gate: 'lint',
      status: 'error',
      summary: expect.stringContaining('preset'),
    });
  });

  it('cancelled, it never runs, and its runner files are removed', async () => {
    const { prepared, evidenceDir, tempDir } = prepareLint({ preset: 'bogus' });
    await sleep(1000);
    prepared.cancel();
    await expect(prepared.start()).rejects.toThrow(/already started or cancelled/);
    for (let i = 0; i < 50 && readdirSync(tempDir).length > 0; i++) await sleep(100);
    expect(readdirSync(tempDir)).toEqual([]);
    expect(existsSync(evidenceDir)).toBe(false);
  });

  it(`${START_SIGNAL_ENV} on a runner with no signal (stdin not a pipe): nothing runs, the step fails saying why`, async () => {
    const evidenceDir = join(scratchDir('rs-preload-'), 'evidence');
    const run = await runAction('lint', {
      workspace: ws.workspace,
      inputs: { 'working-directory': 'sample-service', 'evidence-dir': evidenceDir },
      env: { [START_SIGNAL_ENV]: '1' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.map((a) => a.message)).toEqual([expect.stringContaining('no start signal came on stdin: the action did not run')]);
    expect(run.outputs).toEqual({});
    expect(existsSync(evidenceDir)).toBe(false);
  });

  /** Live processes (not zombies) running `sleep <arg>`, from /proc. */
  function sleepsWith(arg: string): number[] {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'latin1') === `sleep\0${arg}\0`;
        } catch {
          return false;
        }
      })
      .map(Number);
  }

  // The gate's tool runs in a process group of its own (src/core/exec.ts), so stopping the
  // bundle's group, or ending its thread, does not stop the tool: before the gate mark, this sleep
  // outlived the pipeline.
  for (const thread of [false, true]) {
    it(`past the pipeline's deadline, as a ${thread ? 'thread' : 'process'}: the gate and every tool it started are stopped`, async () => {
      // A sleep no other process runs, well past the test.
      const arg = `${(280 + Math.random() * 10).toFixed(6)}`;
      // A thread runs on this process's Node, which is the test's (Node 20).
      const { prepared } = prepareGate('test', { preset: 'command', command: `sleep ${arg}`, 'timeout-seconds': '600' }, { thread, timeoutMs: 4000 });
      const run = prepared.start();
      let seen: number[] = [];
      for (let i = 0; i < 60 && seen.length === 0; i++) {
        await sleep(50);
        seen = sleepsWith(arg);
      }
      expect(seen, 'the gate started its tool before the deadline').toHaveLength(1);
      const result = await run;
      expect(result.timedOut).toBe(true);
      expect(result.exitCode).toBeNull();
      for (let i = 0; i < 40 && sleepsWith(arg).length > 0; i++) await sleep(50);
      expect(sleepsWith(arg)).toEqual([]);
    });
  }

  for (const thread of [false, true]) {
    it(`a bundle that cannot load, as a ${thread ? 'thread' : 'process'}: exit code 1 and the reason in its log, no outputs`, async () => {
      const home = scratchDir('rs-preload-');
      const run = await prepareBundle({
        bundle: join(home, 'missing', 'index.js'),
        name: 'lint',
        inputs: {},
        env: { PATH: process.env.PATH },
        cwd: process.cwd(),
        tempDir: join(home, 'temp'),
        node: thread ? process.execPath : runnerNode(),
        timeoutMs: 60_000,
        thread,
      }).start();
      expect(run.timedOut).toBe(false);
      expect(run.exitCode).toBe(1);
      expect(run.log).toMatch(/Cannot find module/);
      expect(run.outputs).toEqual({});
      expect(readdirSync(join(home, 'temp'))).toEqual([]);
    });
  }

  // Ctrl-C reaches the CLI's process group only: before the pipeline's signal handler, the test
  // gate's tool (in a group of its own) ran on after the CLI had ended.
  it('Ctrl-C (SIGINT) on `release-safety run`: every gate and its tools stop, the temp home goes, and it exits 130', async () => {
    const repo = initRepo('rs-preload-cli-');
    const arg = `${(280 + Math.random() * 10).toFixed(6)}`;
    repo.commit('the pipeline config', {
      '.github/release-safety.yml': `version: 1\ngates:\n  test:\n    with: { preset: command, command: "sleep ${arg}" }\n`,
    });
    const tmp = scratchDir('rs-preload-tmp-');
    const cli = spawn(runnerNode(), [join(REPO_ROOT, 'bin', 'release-safety.mjs'), 'run'], {
      cwd: repo.dir,
      env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    cli.stdout.on('data', (c: Buffer) => (out += c.toString()));
    cli.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => cli.on('close', (code) => resolve(code)));
    let seen: number[] = [];
    for (let i = 0; i < 200 && seen.length === 0; i++) {
      await sleep(50);
      seen = sleepsWith(arg);
    }
    expect(seen, `the test gate started its tool; CLI output:\n${out}`).toHaveLength(1);
    cli.kill('SIGINT');
    expect(await exited, out).toBe(130);
    expect(out).toContain('interrupted: every gate and the tools it started were stopped; no verdict');
    for (let i = 0; i < 40 && sleepsWith(arg).length > 0; i++) await sleep(50);
    expect(sleepsWith(arg)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
