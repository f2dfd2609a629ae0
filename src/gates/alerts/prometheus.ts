/**
 * Collect phase, part: one real Prometheus per scenario, scraping one service instance every
 * second and evaluating the scratch copies of the rule files (group interval 1 s, every `for`
 * untouched); its HTTP API read with zod-validated answers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { ToolError } from '../../core/errors.js';
import { lastLines } from '../../core/exec.js';
import { freePort, startProcess, type RunningProcess } from './process.js';

export interface PrometheusServer {
  url: string;
  pid: number;
  hasExited(): boolean;
  output(): string;
  stop(): Promise<void>;
}

const alertsAnswer = z.object({
  status: z.literal('success'),
  data: z.object({
    alerts: z.array(
      z.object({
        labels: z.record(z.string(), z.string()),
        state: z.enum(['pending', 'firing', 'inactive']),
        activeAt: z.string().optional(),
        value: z.string().optional(),
      }),
    ),
  }),
});
export type ActiveAlert = z.infer<typeof alertsAnswer>['data']['alerts'][number];

const targetsAnswer = z.object({
  status: z.literal('success'),
  data: z.object({ activeTargets: z.array(z.object({ health: z.string(), lastError: z.string().optional(), scrapeUrl: z.string().optional() })) }),
});

const rulesAnswer = z.object({
  status: z.literal('success'),
  data: z.object({ groups: z.array(z.object({ rules: z.array(z.object({ name: z.string(), type: z.string() })) })) }),
});

async function getJson<T>(url: string, schema: z.ZodType<T>, what: string): Promise<T> {
  let r: Response;
  try {
    r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    throw new ToolError(`Prometheus ${what} (${url}) could not be read: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`);
  }
  const text = await r.text();
  if (!r.ok) throw new ToolError(`Prometheus ${what} answered HTTP ${r.status}: ${text.slice(0, 200)}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ToolError(`Prometheus ${what} answered something that is not JSON`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ToolError(`Prometheus ${what} answered an unexpected shape: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

export function prometheusConfig(target: string, metricsPath: string, ruleFiles: readonly string[]): string {
  return stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: [...ruleFiles],
    scrape_configs: [{ job_name: 'service', metrics_path: metricsPath, static_configs: [{ targets: [target] }] }],
  });
}

async function until<T>(what: string, timeoutMs: number, proc: RunningProcess, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc.hasExited()) throw new ToolError(`Prometheus stopped before ${what}: ${lastLines(proc.output(), 6) || '(no output)'}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new ToolError(
    `Prometheus did not get to ${what} within ${Math.round(timeoutMs / 1000)} s${last ? ` (${last})` : ''}: ${lastLines(proc.output(), 6) || '(no output)'}`,
  );
}

/**
 * Starts Prometheus and waits until it is ready, has loaded every alert of the rule files and has
 * scraped the service at least once (target up). Stopped before any error is thrown.
 */
export async function startPrometheus(opts: {
  binary: string;
  dir: string;
  target: string;
  metricsPath: string;
  ruleFiles: readonly string[];
  alerts: ReadonlySet<string>;
  timeoutMs: number;
}): Promise<PrometheusServer> {
  mkdirSync(join(opts.dir, 'data'), { recursive: true });
  const config = join(opts.dir, 'prometheus.yml');
  writeFileSync(config, prometheusConfig(opts.target, opts.metricsPath, opts.ruleFiles));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = startProcess(
    opts.binary,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(opts.dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { cwd: opts.dir, env: process.env },
  );
  const server: PrometheusServer = { url, pid: proc.pid, hasExited: () => proc.hasExited(), output: () => proc.output(), stop: () => proc.stop() };
  try {
    await until('ready', opts.timeoutMs, proc, async () => {
      const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      return r.ok ? true : undefined;
    });
    await until('load every alert of the rule files', opts.timeoutMs, proc, async () => {
      const rules = await getJson(`${url}/api/v1/rules`, rulesAnswer, 'rules');
      const loaded = new Set(rules.data.groups.flatMap((g) => g.rules.filter((r) => r.type === 'alerting').map((r) => r.name)));
      const absent = [...opts.alerts].filter((a) => !loaded.has(a));
      if (absent.length > 0) throw new Error(`not loaded: ${absent.join(', ')}`);
      return true;
    });
    await until(`scrape the service at ${opts.target}`, opts.timeoutMs, proc, async () => {
      const t = await getJson(`${url}/api/v1/targets?state=active`, targetsAnswer, 'targets');
      const target = t.data.activeTargets[0];
      if (target?.health === 'up') return true;
      if (target?.lastError) throw new Error(`last scrape: ${target.lastError}`);
      return undefined;
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

export async function activeAlerts(server: PrometheusServer): Promise<ActiveAlert[]> {
  return (await getJson(`${server.url}/api/v1/alerts`, alertsAnswer, 'alerts')).data.alerts;
}
