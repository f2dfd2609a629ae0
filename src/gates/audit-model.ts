/**
 * The audit gate's normalised vulnerability finding, shared by the npm and pip-audit readers,
 * plus the two small pieces of logic both need: severity levels (with the CVSS fallback) and a
 * version-range check good enough for advisory ranges.
 */

export const SEVERITIES = ['critical', 'high', 'moderate', 'low', 'info', 'unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** The levels a user may set as the threshold. */
export const FAIL_ON_LEVELS = ['low', 'moderate', 'high', 'critical'] as const;
export type FailOn = (typeof FAIL_ON_LEVELS)[number];

const RANK: Record<Severity, number> = { info: 0, low: 1, moderate: 2, high: 3, critical: 4, unknown: 5 };

/**
 * True when a finding of this severity fails a gate set to `failOn`. An unknown severity (the
 * tool gave none and there is no CVSS score) meets every threshold: the gate fails closed rather
 * than passing something nobody has rated.
 */
export function meetsThreshold(severity: Severity, failOn: FailOn): boolean {
  return RANK[severity] >= RANK[failOn];
}

export function compareSeverity(a: Severity, b: Severity): number {
  // unknown sorts with critical: it is treated as blocking.
  const r = (s: Severity) => (s === 'unknown' ? 4.5 : RANK[s]);
  return r(b) - r(a);
}

/** CVSS v3 qualitative rating: 0.1-3.9 low, 4.0-6.9 moderate (CVSS "medium"), 7.0-8.9 high, 9.0-10 critical. */
export function severityFromCvss(score: number | undefined | null): Severity | undefined {
  if (typeof score !== 'number' || !Number.isFinite(score) || score <= 0 || score > 10) return undefined;
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'moderate';
  return 'low';
}

/** Reads a tool's severity word; GitHub says "medium" where npm says "moderate". */
export function parseSeverityWord(word: unknown): Severity | undefined {
  if (typeof word !== 'string') return undefined;
  const w = word.trim().toLowerCase();
  if (w === 'medium') return 'moderate';
  if (w === 'none') return 'info';
  return (SEVERITIES as readonly string[]).includes(w) && w !== 'unknown' ? (w as Severity) : undefined;
}

export interface VulnFinding {
  ecosystem: 'npm' | 'python';
  package: string;
  /** Installed version; '' when the tool did not say. */
  version: string;
  /** Where the package sits in the lockfile (npm: node_modules/a/node_modules/b). */
  location?: string;
  /** The id used in messages and exceptions: the GHSA id when known, else the tool's id. */
  advisoryId: string;
  /** Every id this advisory is known by (GHSA, CVE, PYSEC, npm's numeric id as npm:<n>). */
  ids: string[];
  title: string;
  url?: string;
  severity: Severity;
  /** Where the severity came from: the advisory itself, its CVSS score, or nowhere. */
  severitySource: 'advisory' | 'cvss' | 'none';
  cvssScore?: number;
  /** The advisory's vulnerable range, as the tool gave it. */
  vulnerableRange?: string;
  /** The first version that is not vulnerable, when the range or the tool says so. */
  fixedIn?: string;
  /** How to get rid of it (npm's fixAvailable), when known. */
  fix?: string;
  /** Dependency path from the project: ['rc', 'minimist'] for a transitive dependency. */
  path: string[];
  direct: boolean;
  /** Only in the dev dependency tree: not shipped at runtime. */
  dev: boolean;
  /** Line of the package's entry in the lockfile, when found. */
  line?: number;
}

// ---- version ranges --------------------------------------------------------------------------

interface Version {
  nums: [number, number, number];
  pre: string[];
}

export function parseVersion(text: string): Version | undefined {
  const m = /^\s*[v=]?\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?\s*$/.exec(text);
  if (!m) return undefined;
  return { nums: [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)], pre: m[4] ? m[4].split('.') : [] };
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a.nums[i] !== b.nums[i]) return a.nums[i]! - b.nums[i]!;
  // A prerelease sorts before its release.
  if (a.pre.length === 0 || b.pre.length === 0) return b.pre.length - a.pre.length;
  for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i];
    const y = b.pre[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) return nx - ny;
    if (!Number.isNaN(nx)) return -1;
    if (!Number.isNaN(ny)) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

interface Comparator {
  op: '<' | '<=' | '>' | '>=' | '=';
  version: Version;
  raw: string;
}

// Advisory ranges repeat across a report (one per advisory, many copies): read each once.
const parsedSets = new Map<string, Comparator[] | undefined>();

/** One `||` alternative: comparators that must all hold. Undefined when it cannot be read. */
function parseComparatorSet(text: string): Comparator[] | undefined {
  if (parsedSets.has(text)) return parsedSets.get(text);
  const parsed = readComparatorSet(text);
  if (parsedSets.size > 10_000) parsedSets.clear();
  parsedSets.set(text, parsed);
  return parsed;
}

function readComparatorSet(text: string): Comparator[] | undefined {
  const t = text.trim();
  if (t === '' || t === '*' || t === 'x') return [];
  const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(t);
  if (hyphen) {
    const lo = parseVersion(hyphen[1]!);
    const hi = parseVersion(hyphen[2]!);
    if (!lo || !hi) return undefined;
    return [
      { op: '>=', version: lo, raw: hyphen[1]! },
      { op: '<=', version: hi, raw: hyphen[2]! },
    ];
  }
  const out: Comparator[] = [];
  for (const m of t.replace(/(<=|>=|<|>|=)\s+/g, '$1').split(/\s+/)) {
    const c = /^(<=|>=|<|>|=)?(.+)$/.exec(m);
    const version = c ? parseVersion(c[2]!) : undefined;
    if (!c || !version) return undefined;
    out.push({ op: (c[1] ?? '=') as Comparator['op'], version, raw: c[2]!.replace(/^[v=]/, '') });
  }
  return out;
}

function holds(v: Version, c: Comparator): boolean {
  const d = compareVersions(v, c.version);
  switch (c.op) {
    case '<':
      return d < 0;
    case '<=':
      return d <= 0;
    case '>':
      return d > 0;
    case '>=':
      return d >= 0;
    default:
      return d === 0;
  }
}

/**
 * Whether `version` is inside an advisory range such as "<4.17.21", ">=1.0.0 <1.2.6",
 * "<0.2.4 || >=1.0.0 <1.2.6" or "1.0.0 - 1.2.3". Undefined when the version or the range cannot
 * be read: the caller then keeps the finding (the tool said it applies).
 */
export function rangeIncludes(range: string, version: string): boolean | undefined {
  const v = parseVersion(version);
  if (!v) return undefined;
  let readable = true;
  for (const alt of range.split('||')) {
    const set = parseComparatorSet(alt);
    if (!set) {
      readable = false;
      continue;
    }
    if (set.every((c) => holds(v, c))) return true;
  }
  return readable ? false : undefined;
}

/**
 * The first fixed version implied by the range for this installed version: the upper bound of
 * the alternative that contains it, when that bound is exclusive ("<4.17.21" -> 4.17.21).
 * An inclusive bound ("<=4.17.23") names no fixed version.
 */
export function fixedVersionFromRange(range: string, version: string): string | undefined {
  const v = parseVersion(version);
  for (const alt of range.split('||')) {
    const set = parseComparatorSet(alt);
    if (!set || set.length === 0) continue;
    if (v && !set.every((c) => holds(v, c))) continue;
    const upper = set.find((c) => c.op === '<');
    if (upper) return upper.raw;
    if (v) return undefined;
  }
  return undefined;
}

/** GHSA-xxxx-xxxx-xxxx out of an advisory URL or id. */
export function ghsaFrom(text: string | undefined): string | undefined {
  const m = text ? /GHSA(-[0-9a-z]{4}){3}/i.exec(text) : null;
  return m ? `GHSA${m[0].slice(4).toLowerCase()}` : undefined;
}
