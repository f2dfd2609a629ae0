/**
 * The alerts gate: do the alert rules fire on the real service's real metrics?
 *   collect: rule files, drill file, runbooks at the head commit, the service (image or command)
 *            and its metrics pages, a live drill per scenario on real Prometheus
 *   judge:   checkContract (contract.ts), judgeScenario (drill.ts), runbookProblem (runbooks.ts),
 *            verdictWithProblems
 *   render:  findings at the rule file's line, details (details.ts), a summary table and a
 *            mermaid timeline (timeline.ts)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError, errorMessage } from '../../core/errors.js';
import { startClock, verdictWithProblems, type GateReport, type GateRuntime } from '../../core/gate.js';
import { code, codeBlock, md, table } from '../../core/markdown.js';
import { locatePrometheus, prometheusVersion } from '../../tools/prometheus.js';
import { checkContract, type ContractRule } from './contract.js';
import { alertsDetailsSchema, type AlertResult, type AlertsDetails } from './details.js';
import { readDrill, type Drill } from './drill-config.js';
import { runDrill, type DrillContext, type ScenarioRun } from './drill.js';
import { mergeExpositions, parseExposition } from './exposition.js';
import { loadRules, writeDrillCopies, type LoadedRules } from './rulefiles.js';
import { checkRunbooks, type RunbookAlert } from './runbooks.js';
import { fetchMetricsPage, prepareImage, startService, type ServiceSource, type ServiceSpec } from './service.js';
import { renderTimeline } from './timeline.js';
import type { Finding } from '../../core/evidence.js';

export type { ServiceSource } from './service.js';

export interface AlertsOptions {
  rules: string[];
  drillFile?: string;
  service: ServiceSource;
  serviceUrl: string;
  serviceEnv: [string, string][];
  portEnv: string;
  metricsPath: string;
  readyPath: string;
  readyTimeoutMs: number;
  externalMetrics: string[];
  prometheus: { path: string; version: string; mirrorUrl: string; searchPath: string };
  runbookThreshold: number;
  repository: string;
  serverUrl: string;
  headSha: string;
  timeoutMs: number;
  /** The environment services and Prometheus start with (the action's, minus its inputs). */
  baseEnv?: NodeJS.ProcessEnv;
}

interface Collected {
  pages: string[];
  runs: ScenarioRun[];
  problems: string[];
  prometheusVersion: string;
  drillMs: number;
}

function ruleParts(loaded: LoadedRules): { contract: ContractRule[]; alerts: RunbookAlert[] } {
  const contract: ContractRule[] = [];
  const alerts: RunbookAlert[] = [];
  for (const f of loaded.files) {
    for (const g of f.groups) {
      for (const r of g.rules) {
        if (r.expr !== undefined)
          contract.push({ file: f.file, name: r.name, kind: r.kind, expr: r.expr, exprLine: r.exprLine ?? r.line, exprBlock: r.exprBlock ?? false });
        if (r.kind === 'alert') alerts.push({ alert: r.name, file: f.file, line: r.line, annotations: r.annotations });
      }
    }
  }
  return { contract, alerts };
}

/** Without a drill: one instance and its metrics page (after the readiness probe, which the service counts too). */
async function collectWithoutDrill(spec: ServiceSpec, opts: AlertsOptions, imageCommand: string[] | undefined, c: Collected): Promise<void> {
  const service = await startService(spec, imageCommand);
  try {
    const url = `${service.url}${opts.metricsPath}`;
    c.pages.push(await fetchMetricsPage(url));
  } finally {
    await service.stop();
  }
}

async function collectDrill(
  drill: Drill,
  spec: ServiceSpec,
  opts: AlertsOptions,
  runtime: GateRuntime,
  scratch: string,
  loaded: LoadedRules,
  alertNames: Set<string>,
  imageCommand: string[] | undefined,
  c: Collected,
): Promise<void> {
  const located = await locatePrometheus({ ...opts.prometheus, tempDir: scratch, log: runtime.log });
  c.prometheusVersion = await prometheusVersion(located.path);
  const ruleFiles = writeDrillCopies(loaded.files, join(scratch, 'rules'));
  const started = Date.now();
  const context: DrillContext = {
    service: spec,
    ...(imageCommand ? { imageCommand } : {}),
    metricsPath: opts.metricsPath,
    prometheusBinary: located.path,
    ruleFiles,
    alerts: alertNames,
    scratchDir: scratch,
    log: runtime.log,
    drillStartedAt: started,
    deadline: started + opts.timeoutMs,
  };
  // Every instance needs its own port for scenarios to run at once; a fixed URL means one at a time.
  const parallel = opts.serviceUrl.includes('{port}') ? drill.parallel : 1;
  c.runs = await runtime.log.group(`Drill: ${drill.scenarios.length} scenario(s), ${parallel} at a time, Prometheus ${c.prometheusVersion}`, () =>
    runDrill(drill.scenarios, parallel, context),
  );
  c.drillMs = Date.now() - started;
  for (const run of c.runs) {
    c.pages.push(...run.metricsPages);
    c.problems.push(...run.problems);
  }
}

function alertFindings(results: readonly AlertResult[], alerts: readonly RunbookAlert[]): Finding[] {
  return results
    .filter((r) => r.outcome === 'missing' || r.outcome === 'unexpected')
    .map((r) => {
      const at = alerts.find((a) => a.alert === r.alert);
      const message =
        r.outcome === 'missing'
          ? `alert ${r.alert} never fired in scenario "${r.scenario}"${r.pendingAfterMs !== undefined ? ` (pending after ${Math.round(r.pendingAfterMs / 1000)} s)` : ''}${r.labels ? ` (fired with labels ${JSON.stringify(r.labels)}, not the expected ones)` : ''}`
          : `alert ${r.alert} fired in scenario "${r.scenario}", where it must stay silent (after ${Math.round((r.firingAfterMs ?? 0) / 1000)} s, value ${r.value ?? '?'})`;
      return {
        severity: 'error' as const,
        ...(at ? { file: at.file, line: at.line } : {}),
        rule: r.outcome === 'missing' ? 'alert-did-not-fire' : 'alert-fired-unexpectedly',
        message,
      };
    });
}

function renderSections(details: AlertsDetails, problems: readonly string[]): string[] {
  const sections: string[] = [];
  if (details.alerts.length > 0) {
    const secs = (ms: number | undefined) => (ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`);
    const rows = details.alerts.map((a) => [
      md(a.scenario),
      code(a.alert),
      a.expected,
      `**${a.outcome}**`,
      secs(a.pendingAfterMs),
      secs(a.firingAfterMs),
      a.resolved === undefined ? '' : a.resolved ? `yes (${secs(a.resolvedAfterMs)})` : 'no',
      md(a.value ?? ''),
    ]);
    sections.push(`### Alert drill\n\n${table(['scenario', 'alert', 'expected', 'outcome', 'pending after', 'firing after', 'resolved', 'value'], rows)}`);
    sections.push(`### Timeline\n\n${codeBlock(details.timeline, 'mermaid')}`);
  }
  sections.push(
    `Metric contract: ${details.contract.selectorsChecked} selector(s) checked against ${details.contract.metricsExposed} exposed series name(s), ${details.contract.findings} finding(s). Runbooks: ${details.runbooks.complete}/${details.runbooks.total} complete (${details.runbooks.percent}%).`,
  );
  if (problems.length > 0) sections.push(`### Could not judge\n\n${problems.map((p) => `- ${md(p)}`).join('\n')}`);
  return sections;
}

function summaryLine(
  c: Collected,
  results: readonly AlertResult[],
  contractFindings: number,
  missingMetrics: readonly string[],
  problems: readonly string[],
): string {
  if (problems.length > 0) return `could not judge: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`;
  const fired = results.filter((r) => r.outcome === 'fired').length;
  const expectFire = results.filter((r) => r.expected === 'fire').length;
  const unexpected = results.filter((r) => r.outcome === 'unexpected').length;
  const drill =
    c.runs.length > 0
      ? `; drill: ${fired}/${expectFire} alerts fired in their scenario, ${unexpected} fired where they must stay silent (${Math.round(c.drillMs / 1000)} s)`
      : '; no drill';
  const contract =
    contractFindings === 0
      ? 'metric contract clean'
      : `metric contract: ${contractFindings} finding(s)${missingMetrics.length > 0 ? `, not exposed: ${missingMetrics.join(', ')}` : ''}`;
  return `${contract}${drill}`;
}

/** The service the gate needs for what it is asked: a drill starts its own; a running one takes no {port}. */
function checkServiceChoice(opts: AlertsOptions, drilled: boolean): void {
  if (drilled && opts.service.kind === 'url') {
    throw new ConfigurationError(
      'a drill needs a service the gate starts itself (input "image" or "service-command"): each scenario runs its own instance; an already running service at service-url gets the metric contract only (leave "drill" empty)',
    );
  }
  if (opts.service.kind === 'url' && opts.serviceUrl.includes('{port}')) {
    throw new ConfigurationError(
      'input "service-url" holds {port}, but neither "image" nor "service-command" starts the service: give the URL of the running service, e.g. http://127.0.0.1:8080',
    );
  }
}

export async function runAlertsGate(opts: AlertsOptions, runtime: GateRuntime): Promise<GateReport> {
  const clock = startClock();
  const scratch = mkdtempSync(join(runtime.tempDir, 'release-safety-alerts-'));
  try {
    const loaded = loadRules(opts.rules, runtime.workspace, join(scratch, 'converted'));
    const { contract, alerts } = ruleParts(loaded);
    const problems: string[] = loaded.files.filter((f) => f.unreadable).map((f) => f.unreadable!);
    const findings: Finding[] = loaded.files.flatMap((f) => f.findings.filter((x) => x.severity === 'error'));
    const alertNames = new Set(alerts.map((a) => a.alert));
    if (alertNames.size === 0 && problems.length === 0 && findings.length === 0)
      throw new ConfigurationError(`input "rules" (${opts.rules.join(', ')}) holds no alerting rule: there is nothing to drill`);
    const drill = opts.drillFile
      ? readDrill(
          opts.drillFile,
          opts.drillFile.startsWith(runtime.workspace) ? opts.drillFile.slice(runtime.workspace.length + 1) : opts.drillFile,
          alertNames,
        )
      : undefined;
    checkServiceChoice(opts, drill !== undefined);
    // Runbooks are read while the service starts: neither waits on the other.
    const runbooksRead = checkRunbooks(alerts, {
      workspace: runtime.workspace,
      headSha: opts.headSha,
      repository: opts.repository,
      serverUrl: opts.serverUrl,
      threshold: opts.runbookThreshold,
    });
    runbooksRead.catch(() => undefined);

    const spec: ServiceSpec = {
      source: opts.service,
      urlTemplate: opts.serviceUrl,
      env: opts.serviceEnv,
      portEnv: opts.portEnv,
      readyPath: opts.readyPath,
      readyTimeoutMs: opts.readyTimeoutMs,
      cwd: runtime.workspace,
      baseEnv: opts.baseEnv ?? process.env,
    };
    const c: Collected = { pages: [], runs: [], problems, prometheusVersion: '', drillMs: 0 };
    try {
      const image =
        opts.service.kind === 'image'
          ? await runtime.log.group(`Pull ${opts.service.image}`, () => prepareImage(opts.service as Extract<ServiceSource, { kind: 'image' }>, 300_000))
          : undefined;
      if (drill) await collectDrill(drill, spec, opts, runtime, scratch, loaded, alertNames, image?.command, c);
      else await runtime.log.group('Metrics page', () => collectWithoutDrill(spec, opts, image?.command, c));
    } catch (error) {
      if (error instanceof ConfigurationError) throw error;
      problems.push(errorMessage(error));
    }

    const runbooks = await runbooksRead;
    findings.push(...runbooks.findings);
    const contractStart = performance.now();
    let contractResult = { findings: [] as Finding[], selectorsChecked: 0, missingMetrics: [] as string[] };
    let metricsExposed = 0;
    if (c.pages.length > 0) {
      try {
        const exposition = mergeExpositions(c.pages.map((p, i) => parseExposition(p, `metrics page ${i + 1}`)));
        metricsExposed = exposition.series.size;
        contractResult = checkContract({
          rules: contract,
          exposition,
          externalMetrics: opts.externalMetrics,
          afterTraffic: c.runs.some((r) => r.traffic.length > 0),
        });
      } catch (error) {
        problems.push(errorMessage(error));
      }
    } else if (problems.length === 0) problems.push('no metrics page was read: the metric contract could not be checked');
    const contractMs = Math.round(performance.now() - contractStart);
    findings.push(...contractResult.findings);

    const results = c.runs.flatMap((r) => r.results);
    findings.push(...alertFindings(results, alerts));
    const details = alertsDetailsSchema.parse({
      ...(opts.service.kind === 'image' ? { image: opts.service.image, digest: opts.service.image.slice(opts.service.image.indexOf('@') + 1) } : {}),
      prometheusVersion: c.prometheusVersion,
      ruleFiles: loaded.hashes,
      contract: { selectorsChecked: contractResult.selectorsChecked, metricsExposed, findings: contractResult.findings.length },
      runbooks: { total: runbooks.total, complete: runbooks.complete, percent: runbooks.percent },
      alerts: results,
      timeline: renderTimeline(c.runs),
      timings: { drillMs: c.drillMs, contractMs },
    } satisfies AlertsDetails);
    const status = verdictWithProblems({ problems, findings, examined: contractResult.selectorsChecked });
    const fired = results.filter((r) => r.outcome === 'fired').length;
    const silent = results.filter((r) => r.outcome === 'silent').length;
    return {
      gate: 'alerts',
      status,
      summary: `${summaryLine(c, results, contractResult.findings.filter((f) => f.severity === 'error').length, contractResult.missingMetrics, problems)}${problems.length === 0 ? `; runbooks ${runbooks.complete}/${runbooks.total} complete (${runbooks.percent}%, threshold ${opts.runbookThreshold}%)` : ''}`,
      tool: { name: 'prometheus', version: c.prometheusVersion },
      metrics: {
        rules: contract.length,
        alerts: alerts.length,
        selectorsChecked: contractResult.selectorsChecked,
        missingMetrics: contractResult.missingMetrics.length,
        fired,
        silent,
        missing: results.filter((r) => r.outcome === 'missing').length,
        unexpected: results.filter((r) => r.outcome === 'unexpected').length,
        runbookPercent: runbooks.percent,
        drillMs: c.drillMs,
        contractMs,
      },
      findings,
      details,
      startedAt: clock.startedAt,
      durationMs: clock.elapsed(),
      outputs: { fired, silent, 'missing-metrics': contractResult.missingMetrics.length },
      summarySections: renderSections(details, problems),
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
