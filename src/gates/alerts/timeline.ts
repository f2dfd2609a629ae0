/**
 * Render phase, part: every alert's states during the drill as a mermaid gantt chart (job summary
 * and evidence comment). Times are ms from the start of the drill; pure.
 */
import type { AlertResult } from './details.js';

export interface TimelineScenario {
  name: string;
  /** Traffic start, ms from the drill start. */
  startedAtMs: number;
  durationMs: number;
  results: readonly AlertResult[];
}

/** Mermaid task and section names end at ':' and '#' starts a comment: both are dropped, as are newlines. */
function label(text: string): string {
  return (
    text
      .replace(/[:#;\r\n]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 80) || '-'
  );
}

export function renderTimeline(scenarios: readonly TimelineScenario[]): string {
  const lines = ['gantt', '  title Alert drill (mm:ss from the start of the drill)', '  dateFormat x', '  axisFormat %M:%S'];
  for (const s of scenarios) {
    const start = s.startedAtMs;
    const end = start + Math.max(s.durationMs, 1000);
    lines.push(`  section ${label(s.name)}`);
    lines.push(`  traffic :done, ${start}, ${end}`);
    for (const r of s.results) {
      if (r.pendingAfterMs === undefined) continue;
      const pendingFrom = start + r.pendingAfterMs;
      const firingFrom = r.firingAfterMs !== undefined ? start + r.firingAfterMs : undefined;
      const firingTo = r.resolvedAfterMs !== undefined ? start + r.resolvedAfterMs : end;
      const name = label(r.alert);
      lines.push(`  ${name} pending :active, ${pendingFrom}, ${Math.max(firingFrom ?? end, pendingFrom + 1)}`);
      if (firingFrom !== undefined)
        lines.push(`  ${name} firing${r.expected === 'silent' ? ' (unexpected)' : ''} :crit, ${firingFrom}, ${Math.max(firingTo, firingFrom + 1)}`);
    }
  }
  return lines.join('\n');
}
