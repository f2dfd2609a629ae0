/**
 * The live drill. Collect: per scenario its own service instance and its own Prometheus, the
 * alerts confirmed inactive, the traffic driven, /api/v1/alerts polled every second until the
 * expected alerts fire (or the deadline), then, if asked, until they resolve. Judge:
 * judgeScenario (pure) turns the observations into outcomes. Render: timeline.ts, index.ts.
 */
import { join } from 'node:path';
import { errorMessage } from '../../core/errors.js';
import { activeAlerts, startPrometheus, type ActiveAlert, type PrometheusServer } from './prometheus.js';
import { fetchMetricsPage, startService, type ServiceInstance, type ServiceSpec } from './service.js';
import { startTraffic, type TrafficResult } from './traffic.js';
import type { Logger } from '../../core/log.js';
import type { AlertResult } from './details.js';
import type { Scenario } from './drill-config.js';

const POLL_MS = 1000;

/** What was seen of one alert during one scenario, in ms from the start of its traffic. */
export interface Observation {
  pendingAfterMs?: number;
  firingAfterMs?: number;
  resolvedAfterMs?: number;
  value?: string;
  labels?: Record<string, string>;
  /** Firing, but not with the labels the drill expects. */
  wrongLabels?: Record<string, string>;
}

export interface ScenarioRun {
  name: string;
  /** When the traffic started, in ms from the start of the drill. */
  startedAtMs: number;
  /** How long the scenario ran from the start of its traffic. */
  durationMs: number;
  observations: Map<string, Observation>;
  results: AlertResult[];
  problems: string[];
  metricsPages: string[];
  traffic: TrafficResult[];
  pids: number[];
}

export interface DrillContext {
  service: ServiceSpec;
  imageCommand?: string[];
  metricsPath: string;
  prometheusBinary: string;
  ruleFiles: readonly string[];
  alerts: ReadonlySet<string>;
  scratchDir: string;
  log: Logger;
  drillStartedAt: number;
  deadline: number;
}

const matches = (want: Record<string, string>, got: Record<string, string>) => Object.entries(want).every(([k, v]) => got[k] === v);

/** Judge: outcomes of one scenario from what was observed (pure). */
export function judgeScenario(s: Scenario, observations: ReadonlyMap<string, Observation>, resolveAsked: boolean): AlertResult[] {
  const fired = s.fire.map((f): AlertResult => {
    const o = observations.get(f.alert) ?? {};
    const ok = o.firingAfterMs !== undefined && o.firingAfterMs <= s.withinMs;
    return {
      alert: f.alert,
      scenario: s.name,
      expected: 'fire',
      outcome: ok ? 'fired' : 'missing',
      ...(o.pendingAfterMs !== undefined ? { pendingAfterMs: o.pendingAfterMs } : {}),
      ...(ok ? { firingAfterMs: o.firingAfterMs } : {}),
      ...(o.value !== undefined ? { value: o.value } : {}),
      ...((o.labels ?? o.wrongLabels) ? { labels: o.labels ?? o.wrongLabels } : {}),
      ...(ok && resolveAsked
        ? { resolved: o.resolvedAfterMs !== undefined, ...(o.resolvedAfterMs !== undefined ? { resolvedAfterMs: o.resolvedAfterMs } : {}) }
        : {}),
    };
  });
  const silent = s.silent.map((alert): AlertResult => {
    const o = observations.get(alert) ?? {};
    const firing = o.firingAfterMs !== undefined;
    return {
      alert,
      scenario: s.name,
      expected: 'silent',
      outcome: firing ? 'unexpected' : 'silent',
      ...(o.pendingAfterMs !== undefined ? { pendingAfterMs: o.pendingAfterMs } : {}),
      ...(firing ? { firingAfterMs: o.firingAfterMs } : {}),
      ...(o.value !== undefined ? { value: o.value } : {}),
      ...(o.labels ? { labels: o.labels } : {}),
    };
  });
  return [...fired, ...silent];
}

/** Folds one /api/v1/alerts answer into the observations. */
export function observe(observations: Map<string, Observation>, s: Scenario, alerts: readonly ActiveAlert[], atMs: number): void {
  for (const a of alerts) {
    const name = a.labels.alertname;
    if (name === undefined) continue;
    const o = observations.get(name) ?? {};
    if (a.state === 'pending' || a.state === 'firing') o.pendingAfterMs ??= atMs;
    if (a.state === 'firing') {
      const want = s.fire.find((f) => f.alert === name)?.labels ?? {};
      if (matches(want, a.labels)) {
        o.firingAfterMs ??= atMs;
        o.labels = a.labels;
        if (a.value !== undefined) o.value = a.value;
      } else o.wrongLabels = a.labels;
    }
    observations.set(name, o);
  }
}

async function stopAll(service: ServiceInstance | undefined, prometheus: PrometheusServer | undefined, problems: string[]): Promise<void> {
  for (const [what, stop] of [
    ['Prometheus', prometheus?.stop],
    ['the service', service?.stop],
  ] as const) {
    try {
      await stop?.();
    } catch (error) {
      problems.push(`${what} could not be stopped: ${errorMessage(error)}`);
    }
  }
}

async function drive(s: Scenario, c: DrillContext, run: ScenarioRun, service: ServiceInstance, prometheus: PrometheusServer): Promise<void> {
  const before = await activeAlerts(prometheus);
  const watched = new Set([...s.fire.map((f) => f.alert), ...s.silent]);
  const early = before.filter((a) => watched.has(a.labels.alertname ?? '') && a.state !== 'inactive');
  if (early.length > 0) {
    run.problems.push(
      `scenario "${s.name}": ${early.map((a) => `${a.labels.alertname} (${a.state})`).join(', ')} already active before any traffic: the drill cannot show its traffic caused it`,
    );
    return;
  }
  const t0 = Date.now();
  run.startedAtMs = t0 - c.drillStartedAt;
  const traffic = s.traffic.map((step) => startTraffic(service.url, step));
  const deadline = Math.min(t0 + s.withinMs, c.deadline);
  const allFired = () => s.fire.every((f) => run.observations.get(f.alert)?.firingAfterMs !== undefined);
  let trafficFailure: string | undefined;
  for (const t of traffic) {
    void t.done.then((r) => {
      if (r.failure === undefined) return;
      trafficFailure ??= r.failure;
      traffic.forEach((x) => x.stop());
    });
  }
  const results = Promise.all(traffic.map((t) => t.done));
  try {
    while (Date.now() < deadline) {
      observe(run.observations, s, await activeAlerts(prometheus), Date.now() - t0);
      if (trafficFailure) break;
      if (service.hasExited()) throw new Error(`the service stopped during the drill: ${service.output().slice(-500)}`);
      if (prometheus.hasExited()) throw new Error(`Prometheus stopped during the drill: ${prometheus.output().slice(-500)}`);
      if (s.fire.length > 0 && allFired()) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    traffic.forEach((t) => t.stop());
    run.traffic = await results;
  }
  if (trafficFailure) throw new Error(`the traffic could not reach the service at ${service.url}: ${trafficFailure}`);
  run.metricsPages.push(await fetchMetricsPage(`${service.url}${c.metricsPath}`));
  const fired = s.fire.filter((f) => run.observations.get(f.alert)?.firingAfterMs !== undefined);
  if (s.resolveWithinMs !== undefined && fired.length > 0) {
    const stopAt = Math.min(Date.now() + s.resolveWithinMs, c.deadline);
    while (Date.now() < stopAt && fired.some((f) => run.observations.get(f.alert)?.resolvedAfterMs === undefined)) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const now = await activeAlerts(prometheus);
      for (const f of fired) {
        const o = run.observations.get(f.alert)!;
        if (o.resolvedAfterMs === undefined && !now.some((a) => a.labels.alertname === f.alert && a.state === 'firing')) o.resolvedAfterMs = Date.now() - t0;
      }
    }
  }
  run.durationMs = Date.now() - t0;
}

export async function runScenario(s: Scenario, index: number, c: DrillContext): Promise<ScenarioRun> {
  const run: ScenarioRun = {
    name: s.name,
    startedAtMs: Date.now() - c.drillStartedAt,
    durationMs: 0,
    observations: new Map(),
    results: [],
    problems: [],
    metricsPages: [],
    traffic: [],
    pids: [],
  };
  let service: ServiceInstance | undefined;
  let prometheus: PrometheusServer | undefined;
  try {
    service = await startService(c.service, c.imageCommand);
    run.pids.push(...service.pids());
    // The page before any traffic: what a fresh instance exposes.
    run.metricsPages.push(await fetchMetricsPage(`${service.url}${c.metricsPath}`));
    const target = new URL(service.url).host;
    prometheus = await startPrometheus({
      binary: c.prometheusBinary,
      dir: join(c.scratchDir, `scenario-${index + 1}`),
      target,
      metricsPath: c.metricsPath,
      ruleFiles: c.ruleFiles,
      alerts: c.alerts,
      timeoutMs: 60_000,
    });
    run.pids.push(prometheus.pid);
    await drive(s, c, run, service, prometheus);
  } catch (error) {
    run.problems.push(`scenario "${s.name}": ${errorMessage(error)}`);
  } finally {
    await stopAll(service, prometheus, run.problems);
  }
  run.results = judgeScenario(s, run.observations, s.resolveWithinMs !== undefined);
  c.log.info(
    `scenario "${s.name}": ${run.results.map((r) => `${r.alert} ${r.outcome}${r.firingAfterMs !== undefined ? ` after ${(r.firingAfterMs / 1000).toFixed(0)} s` : ''}`).join(', ')}${run.problems.length > 0 ? ` (${run.problems.join('; ')})` : ''}`,
  );
  return run;
}

/** Runs the scenarios, at most `parallel` at once (1 when every instance must share one URL). */
export async function runDrill(scenarios: readonly Scenario[], parallel: number, c: DrillContext): Promise<ScenarioRun[]> {
  const runs: ScenarioRun[] = new Array<ScenarioRun>(scenarios.length);
  let next = 0;
  const worker = async () => {
    while (next < scenarios.length) {
      const i = next++;
      runs[i] = await runScenario(scenarios[i]!, i, c);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, scenarios.length) }, worker));
  return runs;
}
