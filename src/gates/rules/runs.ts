// Running promtool for the rules gate (part of its collect phase): the check, the test run split
// across the machine's cores, and the reading of each test run's outcome into test group results.
import { readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describeExit, lastLines, type ExecResult } from '../../core/exec.js';
import { parseDuration } from './duration.js';
import { parsePromtoolJUnit, parseTestFailures, promtoolHasJUnit, runPromtool } from './promtool.js';
import type { GroupResult } from './model.js';
import type { TestFile, TestGroup } from './testfiles.js';

export interface PromtoolContext {
  path: string;
  cwd: string;
  timeoutMs: number;
  /** Where JUnit reports go (the gate's scratch directory). */
  scratch: string;
}

/** One `promtool test rules` over a share of the test files. */
export interface TestShard {
  paths: string[];
  run: Promise<ExecResult>;
}

/** Marks a promise started early as handled: it is awaited later, after synchronous work. */
export function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

export function toolFailureText(what: string, r: ExecResult): string {
  return `${what} ${describeExit(r)}: ${lastLines(`${r.stderr}\n${r.stdout}`, 8) || '(no output)'}`;
}

const failedToRun = (r: ExecResult) => r.timedOut || (r.signal !== null && r.signal !== undefined) || (r.exitCode !== 0 && r.exitCode !== 1);

export function startCheck(ctx: PromtoolContext, paths: string[]): Promise<ExecResult> | undefined {
  return paths.length > 0 ? handled(runPromtool(ctx.path, ['check', 'rules', ...paths], ctx.cwd, ctx.timeoutMs)) : undefined;
}

function sizeOf(path: string, cwd: string): number {
  try {
    return statSync(join(cwd, path)).size;
  } catch {
    return 0;
  }
}

/**
 * Splits test files into at most `shards` groups of about equal bytes, each keeping the files' order.
 * promtool 2.x tests one file after another on one core: on a runner with several cores, one
 * promtool per share finishes in a fraction of the time (the results are the same).
 */
export function shardTestFiles(paths: readonly string[], shards: number, sizeOfPath: (path: string) => number): string[][] {
  const count = Math.max(1, Math.min(shards, paths.length));
  const load = Array.from({ length: count }, () => 0);
  const owner = new Map<string, number>();
  const bySize = paths.map((p) => ({ p, size: sizeOfPath(p) })).sort((a, b) => b.size - a.size);
  for (const { p, size } of bySize) {
    const least = load.indexOf(Math.min(...load));
    owner.set(p, least);
    load[least]! += size + 1;
  }
  return Array.from({ length: count }, (_, i) => paths.filter((p) => owner.get(p) === i)).filter((s) => s.length > 0);
}

export function startTests(ctx: PromtoolContext, paths: string[]): TestShard[] {
  if (paths.length === 0) return [];
  return shardTestFiles(paths, availableParallelism(), (p) => sizeOf(p, ctx.cwd)).map((share) => ({
    paths: share,
    run: handled(runPromtool(ctx.path, ['test', 'rules', ...share], ctx.cwd, ctx.timeoutMs)),
  }));
}

function sameDuration(a: string, b: string | undefined): boolean {
  if (b === undefined) return false;
  const x = parseDuration(a);
  return x !== undefined && x === parseDuration(b);
}

/** Attributes a promtool 2.x text failure to the test group it came from. */
export function attributeFailure(test: TestFile, f: ReturnType<typeof parseTestFailures>[number]): TestGroup | undefined {
  const candidates = test.groups.filter((g) => (f.group !== undefined ? g.named && g.name === f.group : !g.named));
  const refined = candidates.filter((g) =>
    f.alertname !== undefined
      ? g.alerts.some((a) => a.alertname === f.alertname && sameDuration(a.evalTime, f.evalTime))
      : f.expr !== undefined
        ? g.promqlTests > 0
        : true,
  );
  return refined[0] ?? candidates[0] ?? (test.groups.length === 1 ? test.groups[0] : undefined);
}

/** Group results of one test file from its promtool 2.x stderr; returns how many failures were attributed. */
function resultsFromText(t: TestFile, stderr: string, out: GroupResult[]): number {
  const byGroup = new Map<TestGroup | undefined, string[]>();
  let attributed = 0;
  for (const f of parseTestFailures(stderr)) {
    const g = attributeFailure(t, f);
    byGroup.set(g, [...(byGroup.get(g) ?? []), f.message]);
    attributed++;
  }
  for (const g of t.groups) out.push({ test: t, group: g, failures: byGroup.get(g) ?? [] });
  const loose = byGroup.get(undefined);
  if (loose) out.push({ test: t, failures: loose });
  return attributed;
}

export interface ShardOutcome {
  results: GroupResult[];
  problems: string[];
  junit: boolean;
}

/**
 * Reads one finished test shard into group results. A failing shard needs its failures attributed
 * to groups: a promtool whose `test` takes --junit says which file and group failed in its report,
 * so the (deterministic) run is repeated with it; promtool 2.x text output does not name the file
 * of a failure, so each file of a failing shard of several runs alone.
 */
export async function readShard(
  ctx: PromtoolContext,
  files: TestFile[],
  result: ExecResult,
  index: number,
  hasJUnit: () => Promise<boolean>,
): Promise<ShardOutcome> {
  const results: GroupResult[] = [];
  const problems: string[] = [];
  const paths = files.map((t) => t.promtoolArg);
  if (failedToRun(result)) return { results, problems: [toolFailureText('promtool test rules', result)], junit: false };
  if (result.exitCode === 0) {
    for (const t of files) for (const g of t.groups) results.push({ test: t, group: g, failures: [] });
    return { results, problems, junit: false };
  }
  if (await hasJUnit()) {
    const junitPath = join(ctx.scratch, `${index + 1}-promtool-junit.xml`);
    rmSync(junitPath, { force: true });
    const rerun = await runPromtool(ctx.path, ['test', `--junit=${junitPath}`, 'rules', ...paths], ctx.cwd, ctx.timeoutMs);
    if (failedToRun(rerun)) return { results, problems: [toolFailureText('promtool test rules --junit', rerun)], junit: true };
    let xml = '';
    try {
      xml = readFileSync(junitPath, 'utf8');
    } catch {
      // no report: handled below as a failure named by no test
    }
    const cases = await parsePromtoolJUnit(xml);
    for (const t of files) {
      const mine = cases.filter((c) => c.suite === t.promtoolArg);
      for (const g of t.groups) results.push({ test: t, group: g, failures: mine.find((c) => c.name === g.name)?.failures ?? [] });
    }
    // The run held only runnable files: a failure the report does not name is still a failure.
    if (!results.some((r) => r.failures.length > 0))
      results.push({ test: files[0]!, failures: [lastLines(rerun.stderr || result.stderr, 20) || 'promtool test rules failed without naming a test'] });
    return { results, problems, junit: true };
  }
  const perFile: [TestFile, ExecResult][] =
    files.length === 1
      ? [[files[0]!, result]]
      : await Promise.all(
          files.map(async (t) => [t, await runPromtool(ctx.path, ['test', 'rules', t.promtoolArg], ctx.cwd, ctx.timeoutMs)] as [TestFile, ExecResult]),
        );
  let attributed = 0;
  for (const [t, r] of perFile) {
    if (failedToRun(r)) problems.push(toolFailureText(`promtool test rules ${t.file}`, r));
    attributed += resultsFromText(t, r.exitCode === 1 ? r.stderr : '', results);
  }
  if (attributed === 0 && problems.length === 0) problems.push(toolFailureText('promtool test rules failed but named no failing test;', result));
  return { results, problems, junit: false };
}

/** Whether promtool's `test` takes --junit, asked once, and only when a test fails. */
export function junitProbe(ctx: PromtoolContext): () => Promise<boolean> {
  let asked: Promise<boolean> | undefined;
  return () => (asked ??= promtoolHasJUnit(ctx.path, ctx.cwd));
}
