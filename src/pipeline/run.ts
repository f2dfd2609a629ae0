/**
 * Runs a planned pipeline: independent gates at the same time (bounded), each after the gates it
 * needs; the alerts gate on the image the image gate pushed; then the evidence action over every
 * record. A gate whose needs did not pass is not started and gets a `skipped` record saying why, so
 * the verdict never depends on a record that is silently absent.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join, resolve } from 'node:path';
import { EVIDENCE_SCHEMA, subjectFromContext, writeEvidence, type GateStatus } from '../core/evidence.js';
import { parseEvidence } from '../core/evidence.js';
import { prepareBundle, stopEveryBundle, type BundleRun, type BundleRunOptions, type PreparedBundle } from './child.js';
import type { RunnerContext } from '../core/context.js';
import type { ActionMeta, PipelineGate } from './action-meta.js';
import type { PlannedGate } from './plan.js';

export interface GateResult {
  gate: PipelineGate;
  status: GateStatus;
  summary: string;
  required: boolean;
  durationMs: number;
  outputs: Record<string, string>;
  /** The bundle's own log (empty for a gate that was not started). */
  log: string;
  stepSummary: string;
}

export type ProgressEvent =
  | { kind: 'start'; gate: PipelineGate | 'evidence' }
  | { kind: 'end'; gate: PipelineGate | 'evidence'; status: string; summary: string; durationMs: number; log: string; stepSummary: string };

export interface PipelineOptions {
  plan: readonly PlannedGate[];
  metas: Record<PipelineGate | 'evidence', ActionMeta>;
  distDir: string;
  node: string;
  env: NodeJS.ProcessEnv;
  ctx: RunnerContext;
  tempDir: string;
  evidenceDir: string;
  concurrency: number;
  /** Credentials from the root action's inputs, given to each action that declares the input. */
  secrets: Record<string, string>;
  evidenceInputs: Record<string, string>;
  timeoutMs: number;
  progress: (event: ProgressEvent) => void;
  /**
   * Each bundle in a worker thread of this process instead of a process of its own (child.ts).
   * Default: when the bundles run on this process's Node and the workspace is its working
   * directory (a thread cannot have another).
   */
  threads?: boolean;
  /** Run on SIGINT / SIGTERM after every gate is stopped, before the process ends (the CLI removes its temp home). */
  onInterrupt?: () => void;
  /** How a bundle's process is started (child.ts; the unit tests pass their own). */
  launch?: (opts: BundleRunOptions) => PreparedBundle;
}

export interface PipelineResult {
  gates: GateResult[];
  evidence?: { status: string; outputs: Record<string, string>; log: string; stepSummary: string; exitCode: number | null };
  verdict: 'pass' | 'fail' | 'error';
  digest: string;
  bundlePath: string;
  /** The attestation's referrer digest when the evidence step attached one; '' otherwise. */
  attestationDigest: string;
  /** Why the attestation the config asks for is missing (the verdict is then error); '' otherwise. */
  attachProblem: string;
}

/** The evidence step attaches when its config says `attach: true` (the input's own boolean form). */
export function attachRequested(evidenceInputs: Record<string, string>): boolean {
  return /^true$/i.test(evidenceInputs.attach ?? '');
}

/**
 * The stricter of the gates' own statuses and the evidence action's judgement of the records; an
 * attestation that was asked for and not attached makes a passing run `error`: promotion could
 * not verify it, so the pipeline must not report the release as provable.
 */
export function pipelineVerdict(own: PipelineResult['verdict'], evidenceVerdict: string, attachMissing: boolean): PipelineResult['verdict'] {
  const judged = own !== 'pass' ? own : evidenceVerdict === 'pass' ? 'pass' : evidenceVerdict === 'fail' ? 'fail' : 'error';
  return judged === 'pass' && attachMissing ? 'error' : judged;
}

const STATUSES: readonly string[] = ['pass', 'fail', 'error', 'skipped'];

function statusOf(run: BundleRun): GateStatus {
  const s = run.outputs.status ?? '';
  if (STATUSES.includes(s)) return s as GateStatus;
  return 'error';
}

function summaryOf(run: BundleRun, gate: string): string {
  const path = run.outputs['evidence-path'];
  if (path) {
    try {
      return parseEvidence(readFileSync(path, 'utf8'), path).summary;
    } catch {
      // fall through: the record is unreadable, which the evidence action reports as error
    }
  }
  if (run.timedOut) return `${gate} did not finish in time and was stopped`;
  return `${gate} left no readable evidence record (exit code ${run.exitCode ?? 'none'})`;
}

function secretsFor(meta: ActionMeta, secrets: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(secrets).filter(([name, value]) => value !== '' && name in meta.inputs));
}

function skippedRecord(opts: PipelineOptions, planned: PlannedGate, reason: string): GateResult {
  const now = new Date().toISOString();
  writeEvidence(join(opts.evidenceDir, `${planned.gate}.json`), {
    schema: EVIDENCE_SCHEMA,
    gate: planned.gate,
    status: 'skipped',
    summary: reason,
    startedAt: now,
    durationMs: 0,
    subject: subjectFromContext(opts.ctx),
    tool: { name: 'release-safety pipeline', version: '' },
    metrics: {},
    findings: [],
    findingsTotal: 0,
    details: {},
  });
  return { gate: planned.gate, status: 'skipped', summary: reason, required: planned.required, durationMs: 0, outputs: {}, log: '', stepSummary: '' };
}

/** The inputs a gate runs with: its config, the credentials it declares, the record's place, and the image the image gate pushed for the alerts gate. */
function gateInputs(opts: PipelineOptions, planned: PlannedGate, done: Map<PipelineGate, GateResult>): Record<string, string> {
  const inputs: Record<string, string> = { ...planned.inputs, ...secretsFor(opts.metas[planned.gate], opts.secrets), 'evidence-dir': opts.evidenceDir };
  if (planned.gate === 'alerts' && inputs.image === undefined && done.get('image')?.outputs.image) inputs.image = done.get('image')!.outputs.image!;
  return inputs;
}

/** Whether the bundles can be threads of this process: the same Node, and the workspace as its working directory. */
export function threadsPossible(node: string, workspace: string): boolean {
  const real = (path: string) => {
    try {
      return realpathSync(path);
    } catch {
      return resolve(path);
    }
  };
  return node === process.execPath && real(workspace) === real(process.cwd());
}

/** How the log says where the gates run, and why when the config's thread could not be had. */
export function isolationNote(asked: 'thread' | 'process' | undefined, threads: boolean): string {
  if (threads) return 'each gate in a worker thread of this process';
  if (asked === 'process') return 'each gate in a Node process of its own (isolation: process)';
  return "each gate in a Node process of its own (a worker thread shares this process's working directory, which is not the workspace)";
}

function launch(opts: PipelineOptions, name: PipelineGate | 'evidence', inputs: Record<string, string>): PreparedBundle {
  return (opts.launch ?? prepareBundle)({
    bundle: join(opts.distDir, name, 'index.js'),
    name,
    inputs,
    env: opts.env,
    cwd: opts.ctx.workspace,
    tempDir: opts.tempDir,
    node: opts.node,
    timeoutMs: opts.timeoutMs,
    thread: opts.threads ?? threadsPossible(opts.node, opts.ctx.workspace),
  });
}

/** Runs one gate: in the process loaded for it ahead of its turn when there is one, else in a new one. */
async function runGate(
  opts: PipelineOptions,
  planned: PlannedGate,
  done: Map<PipelineGate, GateResult>,
  loaded: PreparedBundle | undefined,
): Promise<GateResult> {
  const blocked = planned.needs.filter((need) => done.get(need)?.status !== 'pass');
  if (blocked.length > 0) {
    loaded?.cancel();
    const reason = `not run: it needs ${blocked.map((g) => `${g} (${done.get(g)?.status ?? 'not run'})`).join(', ')} to pass first`;
    const result = skippedRecord(opts, planned, reason);
    opts.progress({ kind: 'end', gate: planned.gate, status: 'skipped', summary: reason, durationMs: 0, log: '', stepSummary: '' });
    return result;
  }
  opts.progress({ kind: 'start', gate: planned.gate });
  const run = await (loaded ?? launch(opts, planned.gate, gateInputs(opts, planned, done))).start();
  const result: GateResult = {
    gate: planned.gate,
    status: statusOf(run),
    summary: summaryOf(run, planned.gate),
    required: planned.required,
    durationMs: run.durationMs,
    outputs: run.outputs,
    log: run.log,
    stepSummary: run.summary,
  };
  opts.progress({
    kind: 'end',
    gate: planned.gate,
    status: result.status,
    summary: result.summary,
    durationMs: run.durationMs,
    log: run.log,
    stepSummary: run.summary,
  });
  return result;
}

/**
 * The gates that usually take longest (the image build, which the alerts drill then waits for; the
 * test suite) start first when slots are few: the short gates then fill the other slots beside
 * them, instead of the longest gate starting last and running alone.
 */
const LONGEST_FIRST: readonly PipelineGate[] = ['image', 'test'];

/** The order gates are offered a slot: LONGEST_FIRST, then the plan's own order. */
export function startOrder(plan: readonly PlannedGate[]): PlannedGate[] {
  const rank = (p: PlannedGate) => (LONGEST_FIRST.includes(p.gate) ? LONGEST_FIRST.indexOf(p.gate) : LONGEST_FIRST.length);
  return plan
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i)
    .map(({ p }) => p);
}

/**
 * One process loads ahead while the running gates work (a Node start and the bundle's modules:
 * about 0.2 s of CPU each), so a gate's turn starts with its tool, not with its cold start: the
 * next gate whose needs are settled but which has no slot yet, or, once every gate has a slot,
 * the evidence step. One at a time, so loading never competes with the running gates for more
 * than a moment.
 */
interface Preloads {
  gates: Map<PipelineGate, PreparedBundle>;
  evidence: () => void;
}

function preloadNext(opts: PipelineOptions, waiting: readonly PlannedGate[], done: Map<PipelineGate, GateResult>, preloads: Preloads): void {
  if (preloads.gates.size > 0) return;
  const next = waiting.find((p) => p.needs.every((need) => done.has(need)));
  // A gate whose needs did not pass is skipped, not loaded.
  if (next && next.needs.every((need) => done.get(need)?.status === 'pass'))
    preloads.gates.set(next.gate, launch(opts, next.gate, gateInputs(opts, next, done)));
  else if (waiting.length === 0) preloads.evidence();
}

/** Starts every gate whose needs are settled, at most `concurrency` at a time, until all are done. */
async function runGates(opts: PipelineOptions, preloadEvidence: () => void): Promise<GateResult[]> {
  const done = new Map<PipelineGate, GateResult>();
  const waiting = startOrder(opts.plan);
  const running = new Map<PipelineGate, Promise<void>>();
  const preloads: Preloads = { gates: new Map(), evidence: preloadEvidence };
  try {
    while (waiting.length > 0 || running.size > 0) {
      for (let i = 0; i < waiting.length && running.size < Math.max(1, opts.concurrency);) {
        const planned = waiting[i]!;
        if (planned.needs.every((need) => done.has(need))) {
          waiting.splice(i, 1);
          const loaded = preloads.gates.get(planned.gate);
          preloads.gates.delete(planned.gate);
          running.set(
            planned.gate,
            runGate(opts, planned, done, loaded).then((result) => {
              done.set(planned.gate, result);
              running.delete(planned.gate);
            }),
          );
        } else i++;
      }
      if (running.size === 0 && waiting.length > 0) throw new Error(`pipeline stalled: ${waiting.map((p) => p.gate).join(', ')} wait for gates that never run`);
      preloadNext(opts, waiting, done, preloads);
      await Promise.race(running.values());
    }
  } finally {
    for (const loaded of preloads.gates.values()) loaded.cancel();
  }
  return opts.plan.map((p) => done.get(p.gate)!);
}

/**
 * Ctrl-C or a cancelled job (SIGINT, SIGTERM) while the pipeline runs: every gate is stopped with
 * every tool it started (the tools run in process groups of their own, which the signal does not
 * reach), and the process ends as the signal would have ended it (128 + its number).
 */
function stopOnSignal(onInterrupt: (() => void) | undefined): () => void {
  const handler = (signal: NodeJS.Signals) => {
    stopEveryBundle();
    try {
      onInterrupt?.();
    } finally {
      process.exit(128 + (osConstants.signals[signal] ?? 0));
    }
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

export async function runPipeline(opts: PipelineOptions): Promise<PipelineResult> {
  const release = stopOnSignal(opts.onInterrupt);
  try {
    return await runStoppable(opts);
  } finally {
    release();
  }
}

async function runStoppable(opts: PipelineOptions): Promise<PipelineResult> {
  // Required gates are the plan's (a skipped gate is still required); the evidence step's inputs are known before any gate runs.
  const requiredGates = opts.plan.filter((p) => p.required).map((p) => p.gate);
  const inputs = {
    ...opts.evidenceInputs,
    ...secretsFor(opts.metas.evidence, opts.secrets),
    'evidence-dir': opts.evidenceDir,
    ...('required-gates' in opts.metas.evidence.inputs ? { 'required-gates': requiredGates.join(',') } : {}),
  };
  let evidence: PreparedBundle | undefined;
  const preloadEvidence = () => void (evidence ??= launch(opts, 'evidence', inputs));
  let gates: GateResult[];
  try {
    gates = await runGates(opts, preloadEvidence);
  } catch (error) {
    evidence?.cancel();
    throw error;
  }
  const required = gates.filter((g) => g.required);
  const ownVerdict: PipelineResult['verdict'] = required.every((g) => g.status === 'pass')
    ? 'pass'
    : required.some((g) => g.status === 'error')
      ? 'error'
      : 'fail';
  const digest = gates.find((g) => g.gate === 'image')?.outputs.digest ?? '';
  opts.progress({ kind: 'start', gate: 'evidence' });
  const run = await (evidence ?? launch(opts, 'evidence', inputs)).start();
  const evidenceVerdict = run.outputs.verdict ?? 'error';
  opts.progress({
    kind: 'end',
    gate: 'evidence',
    status: evidenceVerdict,
    summary: run.outputs['comment-url'] ? `comment ${run.outputs['comment-url']}` : `verdict ${evidenceVerdict}`,
    durationMs: run.durationMs,
    log: run.log,
    stepSummary: run.summary,
  });
  const attestationDigest = run.outputs['attestation-digest'] ?? '';
  const attachMissing = attachRequested(inputs) && attestationDigest === '';
  const attachProblem = attachMissing
    ? `the config asks the evidence step to attach the attestation and none was attached (evidence exit code ${run.exitCode ?? 'none'}; its log says why)`
    : '';
  const verdict = pipelineVerdict(ownVerdict, evidenceVerdict, attachMissing);
  return {
    gates,
    evidence: { status: evidenceVerdict, outputs: run.outputs, log: run.log, stepSummary: run.summary, exitCode: run.exitCode },
    verdict,
    digest,
    bundlePath: run.outputs['bundle-path'] ?? '',
    attestationDigest,
    attachProblem,
  };
}
