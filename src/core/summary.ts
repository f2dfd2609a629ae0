import { metricLabel, sourceLocation, type SourceLinks } from './labels.js';
import { code, link, md, STATUS_ICON, table } from './markdown.js';
import type { AnnotationCount } from './annotations.js';
import type { Evidence, Finding } from './evidence.js';

const SUMMARY_FINDINGS = 30;

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

/**
 * A finding's message for the table, cut at 300 characters, except its fingerprint: that is the
 * string a `.gitleaksignore` line needs, so it is kept whole and the text around it is cut instead.
 */
function tableMessage(f: Finding): string {
  if (f.message.length <= 300) return md(f.message);
  const at = f.fingerprint ? f.message.lastIndexOf(f.fingerprint) : -1;
  if (at < 0) return md(cut(f.message, 300));
  const after = f.message.slice(at + f.fingerprint!.length);
  return md(`${cut(f.message.slice(0, at), 200)}${f.fingerprint}${cut(after, 100)}`);
}

/**
 * The job summary for one gate: verdict, subject, metrics, findings (capped, total shown). With
 * `links`, finding locations link to the file and line at the commit judged.
 */
export function renderGateSummary(evidence: Evidence, annotations: AnnotationCount, sections: readonly string[], links?: SourceLinks): string {
  const lines: string[] = [];
  lines.push(`## ${STATUS_ICON[evidence.status]} release-safety ${md(evidence.gate)}: ${md(evidence.status)}`);
  lines.push('');
  lines.push(md(evidence.summary));
  lines.push('');
  const s = evidence.subject;
  const facts: string[][] = [
    ['commit', code(s.commitSha)],
    ['tool', `${md(evidence.tool.name)} ${code(evidence.tool.version || 'unknown')}`],
    ['duration', `${(evidence.durationMs / 1000).toFixed(1)} s`],
  ];
  if (s.mergeSha) facts.splice(1, 0, ['merge commit', code(s.mergeSha)]);
  if (s.prNumber) facts.push(['pull request', `#${s.prNumber}`]);
  if (s.runUrl) facts.push(['workflow run', link(`run ${s.runId ?? ''}`.trim(), s.runUrl)]);
  lines.push(table(['run', 'value'], facts));
  lines.push('');
  const metrics = Object.entries(evidence.metrics);
  if (metrics.length > 0) {
    lines.push(
      table(
        ['metric', 'value'],
        metrics.map(([k, v]) => [md(metricLabel(k)), md(v)]),
      ),
    );
    lines.push('');
  }
  for (const section of sections) {
    lines.push(section, '');
  }
  if (evidence.findingsTotal > 0) {
    const rows = evidence.findings
      .slice(0, SUMMARY_FINDINGS)
      .map((f) => [md(f.severity), f.file ? sourceLocation(links, f.file, f.line) : '', f.rule ? md(f.rule) : '', tableMessage(f)]);
    lines.push(`### Findings (${evidence.findingsTotal})`, '');
    lines.push(table(['severity', 'location', 'rule', 'message'], rows));
    if (evidence.findingsTotal > rows.length) {
      lines.push('', `Showing ${rows.length} of ${evidence.findingsTotal} findings; the evidence record keeps ${evidence.findings.length}.`);
    }
    lines.push('');
  }
  if (annotations.total > annotations.shown) {
    lines.push(`${annotations.shown} of ${annotations.total} findings were annotated (GitHub shows at most 10 per severity per step).`, '');
  }
  return lines.join('\n');
}
