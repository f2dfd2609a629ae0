/**
 * The root action (`uses: org/release-safety@v1`): reads the pipeline config, runs the configured
 * gates as the runner would run each action (in parallel where they are independent), then the
 * evidence action, and reports one verdict. Phases: inputs -> config -> plan -> run -> report.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildContext } from '../../core/context.js';
import { ConfigurationError, errorMessage } from '../../core/errors.js';
import { integerInput, listInput, parseInputs, stringInput } from '../../core/inputs.js';
import { md } from '../../core/markdown.js';
import { resolveFileInput } from '../../core/paths.js';
import * as core from '../../core/runner.js';
import { readActionMeta, readGateMetas, type ActionMeta, type PipelineGate } from '../../pipeline/action-meta.js';
import { buildConfigSchema, inputString, readConfig } from '../../pipeline/config.js';
import { planPipeline } from '../../pipeline/plan.js';
import { renderProgress, renderResultTable } from '../../pipeline/report.js';
import { isolationNote, runPipeline, threadsPossible, type PipelineResult } from '../../pipeline/run.js';

/** Keys are the exact input names of the root action.yml. */
export const inputs = {
  config: stringInput('.github/release-safety.yml'),
  only: listInput([]),
  'github-token': stringInput(''),
  'registry-username': stringInput(''),
  'registry-password': stringInput(''),
  'signing-key': stringInput(''),
  concurrency: integerInput(0, { min: 0, max: 64, unit: '0 = from the config, else the machine cores' }),
  'gate-timeout-minutes': integerInput(60, { min: 1, max: 360, unit: 'minutes' }),
};

/** dist/pipeline/index.js -> dist/ (the other bundles) and the suite root (the action.yml files). */
function suiteLayout(): { distDir: string; root: string } {
  const here = dirname(fileURLToPath(import.meta.url));
  return { distDir: dirname(here), root: dirname(dirname(here)) };
}

async function execute(env: NodeJS.ProcessEnv): Promise<PipelineResult> {
  const opts = parseInputs(inputs, env);
  for (const secret of ['github-token', 'registry-password', 'signing-key'] as const) if (opts[secret] !== '') core.setSecret(opts[secret]);
  const ctx = buildContext(env);
  const { distDir, root } = suiteLayout();
  const gateMetas = readGateMetas(root);
  const evidenceMeta = readActionMeta(root, 'evidence');
  const configPath = resolveFileInput('config', opts.config, ctx.workspace, 'pipeline config path');
  const config = readConfig(configPath, opts.config, buildConfigSchema(gateMetas, evidenceMeta));
  const plan = planPipeline(config, opts.only);
  const concurrency = opts.concurrency || config.concurrency || availableParallelism();
  const threads = config.isolation !== 'process' && threadsPossible(process.execPath, ctx.workspace);
  core.info(
    `release-safety: ${plan.length} gate(s) from ${opts.config}, at most ${concurrency} at a time, ${isolationNote(config.isolation, threads)}: ${plan.map((p) => (p.needs.length ? `${p.gate} (after ${p.needs.join(', ')})` : p.gate)).join(', ')}`,
  );
  const metas: Record<PipelineGate | 'evidence', ActionMeta> = { ...gateMetas, evidence: evidenceMeta };
  const tempDir = join(ctx.runnerTemp || tmpdir(), 'release-safety', 'pipeline');
  return runPipeline({
    plan,
    metas,
    distDir,
    node: process.execPath,
    threads,
    env,
    ctx,
    tempDir,
    evidenceDir: join(tempDir, 'evidence'),
    concurrency,
    secrets: {
      'github-token': opts['github-token'],
      'registry-username': opts['registry-username'],
      'registry-password': opts['registry-password'],
      'signing-key': opts['signing-key'],
    },
    evidenceInputs: Object.fromEntries(Object.entries(config.evidence?.with ?? {}).map(([k, v]) => [k, inputString(v)])),
    timeoutMs: opts['gate-timeout-minutes'] * 60_000,
    progress: (event) => {
      for (const line of renderProgress(event)) core.info(line);
      // Each bundle's own log, whole and after its end line: parallel gates never interleave.
      if (event.kind === 'end' && event.log) process.stdout.write(event.log.endsWith('\n') ? event.log : `${event.log}\n`);
    },
  });
}

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let summary = '';
  try {
    const result = await execute(env);
    summary = [result.evidence?.stepSummary ?? '', renderResultTable(result, 'markdown'), ...result.gates.map((g) => g.stepSummary)]
      .filter((s) => s !== '')
      .join('\n\n');
    for (const line of renderResultTable(result, 'text').split('\n')) core.info(line);
    core.setOutput('verdict', result.verdict);
    core.setOutput('digest', result.digest);
    core.setOutput('bundle-path', result.bundlePath);
    core.setOutput('attestation-digest', result.attestationDigest);
    const notPassed = result.gates.filter((g) => g.required && g.status !== 'pass').map((g) => `${g.gate} ${g.status}`);
    if (result.verdict !== 'pass')
      core.setFailed(
        `release-safety: verdict ${result.verdict}: ${[...notPassed, ...(result.attachProblem ? [result.attachProblem] : [])].join(', ') || 'the evidence did not pass'}`,
      );
  } catch (error) {
    const message =
      error instanceof ConfigurationError
        ? error.message
        : `release-safety pipeline stopped on an unexpected error (a bug; please report it): ${errorMessage(error)}`;
    if (!(error instanceof ConfigurationError) && error instanceof Error && error.stack) core.debug(error.stack);
    core.setOutput('verdict', 'error');
    core.setOutput('digest', '');
    core.setOutput('bundle-path', '');
    core.setOutput('attestation-digest', '');
    core.setFailed(message);
    summary = `## release-safety: error\n\n${md(message)}\n`;
  } finally {
    if (summary && env.GITHUB_STEP_SUMMARY) {
      try {
        await core.appendSummary(summary);
      } catch (error) {
        core.warning(`could not write the job summary: ${errorMessage(error)}`);
      }
    }
  }
}
