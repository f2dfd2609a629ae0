// The rules gate: promtool check and test, hygiene and alert coverage over Prometheus rule files.
//   collect (collect.ts, runs.ts): expand the globs inside the workspace, start promtool, read the files, read what promtool said
//   judge   (judge.ts): pure; findings, alert evidence, metrics and the verdict (zero rules is never pass)
//   render  (render.ts): the GateReport: summary sections, record details, outputs
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startClock, type GateReport, type GateRuntime } from '../../core/gate.js';
import { collectRules } from './collect.js';
import { expandInput } from './expand.js';
import { judgeRules } from './judge.js';
import { renderRulesReport } from './render.js';
import type { RulesOptions } from './model.js';

export { LEVELS } from './hygiene.js';
export type { AlertEvidence, RulesOptions } from './model.js';

export async function runRulesGate(opts: RulesOptions, runtime: GateRuntime): Promise<GateReport> {
  const clock = startClock();
  const roots = { workspace: runtime.workspace, others: opts.otherRoots ?? [] };
  const ruleAbs = expandInput('rules', opts.rules, roots);
  const testAbs = opts.tests.length > 0 ? expandInput('tests', opts.tests, roots) : [];
  // Converted PrometheusRules, rewritten test files and JUnit reports: gone when the gate is.
  const scratch = mkdtempSync(join(runtime.tempDir, 'release-safety-rules-'));
  try {
    const collected = await collectRules(opts, runtime, ruleAbs, testAbs, scratch);
    return renderRulesReport(collected, judgeRules(collected, opts.coverage), runtime.workspace, clock, runtime.links);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
