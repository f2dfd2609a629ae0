/**
 * The shape of the test and rules gates' `details`, and the check every reader and writer of a
 * record applies (`parseEvidence`, `writeEvidence`, `recordOrError` in evidence.ts). A record is
 * read from another job, so a `pass` whose details are missing or say otherwise than its metrics
 * is not trusted. `error` and `skipped` records may carry no details at all (the entry point's
 * error report and the pipeline's skip record have none), but what they carry must still fit.
 * Extra fields are allowed (timings, fields a later version adds).
 */
import { z } from 'zod';

const text = z.string().max(1000);

/** What the test gate records: the preset and folder it ran in, and npm's version for the node preset. */
export const testDetailsSchema = z
  .object({
    preset: z.string().min(1).max(100),
    /** Repository-relative; '.' for the root. */
    workingDirectory: text,
    npmVersion: z.string().max(200).optional(),
  })
  .loose();
export type TestDetails = z.infer<typeof testDetailsSchema>;

const fireSchema = z.object({ test: text, evalTime: z.string().max(100), labels: z.record(z.string(), z.string()), failed: z.literal(true).optional() });
const silentSchema = z.object({ test: text, evalTime: z.string().max(100), failed: z.literal(true).optional() });

/** One alerting rule and which rule tests show it firing (or staying silent). */
export const ruleAlertSchema = z.object({
  name: z.string().min(1).max(300),
  severity: z.string().max(100),
  file: text,
  line: z.number().int().nonnegative(),
  /** True when a passing test group shows it firing. */
  tested: z.boolean(),
  fires: z.array(fireSchema),
  silent: z.array(silentSchema),
});

/** What the rules gate records: every alert with its test evidence, the files it read, each test group's outcome. */
export const rulesDetailsSchema = z
  .object({
    alerts: z.array(ruleAlertSchema),
    ruleFiles: z.array(z.object({ file: text, kind: z.enum(['plain', 'prometheusrule']) })),
    testFiles: z.array(text),
    testGroups: z.array(z.object({ file: text, group: z.string().max(1000).nullable(), status: z.enum(['pass', 'fail']) })),
    /** 'changed': only the rule files the change touched were checked. */
    scope: z.enum(['changed', 'all']),
    /** Whether `promtool check rules` ran (it does not when no rule file could be read). */
    checkRan: z.boolean(),
  })
  .loose();
export type RulesDetails = z.infer<typeof rulesDetailsSchema>;

interface RecordView {
  gate: string;
  status: string;
  metrics: Record<string, number>;
  details: Record<string, unknown>;
}

const DETAILS_SCHEMAS: Record<string, z.ZodType> = { test: testDetailsSchema, rules: rulesDetailsSchema };

/** The first issue, named by its path under `details`. */
function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  return `field "details${issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : ''}" ${issue?.message ?? 'is invalid'}`;
}

/** Metrics the rules record states twice (as counts and as the alert list) must agree. */
function rulesCountsProblem(details: RulesDetails, metrics: Record<string, number>): string | undefined {
  const tested = details.alerts.filter((a) => a.tested).length;
  const pairs: [string, number][] = [
    ['alerts', details.alerts.length],
    ['alertsTested', tested],
    ['alertsUntested', details.alerts.length - tested],
  ];
  for (const [metric, counted] of pairs) {
    const stated = metrics[metric];
    if (stated !== undefined && stated !== counted) return `metric ${metric} is ${stated}, but details.alerts lists ${counted}`;
  }
  return undefined;
}

/**
 * Why a record's details cannot be trusted, or undefined when they fit its gate's schema. Gates
 * without a schema here are not judged on their details by this function (the image details are
 * checked by their readers through src/core/details.ts).
 */
export function gateDetailsProblem(record: RecordView): string | undefined {
  const schema = DETAILS_SCHEMAS[record.gate];
  if (schema === undefined) return undefined;
  const judged = record.status === 'pass' || record.status === 'fail';
  if (!judged && Object.keys(record.details).length === 0) return undefined;
  const parsed = schema.safeParse(record.details);
  if (!parsed.success) return `the ${record.gate} record's details do not fit its schema: ${issueText(parsed.error)}`;
  if (record.gate === 'rules') {
    const counts = rulesCountsProblem(parsed.data as RulesDetails, record.metrics);
    if (counts) return `the rules record contradicts itself: ${counts}`;
  }
  return undefined;
}
