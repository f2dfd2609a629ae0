/**
 * What the pipeline prints: one progress line per gate start and end, and the final table (text for
 * the log and the terminal, markdown for the job summary). Summaries are untrusted text.
 */
import { md, STATUS_ICON, table } from '../core/markdown.js';
import type { PipelineResult, ProgressEvent } from './run.js';

/** Neutralises both workflow-command forms (`::cmd::` at a line start, `##[cmd]` anywhere) in a log line. */
export function inertLine(text: string): string {
  return text
    .replace(/\r?\n|\r/g, ' ')
    .replace(/^(\s*)::/, '$1:\u200b:')
    .replace(/##\[/g, '#\u200b#[');
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function renderProgress(event: ProgressEvent): string[] {
  if (event.kind === 'start') return [`▶ ${event.gate} started`];
  return [inertLine(`■ ${event.gate} ${event.status} in ${seconds(event.durationMs)}: ${event.summary}`)];
}

export function renderResultTable(result: PipelineResult, form: 'text' | 'markdown'): string {
  if (form === 'markdown') {
    const rows = result.gates.map((g) => [
      `${STATUS_ICON[g.status] ?? ''} ${g.status}`,
      md(g.gate),
      md(g.summary),
      seconds(g.durationMs),
      g.required ? 'yes' : 'no',
    ]);
    return [
      `### release-safety pipeline: ${md(result.verdict)}`,
      '',
      table(['status', 'gate', 'verdict line', 'duration', 'required'], rows),
      '',
      result.digest ? `Image digest: \`${md(result.digest)}\`` : 'No image digest.',
      ...(result.attestationDigest ? ['', `Attestation: \`${md(result.attestationDigest)}\``] : []),
      ...(result.attachProblem ? ['', md(result.attachProblem)] : []),
    ].join('\n');
  }
  const width = Math.max(...result.gates.map((g) => g.gate.length), 8);
  const lines = result.gates.map((g) =>
    inertLine(`  ${g.status.padEnd(7)} ${g.gate.padEnd(width)} ${seconds(g.durationMs).padStart(7)}  ${g.required ? '' : '(not required) '}${g.summary}`),
  );
  const attestation = result.attestationDigest
    ? [`attestation: ${result.attestationDigest}`]
    : result.attachProblem
      ? [`attestation: ${result.attachProblem}`]
      : [];
  return ['release-safety pipeline:', ...lines, `verdict: ${result.verdict}${result.digest ? `  digest: ${result.digest}` : ''}`, ...attestation].join('\n');
}
