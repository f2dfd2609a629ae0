/**
 * Collect: what gitleaks finds in the working tree or in the lines a commit range added. A range
 * is read with one `git log -p` for every commit (two-parent merges as remerge diffs: what the
 * merge changed beyond the automatic merge) and one `--cc` log for merges of three or more
 * parents, which git's remerge diff prints nothing for; every commit git lists must be seen.
 */
import { copyFileSync, linkSync, lstatSync, mkdirSync, readdirSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ToolError } from '../../core/errors.js';
import { runGitleaksDir, reportPathFor, type GitleaksDirResult } from './gitleaks.js';
import { LayeredScratchTree, PatchParser, RESERVED_DIR, reportedScratchPath, scannableName, type LineOrigin, type SkippedFile } from './patch.js';
import { GITLEAKSIGNORE, type AppliedPolicy } from './policy.js';
import { countCommits, gitIn, UnresolvableRangeError, type Git, type ScanPlan } from './range.js';
import { fingerprintOf, type RawGitleaksFinding, type SecretFinding } from './report.js';
import type { Logger } from '../../core/log.js';

export interface ScanResult {
  findings: SecretFinding[];
  commitsScanned: number;
  filesScanned: number;
  range: string;
  description: string;
  note?: string;
  /** Added content not scanned (unsafe paths, files gitleaks skipped as binary), each counted and shown. */
  skipped: SkippedFile[];
  /** Files whose added lines held NUL bytes, scanned with them removed. */
  withNulBytes: number;
  gitleaksRuns: number;
  base?: string;
  head?: string;
}

export interface ScanContext {
  gitleaks: string;
  repoDir: string;
  policy: AppliedPolicy;
  log: Logger;
  /** Private scratch directory (removed by the caller); holds empty.gitleaksignore. */
  scratch: string;
  timeoutMs: number;
}

function scanConcurrency(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

function gitleaksIn(ctx: ScanContext, cwd: string, n: number): Promise<GitleaksDirResult> {
  return runGitleaksDir({
    gitleaks: ctx.gitleaks,
    ...(ctx.policy.configPath ? { configPath: ctx.policy.configPath } : {}),
    cwd,
    reportPath: reportPathFor(ctx.scratch, n),
    emptyIgnorePath: join(ctx.scratch, 'empty.gitleaksignore'),
    timeoutMs: ctx.timeoutMs,
    log: ctx.log,
  });
}

async function pool<T>(items: readonly T[], width: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

/** Files of the checkout (.git left out), and those gitleaks would not open for their name. */
function inventory(dir: string): { files: number; archiveLike: number } {
  let files = 0;
  let archiveLike = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (e.name !== '.git') walk(join(d, e.name));
      } else if (e.isFile()) {
        files++;
        if (scannableName(e.name) !== e.name) archiveLike++;
      }
    }
  };
  walk(dir);
  return { files, archiveLike };
}

/**
 * A view of the checkout that gitleaks scans whole: without a root .gitleaksignore (gitleaks 8
 * applies <source>/.gitleaksignore itself even when --gitleaks-ignore-path names another file,
 * and what it drops never reaches the report or the suppressed count; the file itself is placed
 * under `reservedDir` so a secret written into it is still scanned), and with archive-like names
 * renamed (see scannableName). Files are hard-linked (copied across file systems), symlinks
 * recreated as they are, .git directories left out (gitleaks skips them). Returns the view's
 * scanned paths mapped to the checkout's.
 */
function scannableView(repoDir: string, dest: string, reservedDir: string): Map<string, string> {
  const renamed = new Map<string, string>();
  const place = (from: string, to: string) => {
    const st = lstatSync(from);
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (st.isFile()) {
      try {
        linkSync(from, to);
      } catch {
        copyFileSync(from, to);
      }
    }
  };
  const walk = (from: string, to: string, rel: string) => {
    mkdirSync(to, { recursive: true });
    for (const e of readdirSync(from, { withFileTypes: true })) {
      const src = join(from, e.name);
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name !== '.git') walk(src, join(to, e.name), path);
      } else if (rel === '' && e.name === GITLEAKSIGNORE) {
        mkdirSync(join(to, reservedDir), { recursive: true });
        place(src, join(to, reservedDir, e.name));
        renamed.set(`${reservedDir}/${e.name}`, path);
      } else {
        const name = e.isFile() ? scannableName(e.name) : e.name;
        place(src, join(to, name));
        if (name !== e.name) renamed.set(rel ? `${rel}/${name}` : name, path);
      }
    }
  };
  walk(repoDir, dest, '');
  return renamed;
}

export function toFinding(f: RawGitleaksFinding, path: string, commit: string): SecretFinding {
  return {
    rule: f.RuleID,
    description: f.Description,
    file: path,
    startLine: f.StartLine,
    endLine: f.EndLine,
    startColumn: f.StartColumn,
    endColumn: f.EndColumn,
    commit,
    fingerprint: fingerprintOf(commit, path, f.RuleID, f.StartLine),
    entropy: f.Entropy,
    tags: f.Tags ?? [],
  };
}

export async function scanTree(ctx: ScanContext, description: string): Promise<ScanResult> {
  let source = ctx.repoDir;
  let renamed = new Map<string, string>();
  let ignoreIsFile = false;
  try {
    ignoreIsFile = statSync(join(ctx.repoDir, GITLEAKSIGNORE)).isFile();
  } catch {
    // none: gitleaks finds nothing to apply
  }
  const checkout = inventory(ctx.repoDir);
  if (ignoreIsFile || checkout.archiveLike > 0) {
    const top = new Set(readdirSync(ctx.repoDir));
    let reservedDir = RESERVED_DIR;
    for (let n = 1; top.has(reservedDir); n++) reservedDir = `${RESERVED_DIR}-${n}`;
    source = join(ctx.scratch, 'view');
    renamed = scannableView(ctx.repoDir, source, reservedDir);
  }
  const raw = await gitleaksIn(ctx, source, 0);
  const unmap = (path: string) => renamed.get(path) ?? path;
  const findings = raw.findings.map((f) => toFinding(f, unmap(reportedScratchPath(f.File)), ''));
  const skipped = raw.skippedAsBinary.map((s) => ({ commit: '', path: unmap(s.path), reason: s.reason }));
  return {
    findings,
    commitsScanned: 0,
    filesScanned: checkout.files - skipped.length,
    range: 'working tree',
    description,
    skipped,
    withNulBytes: 0,
    gitleaksRuns: 1,
  };
}

const LOG_ARGS = [
  '--format=%x01%H',
  '-p',
  '-U0',
  // A .gitattributes line (`*.env -diff`, `secrets/** binary`) would otherwise turn a text file
  // into "Binary files differ" and hide what it adds; NUL bytes are removed by the parser.
  '--text',
  '--no-color',
  '--no-ext-diff',
  '--no-textconv',
  '--find-renames',
  '--src-prefix=a/',
  '--dst-prefix=b/',
];

/** Streams `git log` into the scratch tree; returns how many commits the log showed. */
async function logInto(git: Git, tree: LayeredScratchTree, plan: Extract<ScanPlan, { kind: 'commits' }>, mergeArgs: string[]): Promise<number> {
  const parser = new PatchParser((file) => tree.add(file));
  const log = await git(['log', ...LOG_ARGS, ...mergeArgs, ...plan.revs, '--'], { onStdout: (chunk) => parser.write(chunk), maxBuffer: 64 * 1024 });
  if (log.code !== 0) throw new UnresolvableRangeError(`cannot read the commits of ${plan.range}: ${log.failure}`);
  parser.end();
  return parser.commits;
}

/** Findings of one layer, each taken back to the commit, file and line that added it. */
function mapLayerFindings(tree: LayeredScratchTree, dir: string, raw: GitleaksDirResult, findings: SecretFinding[], skipped: SkippedFile[]): void {
  for (const f of raw.findings) {
    const file = reportedScratchPath(f.File);
    let origin: LineOrigin | undefined;
    let at = f.StartLine;
    for (; at <= Math.max(f.StartLine, f.EndLine); at++) {
      origin = tree.origin(dir, file, at);
      if (origin) break;
    }
    if (origin === undefined) throw new ToolError(`gitleaks reported a finding at ${file}:${f.StartLine} that no scanned commit added`);
    // Scratch -> original line numbers: the shift of the segment the finding starts in.
    const shift = at - origin.line;
    findings.push(toFinding({ ...f, StartLine: Math.max(1, f.StartLine - shift), EndLine: Math.max(1, f.EndLine - shift) }, origin.path, origin.commit));
  }
  for (const s of raw.skippedAsBinary) {
    const origins = tree.originsOf(dir, s.path);
    if (origins.length === 0) throw new ToolError(`gitleaks skipped ${s.path} as binary, which is no file of the scanned commits`);
    for (const o of origins) skipped.push({ commit: o.commit, path: o.path, reason: s.reason });
  }
}

export async function scanCommits(ctx: ScanContext, plan: Extract<ScanPlan, { kind: 'commits' }>): Promise<ScanResult> {
  const git = gitIn(ctx.repoDir, ctx.timeoutMs);
  const commitsScanned = await countCommits(git, plan);
  const base: Omit<ScanResult, 'findings' | 'filesScanned' | 'skipped' | 'gitleaksRuns' | 'withNulBytes'> = {
    commitsScanned,
    range: plan.range,
    description: plan.description,
    head: plan.head,
    ...(plan.base ? { base: plan.base } : {}),
    ...(plan.note ? { note: plan.note } : {}),
  };
  if (commitsScanned === 0) return { ...base, findings: [], filesScanned: 0, skipped: [], withNulBytes: 0, gitleaksRuns: 0 };

  // Root files gitleaks would read as its own config or ignore list must not sit at the layer's
  // root (gitleaks reads <source>/.gitleaksignore even with --gitleaks-ignore-path): they are
  // scanned under another path and their findings mapped back.
  const reserved = new Set([GITLEAKSIGNORE, ...(ctx.policy.configPath ? [] : ['.gitleaks.toml'])]);
  const tree = new LayeredScratchTree(join(ctx.scratch, 'tree'), reserved, undefined, undefined, 1);
  // A two-parent merge shows only what its author changed beyond the automatic merge, so merging
  // the base branch in does not re-report the base branch's history.
  const seen = await logInto(git, tree, plan, ['--diff-merges=remerge']);
  // Remerge diffs skip octopus merges: their combined diff keeps the lines new against every parent.
  await logInto(git, tree, plan, ['--min-parents=3', '--cc']);
  tree.flush();
  if (seen !== commitsScanned) {
    throw new UnresolvableRangeError(`git listed ${commitsScanned} commits in ${plan.range} but its log showed ${seen}`);
  }
  const layers = tree.layerDirs();
  const findings: SecretFinding[] = [];
  const skipped: SkippedFile[] = [...tree.stats.skipped];
  await pool(layers, scanConcurrency(), async (dir, i) => mapLayerFindings(tree, dir, await gitleaksIn(ctx, dir, i + 1), findings, skipped));
  findings.sort((a, b) => a.commit.localeCompare(b.commit) || a.file.localeCompare(b.file) || a.startLine - b.startLine || a.rule.localeCompare(b.rule));
  skipped.sort((a, b) => a.commit.localeCompare(b.commit) || a.path.localeCompare(b.path));
  return { ...base, findings, filesScanned: tree.stats.filesScanned, skipped, withNulBytes: tree.stats.withNulBytes, gitleaksRuns: layers.length };
}
