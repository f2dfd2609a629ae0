import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { createApp, type App, type AppOptions } from '../src/app.js';
import { createJsonLogger } from '../src/logger.js';

export interface TestApp {
  app: App;
  url: string;
  /** Raw log lines written by the app, in order. */
  lines: string[];
  /** Parsed log lines. */
  logs(): Record<string, unknown>[];
  close(): Promise<void>;
}

/** Starts an app on 127.0.0.1 with an OS-assigned port and a capturing logger. */
export async function startTestApp(options: AppOptions = {}): Promise<TestApp> {
  const lines: string[] = [];
  const app = createApp({ logger: createJsonLogger((line) => lines.push(line)), ...options });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const { port } = app.address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    lines,
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    close: () =>
      new Promise<void>((resolve) => {
        app.close(() => resolve());
        app.closeAllConnections();
      }),
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request through node:http, for cases fetch() cannot express (chunked bodies, odd targets). */
export function rawRequest(
  url: string,
  options: { method?: string; path: string; headers?: http.OutgoingHttpHeaders; body?: Buffer | string | Buffer[] },
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname, port, method: options.method ?? 'GET', path: options.path, headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const body = options.body;
    if (Array.isArray(body)) {
      for (const chunk of body) req.write(chunk);
    } else if (body !== undefined) {
      req.write(body);
    }
    req.end();
  });
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the sample lines of the Prometheus text exposition format. */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!match) throw new Error(`unparseable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label[1] as string] = (label[2] as string).replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
    }
    const raw = match[3] as string;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    samples.push({ name: match[1] as string, labels, value });
  }
  return samples;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ak = Object.keys(a);
  return ak.length === Object.keys(b).length && ak.every((k) => a[k] === b[k]);
}

/** Value of the sample with exactly these labels, or 0 when the series does not exist yet. */
export function metricValue(samples: Sample[], name: string, labels: Record<string, string>): number {
  return samples.find((s) => s.name === name && sameLabels(s.labels, labels))?.value ?? 0;
}

/** Sum over every sample of `name` whose labels include `subset`. */
export function metricSum(samples: Sample[], name: string, subset: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(subset).every(([k, v]) => s.labels[k] === v))
    .reduce((acc, s) => acc + s.value, 0);
}

export async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parseMetrics(await res.text());
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/items`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
