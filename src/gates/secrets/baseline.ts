/**
 * The baseline of findings that already exist on main, as `.gitleaksignore` lines: what
 * `npx release-safety baseline secrets` writes from a scan of the whole history (or the working
 * tree). The gate reads `.gitleaksignore` from the base commit on range scans (policy.ts), so once
 * the file is committed to main every pull request and every later history scan obeys it, while a
 * change cannot add to it for itself.
 */
import { z } from 'zod';
import { ConfigurationError } from '../../core/errors.js';
import { parseGitleaksIgnore } from './report.js';

/** What the baseline takes from the gate's report-path file (gitleaks field names plus Status). */
const reportEntry = z.object({
  Fingerprint: z.string().min(1),
  Status: z.enum(['open', 'suppressed']),
  File: z.string(),
  RuleID: z.string(),
  StartLine: z.number().int(),
});

/**
 * The open findings' fingerprints of a report written by the secrets gate (its report-path
 * output), and how many findings were suppressed already (by .gitleaksignore, a baseline or an exception).
 */
export function openFingerprints(text: string, where: string): { open: string[]; suppressed: number } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`${where} is not JSON: expected the secrets gate's report (its report-path output)`);
  }
  const parsed = z.array(reportEntry).safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigurationError(
      `${where} is not the secrets gate's report: entry ${issue?.path.join('.') ?? '?'} is not in its form (Fingerprint, Status open or suppressed, File, RuleID, StartLine)`,
    );
  }
  return {
    open: [...new Set(parsed.data.filter((e) => e.Status === 'open').map((e) => e.Fingerprint))],
    suppressed: parsed.data.filter((e) => e.Status === 'suppressed').length,
  };
}

export interface BaselineHeader {
  /** The commit scanned. */
  commit: string;
  /** What was scanned: "history" or "tree". */
  scope: string;
  /** YYYY-MM-DD. */
  date: string;
}

/**
 * `existing` (a .gitleaksignore's text, '' when there is none) with the fingerprints it does not
 * hold yet appended under one dated comment. Existing lines are kept as they are.
 */
export function mergeIntoGitleaksIgnore(existing: string, fingerprints: readonly string[], header: BaselineHeader): { text: string; added: string[] } {
  const present = parseGitleaksIgnore(existing);
  const added = fingerprints.filter((fp) => !present.has(fp));
  if (added.length === 0) return { text: existing, added };
  const block = [
    `# release-safety baseline: ${added.length} finding(s) that already exist (scope ${header.scope} at ${header.commit.slice(0, 12)}), written ${header.date} by "npx release-safety baseline secrets".`,
    '# Each line is a gitleaks fingerprint. A baselined secret is still a leaked secret: rotate it, then delete its line.',
    ...added,
  ];
  const separator = existing === '' ? '' : existing.endsWith('\n') ? '\n' : '\n\n';
  return { text: `${existing}${separator}${block.join('\n')}\n`, added };
}
