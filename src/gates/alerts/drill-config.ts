/**
 * Collect phase, part: the drill file (YAML, zod-validated). Every error is a ConfigurationError
 * naming the file, the key path and the accepted form; a scenario naming an alert the rule files
 * do not define is one too.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigurationError } from '../../core/errors.js';
import { parseDuration } from '../rules/duration.js';

/** Upper bounds that keep every traffic loop finite and small. */
export const MAX_REQUESTS_PER_STEP = 100_000;
export const MAX_RATE = 500;
export const MAX_CONCURRENCY = 64;
export const MAX_SCENARIO_MS = 30 * 60_000;

const duration = (what: string) =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    const ms = typeof v === 'number' ? v * 1000 : parseDuration(v);
    if (ms === undefined || !Number.isFinite(ms) || ms <= 0 || ms > MAX_SCENARIO_MS) {
      ctx.addIssue({
        code: 'custom',
        message: `${what} must be a positive duration up to 30m, as seconds or a Prometheus duration such as 90s or 2m (got ${JSON.stringify(v)})`,
      });
      return z.NEVER;
    }
    return ms;
  });

const trafficSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET'),
  path: z.string().regex(/^\/[^\s]*$/, 'must be a path on the service starting with "/" (traffic never leaves the service)'),
  body: z.string().max(65_536).optional(),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'header names are letters, digits and "-"'), z.string()).optional(),
  /** Requests per second. */
  rate: z.number().positive('must be a positive number of requests per second').max(MAX_RATE, `must be at most ${MAX_RATE} requests per second`),
  /** Upper bound: the traffic stops earlier once the scenario's alerts fire. */
  duration: duration('duration'),
  concurrency: z.number().int().min(1, 'must be at least 1').max(MAX_CONCURRENCY, `must be at most ${MAX_CONCURRENCY}`).default(4),
});
export type TrafficStep = z.infer<typeof trafficSchema>;

const expectedAlertSchema = z.union([z.string().min(1), z.strictObject({ alert: z.string().min(1), labels: z.record(z.string(), z.string()).optional() })]);

const scenarioSchema = z.strictObject({
  name: z.string().min(1).max(100),
  traffic: z.array(trafficSchema).default([]),
  fire: z.array(expectedAlertSchema).default([]),
  /** Alerts that must not fire; default: every other alert of the rule files. */
  silent: z.array(z.string().min(1)).optional(),
  /** How long after the traffic starts the alerts of `fire` may take to fire. */
  within: duration('within'),
  /** After the traffic stops, confirm the fired alerts resolve within this time. */
  resolve: z.strictObject({ within: duration('resolve.within') }).optional(),
});

export const drillSchema = z.strictObject({
  version: z.literal(1),
  scenarios: z.array(scenarioSchema).min(1, 'must list at least one scenario'),
  /** Scenarios running at once (each with its own service and Prometheus). */
  parallel: z.number().int().min(1).max(8).default(4),
});

export interface ExpectedAlert {
  alert: string;
  labels: Record<string, string>;
}

export interface Scenario {
  name: string;
  traffic: TrafficStep[];
  fire: ExpectedAlert[];
  silent: string[];
  withinMs: number;
  resolveWithinMs?: number;
}

export interface Drill {
  scenarios: Scenario[];
  parallel: number;
}

function issuePath(path: readonly PropertyKey[], data: unknown): string {
  let node: unknown = data;
  const parts: string[] = [];
  for (const key of path) {
    const here = node && typeof node === 'object' ? (node as Record<string, unknown>)[key as string] : undefined;
    if (typeof key === 'number' && Array.isArray(node)) {
      const name = (here as { name?: unknown } | undefined)?.name;
      parts.push(typeof name === 'string' && parts.at(-1) === 'scenarios' ? `[${key}] (${JSON.stringify(name)})` : `[${key}]`);
    } else parts.push(parts.length > 0 ? `.${String(key)}` : String(key));
    node = here;
  }
  return parts.join('').replace(/\.\[/g, '[');
}

/** Validates a drill against the alert names the rule files define. */
export function parseDrill(text: string, file: string, alertNames: ReadonlySet<string>): Drill {
  let data: unknown;
  try {
    data = parse(text, { prettyErrors: true });
  } catch (error) {
    throw new ConfigurationError(`drill file ${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const result = drillSchema.safeParse(data);
  if (!result.success) {
    const messages = result.error.issues.slice(0, 5).map((issue) => {
      const at = issuePath(issue.path, data) || '(top level)';
      if (issue.code === 'unrecognized_keys')
        return `${at}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
      return `${at}: ${issue.message}`;
    });
    throw new ConfigurationError(
      `drill file ${file}: ${messages.join('; ')} (accepted keys: version: 1, parallel, scenarios[].{name, traffic[].{method, path, body, headers, rate, duration, concurrency}, fire, silent, within, resolve.within})`,
    );
  }
  const names = new Set<string>();
  const scenarios: Scenario[] = result.data.scenarios.map((s, i) => {
    if (names.has(s.name))
      throw new ConfigurationError(`drill file ${file}: scenarios[${i}] repeats the name ${JSON.stringify(s.name)}: names identify scenarios in the evidence`);
    names.add(s.name);
    const fire = s.fire.map((f) => (typeof f === 'string' ? { alert: f, labels: {} } : { alert: f.alert, labels: f.labels ?? {} }));
    for (const name of [...fire.map((f) => f.alert), ...(s.silent ?? [])]) {
      if (!alertNames.has(name)) {
        throw new ConfigurationError(
          `drill file ${file}: scenario ${JSON.stringify(s.name)} names the alert ${JSON.stringify(name)}, which no rule file defines (defined: ${[...alertNames].sort().join(', ') || 'none'})`,
        );
      }
    }
    for (const [j, t] of s.traffic.entries()) {
      const count = Math.ceil((t.rate * t.duration) / 1000);
      if (count > MAX_REQUESTS_PER_STEP)
        throw new ConfigurationError(
          `drill file ${file}: scenarios[${i}].traffic[${j}]: rate x duration is ${count} requests, more than ${MAX_REQUESTS_PER_STEP}`,
        );
    }
    const firing = new Set(fire.map((f) => f.alert));
    const silent = s.silent ?? [...alertNames].filter((a) => !firing.has(a)).sort();
    const both = silent.find((a) => firing.has(a));
    if (both) throw new ConfigurationError(`drill file ${file}: scenario ${JSON.stringify(s.name)} lists ${JSON.stringify(both)} both in fire and in silent`);
    if (fire.length === 0 && silent.length === 0)
      throw new ConfigurationError(`drill file ${file}: scenario ${JSON.stringify(s.name)} expects nothing: list alerts under fire or silent`);
    return { name: s.name, traffic: s.traffic, fire, silent, withinMs: s.within, ...(s.resolve ? { resolveWithinMs: s.resolve.within } : {}) };
  });
  return { scenarios, parallel: result.data.parallel };
}

export function readDrill(path: string, file: string, alertNames: ReadonlySet<string>): Drill {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`drill file ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseDrill(text, file, alertNames);
}
