import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import * as core from './runner.js';
import type { z } from 'zod';
import { emitAnnotations, type AnnotationCount } from './annotations.js';
import { buildContext, type RunnerContext } from './context.js';
import { ConfigurationError, errorMessage, ToolError } from './errors.js';
import { capFindings, clamp, EVIDENCE_SCHEMA, recordOrError, subjectFromContext, writeEvidence, type Evidence, type GateName } from './evidence.js';
import type { GateReport, GateRuntime } from './gate.js';
import { parseInputs, stringInput, type InputShape } from './inputs.js';
import { actionsLogger, neutraliseCommands } from './log.js';
import { md } from './markdown.js';
import { renderGateSummary } from './summary.js';

/** Inputs every gate action has, spread into each action's schema. */
export const commonGateInputs = {
  'evidence-dir': stringInput(''),
};

export interface GateActionSpec<S extends InputShape> {
  gate: GateName;
  shape: S;
  execute: (inputs: z.infer<z.ZodObject<S>>, ctx: RunnerContext, runtime: GateRuntime) => Promise<GateReport>;
}

function evidenceDirFrom(raw: string, env: NodeJS.ProcessEnv, workspace: string): string {
  if (raw !== '') return isAbsolute(raw) ? raw : resolve(workspace, raw);
  return join(env.RUNNER_TEMP || tmpdir(), 'release-safety', 'evidence');
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
  try {
    const inputs = parseInputs(spec.shape, env);
    ctx = buildContext(env);
    evidenceDir = evidenceDirFrom(String((inputs as Record<string, unknown>)['evidence-dir'] ?? ''), env, ctx.workspace);
    const runtime: GateRuntime = {
      log,
      tempDir: ctx.runnerTemp || tmpdir(),
      workspace: ctx.workspace,
    };
    report = await spec.execute(inputs, ctx, runtime);
  } catch (error) {
    if (error instanceof ConfigurationError || error instanceof ToolError) {
      failure = error.message;
    } else {
      failure = `release-safety ${spec.gate} stopped on an unexpected error (a bug; please report it): ${errorMessage(error)}`;
      if (error instanceof Error && error.stack) core.debug(error.stack);
    }
    report = errorReport(spec.gate, failure, startedAt, Math.round(performance.now() - t0));
  }
  // The verdict line goes into workflow commands and the log: one line, within the record's limit.
  report.summary = clamp(report.summary.replace(/\s*[\r\n]+\s*/g, ' ').trim(), 1000);

  let summary = '';
  try {
    let evidencePath = '';
    let evidenceSha = '';
    let annotations: AnnotationCount = { shown: 0, total: 0 };
    if (ctx && evidenceDir) {
      const { findings, findingsTotal } = capFindings(report.findings);
      const evidence: Evidence = recordOrError({
        schema: EVIDENCE_SCHEMA,
        gate: report.gate,
        status: report.status,
        summary: report.summary,
        startedAt: report.startedAt,
        durationMs: report.durationMs,
        subject: subjectFromContext(ctx),
        tool: { ...report.tool, name: clamp(report.tool.name || 'release-safety', 200), version: clamp(report.tool.version, 200) },
        metrics: report.metrics,
        findings,
        findingsTotal,
        details: report.details,
      });
      // A record the gate could not write as reported is an error, and the step says so.
      if (evidence.status !== report.status) {
        report.status = evidence.status;
        report.summary = evidence.summary;
      }
      evidencePath = join(evidenceDir, `${spec.gate}.json`);
      evidenceSha = writeEvidence(evidencePath, evidence);
      annotations = emitAnnotations(report.findings, core, `release-safety ${spec.gate}`);
      summary = renderGateSummary(evidence, annotations, report.summarySections);
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
    if (report.status === 'error' || (report.status === 'fail' && !report.reportOnly)) core.setFailed(verdict);
    else if (report.status === 'fail') core.warning(`report-only (mode: warn), the step does not fail: ${verdict}`);
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
