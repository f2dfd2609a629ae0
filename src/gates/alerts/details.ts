/**
 * The `details` of an alerts evidence record: what the evidence comment renders.
 * Phases: this file only describes the shape the render phase writes (index.ts) and readers parse.
 */
import { z } from 'zod';

export const ALERT_OUTCOMES = ['fired', 'silent', 'missing', 'unexpected'] as const;

export const alertResultSchema = z.object({
  alert: z.string(),
  scenario: z.string(),
  expected: z.enum(['fire', 'silent']),
  /** fired / silent as expected; missing: expected to fire, never fired; unexpected: fired where it must stay silent. */
  outcome: z.enum(ALERT_OUTCOMES),
  /** Milliseconds from the start of the scenario's traffic. */
  pendingAfterMs: z.number().int().nonnegative().optional(),
  firingAfterMs: z.number().int().nonnegative().optional(),
  resolvedAfterMs: z.number().int().nonnegative().optional(),
  value: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  /** Set when the scenario asked to confirm resolution. */
  resolved: z.boolean().optional(),
});
export type AlertResult = z.infer<typeof alertResultSchema>;

export const alertsDetailsSchema = z.object({
  image: z.string().optional(),
  digest: z.string().optional(),
  prometheusVersion: z.string(),
  ruleFiles: z.array(z.object({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
  contract: z.object({
    selectorsChecked: z.number().int().nonnegative(),
    metricsExposed: z.number().int().nonnegative(),
    findings: z.number().int().nonnegative(),
  }),
  runbooks: z.object({
    total: z.number().int().nonnegative(),
    complete: z.number().int().nonnegative(),
    percent: z.number().min(0).max(100),
  }),
  alerts: z.array(alertResultSchema),
  /** Mermaid gantt source: every alert's pending and firing spans per scenario. */
  timeline: z.string(),
  /** How long the drill and the metric contract took, in milliseconds. */
  timings: z.object({ drillMs: z.number().int().nonnegative(), contractMs: z.number().int().nonnegative() }).optional(),
});
export type AlertsDetails = z.infer<typeof alertsDetailsSchema>;
