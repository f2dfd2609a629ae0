// Part of the rules gate's collect phase: alert hygiene over one parsed rule file (our own check,
// run like a tool; judge only counts its findings).
import { existsSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { isBaselineCheck, rulesFingerprint } from './baseline.js';
import { formatDuration, parseDuration } from './duration.js';
import type { Finding } from '../../core/evidence.js';
import type { RuleFile } from './sources.js';

export const LEVELS = ['error', 'warning', 'off'] as const;
export type Level = (typeof LEVELS)[number];

export interface HygienePolicy {
  severity: Level;
  /** Allowed severity label values; empty = any. */
  severities: string[];
  summary: Level;
  runbook: Level;
  minForMs?: number;
  minFor: Level;
  duplicates: Level;
}

/** `of`: the group and rule the finding is about; it gives the finding its baseline fingerprint (baseline.ts). */
function finding(level: Exclude<Level, 'off'>, file: string, line: number, rule: string, message: string, of?: { group: string; name: string }): Finding {
  const fingerprint = of && isBaselineCheck(rule) ? { fingerprint: rulesFingerprint({ file, group: of.group, rule: of.name, check: rule }) } : {};
  return { severity: level, file, line, rule, message, ...fingerprint };
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
const NOT_A_DURATION = 'is not a Prometheus duration (e.g. 30s, 5m, 1h30m)';

/**
 * Alert hygiene on one rule file, each check at its own level. Invalid durations (a group's
 * interval, a rule's for: and keep_firing_for:) are always an error (Prometheus refuses to load them). Findings point at the alert's line in the original file.
 */
export function checkHygiene(rf: RuleFile, p: HygienePolicy, workspace: string): Finding[] {
  const out: Finding[] = [];
  for (const group of rf.groups) {
    if (group.interval !== undefined && parseDuration(group.interval) === undefined) {
      out.push(
        finding(
          'error',
          rf.file,
          group.intervalLine ?? group.line,
          'invalid-duration',
          `group "${group.name}": "interval: ${group.interval}" ${NOT_A_DURATION}`,
        ),
      );
    }
    const seen = new Map<string, number>();
    for (const rule of group.rules) {
      if (rule.for !== undefined && parseDuration(rule.for) === undefined) {
        out.push(finding('error', rf.file, rule.forLine ?? rule.line, 'invalid-duration', `${rule.kind} ${rule.name}: "for: ${rule.for}" ${NOT_A_DURATION}`));
      }
      if (rule.keepFiringFor !== undefined && parseDuration(rule.keepFiringFor) === undefined) {
        out.push(
          finding(
            'error',
            rf.file,
            rule.keepFiringForLine ?? rule.line,
            'invalid-duration',
            `${rule.kind} ${rule.name}: "keep_firing_for: ${rule.keepFiringFor}" ${NOT_A_DURATION}`,
          ),
        );
      }
      if (rule.kind !== 'alert') continue;
      const a = rule.name;
      const of = { group: group.name, name: a };
      if (p.duplicates !== 'off') {
        const first = seen.get(a);
        if (first !== undefined)
          out.push(
            finding(p.duplicates, rf.file, rule.line, 'duplicate-alert', `alert ${a} is defined twice in group "${group.name}" (first at line ${first})`, of),
          );
        else seen.set(a, rule.line);
      }
      const severity = rule.labels.severity;
      if (p.severity !== 'off') {
        if (severity === undefined || severity === '') {
          out.push(finding(p.severity, rf.file, rule.line, 'require-severity', `alert ${a} has no severity label`, of));
        } else if (p.severities.length > 0 && !p.severities.includes(severity)) {
          out.push(
            finding(
              p.severity,
              rf.file,
              rule.line,
              'require-severity',
              `alert ${a} has severity "${severity}", which is not one of ${p.severities.join(', ')}`,
              of,
            ),
          );
        }
      }
      if (p.summary !== 'off' && !rule.annotations.summary && !rule.annotations.description) {
        out.push(finding(p.summary, rf.file, rule.line, 'require-summary', `alert ${a} has neither a summary nor a description annotation`, of));
      }
      if (p.runbook !== 'off') {
        const runbook = rule.annotations.runbook_url || rule.annotations.runbook;
        if (!runbook) {
          out.push(finding(p.runbook, rf.file, rule.line, 'require-runbook', `alert ${a} has no runbook_url or runbook annotation`, of));
        } else if (!URL_LIKE.test(runbook) && !runbook.includes('{{')) {
          // A repository path: it must exist, or the runbook link in the page is dead.
          const path = runbook.split('#')[0]!;
          if (isAbsolute(path) || normalize(path).startsWith('..') || !existsSync(join(workspace, path))) {
            out.push(
              finding(
                p.runbook,
                rf.file,
                rule.line,
                'require-runbook',
                `alert ${a}: runbook ${JSON.stringify(runbook)} is neither a URL nor a file in the repository`,
                of,
              ),
            );
          }
        }
      }
      if (p.minFor !== 'off' && p.minForMs !== undefined && p.minForMs > 0) {
        const ms = rule.for === undefined ? 0 : parseDuration(rule.for);
        if (ms !== undefined && ms < p.minForMs) {
          out.push(
            finding(
              p.minFor,
              rf.file,
              rule.forLine ?? rule.line,
              'min-for',
              `alert ${a} ${rule.for === undefined ? 'has no for:' : `waits only for: ${rule.for}`}, below the minimum ${formatDuration(p.minForMs)}: a single bad evaluation would page`,
              of,
            ),
          );
        }
      }
    }
  }
  return out;
}
