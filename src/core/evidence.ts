import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { gateDetailsProblem } from './details-gates.js';
import { ConfigurationError } from './errors.js';
import { commitShaSchema, isCommitSha, repositorySchema } from './identifiers.js';
import type { RunnerContext } from './context.js';

export const EVIDENCE_SCHEMA = 'release-safety/evidence@1';
/** Findings stored per record; the true total is kept in findingsTotal. */
export const MAX_STORED_FINDINGS = 100;

export const GATES = ['lint', 'test', 'image', 'audit', 'secrets', 'rules', 'alerts'] as const;
export type GateName = (typeof GATES)[number];
export const STATUSES = ['pass', 'fail', 'error', 'skipped'] as const;
export type GateStatus = (typeof STATUSES)[number];

export const findingSchema = z.object({
  severity: z.enum(['error', 'warning', 'notice']),
  message: z.string().max(2000),
  file: z.string().max(1000).optional(),
  line: z.number().int().positive().optional(),
  endLine: z.number().int().positive().optional(),
  column: z.number().int().positive().optional(),
  rule: z.string().max(300).optional(),
  commit: commitShaSchema.optional(),
  fingerprint: z.string().max(1500).optional(),
});
export type Finding = z.infer<typeof findingSchema>;

export const subjectSchema = z.object({
  repository: repositorySchema,
  commitSha: commitShaSchema,
  mergeSha: commitShaSchema.optional(),
  baseSha: commitShaSchema.optional(),
  ref: z.string().max(1000).optional(),
  prNumber: z.number().int().positive().optional(),
  eventName: z.string().max(100),
  runId: z.string().max(40).optional(),
  runAttempt: z.string().max(10).optional(),
  runUrl: z.string().url().optional(),
});
export type Subject = z.infer<typeof subjectSchema>;

export const toolSchema = z.object({
  name: z.string().min(1).max(200),
  version: z.string().max(200),
  configSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
export type ToolInfo = z.infer<typeof toolSchema>;

export const evidenceSchema = z.object({
  schema: z.literal(EVIDENCE_SCHEMA),
  gate: z.enum(GATES),
  status: z.enum(STATUSES),
  /** One line, shown as the step's verdict. */
  summary: z.string().max(1000),
  startedAt: z.string().datetime({ offset: true }),
  durationMs: z.number().int().nonnegative(),
  subject: subjectSchema,
  tool: toolSchema,
  metrics: z.record(z.string(), z.number().finite()),
  /** The first MAX_STORED_FINDINGS, errors first (capFindings); a gate reports them all, uncapped. */
  findings: z.array(findingSchema).max(MAX_STORED_FINDINGS),
  /** How many findings the gate reported, stored or not. */
  findingsTotal: z.number().int().nonnegative(),
  /** Gate-specific details (image digest, alert evidence, ...). */
  details: z.record(z.string(), z.unknown()),
});
export type Evidence = z.infer<typeof evidenceSchema>;

/** Keeps an optional untrusted string only when it fits the record's limit: a cut ref or run id would be a lie. */
function within(value: string | undefined, max: number): string | undefined {
  return value !== undefined && value !== '' && value.length <= max ? value : undefined;
}

/**
 * The record's subject from the runner context. GITHUB_REF, the event name and the run id come
 * from the environment unchecked: values over the schema's limits are dropped (the event name,
 * which the record needs, is cut), so an odd runner value never costs the record.
 */
export function subjectFromContext(ctx: RunnerContext): Subject {
  const runId = within(ctx.runId, 40);
  const runUrl = runId && ctx.runUrl && ctx.runUrl.length <= 2000 && z.url().safeParse(ctx.runUrl).success ? ctx.runUrl : undefined;
  const ref = within(ctx.ref, 1000);
  const runAttempt = within(ctx.runAttempt, 10);
  return {
    repository: ctx.repository,
    commitSha: ctx.headSha,
    ...(ctx.mergeSha ? { mergeSha: ctx.mergeSha } : {}),
    ...(ctx.baseSha ? { baseSha: ctx.baseSha } : {}),
    ...(ref ? { ref } : {}),
    ...(ctx.prNumber ? { prNumber: ctx.prNumber } : {}),
    eventName: clamp(ctx.eventName, 100),
    ...(runId ? { runId } : {}),
    ...(runAttempt ? { runAttempt } : {}),
    ...(runUrl ? { runUrl } : {}),
  };
}

/** Sorts findings errors first and keeps the first MAX_STORED_FINDINGS; the total is preserved. */
export function capFindings(findings: readonly Finding[]): { findings: Finding[]; findingsTotal: number } {
  const rank = { error: 0, warning: 1, notice: 2 } as const;
  const sorted = [...findings].sort((a, b) => rank[a.severity] - rank[b.severity]);
  return { findings: sorted.slice(0, MAX_STORED_FINDINGS).map(clampFinding), findingsTotal: findings.length };
}

/** Shortens a string to `max` characters, marking the cut. */
export function clamp(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

const positiveInt = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n > 0;

/**
 * A finding within the schema's limits, whatever the tool reported: long strings cut, a line or
 * column that is not a positive integer (1.5, -1, NaN) dropped, a malformed commit dropped. Used
 * for the record and for annotations alike.
 */
export function sanitiseFinding(f: Finding): Finding {
  const out: Finding = { severity: f.severity, message: clamp(String(f.message), 2000) };
  if (typeof f.file === 'string' && f.file !== '') out.file = clamp(f.file, 1000);
  if (positiveInt(f.line)) out.line = f.line;
  if (positiveInt(f.endLine) && out.line !== undefined) out.endLine = f.endLine;
  if (positiveInt(f.column)) out.column = f.column;
  if (typeof f.rule === 'string') out.rule = clamp(f.rule, 300);
  if (isCommitSha(f.commit)) out.commit = f.commit;
  if (typeof f.fingerprint === 'string') out.fingerprint = clamp(f.fingerprint, 1500);
  return out;
}
const clampFinding = sanitiseFinding;

/**
 * The record as it will be written, or, when it breaks the schema all the same (a gate bug), an
 * `error` record that names the field: a gate always leaves a record, and never a false pass.
 */
export function recordOrError(evidence: Evidence): Evidence {
  const checked = evidenceSchema.safeParse(evidence);
  const problem = checked.success ? gateDetailsProblem(checked.data) : schemaProblem(checked.error);
  if (checked.success && problem === undefined) return checked.data;
  return evidenceSchema.parse({
    ...evidence,
    status: 'error',
    summary: clamp(
      `the ${evidence.gate} gate's result could not be recorded as reported (${problem}); it was ${evidence.status}: ${clamp(evidence.summary, 300)}`,
      1000,
    ),
    tool: { name: clamp(evidence.tool?.name || 'release-safety', 200), version: clamp(evidence.tool?.version ?? '', 200) },
    metrics: Object.fromEntries(Object.entries(evidence.metrics ?? {}).filter(([, v]) => typeof v === 'number' && Number.isFinite(v))),
    findings: [],
    findingsTotal: evidence.findingsTotal,
    details: {},
  });
}

/** The first schema issue, named by its field. */
function schemaProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  return `field "${issue?.path.join('.') || '(root)'}" ${issue?.message ?? 'invalid'}`;
}

/**
 * A record as readers accept it: the record schema, then its gate's details schema
 * (src/core/details-gates.ts). Throws a ConfigurationError naming the source and the field.
 */
function checkedRecord(data: unknown, source: string): Evidence {
  const result = evidenceSchema.safeParse(data);
  if (!result.success) throw new ConfigurationError(`evidence record ${source} is not a valid ${EVIDENCE_SCHEMA} record: ${schemaProblem(result.error)}`);
  const details = gateDetailsProblem(result.data);
  if (details) throw new ConfigurationError(`evidence record ${source} is not a valid ${EVIDENCE_SCHEMA} record: ${details}`);
  return result.data;
}

/** JSON with object keys sorted at every depth and no whitespace: equal data, equal bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function evidenceDigest(evidence: Evidence): string {
  return `sha256:${sha256Hex(canonicalJson(evidence))}`;
}

/** Validates before writing, so a gate can never emit a record that readers would reject. */
export function writeEvidence(path: string, evidence: Evidence): string {
  const checked = checkedRecord(evidence, path);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(checked, null, 2)}\n`, { mode: 0o644 });
  renameSync(tmp, path);
  return evidenceDigest(checked);
}

/** Reads a record produced by another job: untrusted, so every field is validated. */
export function parseEvidence(text: string, source: string): Evidence {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`evidence record ${source} is not JSON: expected a ${EVIDENCE_SCHEMA} record`);
  }
  return checkedRecord(data, source);
}

export function readEvidence(path: string): Evidence {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`evidence record ${path} cannot be read: ${(error as Error).message}`);
  }
  return parseEvidence(text, path);
}

/**
 * Reads a record and checks it against the sha256 its gate reported (the `evidence-sha256`
 * output, or a bundle entry): a record changed after it was written is refused, named.
 */
export function readVerifiedEvidence(path: string, expectedSha256: string): Evidence {
  const evidence = readEvidence(path);
  const actual = evidenceDigest(evidence);
  if (actual !== expectedSha256) {
    throw new ConfigurationError(
      `evidence record ${path} hashes to ${actual}, not the ${expectedSha256 || '(no sha256)'} its gate reported: it was altered or is not that gate's record`,
    );
  }
  return evidence;
}
