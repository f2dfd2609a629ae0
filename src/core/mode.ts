/**
 * `mode: warn`, the report-only first run of a blocking gate: the gate judges exactly as it
 * would, the evidence record keeps that verdict (so promotion and the evidence comment still see
 * a `fail`), and only the step itself is not failed on it. A gate that could not judge (`error`)
 * still fails the step: a broken setup is worth seeing on the first run. Roll-out: warn, read the
 * summaries, fix or accept what they show, then block.
 */
import type { GateReport } from './gate.js';
import { enumInput } from './inputs.js';

export const GATE_MODES = ['block', 'warn'] as const;
export type GateMode = (typeof GATE_MODES)[number];

/** The `mode` input: block (default) or warn. */
export const modeInput = () => enumInput(GATE_MODES, 'block');

/** The report as mode asks: unchanged under block; under warn marked report-only, and said in the record and summary. */
export function applyMode(report: GateReport, mode: GateMode): GateReport {
  if (mode === 'block') return report;
  const note =
    report.status === 'fail'
      ? '> ⚠️ **Report-only** (`mode: warn`): this gate would fail the step. The verdict is recorded as `fail` (promotion still sees it); the step is not failed. Set `mode: block` once this is clean.'
      : '> Report-only (`mode: warn`): a `fail` would be recorded but would not fail the step; a gate that cannot judge (`error`) still fails it.';
  return { ...report, reportOnly: true, details: { ...report.details, mode: 'warn' }, summarySections: [note, ...report.summarySections] };
}
