import type { Finding, GateName, GateStatus, ToolInfo } from './evidence.js';
import type { Logger } from './log.js';

/** What every gate returns; the entry point adds the subject and turns it into Evidence. */
export interface GateReport {
  gate: GateName;
  status: GateStatus;
  /** One line, shown as the step's verdict. */
  summary: string;
  tool: ToolInfo;
  metrics: Record<string, number>;
  /** Every finding (uncapped); the record keeps the first MAX_STORED_FINDINGS and the total. */
  findings: Finding[];
  details: Record<string, unknown>;
  startedAt: string;
  durationMs: number;
  /** Gate-specific step outputs, beyond status and evidence-path. */
  outputs: Record<string, string | number>;
  /** Extra markdown for the job summary, already escaped by the gate. */
  summarySections: string[];
  /** mode: warn (src/core/mode.ts): a `fail` is recorded as such but does not fail the step. */
  reportOnly?: boolean;
}

export interface GateRuntime {
  log: Logger;
  /** Where scratch files go (RUNNER_TEMP on the runner). */
  tempDir: string;
  /** The repository root, for repo-relative paths in findings. */
  workspace: string;
}

export function startClock(): { startedAt: string; elapsed: () => number } {
  const t0 = performance.now();
  return { startedAt: new Date().toISOString(), elapsed: () => Math.round(performance.now() - t0) };
}

/**
 * The shared verdict of a gate that collects problems instead of throwing: any problem (the gate
 * could not look at something) is `error`, whatever else it found; otherwise an error finding is
 * `fail`; nothing examined is never `pass`.
 */
export function verdictWithProblems(args: { problems: readonly string[]; findings: readonly Finding[]; examined: number }): GateStatus {
  if (args.problems.length > 0) return 'error';
  if (args.findings.some((f) => f.severity === 'error')) return 'fail';
  if (args.examined <= 0) return 'error';
  return 'pass';
}
