// The rules gate's collect phase: start promtool before reading anything (parsing is most of the
// gate's own cost), read every rule and test file, read what promtool reported, compute hygiene
// for the files in scope. Nothing here decides the verdict.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { repoRelative } from '../../core/annotations.js';
import { errorMessage } from '../../core/errors.js';
import { changedFiles } from './changed.js';
import { checkHygiene } from './hygiene.js';
import { promtoolVersion } from './promtool.js';
import { handled, junitProbe, readShard, startCheck, startTests, type PromtoolContext, type TestShard } from './runs.js';
import { loadRuleFile, type RuleFile } from './sources.js';
import { loadTestFile, rewriteForConvertedRules, type TestFile } from './testfiles.js';
import type { ExecResult } from '../../core/exec.js';
import type { GateRuntime } from '../../core/gate.js';
import type { PathRoots } from '../../core/paths.js';
import type { ResolvedPromtool } from '../../tools/promtool.js';
import type { CollectedRules, GroupResult, RulesOptions } from './model.js';

const PROMETHEUS_RULE_KIND = /^\s*kind:\s*["']?PrometheusRule\b/m;

interface Loaded {
  ruleFiles: RuleFile[];
  testFiles: TestFile[];
  problems: string[];
}

/** Reads every rule and test file; rule files a test loads but the rules input did not name are read (and converted) too. */
function loadAll(ruleAbs: string[], testAbs: string[], roots: PathRoots, scratch: string): Loaded {
  const ws = roots.workspace;
  const byPath = new Map<string, RuleFile>();
  const load = (abs: string) => {
    let rf = byPath.get(abs);
    if (!rf) {
      rf = loadRuleFile({ absPath: abs, file: repoRelative(abs, ws), scratchDir: join(scratch, 'converted') });
      byPath.set(abs, rf);
    }
    return rf;
  };
  const ruleFiles = ruleAbs.map(load);
  const testFiles = testAbs.map((abs) => loadTestFile(abs, repoRelative(abs, ws), roots));
  const problems: string[] = [];
  for (const rf of ruleFiles) if (rf.unreadable) problems.push(rf.unreadable);
  testFiles.forEach((t, i) => {
    if (t.unreadable) problems.push(t.unreadable);
    if (t.ruleFiles.map(load).some((rf) => rf.kind === 'prometheusrule')) {
      t.promtoolPath = rewriteForConvertedRules(t, (abs) => byPath.get(abs)?.promtoolPath ?? abs, join(scratch, 'tests'), i + 1);
    }
  });
  return { ruleFiles, testFiles, problems };
}

function argFor(ws: string, abs: string): string {
  const rel = relative(ws, abs);
  return rel.startsWith('..') || isAbsolute(rel) ? abs : rel;
}

function needsConversion(ruleAbs: string[]): boolean {
  return ruleAbs.some((abs) => {
    try {
      return PROMETHEUS_RULE_KIND.test(readFileSync(abs, 'utf8'));
    } catch {
      return false;
    }
  });
}

async function readTestShards(
  ctx: PromtoolContext,
  shards: TestShard[],
  testFiles: TestFile[],
): Promise<{ results: GroupResult[]; problems: string[]; junit: boolean }> {
  const byArg = new Map(testFiles.map((t) => [t.promtoolArg, t]));
  const hasJUnit = junitProbe(ctx);
  const outcomes = await Promise.all(
    shards.map(async (shard, i) =>
      readShard(
        ctx,
        shard.paths.map((p) => byArg.get(p)!),
        await shard.run,
        i,
        hasJUnit,
      ),
    ),
  );
  return { results: outcomes.flatMap((o) => o.results), problems: outcomes.flatMap((o) => o.problems), junit: outcomes.some((o) => o.junit) };
}

export async function collectRules(opts: RulesOptions, runtime: GateRuntime, ruleAbs: string[], testAbs: string[], scratch: string): Promise<CollectedRules> {
  const roots: PathRoots = { workspace: runtime.workspace, others: opts.otherRoots ?? [] };
  if ('unavailable' in opts.promtool) {
    const loaded = loadAll(ruleAbs, testAbs, roots, scratch);
    return {
      ...loaded,
      groupResults: [],
      problems: [opts.promtool.unavailable, ...loaded.problems],
      ...(await scopeAndHygiene(loaded.ruleFiles, opts, runtime, undefined)),
    };
  }
  return collectWithPromtool(opts, opts.promtool, runtime, ruleAbs, testAbs, scratch, roots);
}

async function collectWithPromtool(
  opts: RulesOptions,
  promtool: ResolvedPromtool,
  runtime: GateRuntime,
  ruleAbs: string[],
  testAbs: string[],
  scratch: string,
  roots: PathRoots,
): Promise<CollectedRules> {
  const ws = runtime.workspace;
  const ctx: PromtoolContext = { path: promtool.path, cwd: ws, timeoutMs: opts.timeoutMs, scratch };
  const changed = opts.onlyChanged && opts.baseSha ? changedFiles(ws, opts.baseSha, opts.headSha) : undefined;
  // Check and test start before the YAML is read, unless a PrometheusRule must be converted first;
  // results for files that turn out unparsable are dropped. promtool refuses the whole command line
  // when one path does not exist: those are left out.
  let early: { check?: Promise<ExecResult>; checkPaths: string[]; tests: TestShard[] } | undefined;
  if (!needsConversion(ruleAbs)) {
    const checkPaths = ruleAbs.filter((abs) => existsSync(abs)).map((abs) => argFor(ws, abs));
    early = {
      check: startCheck(ctx, checkPaths),
      checkPaths,
      tests: startTests(
        ctx,
        testAbs.filter((abs) => existsSync(abs)).map((abs) => argFor(ws, abs)),
      ),
    };
  }
  // promtool --version starts now, beside check and test, at a lower CPU priority (probeVersion), so
  // they get the cores first; an installed promtool's version is the one its verified archive is pinned as.
  const ask = () => promtoolVersion(ctx.path, ws);
  const version = promtool.version !== undefined ? undefined : handled(ask());

  const { ruleFiles, testFiles, problems } = loadAll(ruleAbs, testAbs, roots, scratch);
  for (const t of testFiles) t.promtoolArg = argFor(ws, t.promtoolPath);
  const checkable = ruleFiles.filter((rf) => rf.checkable && !rf.unreadable);
  const checkFiles = new Map(checkable.map((rf) => [argFor(ws, rf.promtoolPath), rf]));
  const checkPaths = early ? early.checkPaths : [...checkFiles.keys()];
  const checkRun = early ? early.check : startCheck(ctx, checkPaths);
  // The early run took every test file. Its output stands for the runnable ones only when every file
  // is runnable and unconverted: an unparsable file's load error would otherwise be read as a
  // failure of the file beside it. Otherwise the runnable files run now, beside the check.
  const runnable = testFiles.filter((t) => t.runnable);
  const earlyStands = early !== undefined && runnable.length === testFiles.length && testFiles.every((t) => t.promtoolPath === t.absPath);
  const shards = earlyStands
    ? early!.tests
    : startTests(
        ctx,
        runnable.map((t) => t.promtoolArg),
      );
  // Hygiene reads only the rule files: it runs while promtool does, not after it.
  const hygiene = await scopeAndHygiene(ruleFiles, opts, runtime, changed);
  const checkResult = await checkRun;
  const tests = await readTestShards(ctx, shards, runnable);
  if (!earlyStands) await Promise.all((early?.tests ?? []).map((s) => s.run.catch(() => undefined)));
  problems.push(...tests.problems);
  let promtoolVersionText = promtool.version ?? '';
  if (version) {
    try {
      promtoolVersionText = await version;
    } catch (error) {
      problems.push(errorMessage(error));
    }
  }
  runtime.log.info(`promtool ${promtoolVersionText || '(version unknown)'} from ${promtool.source}: ${ctx.path}`);
  if (checkResult)
    await runtime.log.group(`promtool check rules (${checkable.length} file(s))`, async () =>
      runtime.log.untrusted(`${checkResult.stdout}${checkResult.stderr}`),
    );
  for (const [i, shard] of shards.entries()) {
    const r = await shard.run;
    await runtime.log.group(`promtool test rules (${shard.paths.length} file(s)${shards.length > 1 ? `, share ${i + 1} of ${shards.length}` : ''})`, async () =>
      runtime.log.untrusted(`${r.stdout}${r.stderr}`),
    );
  }
  return {
    ruleFiles,
    testFiles,
    ...(checkResult ? { check: { result: checkResult, paths: checkPaths, files: checkFiles } } : {}),
    groupResults: tests.results,
    problems,
    promtool: { path: ctx.path, version: promtoolVersionText, source: promtool.source, junit: tests.junit },
    ...hygiene,
  };
}

type HygieneScope = Pick<CollectedRules, 'scope' | 'scopeFallback' | 'hygieneFiles' | 'hygieneFindings'>;

/**
 * Hygiene on the changed files only, when asked. A rule file counts as changed when its own path
 * or the file it links to is in the diff: a symlink cannot move a changed rule out of scope.
 */
async function scopeAndHygiene(
  ruleFiles: RuleFile[],
  opts: RulesOptions,
  runtime: GateRuntime,
  changed: ReturnType<typeof changedFiles> | undefined,
): Promise<HygieneScope> {
  const ws = runtime.workspace;
  const hygieneFiles = new Set<string>();
  const result: HygieneScope = { hygieneFiles, hygieneFindings: [] };
  let inScope = (_rf: RuleFile) => true;
  if (changed) {
    const c = await changed;
    if (c.ok) {
      inScope = (rf) => c.files.has(rf.file) || c.files.has(repoRelative(realOrSame(rf.absPath), ws));
      result.scope = { files: c.files, inScope: ruleFiles.filter(inScope).length };
    } else {
      runtime.log.warning(`only-changed: ${c.reason}; checking hygiene on every rule file instead`);
      result.scopeFallback = c.reason;
    }
  }
  for (const rf of ruleFiles) {
    if (!inScope(rf) || rf.unreadable) continue;
    hygieneFiles.add(rf.file);
    result.hygieneFindings.push(...checkHygiene(rf, opts.hygiene, ws));
  }
  return result;
}

function realOrSame(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
