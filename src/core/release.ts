import { GATES, type Evidence, type GateName } from './evidence.js';

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

/**
 * Decides whether a set of evidence records allows releasing `digest`: one record per required
 * gate, every one `pass`, all about the same commit, and the image record naming this digest.
 * `fail`, `error` and `skipped` all refuse; so does a missing or duplicated record.
 */
export function judgeRelease(records: readonly Evidence[], digest: string, required: readonly GateName[] = RELEASE_GATES): ReleaseVerdict {
  const reasons: string[] = [];
  const byGate = new Map<GateName, Evidence[]>();
  for (const r of records) byGate.set(r.gate, [...(byGate.get(r.gate) ?? []), r]);
  for (const gate of required) {
    const found = byGate.get(gate) ?? [];
    if (found.length === 0) reasons.push(`no evidence from the ${gate} gate`);
    else if (found.length > 1) reasons.push(`${found.length} evidence records from the ${gate} gate: expected one`);
    else if (found[0]!.status !== 'pass') reasons.push(`${gate} is ${found[0]!.status}: ${found[0]!.summary}`);
  }
  const commits = [...new Set(records.map((r) => r.subject.commitSha))];
  if (commits.length > 1) reasons.push(`the records are about different commits: ${commits.join(', ')}`);
  const image = byGate.get('image')?.[0];
  const recorded = typeof image?.details.digest === 'string' ? image.details.digest : undefined;
  if (image && recorded !== digest) reasons.push(`the image evidence is for ${recorded ?? 'no digest'}, not ${digest}`);
  return { ok: reasons.length === 0, reasons, ...(commits.length === 1 ? { commitSha: commits[0] } : {}), ...(recorded ? { digest: recorded } : {}) };
}
