import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../local/scratch.js';
import { PIPELINE_GATES, type ActionMeta } from './action-meta.js';
import { attachRequested, pipelineVerdict, runPipeline, startOrder, threadsPossible, type PipelineOptions } from './run.js';
import type { BundleRunOptions, PreparedBundle } from './child.js';
import type { PlannedGate } from './plan.js';

describe('pipelineVerdict: the stricter of the gates, the evidence judgement and the attestation', () => {
  const cases: [string, 'pass' | 'fail' | 'error', string, boolean, string][] = [
    ['all pass, attached', 'pass', 'pass', false, 'pass'],
    ['all pass, attestation asked for and missing', 'pass', 'pass', true, 'error'],
    ['a gate failed, attestation missing too', 'fail', 'pass', true, 'fail'],
    ['gates pass, evidence fail', 'pass', 'fail', false, 'fail'],
    ['gates pass, evidence error', 'pass', 'error', false, 'error'],
    ['gates pass, evidence printed nothing', 'pass', '', false, 'error'],
    ['a gate error', 'error', 'pass', false, 'error'],
  ];
  it.each(cases)('%s', (_name, own, evidence, missing, expected) => {
    expect(pipelineVerdict(own, evidence, missing)).toBe(expected);
  });
  it('attach is requested only by the input boolean true', () => {
    expect(attachRequested({ attach: 'true' })).toBe(true);
    expect(attachRequested({ attach: 'TRUE' })).toBe(true);
    expect(attachRequested({ attach: 'false' })).toBe(false);
    expect(attachRequested({})).toBe(false);
  });
});

describe('startOrder: the longest gates are offered a slot first', () => {
  const planned = (gate: PlannedGate['gate'], needs: PlannedGate['gate'][] = []): PlannedGate => ({ gate, needs, required: true, inputs: {} });
  it.each([
    [
      ['lint', 'test', 'audit', 'secrets', 'rules'],
      ['test', 'lint', 'audit', 'secrets', 'rules'],
    ],
    [
      ['lint', 'test', 'audit', 'secrets', 'rules', 'image', 'alerts'],
      ['image', 'test', 'lint', 'audit', 'secrets', 'rules', 'alerts'],
    ],
    [
      ['lint', 'audit'],
      ['lint', 'audit'],
    ],
    [
      ['rules', 'test'],
      ['test', 'rules'],
    ],
  ] as [PlannedGate['gate'][], string[]][])('%j -> %j', (gates, expected) => {
    expect(startOrder(gates.map((g) => planned(g, g === 'alerts' ? ['image'] : []))).map((p) => p.gate)).toEqual(expected);
  });
});

describe('runPipeline: the next process loads while the running gates work', () => {
  type Step = string;
  /** A launcher that records prepare / start / end / cancel and ends each run after `ms`, with the status `statusOf` gives. */
  function fakeLauncher(steps: Step[], statusOf: (name: string) => string, failsToStart = '', ms = 5) {
    return (o: BundleRunOptions): PreparedBundle => {
      steps.push(`load ${o.name}`);
      let used = false;
      return {
        async start() {
          used = true;
          steps.push(`start ${o.name}`);
          if (o.name === failsToStart) throw new Error(`spawn ${o.name} failed`);
          await new Promise((resolve) => setTimeout(resolve, ms));
          steps.push(`end ${o.name}`);
          const status = statusOf(o.name);
          return {
            name: o.name,
            exitCode: 0,
            log: '',
            outputs: (o.name === 'evidence' ? { verdict: status } : { status }) as Record<string, string>,
            summary: '',
            durationMs: ms,
            timedOut: false,
          };
        },
        cancel() {
          if (!used) steps.push(`cancel ${o.name}`);
        },
      };
    };
  }
  const meta = (name: string): ActionMeta => ({ name, inputs: { 'evidence-dir': '' }, outputs: [] });
  function options(dir: string, plan: PlannedGate[], concurrency: number, launch: PipelineOptions['launch']): PipelineOptions {
    return {
      plan,
      metas: Object.fromEntries([...PIPELINE_GATES, 'evidence'].map((g) => [g, meta(g)])) as PipelineOptions['metas'],
      distDir: dir,
      node: process.execPath,
      env: {},
      ctx: {
        eventName: 'push',
        repository: 'acme/service',
        serverUrl: 'https://github.com',
        apiUrl: 'https://api.github.com',
        headSha: 'a'.repeat(40),
        ref: 'refs/heads/main',
        isFork: false,
        workspace: dir,
        runnerTemp: dir,
        toolCache: dir,
      },
      tempDir: dir,
      evidenceDir: dir,
      concurrency,
      secrets: {},
      evidenceInputs: {},
      timeoutMs: 60_000,
      progress: () => {},
      launch,
    };
  }
  const planned = (gate: PlannedGate['gate'], needs: PlannedGate['gate'][] = []): PlannedGate => ({ gate, needs, required: true, inputs: {} });

  it('one at a time: each gate loads during the run before it, the evidence step during the last', async () => {
    const steps: Step[] = [];
    const result = await runPipeline(
      options(
        scratchDir(),
        [planned('lint'), planned('audit'), planned('rules')],
        1,
        fakeLauncher(steps, () => 'pass'),
      ),
    );
    expect(result.verdict).toBe('pass');
    expect(steps).toEqual([
      'load lint',
      'start lint',
      'load audit',
      'end lint',
      'start audit',
      'load rules',
      'end audit',
      'start rules',
      'load evidence',
      'end rules',
      'start evidence',
      'end evidence',
    ]);
  });

  it('never more than one loads ahead, beside two running', async () => {
    const steps: Step[] = [];
    await runPipeline(
      options(
        scratchDir(),
        [planned('lint'), planned('audit'), planned('rules'), planned('secrets')],
        2,
        fakeLauncher(steps, () => 'pass'),
      ),
    );
    expect(steps.slice(0, 5)).toEqual(['load lint', 'start lint', 'load audit', 'start audit', 'load rules']);
    expect(steps.filter((s) => s.startsWith('load')).sort()).toEqual(['load audit', 'load evidence', 'load lint', 'load rules', 'load secrets']);
    expect(steps.filter((s) => s.startsWith('start'))).toHaveLength(5);
  });

  it('a gate whose need failed is neither loaded nor started, and gets a skipped record', async () => {
    const steps: Step[] = [];
    const dir = scratchDir();
    const result = await runPipeline(
      options(
        dir,
        [planned('test'), planned('image', ['test']), planned('alerts', ['image'])],
        1,
        fakeLauncher(steps, (n) => (n === 'test' ? 'fail' : 'pass')),
      ),
    );
    expect(steps.filter((s) => /image|alerts/.test(s))).toEqual([]);
    expect(result.gates.map((g) => [g.gate, g.status])).toEqual([
      ['test', 'fail'],
      ['image', 'skipped'],
      ['alerts', 'skipped'],
    ]);
    expect(result.verdict).toBe('fail');
    expect(JSON.parse(readFileSync(join(dir, 'image.json'), 'utf8'))).toMatchObject({ status: 'skipped' });
  });

  it.each([
    ['a gate', 'lint', ['load lint', 'start lint', 'load audit', 'cancel audit']],
    ['the evidence step', 'audit', ['load lint', 'start lint', 'load audit', 'end lint', 'start audit', 'load evidence', 'cancel evidence']],
  ])('when a run cannot start, the process loaded for %s is stopped and the pipeline says why', async (_what, failing, expected) => {
    const steps: Step[] = [];
    await expect(
      runPipeline(
        options(
          scratchDir(),
          [planned('lint'), planned('audit')],
          1,
          fakeLauncher(steps, () => 'pass', failing),
        ),
      ),
    ).rejects.toThrow(`spawn ${failing} failed`);
    expect(steps).toEqual(expected);
  });
});

describe('threadsPossible', () => {
  it("only on this process's Node and in its working directory (a thread cannot have another)", () => {
    expect(threadsPossible(process.execPath, process.cwd())).toBe(true);
    expect(threadsPossible(process.execPath, `${process.cwd()}/.`)).toBe(true);
    expect(threadsPossible('/usr/local/bin/some-other-node', process.cwd())).toBe(false);
    expect(threadsPossible(process.execPath, '/')).toBe(process.cwd() === '/');
  });
});
