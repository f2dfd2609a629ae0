/**
 * gitleaks' JSON report in, redacted findings out; .gitleaksignore, baseline and SARIF. Nothing
 * here ever keeps gitleaks' `Secret` or `Match` fields: they are dropped on parse.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigurationError } from '../../core/errors.js';

/** One finding as the gate keeps it: no secret, no matched text, no line content. */
export interface SecretFinding {
  rule: string;
  description: string;
  file: string;
  startLine: number;
  endLine: number;
  startColumn: number;
  endColumn: number;
  /** The commit that added the line; empty for working-tree scans. */
  commit: string;
  /** gitleaks' own form: commit:file:rule:line (git scans) or file:rule:line (tree scans). */
  fingerprint: string;
  entropy: number;
  tags: string[];
}

export type Suppression = { by: 'gitleaksignore' } | { by: 'baseline' } | { by: 'exception'; where: string; owner: string; expires: string };

const num = z.number().finite().catch(0);
const rawFinding = z
  .object({
    RuleID: z.string(),
    Description: z.string().catch(''),
    StartLine: z.number().int().catch(0),
    EndLine: z.number().int().catch(0),
    StartColumn: z.number().int().catch(0),
    EndColumn: z.number().int().catch(0),
    File: z.string(),
    Commit: z.string().catch(''),
    Entropy: num,
    Tags: z.array(z.string()).nullable().catch([]),
    Fingerprint: z.string().catch(''),
  })
  .passthrough();

/** Fields that hold the secret or the line around it when a report is not redacted. */
const SECRET_FIELDS = ['Secret', 'Match', 'Line'];

export type RawGitleaksFinding = z.infer<typeof rawFinding>;

/**
 * Parses a gitleaks JSON report; throws with what is wrong (the caller reports `error`). The
 * returned objects carry no Secret or Match field whatever the report held.
 */
export function parseGitleaksReport(text: string): RawGitleaksFinding[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('the gitleaks report is not JSON');
  }
  if (data === null) return [];
  const parsed = z.array(rawFinding).safeParse(data);
  if (!parsed.success)
    throw new Error(`the gitleaks report is not in gitleaks' JSON format: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
  return parsed.data.map((f) => {
    const kept: Record<string, unknown> = { ...f };
    for (const field of SECRET_FIELDS) delete kept[field];
    return kept as RawGitleaksFinding;
  });
}

export function fingerprintOf(commit: string, file: string, rule: string, line: number): string {
  return commit ? `${commit}:${file}:${rule}:${line}` : `${file}:${rule}:${line}`;
}

/** The commit-less form, which .gitleaksignore also accepts for a finding in any commit. */
export function globalFingerprint(f: SecretFinding): string {
  return `${f.file}:${f.rule}:${f.startLine}`;
}

// ---- .gitleaksignore ------------------------------------------------------------------------

/** Fingerprints from a .gitleaksignore: one per line, `#` comments and blank lines skipped. */
export function parseGitleaksIgnore(text: string): Set<string> {
  const out = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    out.add(line);
  }
  return out;
}

export function readGitleaksIgnore(path: string): Set<string> {
  if (!existsSync(path)) return new Set();
  return parseGitleaksIgnore(readFileSync(path, 'utf8'));
}

// ---- baseline -------------------------------------------------------------------------------

const baselineEntry = z
  .object({
    RuleID: z.string(),
    File: z.string(),
    StartLine: z.number().int(),
    Commit: z.string().optional().catch(''),
    Fingerprint: z.string().optional().catch(''),
  })
  .passthrough();

/**
 * A baseline is an earlier gitleaks JSON report (or this gate's report-path file, which has the
 * same shape). Each entry names one finding by its fingerprint; entries without one are keyed
 * the same way gitleaks builds fingerprints.
 */
export function readBaseline(path: string, input = 'baseline-path'): Set<string> {
  if (!existsSync(path))
    throw new ConfigurationError(`input "${input}" names ${path}, which does not exist: give a gitleaks JSON report (gitleaks ... --report-format json)`);
  return parseBaseline(readFileSync(path, 'utf8'), path, input);
}

/** A baseline's text; `where` names it in messages (a path, or a path at a commit). */
export function parseBaseline(text: string, where: string, input = 'baseline-path'): Set<string> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`input "${input}": ${where} is not JSON: give a gitleaks JSON report (gitleaks ... --report-format json)`);
  }
  if (data === null) return new Set();
  const parsed = z.array(baselineEntry).safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigurationError(
      `input "${input}": ${where} is not a gitleaks JSON report: entry ${issue?.path.join('.')} ${issue?.message}; expected a list of findings with RuleID, File, StartLine (Commit, Fingerprint)`,
    );
  }
  return new Set(parsed.data.map((e) => (e.Fingerprint ? e.Fingerprint : fingerprintOf(e.Commit ?? '', e.File, e.RuleID, e.StartLine))));
}

// ---- outputs --------------------------------------------------------------------------------

export interface ReportedFinding extends SecretFinding {
  suppression?: Suppression;
}

/**
 * The normalised report: gitleaks' JSON field names (so it can be fed back as a baseline, to this
 * gate or to gitleaks), redacted by construction, plus the suppression that applied.
 */
export function renderReport(findings: readonly ReportedFinding[]): string {
  const rows = findings.map((f) => ({
    RuleID: f.rule,
    Description: f.description,
    StartLine: f.startLine,
    EndLine: f.endLine,
    StartColumn: f.startColumn,
    EndColumn: f.endColumn,
    Match: 'REDACTED',
    Secret: 'REDACTED',
    File: f.file,
    Commit: f.commit,
    Entropy: f.entropy,
    Tags: f.tags,
    Fingerprint: f.fingerprint,
    Status: f.suppression ? 'suppressed' : 'open',
    ...(f.suppression ? { SuppressedBy: f.suppression } : {}),
  }));
  return `${JSON.stringify(rows, null, 2)}\n`;
}

function sarifUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** SARIF 2.1.0 for github/codeql-action/upload-sarif: open findings only, no secret text. */
export function renderSarif(findings: readonly ReportedFinding[], toolVersion: string): string {
  const open = findings.filter((f) => !f.suppression);
  const ruleIds = [...new Set(open.map((f) => f.rule))].sort();
  const rules = ruleIds.map((id) => {
    const description = open.find((f) => f.rule === id)?.description || id;
    return { id, name: id, shortDescription: { text: description }, defaultConfiguration: { level: 'error' }, properties: { tags: ['security', 'secret'] } };
  });
  const results = open.map((f) => ({
    ruleId: f.rule,
    ruleIndex: ruleIds.indexOf(f.rule),
    level: 'error',
    message: {
      text: `${f.rule}: ${f.description.replace(/\.+$/, '') || 'secret detected'}${f.commit ? ` (added in commit ${f.commit})` : ''}. Fingerprint: ${f.fingerprint}`,
    },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: sarifUri(f.file), uriBaseId: '%SRCROOT%' },
          region: {
            startLine: Math.max(1, f.startLine),
            ...(f.endLine >= f.startLine ? { endLine: f.endLine } : {}),
            ...(f.startColumn > 0 ? { startColumn: f.startColumn } : {}),
            ...(f.endColumn > 0 && f.endLine === f.startLine && f.endColumn >= f.startColumn ? { endColumn: f.endColumn + 1 } : {}),
          },
        },
      },
    ],
    partialFingerprints: { 'gitleaks/fingerprint/v1': f.fingerprint },
    ...(f.commit ? { properties: { commitSha: f.commit } } : {}),
  }));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'gitleaks', semanticVersion: toolVersion || undefined, informationUri: 'https://github.com/gitleaks/gitleaks', rules } },
        automationDetails: { id: 'release-safety/secrets/' },
        results,
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
