/**
 * `npx release-safety run [--config F] [--only gate,...] [--base REV] [--out DIR]`: the pipeline of
 * the root action on a developer's machine, with a live line per gate and a final table; the
 * evidence as JSON, markdown and a self-contained HTML report.
 * `npx release-safety verify <image@digest> --key pub.pem`: checks an image's attestation.
 * `npx release-safety baseline secrets`: writes the findings that already exist to .gitleaksignore.
 * `npx release-safety baseline rules`: writes the rule hygiene/coverage findings that already exist to .release-safety/rules-baseline.yml.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildContext } from '../core/context.js';
import { ConfigurationError, errorMessage } from '../core/errors.js';
import { readActionMeta, readGateMetas, type PipelineGate } from '../pipeline/action-meta.js';
import { buildConfigSchema, inputString, readConfig } from '../pipeline/config.js';
import { planPipeline } from '../pipeline/plan.js';
import { renderProgress, renderResultTable, seconds } from '../pipeline/report.js';
import { runPipeline, threadsPossible, type ProgressEvent } from '../pipeline/run.js';
import { renderHtmlReport } from './html.js';
import { localRunnerEnv } from './local-env.js';

const USAGE = `usage:
  release-safety run [--config .github/release-safety.yml] [--only lint,test] [--base origin/main] [--out release-safety-report]
  release-safety verify <registry/repository@sha256:...> --key pub.pem [--insecure-registry]
  release-safety baseline secrets [--scope history|tree] [--out .gitleaksignore] [--gitleaks PATH]
  release-safety baseline rules [--out .release-safety/rules-baseline.yml] [--rules GLOBS] [--tests GLOBS] [--config .github/release-safety.yml] [--promtool PATH]`;

function layout(): { distDir: string; root: string } {
  const here = dirname(fileURLToPath(import.meta.url));
  return { distDir: dirname(here), root: dirname(dirname(here)) };
}

/** On a terminal one line per gate, rewritten in place; otherwise plain lines as events arrive. */
function progressPrinter(gates: readonly string[], tty: boolean, logsDir: string): (event: ProgressEvent) => void {
  const state = new Map<string, string>(gates.map((g) => [g, `… ${g} waiting`]));
  let drawn = 0;
  const started = new Map<string, number>();
  const redraw = () => {
    if (drawn > 0) process.stdout.write(`\u001b[${drawn}A`);
    for (const line of state.values()) process.stdout.write(`\u001b[2K${line.slice(0, (process.stdout.columns || 120) - 1)}\n`);
    drawn = state.size;
  };
  const timer = tty
    ? setInterval(() => {
        for (const [gate, t0] of started) state.set(gate, `▶ ${gate} running ${seconds(Date.now() - t0)}`);
        redraw();
      }, 500)
    : undefined;
  timer?.unref();
  return (event) => {
    if (event.kind === 'end') {
      started.delete(event.gate);
      if (event.log) writeFileSync(join(logsDir, `${event.gate}.log`), event.log);
    } else started.set(event.gate, Date.now());
    const line = renderProgress(event)[0]!;
    if (!tty) {
      process.stdout.write(`${line}\n`);
      return;
    }
    state.set(event.gate, line);
    redraw();
    if (event.kind === 'end' && event.gate === 'evidence' && timer) clearInterval(timer);
  };
}

async function runCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string' }, only: { type: 'string' }, base: { type: 'string' }, out: { type: 'string' } },
    strict: true,
  });
  const local = localRunnerEnv(process.cwd(), values.base);
  try {
    const { distDir, root } = layout();
    const gateMetas = readGateMetas(root);
    const evidenceMeta = readActionMeta(root, 'evidence');
    const configShown = values.config ?? '.github/release-safety.yml';
    const config = readConfig(resolve(local.workspace, configShown), configShown, buildConfigSchema(gateMetas, evidenceMeta));
    const plan = planPipeline(
      config,
      (values.only ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
    const out = resolve(values.out ?? join(local.workspace, 'release-safety-report'));
    const logsDir = join(out, 'logs');
    rmSync(out, { recursive: true, force: true });
    mkdirSync(logsDir, { recursive: true });
    const evidenceDir = join(out, 'evidence');
    const ctx = buildContext(local.env);
    const result = await runPipeline({
      plan,
      metas: { ...gateMetas, evidence: evidenceMeta } as Record<PipelineGate | 'evidence', ReturnType<typeof readActionMeta>>,
      distDir,
      node: process.execPath,
      threads: config.isolation !== 'process' && threadsPossible(process.execPath, ctx.workspace),
      env: local.env,
      ctx,
      tempDir: join(local.home, 'pipeline'),
      evidenceDir,
      concurrency: config.concurrency ?? availableParallelism(),
      secrets: {},
      // No GitHub here: nothing is posted; the evidence is the report.
      evidenceInputs: {
        ...Object.fromEntries(Object.entries(config.evidence?.with ?? {}).map(([k, v]) => [k, inputString(v)])),
        ...('comment' in evidenceMeta.inputs ? { comment: 'never' } : {}),
        ...('github-token' in evidenceMeta.inputs ? { 'github-token': '' } : {}),
      },
      timeoutMs: 60 * 60_000,
      progress: progressPrinter([...plan.map((p) => p.gate), 'evidence'], Boolean(process.stdout.isTTY), logsDir),
      onInterrupt: () => {
        rmSync(local.home, { recursive: true, force: true });
        process.stdout.write('\ninterrupted: every gate and the tools it started were stopped; no verdict\n');
      },
    });
    const markdown = [result.evidence?.stepSummary ?? '', renderResultTable(result, 'markdown')].filter(Boolean).join('\n\n');
    writeFileSync(join(out, 'report.md'), markdown);
    writeFileSync(join(out, 'report.html'), renderHtmlReport(`release-safety: ${result.verdict}`, markdown));
    if (result.bundlePath && existsSync(result.bundlePath)) copyFileSync(result.bundlePath, join(out, 'bundle.json'));
    process.stdout.write(`\n${renderResultTable(result, 'text')}\n\n`);
    process.stdout.write(
      `evidence: ${evidenceDir} (${readdirSync(evidenceDir).filter((f) => f.endsWith('.json')).length} records), report: ${join(out, 'report.html')}, logs: ${logsDir}\n`,
    );
    return result.verdict === 'pass' ? 0 : 1;
  } finally {
    rmSync(local.home, { recursive: true, force: true });
  }
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'run') return await runCommand(rest);
    if (command === 'verify') {
      const { verifyCommand } = await import('./verify.js');
      return await verifyCommand(rest);
    }
    if (command === 'baseline') {
      const { baselineCommand } = await import('./baseline.js');
      return await baselineCommand(rest, layout().distDir);
    }
    process.stderr.write(`${command ? `unknown command "${command}"\n` : ''}${USAGE}\n`);
    return 2;
  } catch (error) {
    if (error instanceof ConfigurationError || (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`release-safety: ${errorMessage(error)}\n`);
      return 2;
    }
    process.stderr.write(`release-safety: unexpected error (a bug; please report it): ${errorMessage(error)}\n`);
    return 1;
  }
}
