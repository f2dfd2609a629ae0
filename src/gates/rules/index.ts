// The rules gate: promtool check and test, hygiene and alert coverage over Prometheus rule files.
//   collect (collect.ts, runs.ts): expand the globs inside the workspace, start promtool, read the files, read what promtool said
//   judge   (judge.ts): pure; findings, alert evidence, metrics and the verdict (zero rules is never pass)
//   render  (render.ts): the GateReport: summary sections, record details, outputs
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startClock, type GateReport, type GateRuntime } from '../../core/gate.js';
import { baselineInForce } from './baseline-load.js';
import { isHygieneCheck, renderRulesBaseline, type BaselineHeader } from './baseline.js';
import { collectRules } from './collect.js';
import { expandInput } from './expand.js';
import { judgeRules, type RulesJudgement } from './judge.js';
import { renderRulesReport } from './render.js';
import type { CollectedRules, RulesOptions } from './model.js';

export { LEVELS } from './hygiene.js';
export type { AlertEvidence, RulesOptions } from './model.js';
export { DEFAULT_RULES_BASELINE } from './baseline.js';
export type { BaselineFile } from './baseline-load.js';

/**
 * The baseline-path output: every baselinable finding of a judged run (open or baselined) as a
 * baseline file, keeping the reason, owner and expiry of the entries they match, plus the entries
 * of files hygiene did not look at this run. Not written when the run could not judge: a baseline
 * of a half-read repository would hide what was never read.
 */
function writeBaselineCandidates(dir: string, collected: CollectedRules, judged: RulesJudgement, header: BaselineHeader): string {
  if (judged.problems.length > 0 || judged.status === 'error') return '';
  const previous = collected.baseline ? [...collected.baseline.entries, ...collected.baseline.afterMerge] : [];
  const files = new Set(collected.ruleFiles.map((rf) => rf.file));
  const notLooked = previous.filter((e) => isHygieneCheck(e.check) && files.has(e.file) && !(collected.hygieneFiles ?? files).has(e.file));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'rules-baseline.yml');
  writeFileSync(path, renderRulesBaseline([...judged.baseline.current, ...notLooked], previous, header));
  return path;
}

export async function runRulesGate(opts: RulesOptions, runtime: GateRuntime): Promise<GateReport> {
  const clock = startClock();
  const roots = { workspace: runtime.workspace, others: opts.otherRoots ?? [] };
  const ruleAbs = expandInput('rules', opts.rules, roots);
  const testAbs = opts.tests.length > 0 ? expandInput('tests', opts.tests, roots) : [];
  // The baseline first: a malformed file is a configuration error whatever the rules hold.
  const now = opts.now ?? new Date();
  const baseline = opts.baseline ? await baselineInForce(opts.baseline, opts.policyBase, runtime.workspace, runtime.log, now) : undefined;
  // Converted PrometheusRules, rewritten test files and JUnit reports: gone when the gate is.
  const scratch = mkdtempSync(join(runtime.tempDir, 'release-safety-rules-'));
  try {
    const collected = await collectRules(opts, runtime, ruleAbs, testAbs, scratch);
    if (baseline) collected.baseline = baseline;
    const judged = judgeRules(collected, opts.coverage);
    const report = renderRulesReport(collected, judged, runtime.workspace, clock, runtime.links);
    const baselinePath = opts.outputDir
      ? writeBaselineCandidates(opts.outputDir, collected, judged, { commit: opts.headSha, date: now.toISOString().slice(0, 10) })
      : '';
    return { ...report, outputs: { ...report.outputs, 'baseline-path': baselinePath } };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
