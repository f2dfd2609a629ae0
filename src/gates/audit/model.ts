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

// unknown sorts with critical: it is treated as blocking.
const SORT_RANK: Record<Severity, number> = { ...RANK, unknown: 4.5 };

export function compareSeverity(a: Severity, b: Severity): number {
  return SORT_RANK[b] - SORT_RANK[a];
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
//
// npm decides which installed copies an advisory covers with node-semver's
// `satisfies(version, range, { includePrerelease: true, loose: true })` (@npmcli/metavuln-calculator).
// This is that check for the grammar node-semver reads: `||` alternatives, hyphen ranges, x-ranges
// and partial versions (`1.2` = `>=1.2.0-0 <1.3.0-0`, `<=1.2` = `<1.3.0-0`, `1.x`, `*`), tilde and
// caret, each desugared the way node-semver does it with includePrerelease. Anything else is
// "cannot tell" (undefined): the caller then keeps the finding npm reported, never drops it.

export interface Version {
  nums: [number, number, number];
  pre: string[];
}

type Op = '<' | '<=' | '>' | '>=' | '=';

interface Comparator {
  op: Op;
  version: Version;
  /** Set on an exclusive bound the advisory wrote as a full version (`<4.17.21`): the fixed release. */
  fixed?: string;
}

const NUM = String.raw`\d+`;
const PRE = String.raw`(?:-?([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?`;
// A full version, loose: "v1.2.3", "=1.2.3", "1.2.3-beta.1", "1.2.3beta".
const FULL = new RegExp(String.raw`^[v=\s]*(${NUM})\.(${NUM})\.(${NUM})${PRE}$`);
// A possibly partial version with x-range wildcards: "1", "1.2", "1.x", "1.2.*", "1.2.3-rc.1".
const PARTIAL = new RegExp(String.raw`^[v=\s]*(${NUM}|[xX*])(?:\.(${NUM}|[xX*])(?:\.(${NUM}|[xX*])${PRE})?)?$`);
const COMPARATOR = /^(<=|>=|<|>|=|~>?|\^)?(.*)$/;

function safeInt(text: string): number | undefined {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A full version (what a lockfile records). Undefined for anything else (a git URL, a tag, "1.2"). */
export function parseVersion(text: string): Version | undefined {
  const m = FULL.exec(text.trim());
  if (!m) return undefined;
  const nums = [safeInt(m[1]!), safeInt(m[2]!), safeInt(m[3]!)];
  if (nums.some((n) => n === undefined)) return undefined;
  return { nums: nums as [number, number, number], pre: m[4] ? m[4].split('.') : [] };
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

interface Partial {
  /** undefined = a wildcard (x, X, * or missing). */
  M?: number;
  m?: number;
  p?: number;
  pre: string[];
  text: string;
}

function parsePartial(text: string): Partial | undefined {
  const r = PARTIAL.exec(text);
  if (!r) return undefined;
  const parts: (number | undefined)[] = [];
  let wild = false;
  for (const s of [r[1], r[2], r[3]]) {
    if (s === undefined || s === 'x' || s === 'X' || s === '*') {
      wild = true;
      parts.push(undefined);
      continue;
    }
    // "1.x.3", "x.1", "1.2.x-beta": node-semver refuses or mangles these; so do we (cannot tell).
    if (wild) return undefined;
    const n = safeInt(s);
    if (n === undefined) return undefined;
    parts.push(n);
  }
  if (wild && r[4]) return undefined;
  const [M, m, p] = parts;
  return { M, m, p, pre: r[4] ? r[4].split('.') : [], text: text.replace(/^[v=\s]+/, '') };
}

const v = (M: number, m: number, p: number, pre: string[] = []): Version => ({ nums: [M, m, p], pre });
/** node-semver's "-0": the lowest prerelease, so a bound takes in the prereleases of that version. */
const Z = ['0'];
/** Matches nothing (`<0.0.0-0`). */
const NONE: Comparator = { op: '<', version: v(0, 0, 0, Z) };

/** `<=1.2`, `>1`, `1.2.x`, `=1.2.3`: node-semver's replaceXRange with includePrerelease. */
function xRange(op: '' | Op, x: Partial): Comparator[] {
  if (x.M === undefined) return op === '<' || op === '>' ? [NONE] : [];
  if (x.p !== undefined)
    return [{ op: op === '' ? '=' : op, version: v(x.M, x.m!, x.p, x.pre), ...(op === '<' && x.pre.length === 0 ? { fixed: x.text } : {}) }];
  if (op === '' || op === '=') {
    return x.m === undefined
      ? [
          { op: '>=', version: v(x.M, 0, 0, Z) },
          { op: '<', version: v(x.M + 1, 0, 0, Z) },
        ]
      : [
          { op: '>=', version: v(x.M, x.m, 0, Z) },
          { op: '<', version: v(x.M, x.m + 1, 0, Z) },
        ];
  }
  let M = x.M;
  let m = x.m ?? 0;
  if (op === '>') {
    if (x.m === undefined) M += 1;
    else m += 1;
    return [{ op: '>=', version: v(M, x.m === undefined ? 0 : m, 0, Z) }];
  }
  if (op === '<=') {
    if (x.m === undefined) M += 1;
    else m += 1;
    return [{ op: '<', version: v(M, x.m === undefined ? 0 : m, 0, Z) }];
  }
  // '<' and '>=' on a partial version: its first prerelease.
  return [{ op, version: v(M, m, 0, Z) }];
}

function tilde(x: Partial): Comparator[] {
  if (x.M === undefined) return [];
  if (x.m === undefined)
    return [
      { op: '>=', version: v(x.M, 0, 0, Z) },
      { op: '<', version: v(x.M + 1, 0, 0, Z) },
    ];
  // "~1.2" is "1.2.x" (its prereleases included); "~1.2.3" starts at 1.2.3 itself.
  const lo = x.p === undefined ? v(x.M, x.m, 0, Z) : v(x.M, x.m, x.p, x.pre);
  return [
    { op: '>=', version: lo },
    { op: '<', version: v(x.M, x.m + 1, 0, Z) },
  ];
}

function caret(x: Partial): Comparator[] {
  if (x.M === undefined) return [];
  const { M } = x;
  if (x.m === undefined)
    return [
      { op: '>=', version: v(M, 0, 0, Z) },
      { op: '<', version: v(M + 1, 0, 0, Z) },
    ];
  const m = x.m;
  if (x.p === undefined)
    return [
      { op: '>=', version: v(M, m, 0, Z) },
      { op: '<', version: M === 0 ? v(0, m + 1, 0, Z) : v(M + 1, 0, 0, Z) },
    ];
  const p = x.p;
  // A full version is its own lower bound (its prereleases are below it).
  const lo = v(M, m, p, x.pre);
  const hi = M !== 0 ? v(M + 1, 0, 0, Z) : m !== 0 ? v(0, m + 1, 0, Z) : v(0, 0, p + 1, Z);
  return [
    { op: '>=', version: lo },
    { op: '<', version: hi },
  ];
}

/** `1.0.0 - 1.2`: node-semver's hyphenReplace with includePrerelease. */
function hyphen(from: Partial, to: Partial): Comparator[] {
  const out: Comparator[] = [];
  if (from.M !== undefined) {
    const lo =
      from.m === undefined
        ? v(from.M, 0, 0, Z)
        : from.p === undefined
          ? v(from.M, from.m, 0, Z)
          : v(from.M, from.m, from.p, from.pre.length > 0 ? from.pre : Z);
    out.push({ op: '>=', version: lo });
  }
  if (to.M !== undefined) {
    if (to.m === undefined) out.push({ op: '<', version: v(to.M + 1, 0, 0, Z) });
    else if (to.p === undefined) out.push({ op: '<', version: v(to.M, to.m + 1, 0, Z) });
    else if (to.pre.length > 0) out.push({ op: '<=', version: v(to.M, to.m, to.p, to.pre) });
    else out.push({ op: '<', version: v(to.M, to.m, to.p + 1, Z) });
  }
  return out;
}

/** One `||` alternative as comparators that must all hold ([] = any). Undefined when it cannot be read. */
function readComparatorSet(text: string): Comparator[] | undefined {
  const t = text.trim();
  const h = /^(\S+)\s+-\s+(\S+)$/.exec(t);
  if (h) {
    const from = parsePartial(h[1]!);
    const to = parsePartial(h[2]!);
    return from && to ? hyphen(from, to) : undefined;
  }
  if (t === '') return [];
  const out: Comparator[] = [];
  // node-semver joins an operator to its version: ">= 1.2" is ">=1.2", "~> 1.2" is "~1.2".
  for (const token of t.replace(/(<=|>=|<|>|=|~>?|\^)\s+/g, '$1').split(/\s+/)) {
    const c = COMPARATOR.exec(token)!;
    const x = parsePartial(c[2]!);
    if (!x) return undefined;
    const op = c[1] ?? '';
    if (op.startsWith('~')) out.push(...tilde(x));
    else if (op === '^') out.push(...caret(x));
    else out.push(...xRange(op as '' | Op, x));
  }
  return out;
}

function holds(version: Version, c: Comparator): boolean {
  const d = compareVersions(version, c.version);
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

/** A range read once: its `||` alternatives, each undefined when it cannot be read. */
type CompiledRange = (Comparator[] | undefined)[];

// A report repeats the same few ranges and versions thousands of times (one per advisory and
// installed copy): each is read once per run. Bounded so a long-lived process cannot grow them.
const compiledRanges = new Map<string, CompiledRange>();
const parsedVersions = new Map<string, Version | undefined>();
const CACHE_LIMIT = 10_000;

function compiledRange(range: string): CompiledRange {
  let c = compiledRanges.get(range);
  if (c === undefined) {
    c = range.split('||').map(readComparatorSet);
    if (compiledRanges.size >= CACHE_LIMIT) compiledRanges.clear();
    compiledRanges.set(range, c);
  }
  return c;
}

function cachedVersion(version: string): Version | undefined {
  if (parsedVersions.has(version)) return parsedVersions.get(version);
  const v = parseVersion(version);
  if (parsedVersions.size >= CACHE_LIMIT) parsedVersions.clear();
  parsedVersions.set(version, v);
  return v;
}

const allHold = (version: Version, set: Comparator[]) => {
  for (const c of set) if (!holds(version, c)) return false;
  return true;
};

export interface RangeVerdict {
  /** Whether the version is in the range, as npm decides it; undefined when either cannot be read. */
  includes: boolean | undefined;
  /** The fixed release the range names for this version (see fixedVersionFromRange). */
  fixed?: string;
}

/**
 * rangeIncludes and fixedVersionFromRange in one pass, for the normaliser's loop (one call per
 * advisory and installed copy).
 */
export function rangeVerdict(range: string, version: string): RangeVerdict {
  const alts = compiledRange(range);
  const parsed = version === '' ? undefined : cachedVersion(version);
  let readable = parsed !== undefined;
  let fixed: string | undefined;
  for (const set of alts) {
    if (set === undefined) {
      readable = false;
      continue;
    }
    if (parsed === undefined) {
      // No version: the first bound named anywhere is the best guess at the fix.
      fixed ??= set.find((c) => c.fixed !== undefined)?.fixed;
      continue;
    }
    if (allHold(parsed, set)) {
      // The alternative that contains the version decides the fix (only an explicit bound names one).
      const upper = set.find((c) => c.fixed !== undefined);
      return upper ? { includes: true, fixed: upper.fixed } : { includes: true };
    }
  }
  if (parsed === undefined) return fixed !== undefined ? { includes: undefined, fixed } : { includes: undefined };
  return { includes: readable ? false : undefined };
}

/**
 * Whether `version` is inside an advisory range, as npm decides it. Undefined when the version or
 * the range cannot be read: the caller then keeps the finding (the tool said it applies).
 */
export function rangeIncludes(range: string, version: string): boolean | undefined {
  return rangeVerdict(range, version).includes;
}

/**
 * The first fixed version implied by the range for this installed version: the upper bound of
 * the alternative that contains it, when the advisory wrote that bound as an exclusive full
 * version ("<4.17.21" -> 4.17.21). An inclusive or partial bound ("<=4.17.23", "<=1.2") names none.
 */
export function fixedVersionFromRange(range: string, version: string): string | undefined {
  return rangeVerdict(range, version).fixed;
}

/** GHSA-xxxx-xxxx-xxxx out of an advisory URL or id. */
export function ghsaFrom(text: string | undefined): string | undefined {
  const m = text ? /GHSA(-[0-9a-z]{4}){3}/i.exec(text) : null;
  return m ? `GHSA${m[0].slice(4).toLowerCase()}` : undefined;
}
