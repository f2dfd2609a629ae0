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

const entrySchema = z
  .object({
    id: z.string().trim().min(1).max(200).optional(),
    fingerprint: z.string().trim().min(1).max(1500).optional(),
    reason: z.string().trim().min(3, 'must say why (at least 3 characters)').max(1000),
    owner: z.string().trim().min(1, 'must name who owns the exception').max(200),
    expires: isoDate,
    gate: z.enum(['audit', 'secrets']).optional(),
  })
  .strict()
  .refine((e) => (e.id === undefined) !== (e.fingerprint === undefined), { message: 'needs exactly one of "id" (advisory) or "fingerprint" (secret finding)' });

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

/** Parses an exceptions file; every problem names the file, the line and the accepted form. */
export function parseExceptions(text: string, path: string): ExceptionEntry[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lineCounter.linePos(e.pos[0]).line;
    throw new ConfigurationError(`exceptions file ${path}:${line} is not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const data = doc.toJS() as unknown;
  if (data === null || data === undefined) return [];
  const top = fileSchema.safeParse(data);
  if (!top.success) {
    throw new ConfigurationError(`exceptions file ${path} must be a mapping with one key "exceptions" holding a list of entries (id or fingerprint, reason, owner, expires)`);
  }
  const seq = isMap(doc.contents) ? doc.contents.get('exceptions', true) : undefined;
  const nodes = isSeq(seq) ? seq.items : [];
  const seen = new Map<string, string>();
  return top.data.exceptions.map((raw, index) => {
    const node = nodes[index] as { range?: [number, number, number] } | undefined;
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : 0;
    const where = `${path}:${line}`;
    const normalised = raw && typeof raw === 'object' ? { ...(raw as Record<string, unknown>), expires: yamlDateToString((raw as Record<string, unknown>).expires) } : raw;
    const parsed = entrySchema.safeParse(normalised);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.length ? `field "${issue.path.join('.')}" ` : '';
      throw new ConfigurationError(`exception at ${where}: ${field}${issue.message}; each entry needs id or fingerprint, reason, owner and expires (YYYY-MM-DD)`);
    }
    const e = parsed.data;
    const kind = e.id !== undefined ? 'id' : 'fingerprint';
    const key = (e.id ?? e.fingerprint)!;
    const dupKey = `${kind}:${kind === 'id' ? key.toLowerCase() : key}`;
    if (seen.has(dupKey)) throw new ConfigurationError(`exception at ${where} repeats ${kind} ${key} already listed at ${seen.get(dupKey)}`);
    seen.set(dupKey, where);
    return { key, kind, reason: e.reason, owner: e.owner, expires: e.expires, ...(e.gate ? { gate: e.gate } : {}), where };
  });
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
