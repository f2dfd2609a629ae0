/**
 * `npx release-safety baseline secrets [--scope history|tree] [--out .gitleaksignore] [--gitleaks PATH]`:
 * runs the shipped secrets action over the whole history (or the working tree) of the checkout,
 * the way the runner runs it, and writes the fingerprints of every finding it reports into
 * `.gitleaksignore` (existing lines kept). Committed to main, the file is what the gate reads from
 * the base commit on pull requests: the findings that already exist stop failing runs, new ones
 * still fail, and a change cannot add to the baseline for itself.
 *
 * `npx release-safety baseline rules [--out .release-safety/rules-baseline.yml] [--rules GLOBS]
 * [--tests GLOBS] [--config .github/release-safety.yml] [--promtool PATH]`: runs the shipped rules
 * action on the checkout with the inputs of the pipeline config (or the globs given) and writes
 * every hygiene and coverage finding into the rules baseline, which the rules gate reads the same
 * way (from the base commit on pull requests). Invalid rules, failing rule tests and zero rules
 * are never written: they still fail, and the command says so.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigurationError } from '../core/errors.js';
import { evidenceSchema } from '../core/evidence.js';
import { BASELINE_CHECKS, DEFAULT_RULES_BASELINE, parseRulesBaseline, rulesFingerprint } from '../gates/rules/baseline.js';
import { mergeIntoGitleaksIgnore, openFingerprints } from '../gates/secrets/baseline.js';
import { readGateMetas, readActionMeta } from '../pipeline/action-meta.js';
import { runBundle } from '../pipeline/child.js';
import { buildConfigSchema, inputString, readConfig } from '../pipeline/config.js';
import { localRunnerEnv, type LocalRun } from './local-env.js';

const SCOPES = ['history', 'tree'];

/**
 * Runs a gate's bundle on the checkout and returns the file its `output` names, or undefined after
 * saying why when the gate did not judge (only a judged run, pass or fail, is a baseline).
 */
async function judgedFile(
  distDir: string,
  local: LocalRun,
  gate: 'secrets' | 'rules',
  inputs: Record<string, string>,
  output: string,
): Promise<{ file: string; outputs: Record<string, string | undefined> } | undefined> {
  const run = await runBundle({
    bundle: join(distDir, gate, 'index.js'),
    name: gate,
    inputs,
    env: local.env,
    cwd: local.workspace,
    tempDir: join(local.home, 'bundles'),
    node: process.execPath,
    timeoutMs: 60 * 60_000,
  });
  const status = run.outputs.status ?? 'error';
  const file = run.outputs[output] ?? '';
  if ((status !== 'pass' && status !== 'fail') || file === '' || !existsSync(file)) {
    process.stderr.write(
      `${run.log}\nrelease-safety: the ${gate} gate did not judge (status ${status}${run.timedOut ? ', timed out' : ''}), so no baseline was written\n`,
    );
    return undefined;
  }
  return { file, outputs: run.outputs };
}

export async function baselineCommand(args: string[], distDir: string): Promise<number> {
  const gate = args[0];
  if (args.length === 0 || (gate !== 'secrets' && gate !== 'rules')) {
    throw new ConfigurationError(
      `baseline takes one gate: "release-safety baseline secrets" or "release-safety baseline rules" (got ${JSON.stringify(args.filter((a) => !a.startsWith('-')).join(' '))})`,
    );
  }
  return gate === 'rules' ? baselineRules(args.slice(1), distDir) : baselineSecrets(args.slice(1), distDir);
}

async function baselineSecrets(args: string[], distDir: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { scope: { type: 'string' }, out: { type: 'string' }, gitleaks: { type: 'string' } },
    strict: true,
  });
  if (positionals.length > 0) throw new ConfigurationError(`baseline secrets takes no further argument (got ${JSON.stringify(positionals.join(' '))})`);
  const scope = values.scope ?? 'history';
  if (!SCOPES.includes(scope))
    throw new ConfigurationError(`--scope must be history (every commit reachable from HEAD) or tree (the working tree), got ${JSON.stringify(scope)}`);
  const local = localRunnerEnv(process.cwd(), undefined);
  try {
    const out = resolve(local.workspace, values.out ?? '.gitleaksignore');
    const judged = await judgedFile(
      distDir,
      local,
      'secrets',
      { scope, ...(values.gitleaks ? { 'gitleaks-path': resolve(values.gitleaks) } : {}) },
      'report-path',
    );
    if (judged === undefined) return 1;
    const report = judged.file;
    const { open: fingerprints, suppressed } = openFingerprints(readFileSync(report, 'utf8'), 'the secrets report');
    const existing = existsSync(out) ? readFileSync(out, 'utf8') : '';
    const merged = mergeIntoGitleaksIgnore(existing, fingerprints, { commit: local.headSha, scope, date: new Date().toISOString().slice(0, 10) });
    if (merged.added.length > 0) writeFileSync(out, merged.text);
    const shown = values.out ?? '.gitleaksignore';
    process.stdout.write(
      merged.added.length > 0
        ? `${merged.added.length} finding(s) written to ${shown} (${suppressed} already suppressed). Commit it to the default branch; rotate those secrets.\n`
        : `no finding to add: ${suppressed > 0 ? `the scan's ${suppressed} finding(s) are all suppressed already` : 'the scan found none'}\n`,
    );
    return 0;
  } finally {
    rmSync(local.home, { recursive: true, force: true });
  }
}

/** The rules action's inputs from the pipeline config (gates.rules.with), when there is one. */
function configuredRulesInputs(local: LocalRun, distDir: string, config: string | undefined): Record<string, string> {
  const shown = config ?? '.github/release-safety.yml';
  const path = resolve(local.workspace, shown);
  if (!existsSync(path)) {
    if (config !== undefined) throw new ConfigurationError(`--config names ${shown}, which does not exist`);
    return {};
  }
  const root = dirname(distDir);
  const parsed = readConfig(path, shown, buildConfigSchema(readGateMetas(root), readActionMeta(root, 'evidence')));
  return Object.fromEntries(Object.entries(parsed.gates.rules?.with ?? {}).map(([k, v]) => [k, inputString(v)]));
}

async function baselineRules(args: string[], distDir: string): Promise<number> {
  const options = {
    out: { type: 'string' },
    rules: { type: 'string' },
    tests: { type: 'string' },
    config: { type: 'string' },
    promtool: { type: 'string' },
  } as const;
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options, strict: true });
  if (positionals.length > 0) throw new ConfigurationError(`baseline rules takes no further argument (got ${JSON.stringify(positionals.join(' '))})`);
  const local = localRunnerEnv(process.cwd(), undefined);
  try {
    const configured = configuredRulesInputs(local, distDir, values.config);
    const shown = values.out ?? configured.baseline ?? DEFAULT_RULES_BASELINE;
    const out = resolve(local.workspace, shown);
    const inputs: Record<string, string> = {
      ...configured,
      ...(values.rules !== undefined ? { rules: values.rules } : {}),
      ...(values.tests !== undefined ? { tests: values.tests } : {}),
      ...(values.promtool !== undefined ? { 'promtool-path': values.promtool.includes('/') ? resolve(values.promtool) : values.promtool } : {}),
      // The run reads the baseline being rewritten, so the entries it already has keep their owner and reason.
      baseline: existsSync(out) ? out : '',
      mode: 'block',
      'only-changed': 'false',
    };
    if (!inputs.rules)
      throw new ConfigurationError(
        'baseline rules needs the rule files: give --rules "prometheus/rules/*.yml" (and --tests), or set gates.rules.with.rules in .github/release-safety.yml',
      );
    const judged = await judgedFile(distDir, local, 'rules', inputs, 'baseline-path');
    if (judged === undefined) return 1;
    const candidates = judged.file;
    const text = readFileSync(candidates, 'utf8');
    const written = parseRulesBaseline(text, shown);
    const before = existsSync(out) ? parseRulesBaseline(readFileSync(out, 'utf8'), shown) : [];
    const had = new Set(before.map(rulesFingerprint));
    const now = new Set(written.map(rulesFingerprint));
    const added = written.filter((e) => !had.has(rulesFingerprint(e))).length;
    const dropped = before.filter((e) => !now.has(rulesFingerprint(e))).length;
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, text);
    process.stdout.write(
      `${written.length} finding(s) in ${shown}: ${added} added, ${written.length - added} kept, ${dropped} stale removed. Commit it to the default branch.\n`,
    );
    return unbaselinable(judged.outputs['evidence-path'] ?? '');
  } finally {
    rmSync(local.home, { recursive: true, force: true });
  }
}

/** 0, or 1 after naming the errors a baseline cannot take (invalid rules, failing rule tests): those must be fixed. */
function unbaselinable(evidencePath: string): number {
  const record = evidenceSchema.parse(JSON.parse(readFileSync(evidencePath, 'utf8')));
  const left = record.findings.filter((f) => f.severity === 'error' && !(BASELINE_CHECKS as readonly string[]).includes(f.rule ?? ''));
  if (left.length === 0) return 0;
  const listed = left.slice(0, 10).map((f) => `  ${f.file ?? '(no file)'}${f.line ? `:${f.line}` : ''} ${f.rule ?? ''}: ${f.message.split('\n')[0]}`);
  process.stderr.write(
    `release-safety: ${left.length} finding(s) cannot be baselined (invalid rules and failing rule tests are never baselined); fix them:\n${listed.join('\n')}\n`,
  );
  return 1;
}
