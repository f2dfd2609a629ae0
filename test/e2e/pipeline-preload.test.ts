/**
 * Loading a gate's bundle ahead of its turn (src/core/entry.ts, src/pipeline/child.ts), with the
 * real lint bundle: loaded, it reads no input and writes nothing until its start signal; started,
 * it runs as any run does; cancelled, it never runs; and told to wait on a runner with no signal
 * (stdin not a pipe), it runs nothing and fails saying why.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { START_SIGNAL_ENV } from '../../src/core/entry.js';
import { evidenceSchema } from '../../src/core/evidence.js';
import { randomSha, REPO_ROOT, runAction, runnerNode } from '../../src/local/harness.js';
import { scratchDir } from '../../src/local/scratch.js';
import { prepareBundle } from '../../src/pipeline/child.js';
import { scratchSampleService } from './workspace.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a gate bundle loaded ahead of its turn', () => {
  let ws: { workspace: string; service: string };
  beforeAll(() => {
    ws = scratchSampleService();
  });

  /** The lint bundle prepared as the pipeline prepares it, with its own evidence and temp folders. */
  function prepareLint(inputs: Record<string, string> = {}) {
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
      bundle: join(REPO_ROOT, 'dist', 'lint', 'index.js'),
      name: 'lint',
      inputs: { 'working-directory': 'sample-service', 'evidence-dir': evidenceDir, ...inputs },
      env,
      cwd: ws.workspace,
      tempDir,
      node: runnerNode(),
      timeoutMs: 240_000,
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
});
