/**
 * Runbooks a responder can follow. Collect: each alert's runbook_url or runbook annotation, the
 * file it names read at the head commit (a repository path, or a URL to this repository's file).
 * Judge (pure): present, resolvable, not a placeholder; the completeness percentage against the
 * threshold. Render: findings at the alert's line and the percentage in the evidence.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, normalize, resolve } from 'node:path';
import type { Finding } from '../../core/evidence.js';
import { execTool } from '../../core/exec.js';
import { isWithin } from '../../core/paths.js';

export interface RunbookAlert {
  alert: string;
  file: string;
  line: number;
  annotations: Record<string, string>;
}

export type RunbookTarget = { kind: 'path'; path: string } | { kind: 'unresolvable'; reason: string };

const PLACEHOLDER = /^(?:todo|tbd|fixme|xxx|n\/?a|none|-|\.\.\.|placeholder)\b/i;

/** A repository path, or a GitHub URL to a file of this repository (blob or raw, any ref). */
export function runbookTarget(value: string, repository: string, serverUrl: string): RunbookTarget {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return { kind: 'unresolvable', reason: `${JSON.stringify(value)} is not a URL` };
    }
    const server = new URL(serverUrl);
    const parts = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
    const repo = `${parts[0] ?? ''}/${parts[1] ?? ''}`;
    const sameHost = url.host === server.host || url.host === `raw.${server.host.replace(/^www\./, '')}` || url.host === 'raw.githubusercontent.com';
    if (!sameHost || repo.toLowerCase() !== repository.toLowerCase()) {
      return { kind: 'unresolvable', reason: `${value} is not a file of ${repository}: only this repository's files can be checked at the head commit` };
    }
    // /owner/repo/blob/<ref>/path or raw: /owner/repo/<ref>/path (a ref with slashes is not supported).
    const rest = parts[2] === 'blob' || parts[2] === 'tree' ? parts.slice(4) : parts.slice(3);
    if (rest.length === 0) return { kind: 'unresolvable', reason: `${value} names no file in ${repository}` };
    return { kind: 'path', path: rest.join('/') };
  }
  const path = value.split('#')[0]!.trim();
  if (path === '' || isAbsolute(path) || normalize(path).startsWith('..')) return { kind: 'unresolvable', reason: `${JSON.stringify(value)} is neither a repository path nor a URL` };
  return { kind: 'path', path: normalize(path) };
}

/** Why a runbook is not one a responder can follow, or undefined when it is. */
export function runbookProblem(value: string | undefined, content: string | undefined, target: RunbookTarget | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return 'has no runbook_url or runbook annotation';
  if (PLACEHOLDER.test(value.trim())) return `has a placeholder runbook ${JSON.stringify(value)}`;
  if (!target || target.kind === 'unresolvable') return `has a runbook that cannot be resolved: ${target?.kind === 'unresolvable' ? target.reason : value}`;
  if (content === undefined) return `names the runbook ${target.path}, which does not exist at the head commit`;
  const body = content
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^#+\s/.test(l) && !/^#+$/.test(l));
  if (body.length === 0) return `names the runbook ${target.path}, which is empty (headings only)`;
  if (body.every((l) => PLACEHOLDER.test(l.replace(/^[-*]\s*/, '')))) return `names the runbook ${target.path}, which is a placeholder (${JSON.stringify(body[0]!.slice(0, 40))})`;
  return undefined;
}

/** Reads a repository file at the head commit; the checked-out file where the workspace is not a git repository. */
export async function readAtHead(workspace: string, headSha: string, path: string): Promise<string | undefined> {
  const abs = resolve(workspace, path);
  if (!isWithin(workspace, abs)) return undefined;
  const r = await execTool('git', ['cat-file', 'blob', `${headSha}:${path}`], { cwd: workspace, timeoutMs: 30_000 }).catch(() => undefined);
  if (r && r.exitCode === 0) return r.stdout;
  if (r && !/not a git repository/i.test(r.stderr)) return undefined;
  try {
    return readFileSync(abs, 'utf8');
  } catch {
    return undefined;
  }
}

export interface RunbookReport {
  total: number;
  complete: number;
  percent: number;
  findings: Finding[];
}

export async function checkRunbooks(alerts: readonly RunbookAlert[], o: { workspace: string; headSha: string; repository: string; serverUrl: string; threshold: number }): Promise<RunbookReport> {
  // Read side by side: each is one short git process, and the gate waits on the slowest only.
  const checked = await Promise.all(
    alerts.map(async (a) => {
      const value = a.annotations.runbook_url ?? a.annotations.runbook;
      const target = value === undefined ? undefined : runbookTarget(value.trim(), o.repository, o.serverUrl);
      const content = target?.kind === 'path' ? await readAtHead(o.workspace, o.headSha, target.path) : undefined;
      return { a, problem: runbookProblem(value, content, target) };
    }),
  );
  const problems = checked.filter((c): c is { a: RunbookAlert; problem: string } => c.problem !== undefined);
  const total = alerts.length;
  const complete = total - problems.length;
  const percent = total === 0 ? 100 : Math.floor((complete / total) * 1000) / 10;
  const below = percent < o.threshold;
  const findings = problems.map(({ a, problem }): Finding => ({
    severity: below ? 'error' : 'warning',
    file: a.file,
    line: a.line,
    rule: 'runbook',
    message: `alert ${a.alert} ${problem} (runbooks complete: ${percent}%, threshold ${o.threshold}%)`,
  }));
  return { total, complete, percent, findings };
}
