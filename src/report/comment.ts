/**
 * The evidence report as GitHub-flavoured markdown: the PR comment (`renderEvidenceComment`, within
 * GitHub's size limit) and the job summary (`renderEvidenceSummary`, everything, uncut).
 *
 * Every string from a record, the event or a tool goes through `md`/`code` (src/core/markdown.ts):
 * `@`, `<`, backticks, brackets and pipes become entities, so nothing can mention a team, inject
 * HTML, a link or an image, close a `<details>` or break the table. Only URLs we build ourselves
 * (the repository, the head SHA, the run) become links, through `link`, which accepts http(s) only.
 *
 * Size: GitHub refuses a comment body over 65,536 "characters". Measured reports disagree on the
 * unit (code points for some bodies, 262,144 UTF-8 bytes for issue comments); the body is kept
 * within 65,536 UTF-16 code units, JavaScript's `length`, which is never less than the code points
 * and bounds the UTF-8 size at 196,608 bytes, so it holds under every reading. Cuts are made
 * whole blocks at a time (details first, then findings, then alert rows), so the markdown stays
 * valid, and the cut body says so and links the full job summary.
 */
import { metricLabel, sourceLocation } from '../core/labels.js';
import { code, link, md, STATUS_ICON, table } from '../core/markdown.js';
import { alertRows, alertTimeline } from './alerts.js';
import { renderMarker, type MarkerState } from './marker.js';
import { clamp } from './text.js';
import type { Evidence, Finding } from '../core/evidence.js';
import type { GateRow, Judgement } from './judge.js';

export const MAX_COMMENT_LENGTH = 65_536;
const DEFAULT_FINDINGS_PER_GATE = 10;

export interface ReportView {
  repository: string;
  serverUrl: string;
  headSha: string;
  prTitle?: string;
  headRef?: string;
  runUrl?: string;
  marker: MarkerState;
  bundleSha256: string;
}

interface Budget {
  findingsPerGate: number;
  detailBlocks: number;
  alertRows: number;
  /** Longest finding message shown (the record allows 2,000). */
  messageMax: number;
}

const ICON: Record<string, string> = { ...STATUS_ICON, missing: '❌' };

/** Seconds with one decimal: 2.6 s. */
function duration(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function keyFigures(record: Evidence | undefined): string {
  if (!record) return '';
  const entries = Object.entries(record.metrics).slice(0, 4);
  return entries.map(([k, v]) => `${md(clamp(metricLabel(k), 40))} ${md(v)}`).join(', ');
}

/** A link to a finding's file and line at the head SHA; a path that is not a plain relative one is shown as code. */
function findingLocation(view: ReportView, f: Finding): string {
  if (!f.file) return '';
  const shown = `${clamp(f.file, 200)}${f.line ? `:${f.line}` : ''}`;
  return sourceLocation({ serverUrl: view.serverUrl, repository: view.repository, sha: view.headSha }, f.file, f.line, shown);
}

function findingLine(view: ReportView, f: Finding, messageMax: number): string {
  const where = findingLocation(view, f);
  const rule = f.rule ? ` ${code(clamp(f.rule, 100))}` : '';
  return `- ${ICON[f.severity === 'error' ? 'fail' : 'skipped'] ?? ''} ${where ? `${where}: ` : ''}${md(clamp(f.message, messageMax))}${rule}`;
}

/** The gates table of the report (also the release note's). */
export function gateTable(rows: readonly GateRow[]): string {
  const body = rows.map((r) => [
    ICON[r.status] ?? '',
    `${code(r.gate)}${r.required ? '' : ' (not required)'}`,
    `${md(r.status)}: ${md(clamp(r.line, 300))}`,
    keyFigures(r.record),
    r.record ? duration(r.record.durationMs) : '',
    r.record?.subject.runUrl ? link('job', r.record.subject.runUrl) : '',
  ]);
  return table(['', 'gate', 'verdict', 'key figures', 'duration', 'run'], body);
}

function detailsBlock(summary: string, content: string): string {
  return `<details><summary>${summary}</summary>\n\n${content}\n\n</details>`;
}

function header(judgement: Judgement, view: ReportView): string {
  const lines = [`## ${ICON[judgement.verdict]} release-safety: ${judgement.verdict}`, ''];
  const about: string[] = [];
  if (view.prTitle !== undefined) about.push(`**${md(clamp(view.prTitle, 300))}**`);
  if (view.headRef !== undefined) about.push(`branch ${code(clamp(view.headRef, 200))}`);
  about.push(`head ${link(view.headSha.slice(0, 12), `${view.serverUrl}/${view.repository}/commit/${view.headSha}`)}`);
  lines.push(about.join(' · '));
  if (judgement.image) lines.push('', `Image: ${code(judgement.image)}`);
  else if (judgement.digest) lines.push('', `Image digest: ${code(judgement.digest)}`);
  if (judgement.verdict !== 'pass' && judgement.reasons.length > 0)
    lines.push(
      '',
      ...judgement.reasons.slice(0, 10).map((r) => `- ${md(clamp(r, 300))}`),
      ...(judgement.reasons.length > 10 ? [`- and ${judgement.reasons.length - 10} more`] : []),
    );
  return lines.join('\n');
}

function findingsSection(judgement: Judgement, view: ReportView, perGate: number, messageMax: number): string {
  const parts: string[] = [];
  for (const row of judgement.rows) {
    const r = row.record;
    if (!r || (r.status !== 'fail' && r.status !== 'error') || r.findings.length === 0 || perGate <= 0) continue;
    const shown = r.findings.slice(0, perGate);
    const more = r.findingsTotal - shown.length;
    parts.push(
      `#### ${code(r.gate)}: first findings\n\n${shown.map((f) => findingLine(view, f, messageMax)).join('\n')}${more > 0 ? `\n\n${more} more in the job summary.` : ''}`,
    );
  }
  return parts.join('\n\n');
}

function detailBlocks(judgement: Judgement, view: ReportView, messageMax: number): string[] {
  const blocks: string[] = [];
  if (judgement.invalid.length > 0 || judgement.ignored.length > 0) {
    const lines = [
      ...judgement.invalid.map((i) => `- invalid: ${code(clamp(i.path, 200))}: ${md(clamp(i.why, 400))}`),
      ...judgement.ignored.map((i) => `- ignored: ${code(clamp(i.path, 200))}: ${md(clamp(i.why, 300))}`),
    ];
    blocks.push(detailsBlock(`Records not counted (${judgement.invalid.length} invalid, ${judgement.ignored.length} ignored)`, lines.join('\n')));
  }
  for (const row of judgement.rows) {
    const r = row.record;
    if (!r) continue;
    const lines = [
      `- tool: ${code(clamp(`${r.tool.name} ${r.tool.version}`.trim(), 200))}`,
      `- started ${md(r.startedAt)}, ${duration(r.durationMs)}`,
      ...Object.entries(r.metrics).map(([k, v]) => `- ${md(clamp(metricLabel(k), 60))}: ${md(v)}`),
    ];
    if (r.findings.length > 0)
      lines.push(
        '',
        `${r.findingsTotal} finding(s)${r.findingsTotal > r.findings.length ? `, the first ${r.findings.length} kept in the record` : ''}:`,
        '',
        ...r.findings.map((f) => findingLine(view, f, messageMax)),
      );
    blocks.push(detailsBlock(`${ICON[r.status] ?? ''} ${md(r.gate)}: everything`, lines.join('\n')));
  }
  const timeline = alertTimeline(judgement.records);
  if (timeline) blocks.push(detailsBlock('Live alert drill timeline', timeline));
  return blocks;
}

function footer(view: ReportView, cut: boolean): string {
  const run = view.runUrl
    ? link(`run ${view.marker.runId}${view.marker.runAttempt > 1 ? ` (attempt ${view.marker.runAttempt})` : ''}`, view.runUrl)
    : `run ${view.marker.runId}`;
  const summary = view.runUrl ? link('the full report in the job summary', view.runUrl) : 'the full report in the job summary';
  return [
    `---`,
    `${cut ? "✂️ This comment was shortened to fit GitHub's limit: see " : 'Everything: '}${summary}. ${run} · bundle ${code(view.bundleSha256)}`,
  ].join('\n');
}

function assemble(judgement: Judgement, view: ReportView, budget: Budget, cut: boolean): string {
  const parts = [renderMarker(view.marker), header(judgement, view), gateTable(judgement.rows)];
  const alerts = alertRows(judgement.records);
  if (alerts.length > 0 && budget.alertRows > 0) {
    const shown = alerts.slice(0, budget.alertRows);
    parts.push(
      `### Alert evidence\n\n${table(['alert', 'severity', 'fires in rule test', 'silent in rule test', 'live drill'], shown)}${alerts.length > shown.length ? `\n\n${alerts.length - shown.length} more alert(s) in the job summary.` : ''}`,
    );
  }
  const findings = findingsSection(judgement, view, budget.findingsPerGate, budget.messageMax);
  if (findings) parts.push(`### Findings\n\n${findings}`);
  const blocks = detailBlocks(judgement, view, budget.messageMax).slice(0, budget.detailBlocks);
  if (blocks.length > 0) parts.push(blocks.join('\n\n'));
  parts.push(footer(view, cut));
  return `${parts.join('\n\n')}\n`;
}

/**
 * The sticky PR comment, at most `limit` UTF-16 code units with the marker. Details go first,
 * then findings, then alert rows; a report that still does not fit leaves the verdict and links.
 */
export function renderEvidenceComment(judgement: Judgement, view: ReportView, limit = MAX_COMMENT_LENGTH): string {
  const budget: Budget = {
    findingsPerGate: DEFAULT_FINDINGS_PER_GATE,
    detailBlocks: detailBlocks(judgement, view, 500).length,
    alertRows: alertRows(judgement.records).length,
    messageMax: 500,
  };
  let body = assemble(judgement, view, budget, false);
  while (body.length > limit) {
    if (budget.detailBlocks > 0) budget.detailBlocks--;
    else if (budget.findingsPerGate > 0) budget.findingsPerGate = Math.floor(budget.findingsPerGate / 2);
    else if (budget.alertRows > 0) budget.alertRows = Math.floor(budget.alertRows / 2);
    else break;
    body = assemble(judgement, view, budget, true);
  }
  if (body.length <= limit) return body;
  // Only the table and the header are left, and even they do not fit (a limit far below GitHub's).
  const minimal = `${renderMarker(view.marker)}\n\n## ${ICON[judgement.verdict]} release-safety: ${judgement.verdict}\n\n${footer(view, true)}\n`;
  return minimal;
}

/** The job summary: every block, every stored finding, every alert; no cut. */
export function renderEvidenceSummary(judgement: Judgement, view: ReportView): string {
  const budget: Budget = {
    findingsPerGate: Number.MAX_SAFE_INTEGER,
    detailBlocks: Number.MAX_SAFE_INTEGER,
    alertRows: Number.MAX_SAFE_INTEGER,
    messageMax: 2000,
  };
  return assemble(judgement, view, budget, false)
    .replace(/^<!--[^\n]*-->\n\n/, '')
    .replace(
      /\n---\nEverything: [^\n]*\n$/,
      `\n---\n${view.runUrl ? link(`run ${view.marker.runId}`, view.runUrl) : `run ${view.marker.runId}`} · bundle ${code(view.bundleSha256)}\n`,
    );
}
