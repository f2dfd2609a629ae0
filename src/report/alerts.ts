/**
 * The alert evidence of a report: for each alert, the rule test that shows it firing and the one
 * that shows it silent (the rules record), and the live drill's outcome and time to fire (the
 * alerts record). Both records' `details` are gate-specific and untrusted: they are read through
 * loose zod schemas, and an unreadable one is shown as such, never rendered raw.
 */
import { z } from 'zod';
import { code, codeBlock, md } from '../core/markdown.js';
import { clamp } from './text.js';
import type { Evidence } from '../core/evidence.js';

const text = (max: number) =>
  z
    .string()
    .max(max * 4)
    .transform((s) => clamp(s, max));

const rulesDetails = z
  .object({
    alerts: z
      .array(
        z
          .object({
            name: text(200),
            severity: text(50).optional(),
            fires: z
              .array(z.object({ test: text(300), evalTime: text(40).optional(), failed: z.boolean().optional() }).passthrough())
              .max(1000)
              .default([]),
            silent: z
              .array(z.object({ test: text(300), evalTime: text(40).optional(), failed: z.boolean().optional() }).passthrough())
              .max(1000)
              .default([]),
          })
          .passthrough(),
      )
      .max(5000),
  })
  .passthrough();

const alertsDetails = z
  .object({
    alerts: z
      .array(
        z
          .object({
            alert: text(200),
            scenario: text(200),
            expected: z.enum(['fire', 'silent']),
            outcome: z.enum(['fired', 'silent', 'missing', 'unexpected']),
            pendingAfterMs: z.number().nonnegative().optional(),
            firingAfterMs: z.number().nonnegative().optional(),
            resolvedAfterMs: z.number().nonnegative().optional(),
          })
          .passthrough(),
      )
      .max(5000),
    timeline: z.string().max(200_000).optional(),
    prometheusVersion: text(100).optional(),
  })
  .passthrough();

function seconds(ms: number | undefined): string {
  return ms === undefined ? '' : ` in ${(ms / 1000).toFixed(1)} s`;
}

function testCell(list: { test: string; evalTime?: string; failed?: boolean }[]): string {
  if (list.length === 0) return '❌ none';
  const first = list[0]!;
  return `${first.failed ? '❌' : '✅'} ${code(first.test)}${first.evalTime ? ` at ${md(first.evalTime)}` : ''}${list.length > 1 ? ` (+${list.length - 1})` : ''}`;
}

/** Table rows: alert, severity, fires in rule test, silent in rule test, live drill. */
export function alertRows(records: readonly Evidence[]): string[][] {
  const rules = records.find((r) => r.gate === 'rules');
  const drill = records.find((r) => r.gate === 'alerts');
  const ruled = rules ? rulesDetails.safeParse(rules.details) : undefined;
  const drilled = drill ? alertsDetails.safeParse(drill.details) : undefined;
  const rows = new Map<string, string[]>();
  if (ruled?.success) {
    for (const a of ruled.data.alerts) rows.set(a.name, [code(a.name), md(a.severity ?? ''), testCell(a.fires), testCell(a.silent), '']);
  } else if (ruled) {
    rows.set('(rules)', [md('rules record'), '', '⚠️ its alert details are unreadable', '', '']);
  }
  if (drilled?.success) {
    for (const a of drilled.data.alerts) {
      const row = rows.get(a.alert) ?? [code(a.alert), '', '', '', ''];
      const ok = (a.expected === 'fire' && a.outcome === 'fired') || (a.expected === 'silent' && a.outcome === 'silent');
      const cell = `${ok ? '✅' : '❌'} ${md(a.scenario)}: ${md(a.outcome)}${a.outcome === 'fired' ? seconds(a.firingAfterMs) : ''}`;
      row[4] = row[4] ? `${row[4]}<br>${cell}` : cell;
      rows.set(a.alert, row);
    }
  } else if (drilled) {
    rows.set('(alerts)', [md('alerts record'), '', '', '', '⚠️ its drill details are unreadable']);
  }
  return [...rows.values()];
}

/** The drill's mermaid gantt, reduced to the characters a gantt needs (the record is untrusted). */
export function alertTimeline(records: readonly Evidence[]): string | undefined {
  const drill = records.find((r) => r.gate === 'alerts');
  const parsed = drill ? alertsDetails.safeParse(drill.details) : undefined;
  const timeline = parsed?.success ? parsed.data.timeline : undefined;
  if (!timeline) return undefined;
  const safe = timeline
    .split(/\r?\n/)
    .slice(0, 300)
    .map((line) => line.replace(/[^\w \t:,.\-/%=]/g, '').slice(0, 200))
    .join('\n');
  return codeBlock(safe, 'mermaid');
}
