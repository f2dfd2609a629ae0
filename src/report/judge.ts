/**
 * From the files found in `evidence-dir` to one verdict: which records count, which are invalid,
 * stale (about another commit) or duplicated, and why the verdict is not `pass`. Records may come
 * from a fork's run, so nothing here trusts them: each is validated by the record schema, and only
 * a record about the PR head commit of this repository counts. Pure: unit-tested on tables.
 */
import { z } from 'zod';
import { BUNDLE_SCHEMA } from '../core/bundle.js';
import { parseEvidence, GATES, type Evidence, type GateName, type GateStatus } from '../core/evidence.js';
import { sameRepository } from '../core/identifiers.js';
import { selfContradiction } from '../core/release.js';

export interface FoundFile {
  /** Path relative to evidence-dir, for display. */
  path: string;
  text: string;
  /** Why the file was not read (too large), when it was not. */
  unreadable?: string;
}

export interface GateRow {
  gate: GateName;
  required: boolean;
  /** `missing` when no record counts for it. */
  status: GateStatus | 'missing';
  /** The verdict line (from the record, or why the gate has none). */
  line: string;
  record?: Evidence;
  /** Why this row is error without a usable record (invalid or duplicated records). */
  problem?: string;
}

export interface IgnoredRecord {
  path: string;
  why: string;
}

export interface Judgement {
  verdict: 'pass' | 'fail' | 'error';
  rows: GateRow[];
  /** The records that count, one per gate. */
  records: Evidence[];
  invalid: IgnoredRecord[];
  ignored: IgnoredRecord[];
  reasons: string[];
  digest?: string;
  image?: string;
}

const looseGate = z.object({ gate: z.enum(GATES) }).passthrough();
const imageDetails = z.object({ digest: z.string().regex(/^sha256:[0-9a-f]{64}$/), ref: z.string().max(500).optional() }).passthrough();

function gateNamed(text: string, path: string): GateName | undefined {
  try {
    const parsed = looseGate.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data.gate;
  } catch {
    // not JSON: fall back to the file name
  }
  const stem = path
    .split('/')
    .pop()!
    .replace(/\.json$/, '');
  return (GATES as readonly string[]).includes(stem) ? (stem as GateName) : undefined;
}

function isBundle(text: string): boolean {
  try {
    const data = JSON.parse(text) as { schema?: unknown };
    return data !== null && typeof data === 'object' && data.schema === BUNDLE_SCHEMA;
  } catch {
    return false;
  }
}

export function judgeRecords(files: readonly FoundFile[], opts: { repository: string; headSha: string; requiredGates: readonly GateName[] }): Judgement {
  const invalid: (IgnoredRecord & { gate?: GateName })[] = [];
  const ignored: IgnoredRecord[] = [];
  const byGate = new Map<GateName, { path: string; record: Evidence; key: string }[]>();
  for (const file of files) {
    if (file.unreadable) {
      invalid.push({ path: file.path, why: file.unreadable, gate: gateNamed('', file.path) });
      continue;
    }
    if (isBundle(file.text)) {
      ignored.push({ path: file.path, why: `an evidence bundle (${BUNDLE_SCHEMA}), not a gate record` });
      continue;
    }
    let record: Evidence;
    try {
      record = parseEvidence(file.text, file.path);
    } catch (error) {
      invalid.push({ path: file.path, why: (error as Error).message, gate: gateNamed(file.text, file.path) });
      continue;
    }
    // A pass that its own figures contradict (failed tests, an error finding) is not a pass.
    const contradiction = selfContradiction(record);
    if (contradiction) {
      invalid.push({ path: file.path, why: `not self-consistent: ${contradiction}`, gate: record.gate });
      continue;
    }
    if (!sameRepository(record.subject.repository, opts.repository)) {
      ignored.push({ path: file.path, why: `about repository ${record.subject.repository}, not ${opts.repository}` });
      continue;
    }
    if (record.subject.commitSha !== opts.headSha) {
      ignored.push({ path: file.path, why: `about commit ${record.subject.commitSha.slice(0, 12)}, not the head ${opts.headSha.slice(0, 12)} (stale)` });
      continue;
    }
    const list = byGate.get(record.gate) ?? [];
    const key = JSON.stringify(record);
    // The same record downloaded twice (two artifacts holding one file) is one record.
    if (!list.some((r) => r.key === key)) list.push({ path: file.path, record, key });
    byGate.set(record.gate, list);
  }

  const rows: GateRow[] = [];
  const records: Evidence[] = [];
  const reasons: string[] = [];
  const required = new Set(opts.requiredGates);
  for (const gate of GATES) {
    const found = byGate.get(gate) ?? [];
    const bad = invalid.filter((i) => i.gate === gate);
    const isRequired = required.has(gate);
    if (found.length === 0 && bad.length === 0) {
      if (isRequired) {
        rows.push({ gate, required: true, status: 'missing', line: 'no record for this commit' });
        reasons.push(`${gate}: required, but no record about ${opts.headSha.slice(0, 12)} was found`);
      }
      continue;
    }
    if (found.length > 1) {
      const problem = `${found.length} different records (${found.map((f) => f.path).join(', ')}): which one holds is unknown`;
      rows.push({ gate, required: isRequired, status: 'error', line: problem, problem });
      reasons.push(`${gate}: ${problem}`);
      continue;
    }
    if (bad.length > 0) {
      const problem = `invalid record ${bad[0]!.path}: ${bad[0]!.why}`;
      rows.push({ gate, required: isRequired, status: 'error', line: problem, problem, ...(found[0] ? { record: found[0].record } : {}) });
      reasons.push(`${gate}: ${problem}`);
      continue;
    }
    const record = found[0]!.record;
    records.push(record);
    rows.push({ gate, required: isRequired, status: record.status, line: record.summary, record });
    if (isRequired && record.status !== 'pass') reasons.push(`${gate}: ${record.status}: ${record.summary}`);
  }
  for (const i of invalid.filter((x) => x.gate === undefined)) reasons.push(`invalid record ${i.path}: ${i.why}`);

  const requiredRows = rows.filter((r) => r.required);
  const verdict: Judgement['verdict'] =
    requiredRows.some((r) => r.status === 'error') || invalid.some((i) => i.gate === undefined)
      ? 'error'
      : requiredRows.length === required.size && requiredRows.every((r) => r.status === 'pass')
        ? 'pass'
        : 'fail';
  const image = records.find((r) => r.gate === 'image');
  const details = image ? imageDetails.safeParse(image.details) : undefined;
  return {
    verdict,
    rows,
    records,
    invalid: invalid.map(({ path, why }) => ({ path, why })),
    ignored,
    reasons,
    ...(details?.success ? { digest: details.data.digest, ...(details.data.ref ? { image: details.data.ref } : {}) } : {}),
  };
}
