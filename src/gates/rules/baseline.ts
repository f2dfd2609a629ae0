/**
 * The rules baseline: hygiene and coverage findings that already exist on main, written once by
 * `npx release-safety baseline rules` to `.release-safety/rules-baseline.yml`:
 *
 *   version: 1
 *   baseline:
 *     - file: prometheus/rules/api.yml     # the rule file, repository-relative
 *       group: api                         # the rule group
 *       rule: ApiHighLatency               # the alert (or recording rule) name
 *       check: require-runbook             # which check found it
 *       reason: inherited, runbook being written   # optional, as are owner and expires (YYYY-MM-DD)
 *
 * An entry is matched by (file, group, rule, check), never by line, so edits elsewhere in the file
 * keep it matching. A second finding with the same four (an alert defined twice) carries
 * `occurrence: 2`, so a new copy of an alert is not hidden by the old one's entry.
 * Only hygiene and coverage findings can be baselined: invalid rules, failing rule tests and zero
 * rules are never accepted this way. The file is not the exceptions file (src/core/exceptions.ts):
 * that one needs an owner, a reason and an expiry for every entry, which a generated baseline of
 * what already exists cannot honestly fill in; here they are optional and kept when given.
 *
 * This module is pure (parse, match, write text); reading the file at the base commit is
 * baseline-load.ts.
 */
import { isMap, isSeq, LineCounter, parseDocument, stringify } from 'yaml';
import { z } from 'zod';
import { ConfigurationError } from '../../core/errors.js';
import type { Finding } from '../../core/evidence.js';

export const DEFAULT_RULES_BASELINE = '.release-safety/rules-baseline.yml';

/** The checks whose findings may be baselined. */
export const BASELINE_CHECKS = ['require-severity', 'require-summary', 'require-runbook', 'min-for', 'duplicate-alert', 'coverage'] as const;
export type BaselineCheck = (typeof BASELINE_CHECKS)[number];
const HYGIENE_CHECKS: ReadonlySet<string> = new Set(BASELINE_CHECKS.filter((c) => c !== 'coverage'));

export interface BaselineKey {
  file: string;
  group: string;
  rule: string;
  check: BaselineCheck;
  /** 2 and up for the later findings with the same four fields. */
  occurrence?: number;
}

export interface BaselineEntry extends BaselineKey {
  reason?: string;
  owner?: string;
  expires?: string;
  /** path:line of the entry, for messages. */
  where: string;
}

/**
 * The stable identity of a finding: its file, group, rule name and check (a JSON array, so no
 * name can be mistaken for another however it is spelled), never its line.
 */
export function rulesFingerprint(key: BaselineKey): string {
  return JSON.stringify([key.file, key.group, key.rule, key.check, ...(key.occurrence && key.occurrence > 1 ? [key.occurrence] : [])]);
}

export function isBaselineCheck(check: string | undefined): check is BaselineCheck {
  return (BASELINE_CHECKS as readonly string[]).includes(check ?? '');
}

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d));

/** Each field: its schema and, for messages, the accepted form in this suite's words. */
const FIELDS = {
  file: { schema: z.string().min(1).max(1000), says: 'the rule file, relative to the repository root' },
  group: { schema: z.string().max(1000), says: 'the rule group name' },
  rule: { schema: z.string().min(1).max(1000), says: 'the alert or recording rule name' },
  check: {
    schema: z.enum(BASELINE_CHECKS),
    says: `one of ${BASELINE_CHECKS.join(', ')} (invalid rules, failing rule tests and zero rules are never baselined)`,
  },
  occurrence: { schema: z.number().int().min(2).max(10_000), says: 'a whole number from 2 (the second finding with the same file, group, rule and check)' },
  reason: { schema: z.string().trim().min(3).max(1000), says: 'why the finding is accepted for now, in 3 to 1000 characters' },
  owner: { schema: z.string().trim().min(1).max(200), says: 'who owns the fix, a person or a team (at most 200 characters)' },
  expires: { schema: isoDate, says: 'a date in the form YYYY-MM-DD after which the entry no longer applies' },
} as const;
type Field = keyof typeof FIELDS;
const REQUIRED: readonly Field[] = ['file', 'group', 'rule', 'check'];
const FORM = `a mapping "version: 1" and "baseline:", a list of entries each with file, group, rule, check (and optionally occurrence, reason, owner, expires)`;

const topSchema = z.strictObject({ version: z.literal(1), baseline: z.array(z.unknown()).default([]) });

function lineOfKey(node: unknown, key: string, lineOf: (offset: number) => number): number | undefined {
  if (!isMap(node)) return undefined;
  for (const pair of node.items) {
    const k = pair.key as { value?: unknown; range?: [number, number, number] } | null;
    if (k?.range && k.value === key) return lineOf(k.range[0]);
  }
  return undefined;
}

/** Parses a rules baseline; every problem is listed, each naming the key, the file and its line. */
export function parseRulesBaseline(text: string, path: string): BaselineEntry[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineOf = (offset: number) => lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    throw new ConfigurationError(
      `rules baseline ${path}:${lineOf(doc.errors[0]!.pos[0])} is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}; it must be ${FORM}`,
    );
  }
  const data = doc.toJS() as unknown;
  if (data === null || data === undefined) return [];
  const top = topSchema.safeParse(data);
  if (!top.success) {
    const issue = top.error.issues[0]!;
    const key = issue.code === 'unrecognized_keys' ? issue.keys[0]! : String(issue.path[0] ?? '');
    const line = key ? lineOfKey(doc.contents, key, lineOf) : undefined;
    throw new ConfigurationError(
      `rules baseline ${path}${line ? `:${line}` : ''}: ${key ? `key "${key}" is not in its form` : 'the file is not in its form'}: it must be ${FORM}`,
    );
  }
  const seq = isMap(doc.contents) ? doc.contents.get('baseline', true) : undefined;
  const nodes = isSeq(seq) ? seq.items : [];
  const problems: string[] = [];
  const entries: BaselineEntry[] = [];
  const seen = new Map<string, string>();
  top.data.baseline.forEach((raw, index) => {
    const node = nodes[index] as { range?: [number, number, number] } | undefined;
    const line = node?.range ? lineOf(node.range[0]) : 0;
    const where = `${path}:${line}`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push(`${where}: the entry is not a mapping of keys`);
      return;
    }
    const record = raw as Record<string, unknown>;
    const before = problems.length;
    for (const key of Object.keys(record)) {
      if (!(key in FIELDS))
        problems.push(`${path}:${lineOfKey(node, key, lineOf) ?? line}: unknown key "${key}" (an entry has ${Object.keys(FIELDS).join(', ')})`);
    }
    for (const field of Object.keys(FIELDS) as Field[]) {
      const value = field === 'expires' && record[field] instanceof Date ? (record[field] as Date).toISOString().slice(0, 10) : record[field];
      if (value === undefined || value === null) {
        if (REQUIRED.includes(field)) problems.push(`${where}: key "${field}" is missing: ${FIELDS[field].says}`);
        continue;
      }
      if (!FIELDS[field].schema.safeParse(value).success)
        problems.push(`${path}:${lineOfKey(node, field, lineOf) ?? line}: key "${field}" must be ${FIELDS[field].says}`);
      else record[field] = value;
    }
    if (problems.length > before) return;
    const entry = { ...(record as Omit<BaselineEntry, 'where'>), where };
    const fingerprint = rulesFingerprint(entry);
    const first = seen.get(fingerprint);
    if (first) problems.push(`${where}: repeats the entry at ${first}`);
    else seen.set(fingerprint, where);
    entries.push(entry);
  });
  if (problems.length === 1) throw new ConfigurationError(`rules baseline ${problems[0]}; it must be ${FORM}`);
  if (problems.length > 1) throw new ConfigurationError(`rules baseline ${path} has ${problems.length} problems: ${problems.join('; ')}. It must be ${FORM}`);
  return entries;
}

/** What the baseline in force is and where it came from (baseline-load.ts reads it). */
export interface BaselineInForce {
  /** As messages show it (repository-relative). */
  shown: string;
  entries: BaselineEntry[];
  /** The commit the entries were read from; undefined = the checkout. */
  from?: string;
  /** Entries the change adds or edits: shown, applied only after merge. */
  afterMerge: BaselineEntry[];
  notes: string[];
  /** Judging expiries: the day the run is in. */
  now: Date;
}

export interface BaselineOutcome {
  /** The findings with every baselined one turned into a notice ("existing (baselined)"). */
  findings: Finding[];
  baselined: { finding: Finding; entry: BaselineEntry }[];
  /** Entries that matched nothing they could have matched: warnings, so the file does not rot. */
  stale: BaselineEntry[];
  /** Every baselinable finding of the run (open or baselined), as entries of a fresh baseline. */
  current: BaselineKey[];
}

function keyOf(f: Finding): BaselineKey | undefined {
  if (!f.fingerprint || !isBaselineCheck(f.rule)) return undefined;
  try {
    const [file, group, rule, check, occurrence] = JSON.parse(f.fingerprint) as [string, string, string, BaselineCheck, number?];
    return { file, group, rule, check, ...(occurrence ? { occurrence } : {}) };
  } catch {
    return undefined;
  }
}

/** Numbers repeated fingerprints (occurrence 2, 3, ...) in finding order, so each finding has its own. */
export function numberOccurrences(findings: readonly Finding[]): Finding[] {
  const count = new Map<string, number>();
  return findings.map((f) => {
    if (!f.fingerprint || !isBaselineCheck(f.rule)) return f;
    const n = (count.get(f.fingerprint) ?? 0) + 1;
    count.set(f.fingerprint, n);
    if (n === 1) return f;
    const key = keyOf(f)!;
    return { ...f, fingerprint: rulesFingerprint({ ...key, occurrence: n }) };
  });
}

/**
 * Applies the baseline (pure). A live entry turns its finding into a notice; an entry past its
 * `expires` day leaves the finding as it was and says so. `judged(file, check)` tells whether the
 * run looked for that check in that file (hygiene may be limited to the changed files): an entry
 * there that matched nothing is stale; elsewhere it is simply not looked at.
 */
export function applyBaseline(
  findings: readonly Finding[],
  baseline: BaselineInForce | undefined,
  judged: (file: string, check: BaselineCheck) => boolean,
): BaselineOutcome {
  const numbered = numberOccurrences(findings);
  const byFingerprint = new Map((baseline?.entries ?? []).map((e) => [rulesFingerprint(e), e]));
  const used = new Set<BaselineEntry>();
  const baselined: BaselineOutcome['baselined'] = [];
  const current: BaselineKey[] = [];
  const endOfDay = (d: string) => Date.parse(`${d}T00:00:00Z`) + 86_400_000;
  const out = numbered.map((f) => {
    const key = keyOf(f);
    if (!key || f.severity === 'notice') return f;
    current.push(key);
    const entry = byFingerprint.get(f.fingerprint!);
    if (!entry) return f;
    used.add(entry);
    if (entry.expires && baseline!.now.getTime() >= endOfDay(entry.expires)) {
      return { ...f, message: `${f.message} (its baseline entry at ${entry.where} expired on ${entry.expires}, so it counts again)` };
    }
    const shown: Finding = { ...f, severity: 'notice', message: `existing (baselined at ${entry.where}): ${f.message}` };
    baselined.push({ finding: shown, entry });
    return shown;
  });
  const stale = (baseline?.entries ?? []).filter((e) => !used.has(e) && judged(e.file, e.check));
  return { findings: out, baselined, stale, current };
}

/** Does a check run on every file (coverage), or only where hygiene ran? */
export function isHygieneCheck(check: string): boolean {
  return HYGIENE_CHECKS.has(check);
}

export interface BaselineHeader {
  commit: string;
  /** YYYY-MM-DD. */
  date: string;
}

/**
 * A baseline file's text: `current` (sorted, so the file diffs well), each keeping the reason,
 * owner and expiry of the entry it matches in `previous`.
 */
export function renderRulesBaseline(current: readonly BaselineKey[], previous: readonly BaselineEntry[], header: BaselineHeader): string {
  const before = new Map(previous.map((e) => [rulesFingerprint(e), e]));
  const seen = new Set<string>();
  const entries = [...current]
    .filter((k) => !seen.has(rulesFingerprint(k)) && seen.add(rulesFingerprint(k)))
    .sort((a, b) => rulesFingerprint(a).localeCompare(rulesFingerprint(b)))
    .map((k) => {
      const was = before.get(rulesFingerprint(k));
      return {
        file: k.file,
        group: k.group,
        rule: k.rule,
        check: k.check,
        ...(k.occurrence ? { occurrence: k.occurrence } : {}),
        ...(was?.reason ? { reason: was.reason } : {}),
        ...(was?.owner ? { owner: was.owner } : {}),
        ...(was?.expires ? { expires: was.expires } : {}),
      };
    });
  const comment = [
    `# release-safety rules baseline: ${entries.length} hygiene/coverage finding(s) that already exist at ${header.commit.slice(0, 12)}, written ${header.date} by "npx release-safety baseline rules".`,
    '# The rules gate lists these as existing and does not fail on them; any other finding still fails. Fix one, then delete its entry.',
    '# Entries are matched by file, group, rule and check (not by line). Each may carry reason, owner and expires (YYYY-MM-DD).',
  ];
  return `${comment.join('\n')}\n${stringify({ version: 1, baseline: entries }, { lineWidth: 0 })}`;
}
