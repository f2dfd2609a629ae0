import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Latency buckets in seconds: 5 ms .. 5 s. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface Metrics {
  registry: Registry;
  requestsTotal: Counter<'method' | 'endpoint' | 'http_status'>;
  requestLatency: Histogram<'method' | 'endpoint'>;
  errorsTotal: Counter<'endpoint'>;
}

/**
 * Creates the service metrics on a dedicated registry (never prom-client's
 * global one), so any number of apps can coexist in one process.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();

  const requestsTotal = new Counter({
    name: 'app_requests_total',
    help: 'HTTP requests handled, counted once per request after the response is written.',
    labelNames: ['method', 'endpoint', 'http_status'] as const,
    registers: [registry],
  });

  const requestLatency = new Histogram({
    name: 'app_request_latency_seconds',
    help: 'Time from receiving a request to writing its response, in seconds.',
    labelNames: ['method', 'endpoint'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });

  const errorsTotal = new Counter({
    name: 'app_errors_total',
    help: 'Unhandled exceptions caught by the top-level request handler.',
    labelNames: ['endpoint'] as const,
    registers: [registry],
  });

  if (options.defaultMetrics) {
    collectDefaultMetrics({ register: registry });
  }

  return { registry, requestsTotal, requestLatency, errorsTotal };
}
