import { parseImageDetails } from './details.js';
import { GATES, type Evidence, type GateName } from './evidence.js';
import { sameRepository } from './identifiers.js';

/** The gates a release needs by default: every gate the suite has. */
export const RELEASE_GATES: readonly GateName[] = GATES;

export interface ReleaseVerdict {
  ok: boolean;
  /** One line per reason the release is refused; empty when ok. */
  reasons: string[];
  /** The commit every record is about (when they agree). */
  commitSha?: string;
  /** The digest the image record names. */
  digest?: string;
}

export interface ReleaseQuestion {
  /** The image to release. */
  digest: string;
  /** owner/name: every record must be about this repository. */
  repository: string;
  /** The commit the release is of (the PR head SHA): every record must be about it. */
  commitSha: string;
  /** Oldest a record may be (from its startedAt); older ones, or ones from the future, are refused. */
  maxAgeMs: number;
  required?: readonly GateName[];
  /** For tests: the time the judgement is made. */
  now?: Date;
}

/** Allowed clock difference between the job that wrote a record and the one judging it. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** Counts that no passing record can have above zero: every gate's, then each gate's own. */
const FAILURE_METRICS = ['failed', 'errors', 'error', 'blocking'];
const GATE_FAILURE_METRICS: Partial<Record<string, readonly string[]>> = {
  secrets: ['findings'],
  rules: ['testGroupsFailed', 'checkErrors'],
  alerts: ['missingMetrics', 'missing', 'unexpected'],
};

/** Why a record that says `pass` contradicts itself; undefined when it does not. */
export function selfContradiction(record: Evidence): string | undefined {
  if (record.status !== 'pass') return undefined;
  for (const metric of [...FAILURE_METRICS, ...(GATE_FAILURE_METRICS[record.gate] ?? [])]) {
    const value = record.metrics[metric];
    if (value !== undefined && value > 0) return `${record.gate} says pass, but its metric ${metric} is ${value}`;
  }
  if (record.findings.some((f) => f.severity === 'error')) return `${record.gate} says pass, but carries an error finding`;
  return undefined;
}

function recordProblems(record: Evidence, question: ReleaseQuestion, now: number): string[] {
  const problems: string[] = [];
  const contradiction = selfContradiction(record);
  if (contradiction) problems.push(contradiction);
  if (!sameRepository(record.subject.repository, question.repository)) {
    problems.push(`the ${record.gate} evidence is about ${record.subject.repository}, not ${question.repository}`);
  }
  if (record.subject.commitSha !== question.commitSha.toLowerCase()) {
    problems.push(`the ${record.gate} evidence is about commit ${record.subject.commitSha}, not ${question.commitSha}`);
  }
  const age = now - Date.parse(record.startedAt);
  if (!(age <= question.maxAgeMs))
    problems.push(`the ${record.gate} evidence is from ${record.startedAt}, older than the ${Math.round(question.maxAgeMs / 1000)} s allowed`);
  else if (age < -CLOCK_SKEW_MS) problems.push(`the ${record.gate} evidence is from ${record.startedAt}, in the future`);
  return problems;
}

/** The image record names this digest, was pushed, and its details parse. */
function imageProblems(image: Evidence, digest: string): { problems: string[]; recorded?: string } {
  const parsed = parseImageDetails(image.details);
  if (!parsed.ok) return { problems: [`the image evidence has no verifiable digest: ${parsed.problem}`] };
  const recorded = parsed.details.digest || undefined;
  const problems: string[] = [];
  if (recorded !== digest) problems.push(`the image evidence is for ${recorded ?? 'no digest'}, not ${digest}`);
  if (!parsed.details.pushed) problems.push('the image evidence says the image was not pushed: only a pushed, verified digest can be released');
  return { problems, ...(recorded ? { recorded } : {}) };
}

/**
 * Decides whether a set of evidence records allows releasing `digest`: one record per required
 * gate, every one `pass` and self-consistent, all about this repository and commit and within
 * the allowed age, and the image record naming this digest as pushed. `fail`, `error` and
 * `skipped` all refuse; so does a missing or duplicated record.
 */
export function judgeRelease(records: readonly Evidence[], question: ReleaseQuestion): ReleaseVerdict {
  const required = question.required ?? RELEASE_GATES;
  const now = (question.now ?? new Date()).getTime();
  const reasons: string[] = [];
  const byGate = new Map<GateName, Evidence[]>();
  for (const r of records) byGate.set(r.gate, [...(byGate.get(r.gate) ?? []), r]);
  for (const gate of required) {
    const found = byGate.get(gate) ?? [];
    if (found.length === 0) reasons.push(`no evidence from the ${gate} gate`);
    else if (found.length > 1) reasons.push(`${found.length} evidence records from the ${gate} gate: expected one`);
    else if (found[0]!.status !== 'pass') reasons.push(`${gate} is ${found[0]!.status}: ${found[0]!.summary}`);
  }
  for (const record of records) reasons.push(...recordProblems(record, question, now));
  const commits = [...new Set(records.map((r) => r.subject.commitSha))];
  if (commits.length > 1) reasons.push(`the records are about different commits: ${commits.join(', ')}`);
  const image = byGate.get('image')?.[0];
  let recorded: string | undefined;
  if (image) {
    const checked = imageProblems(image, question.digest);
    reasons.push(...checked.problems);
    recorded = checked.recorded;
  }
  return { ok: reasons.length === 0, reasons, ...(commits.length === 1 ? { commitSha: commits[0] } : {}), ...(recorded ? { digest: recorded } : {}) };
}
