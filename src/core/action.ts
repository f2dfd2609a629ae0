import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { emitAnnotations, type AnnotationCount } from './annotations.js';
import { stripAnsi } from './ansi.js';
import { buildContext, type RunnerContext } from './context.js';
import { ConfigurationError, errorMessage, ToolError } from './errors.js';
import { clamp, recordOrError, subjectFromContext, writeEvidence, type Evidence, type GateName } from './evidence.js';
import { recordFromReport, type GateReport, type GateRuntime } from './gate.js';
import { enumInput, parseInputs, readRawInputs, stringInput, type InputShape } from './inputs.js';
import { actionsLogger, neutraliseCommands } from './log.js';
import { md } from './markdown.js';
import * as core from './runner.js';
import { renderGateSummary } from './summary.js';
import type { SourceLinks } from './labels.js';
import type { z } from 'zod';

/** Inputs every gate action has, spread into each action's schema. */
export const commonGateInputs = {
  'evidence-dir': stringInput(''),
};

/**
 * Report-only first runs: `mode: warn` leaves a failing verdict in the record, the outputs and the
 * summary, but the step does not fail. A gate that could not judge (`error`) still fails the step,
 * so a broken setup is never taken for a report.
 */
export const GATE_MODES = ['block', 'warn'] as const;
export const modeInput = { mode: enumInput(GATE_MODES, 'block') };

function isReportOnly(inputs: unknown): boolean {
  return typeof inputs === 'object' && inputs !== null && (inputs as Record<string, unknown>).mode === 'warn';
}

const REPORT_ONLY_NOTE =
  '> **Report-only** (`mode: warn`): this gate judged the change `fail`, and the evidence record says so, but the step does not fail. Set `mode: block` (the default) to make it blocking.';

export interface GateActionSpec<S extends InputShape> {
  gate: GateName;
  shape: S;
  execute: (inputs: z.infer<z.ZodObject<S>>, ctx: RunnerContext, runtime: GateRuntime) => Promise<GateReport>;
}

function evidenceDirFrom(raw: string, env: NodeJS.ProcessEnv, workspace: string): string {
  if (raw !== '') return isAbsolute(raw) ? raw : resolve(workspace, raw);
  return join(env.RUNNER_TEMP || tmpdir(), 'release-safety', 'evidence');
}

/**
 * The context an error record is written under when the event payload itself is unreadable: the
 * commit the runner checked out (GITHUB_SHA) and the repository, when both are well formed. Without
 * them no honest subject exists and no record is written (the step still fails and says why).
 */
function fallbackContext(env: NodeJS.ProcessEnv): RunnerContext | undefined {
  const repository = env.GITHUB_REPOSITORY ?? '';
  const sha = (env.GITHUB_SHA ?? '').toLowerCase();
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository) || !/^[0-9a-f]{40}$/.test(sha)) return undefined;
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  return {
    eventName: env.GITHUB_EVENT_NAME || 'workflow_dispatch',
    repository,
    serverUrl,
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    headSha: sha,
    ref: env.GITHUB_REF || '',
    isFork: false,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    runnerTemp: env.RUNNER_TEMP || '',
    toolCache: env.RUNNER_TOOL_CACHE || '',
  };
}

/** Tool text made readable everywhere it is shown: colour and cursor escapes removed, the verdict on one line. */
function readableReport(report: GateReport): GateReport {
  return {
    ...report,
    // The verdict line goes into workflow commands and the log: one line, within the record's limit.
    summary: clamp(
      stripAnsi(report.summary)
        .replace(/\s*[\r\n]+\s*/g, ' ')
        .trim(),
      1000,
    ),
    findings: report.findings.map((f) => ({ ...f, message: stripAnsi(f.message), ...(f.rule !== undefined ? { rule: stripAnsi(f.rule) } : {}) })),
    summarySections: report.summarySections.map(stripAnsi),
  };
}

/** A report for a gate that could not judge: the record still exists and says why. */
export function errorReport(gate: GateName, message: string, startedAt: string, durationMs: number): GateReport {
  return {
    gate,
    status: 'error',
    summary: clamp(message, 1000),
    tool: { name: 'release-safety', version: '' },
    metrics: {},
    findings: [],
    details: {},
    startedAt,
    durationMs,
    outputs: {},
    summarySections: [],
  };
}

/**
 * The whole life of a gate action: inputs -> context -> gate -> evidence -> outputs, annotations,
 * summary. Never throws. Outputs are set together at the end; the summary is written in finally.
 */
export async function runGateAction<S extends InputShape>(spec: GateActionSpec<S>, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const log = actionsLogger();
  let ctx: RunnerContext | undefined;
  let report: GateReport | undefined;
  let evidenceDir: string | undefined;
  let failure: string | undefined;
  let reportOnly = false;
  try {
    // The context and the record's place come first: a bad input is still answered with an
    // `error` record where downstream jobs look for it (evidence-dir, or its default).
    const rawEvidenceDir = 'evidence-dir' in spec.shape ? (readRawInputs(['evidence-dir'], env)['evidence-dir'] ?? '') : '';
    try {
      ctx = buildContext(env);
    } catch (error) {
      ctx = fallbackContext(env);
      throw error;
    } finally {
      if (ctx) evidenceDir = evidenceDirFrom(rawEvidenceDir, env, ctx.workspace);
    }
    const inputs = parseInputs(spec.shape, env);
    reportOnly = isReportOnly(inputs);
    const runtime: GateRuntime = {
      log,
      tempDir: ctx.runnerTemp || tmpdir(),
      workspace: ctx.workspace,
      links: { serverUrl: ctx.serverUrl, repository: ctx.repository, sha: ctx.headSha },
    };
    report = await spec.execute(inputs, ctx, runtime);
    // The record says it was a report-only run, so a reader of the evidence knows the step was not blocked.
    if (reportOnly) report = { ...report, details: { ...report.details, mode: 'warn' } };
  } catch (error) {
    if (error instanceof ConfigurationError || error instanceof ToolError) {
      failure = error.message;
    } else {
      failure = `release-safety ${spec.gate} stopped on an unexpected error (a bug; please report it): ${errorMessage(error)}`;
      if (error instanceof Error && error.stack) core.debug(error.stack);
    }
    report = errorReport(spec.gate, failure, startedAt, Math.round(performance.now() - t0));
  }
  report = readableReport(report);

  let summary = '';
  try {
    let evidencePath = '';
    let evidenceSha = '';
    let annotations: AnnotationCount = { shown: 0, total: 0 };
    if (ctx && evidenceDir) {
      const recorded = recordFromReport(report, subjectFromContext(ctx));
      const evidence: Evidence = recordOrError({
        ...recorded,
        tool: { ...report.tool, name: clamp(report.tool.name || 'release-safety', 200), version: clamp(report.tool.version, 200) },
      });
      // A record the gate could not write as reported is an error, and the step says so.
      if (evidence.status !== report.status) {
        report.status = evidence.status;
        report.summary = evidence.summary;
      }
      evidencePath = join(evidenceDir, `${spec.gate}.json`);
      evidenceSha = writeEvidence(evidencePath, evidence);
      annotations = emitAnnotations(report.findings, core, `release-safety ${spec.gate}`);
      const links: SourceLinks = { serverUrl: ctx.serverUrl, repository: evidence.subject.repository, sha: evidence.subject.commitSha };
      const warnOnly = reportOnly && report.status === 'fail';
      summary = renderGateSummary(evidence, annotations, warnOnly ? [REPORT_ONLY_NOTE, ...report.summarySections] : report.summarySections, links);
    } else {
      summary = `## ⚠️ release-safety ${md(spec.gate)}: error\n\n${md(report.summary)}\n`;
    }
    const outputs: Record<string, string | number> = {
      status: report.status,
      'evidence-path': evidencePath,
      'evidence-sha256': evidenceSha,
      ...report.outputs,
    };
    for (const [name, value] of Object.entries(outputs)) core.setOutput(name, String(value));
    // The verdict carries file names and tool text: neutralised, since a plain line runs `##[cmd]`.
    const verdict = neutraliseCommands(`${spec.gate}: ${report.summary}`);
    if (report.status === 'fail' && reportOnly) log.warning(`report-only (mode: warn), the step does not fail: ${verdict}`);
    else if (report.status === 'fail' || report.status === 'error') core.setFailed(verdict);
    else log.info(verdict);
  } catch (error) {
    // Still leave a status and a summary: downstream steps read them, and "could not report" must
    // never read as anything but an error.
    const message = `release-safety ${spec.gate} could not report its result (a bug; please report it): ${errorMessage(error)}`;
    core.setOutput('status', 'error');
    core.setFailed(neutraliseCommands(message));
    summary = `## ⚠️ release-safety ${md(spec.gate)}: error\n\n${md(clamp(message, 1000))}\n`;
    if (error instanceof Error && error.stack) core.debug(error.stack);
  } finally {
    if (summary && env.GITHUB_STEP_SUMMARY) {
      try {
        await core.appendSummary(summary);
      } catch (error) {
        log.warning(`could not write the job summary: ${errorMessage(error)}`);
      }
    }
  }
}
