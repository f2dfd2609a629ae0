/**
 * Runbooks a responder can follow. Collect: each alert's runbook_url or runbook annotation, the
 * file it names read at the head commit (a repository path, or a URL to this repository's file).
 * Judge (pure): present, resolvable, not a placeholder; the completeness percentage against the
 * threshold. Render: findings at the alert's line and the percentage in the evidence.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, normalize, resolve } from 'node:path';
import { execTool } from '../../core/exec.js';
import { isWithin } from '../../core/paths.js';
import type { Finding } from '../../core/evidence.js';

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
    const parts = url.pathname
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent);
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
  if (path === '' || isAbsolute(path) || normalize(path).startsWith('..'))
    return { kind: 'unresolvable', reason: `${JSON.stringify(value)} is neither a repository path nor a URL` };
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
  if (body.every((l) => PLACEHOLDER.test(l.replace(/^[-*]\s*/, ''))))
    return `names the runbook ${target.path}, which is a placeholder (${JSON.stringify(body[0]!.slice(0, 40))})`;
  return undefined;
}

/** One `git cat-file --batch` answer: the object's bytes when it is a blob, and where the next answer starts. */
function nextBatchAnswer(out: Buffer, at: number): { blob?: Buffer; next: number } | undefined {
  const eol = out.indexOf(0x0a, at);
  if (eol < 0) return undefined;
  const header = out.subarray(at, eol).toString('utf8');
  // "<name> missing" or "<name> ambiguous": no content follows.
  if (/ (?:missing|ambiguous)$/.test(header)) return { next: eol + 1 };
  const m = /^[0-9a-f]{40,64} (\w+) (\d+)$/.exec(header);
  if (!m) return undefined;
  const end = eol + 1 + Number(m[2]);
  if (end > out.length) return undefined;
  return { ...(m[1] === 'blob' ? { blob: out.subarray(eol + 1, end) } : {}), next: end + 1 };
}

/**
 * Reads repository files at the head commit, all through one `git cat-file --batch` (a git
 * process per file cost more than the rest of the contract check); the checked-out files where
 * the workspace is not a git repository. A file that is absent (or not a file) maps to undefined.
 */
export async function readAllAtHead(workspace: string, headSha: string, paths: readonly string[]): Promise<Map<string, string | undefined>> {
  const found = new Map<string, string | undefined>();
  // A line break would end the object name early in the batch protocol: such a path is never a runbook.
  const wanted = [...new Set(paths)].filter((p) => isWithin(workspace, resolve(workspace, p)) && !/[\r\n]/.test(p));
  for (const p of paths) found.set(p, undefined);
  if (wanted.length === 0) return found;
  const r = await execTool('git', ['cat-file', '--batch'], {
    cwd: workspace,
    timeoutMs: 30_000,
    input: wanted.map((p) => `${headSha}:${p}\n`).join(''),
    keepStdoutBytes: true,
  }).catch(() => undefined);
  if (r && r.exitCode === 0 && r.stdoutBytes) {
    let at = 0;
    for (const p of wanted) {
      const answer = nextBatchAnswer(r.stdoutBytes, at);
      if (!answer) break; // an answer git did not finish: the rest stay unread (absent), never guessed
      if (answer.blob) found.set(p, answer.blob.toString('utf8'));
      at = answer.next;
    }
    return found;
  }
  if (r && !/not a git repository/i.test(r.stderr)) return found;
  for (const p of wanted) {
    try {
      found.set(p, readFileSync(resolve(workspace, p), 'utf8'));
    } catch {
      // absent: stays undefined
    }
  }
  return found;
}

export interface RunbookReport {
  total: number;
  complete: number;
  percent: number;
  findings: Finding[];
}

export async function checkRunbooks(
  alerts: readonly RunbookAlert[],
  opts: { workspace: string; headSha: string; repository: string; serverUrl: string; threshold: number },
): Promise<RunbookReport> {
  const targets = alerts.map((a) => {
    const value = a.annotations.runbook_url ?? a.annotations.runbook;
    return { a, value, target: value === undefined ? undefined : runbookTarget(value.trim(), opts.repository, opts.serverUrl) };
  });
  const contents = await readAllAtHead(
    opts.workspace,
    opts.headSha,
    targets.flatMap((t) => (t.target?.kind === 'path' ? [t.target.path] : [])),
  );
  const checked = targets.map(({ a, value, target }) => ({
    a,
    problem: runbookProblem(value, target?.kind === 'path' ? contents.get(target.path) : undefined, target),
  }));
  const problems = checked.filter((c): c is { a: RunbookAlert; problem: string } => c.problem !== undefined);
  const total = alerts.length;
  const complete = total - problems.length;
  const percent = total === 0 ? 100 : Math.floor((complete / total) * 1000) / 10;
  const below = percent < opts.threshold;
  const findings = problems.map(({ a, problem }): Finding => ({
    severity: below ? 'error' : 'warning',
    file: a.file,
    line: a.line,
    rule: 'runbook',
    message: `alert ${a.alert} ${problem} (runbooks complete: ${percent}%, threshold ${opts.threshold}%)`,
  }));
  return { total, complete, percent, findings };
}
