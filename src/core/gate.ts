import { capFindings, EVIDENCE_SCHEMA, type Evidence, type Finding, type GateStatus, type Subject } from './evidence.js';
import type { SourceLinks } from './labels.js';
import type { Logger } from './log.js';

/**
 * What every gate returns: the evidence record's own fields (one source of truth: a field added to
 * the schema is a field every gate must fill) less what the entry point adds (the schema tag and the
 * subject) and what it derives (findingsTotal, from the uncapped findings), plus what only the step
 * needs. The entry point caps the findings and turns the rest into Evidence unchanged.
 */
export type GateReport = Omit<Evidence, 'schema' | 'subject' | 'findingsTotal'> & {
  /** Gate-specific step outputs, beyond status and evidence-path. */
  outputs: Record<string, string | number>;
  /** Extra markdown for the job summary, already escaped by the gate. */
  summarySections: string[];
};

/**
 * The record a report becomes: the step-only parts dropped, the subject added, the findings capped
 * with their total kept. Spelled once so the record's fields are never listed by hand a second time.
 */
export function recordFromReport(report: GateReport, subject: Subject): Evidence {
  const { outputs, summarySections, findings, ...recorded } = report;
  return { schema: EVIDENCE_SCHEMA, ...recorded, subject, ...capFindings(findings) };
}

export interface GateRuntime {
  log: Logger;
  /** Where scratch files go (RUNNER_TEMP on the runner). */
  tempDir: string;
  /** The repository root, for repo-relative paths in findings. */
  workspace: string;
  /** Where the judged commit's files are browsed, so summary sections can link file locations. */
  links?: SourceLinks;
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
