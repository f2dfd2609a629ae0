import { existsSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigurationError } from './errors.js';
import { readTextOrConfigurationError } from './files.js';

/**
 * The exceptions file shared by the audit and secrets gates
 * (default `.github/release-safety-exceptions.yml`):
 *
 *   exceptions:
 *     - id: GHSA-jf85-cpcp-j695          # audit: an id the finding carries (npm: GHSA or npm id; pip-audit: PYSEC, CVE or GHSA)
 *       reason: not reachable: we never call zipObjectDeep
 *       owner: "@acme/payments"
 *       expires: 2026-12-31
 *     - fingerprint: 3f1c...:src/config.ts:generic-api-key:12   # secrets: gitleaks fingerprint
 *       reason: test fixture, revoked key
 *       owner: alice
 *       expires: 2026-12-01
 *
 * An entry suppresses matching findings until the end of its `expires` day (UTC). A matching entry
 * past its date suppresses nothing and is reported as expired (the gate fails, naming it); an
 * entry that matches nothing is reported as unused (a warning), so the file does not rot.
 */
export const DEFAULT_EXCEPTIONS_PATH = '.github/release-safety-exceptions.yml';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date in the form YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'is not a real calendar date');

/**
 * Each field of an entry: its schema, and what to say when a value does not fit, in this suite's
 * words (the validation library's own wording, "Invalid input: expected string", helps nobody
 * fix a YAML file).
 */
const FIELDS = {
  id: { schema: z.string().trim().min(1).max(200), says: 'must be an advisory id such as GHSA-xxxx-xxxx-xxxx or CVE-2024-12345 (at most 200 characters)' },
  fingerprint: {
    schema: z.string().trim().min(1).max(1500),
    says: 'must be a gitleaks fingerprint such as <commit>:<file>:<rule>:<line> (at most 1500 characters)',
  },
  reason: { schema: z.string().trim().min(3).max(1000), says: 'must say why the finding is accepted, in 3 to 1000 characters' },
  owner: {
    schema: z.string().trim().min(1).max(200),
    says: 'must name who owns the exception, a person or a team such as "@acme/payments" (at most 200 characters)',
  },
  expires: { schema: isoDate, says: 'must be a date in the form YYYY-MM-DD' },
  gate: { schema: z.enum(['audit', 'secrets']), says: 'must be audit or secrets (or left out: the entry then applies to the gate its key fits)' },
} as const;
type Field = keyof typeof FIELDS;
const REQUIRED: readonly Field[] = ['reason', 'owner', 'expires'];
const ENTRY_FORM = 'each entry needs id or fingerprint, reason, owner and expires (YYYY-MM-DD)';

const fileSchema = z.object({ exceptions: z.array(z.unknown()).default([]) }).strict();

export interface ExceptionEntry {
  /** Advisory id (GHSA-..., CVE-...) or gitleaks fingerprint: what it matches. */
  key: string;
  kind: 'id' | 'fingerprint';
  reason: string;
  owner: string;
  expires: string;
  gate?: 'audit' | 'secrets';
  /** Where it stands in the file, for messages: path:line. */
  where: string;
}

/**
 * `beyond-cap`: the expiry lies further ahead than the gate allows (audit input
 * `max-exception-days`): a "temporary" exception dated 2099 is a permanent one, so it suppresses
 * nothing and is named, as an expired one is.
 */
export type ExceptionState = 'live' | 'expired' | 'beyond-cap';

function yamlDateToString(value: unknown): unknown {
  // YAML 1.1 readers turn 2026-12-31 into a Date; the yaml package (1.2 core) keeps a string,
  // but accept both so a file written for other tools still reads the same.
  return value instanceof Date ? value.toISOString().slice(0, 10) : value;
}

/** One problem of the file, at its line. */
interface Problem {
  line: number;
  text: string;
}

/** The line of each key of an entry's YAML mapping. */
function keyLines(node: unknown, lineOf: (offset: number) => number): Map<string, number> {
  const out = new Map<string, number>();
  if (!isMap(node)) return out;
  for (const pair of node.items) {
    const key = pair.key as { value?: unknown; range?: [number, number, number] } | null;
    if (key?.range && typeof key.value === 'string') out.set(key.value, lineOf(key.range[0]));
  }
  return out;
}

/** Why a field's value does not fit (undefined when it does). */
function fieldProblem(field: Field, value: unknown): string | undefined {
  const spec = FIELDS[field];
  const parsed = spec.schema.safeParse(field === 'expires' ? yamlDateToString(value) : value);
  if (parsed.success) return undefined;
  // The date checks speak this suite's words already ("is not a real calendar date").
  const own = field === 'expires' && typeof value === 'string' ? parsed.error.issues[0]?.message : undefined;
  return `field "${field}" ${own ?? spec.says}`;
}

/** Reads one entry: its fields, or every problem it has, each at the line of its field. */
function readEntry(raw: unknown, line: number, lines: Map<string, number>): { entry?: Omit<ExceptionEntry, 'where'>; problems: Problem[] } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { problems: [{ line, text: `the entry is not a mapping of fields; ${ENTRY_FORM}` }] };
  }
  const record = raw as Record<string, unknown>;
  const problems: Problem[] = [];
  const at = (field: string) => lines.get(field) ?? line;
  for (const key of Object.keys(record)) {
    if (!(key in FIELDS)) problems.push({ line: at(key), text: `unknown field "${key}" (an entry has ${Object.keys(FIELDS).join(', ')})` });
  }
  for (const field of Object.keys(FIELDS) as Field[]) {
    if (record[field] === undefined || record[field] === null) {
      if (REQUIRED.includes(field)) problems.push({ line, text: `field "${field}" is missing: it ${FIELDS[field].says}` });
      continue;
    }
    const why = fieldProblem(field, record[field]);
    if (why) problems.push({ line: at(field), text: why });
  }
  const hasId = record.id !== undefined && record.id !== null;
  if (hasId === (record.fingerprint !== undefined && record.fingerprint !== null)) {
    problems.push({ line, text: 'needs exactly one of "id" (advisory) or "fingerprint" (secret finding)' });
  }
  if (problems.length > 0) return { problems };
  const text = (field: Field) => String(yamlDateToString(record[field])).trim();
  const gate = record.gate as ExceptionEntry['gate'] | undefined;
  return {
    entry: {
      key: text(hasId ? 'id' : 'fingerprint'),
      kind: hasId ? 'id' : 'fingerprint',
      reason: text('reason'),
      owner: text('owner'),
      expires: text('expires'),
      ...(gate ? { gate } : {}),
    },
    problems,
  };
}

/** One ConfigurationError naming every problem, each at path:line. */
function problemsError(path: string, problems: readonly Problem[]): ConfigurationError {
  const listed = problems.map((p) => `exception at ${path}:${p.line}: ${p.text}`);
  if (listed.length === 1) return new ConfigurationError(`${listed[0]}; ${ENTRY_FORM}`);
  return new ConfigurationError(`exceptions file ${path} has ${problems.length} problems: ${listed.join('; ')}. ${ENTRY_FORM.replace(/^e/, 'E')}`);
}

/** Parses an exceptions file; every problem is listed, each naming the file, its line and the accepted form. */
export function parseExceptions(text: string, path: string): ExceptionEntry[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineOf = (offset: number) => lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    const listed = doc.errors.map((e) => `${path}:${lineOf(e.pos[0])}: ${e.message.split('\n')[0]}`);
    throw new ConfigurationError(
      `exceptions file ${listed.length === 1 ? listed[0]!.replace(/^([^:]*:\d+): /, '$1 is not valid YAML: ') : `${path} is not valid YAML: ${listed.join('; ')}`}`,
    );
  }
  const data = doc.toJS() as unknown;
  if (data === null || data === undefined) return [];
  const top = fileSchema.safeParse(data);
  if (!top.success) {
    throw new ConfigurationError(
      `exceptions file ${path} must be a mapping with one key "exceptions" holding a list of entries (id or fingerprint, reason, owner, expires)`,
    );
  }
  const seq = isMap(doc.contents) ? doc.contents.get('exceptions', true) : undefined;
  const nodes = isSeq(seq) ? seq.items : [];
  const seen = new Map<string, string>();
  const problems: Problem[] = [];
  const entries: ExceptionEntry[] = [];
  top.data.exceptions.forEach((raw, index) => {
    const node = nodes[index] as { range?: [number, number, number] } | undefined;
    const line = node?.range ? lineOf(node.range[0]) : 0;
    const where = `${path}:${line}`;
    const read = readEntry(raw, line, keyLines(node, lineOf));
    problems.push(...read.problems);
    if (!read.entry) return;
    const e = read.entry;
    const dupKey = `${e.kind}:${e.kind === 'id' ? e.key.toLowerCase() : e.key}`;
    const first = seen.get(dupKey);
    if (first !== undefined) problems.push({ line, text: `repeats ${e.kind} ${e.key} already listed at ${first}` });
    else seen.set(dupKey, where);
    entries.push({ ...e, where });
  });
  if (problems.length > 0) throw problemsError(path, problems);
  return entries;
}

/**
 * Reads the exceptions file; a missing file is no exceptions unless the user named it.
 * `displayPath` (usually repository-relative) is what messages and `where` show.
 */
export function loadExceptions(path: string, explicitlyNamed: boolean, displayPath: string = path): ExceptionEntry[] {
  if (!existsSync(path)) {
    if (explicitlyNamed) throw new ConfigurationError(`input "exceptions-file" names ${displayPath}, which does not exist`);
    return [];
  }
  const text = readTextOrConfigurationError(path, `exceptions file ${displayPath}`);
  return parseExceptions(text, displayPath);
}

const DAY_MS = 86_400_000;

/** `maxDays`: how far ahead of `now` an expiry may lie (whole days, UTC); undefined = no cap. */
export function exceptionState(entry: ExceptionEntry, now: Date, maxDays?: number): ExceptionState {
  // Valid through the whole expiry day in UTC.
  const endOfExpiryDay = Date.parse(`${entry.expires}T00:00:00Z`) + DAY_MS;
  if (now.getTime() >= endOfExpiryDay) return 'expired';
  if (maxDays !== undefined && endOfExpiryDay > Date.parse(`${lastAllowedExpiry(now, maxDays)}T00:00:00Z`) + DAY_MS) return 'beyond-cap';
  return 'live';
}

/** The latest expiry date (YYYY-MM-DD, UTC) an exception may carry `maxDays` after `now`. */
export function lastAllowedExpiry(now: Date, maxDays: number): string {
  const today = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
  return new Date(today + maxDays * DAY_MS).toISOString().slice(0, 10);
}

export interface LedgerReport {
  /** Live entries that suppressed at least one finding. */
  applied: ExceptionEntry[];
  /** Expired entries that matched a finding: the finding stands and the gate fails. */
  expired: ExceptionEntry[];
  /** Entries dated beyond the cap that matched a finding: the finding stands and the gate fails. */
  beyondCap: ExceptionEntry[];
  /** Entries that matched nothing (live or expired): warn so they get removed. */
  unused: ExceptionEntry[];
}

/**
 * Matches findings against the entries of one gate and remembers which entries were used, so
 * the gate can report applied, expired and unused entries.
 */
export class ExceptionLedger {
  private readonly byKey = new Map<string, ExceptionEntry>();
  private readonly used = new Set<ExceptionEntry>();

  constructor(
    entries: readonly ExceptionEntry[],
    private readonly gate: 'audit' | 'secrets',
    private readonly now: Date,
    private readonly maxDays?: number,
  ) {
    const kind = gate === 'audit' ? 'id' : 'fingerprint';
    for (const e of entries) {
      if (e.kind !== kind || (e.gate && e.gate !== gate)) continue;
      this.byKey.set(this.normalise(e.key), e);
    }
  }

  /**
   * The entry that covers a finding with any of these keys (advisory ids and aliases, or a
   * fingerprint), and whether it is still live. Undefined when none covers it.
   */
  match(keys: readonly string[]): { entry: ExceptionEntry; state: ExceptionState } | undefined {
    for (const k of keys) {
      const entry = this.byKey.get(this.normalise(k));
      if (entry) {
        this.used.add(entry);
        return { entry, state: exceptionState(entry, this.now, this.maxDays) };
      }
    }
    return undefined;
  }

  /** Advisory ids are case-insensitive (GHSA-xxxx = ghsa-xxxx); fingerprints hold paths and are not. */
  private normalise(key: string): string {
    return this.gate === 'audit' ? key.toLowerCase() : key;
  }

  report(): LedgerReport {
    const all = [...this.byKey.values()];
    return {
      applied: all.filter((e) => this.used.has(e) && exceptionState(e, this.now, this.maxDays) === 'live'),
      expired: all.filter((e) => this.used.has(e) && exceptionState(e, this.now, this.maxDays) === 'expired'),
      beyondCap: all.filter((e) => this.used.has(e) && exceptionState(e, this.now, this.maxDays) === 'beyond-cap'),
      unused: all.filter((e) => !this.used.has(e)),
    };
  }
}
