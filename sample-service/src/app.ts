import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';

import { createJsonLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { validateNewItem } from './validation.js';

export const DEFAULT_SERVICE_NAME = 'sample-service';
/** Largest accepted request body (64 KiB). */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
/** Upper bound for GET /fault/slow?ms=N. */
export const DEFAULT_MAX_SLOW_MS = 10_000;
/** Sleep used by GET /fault/slow when no `ms` is given. */
export const DEFAULT_SLOW_MS = 1_000;
/**
 * Bodies declared (Content-Length) or streamed beyond this are answered with
 * 413 and the connection is closed instead of being drained.
 */
const DRAIN_LIMIT_BYTES = 1024 * 1024;
/** `endpoint` label for any path that matches no route. */
export const UNKNOWN_ENDPOINT = 'unknown';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export interface Item {
  id: number;
  name: string;
  price: number;
}

export interface AppOptions {
  /** Reported by GET /. Default: "sample-service". */
  serviceName?: string;
  /** Reported by GET /. Default: the `version` field of package.json. */
  version?: string;
  /** Registers the /fault/* drill endpoints. Default: false (they 404). */
  faultsEnabled?: boolean;
  /** Where structured logs go. Default: JSON lines on stdout. */
  logger?: Logger;
  /** Also export prom-client's process/runtime metrics. Default: false. */
  defaultMetrics?: boolean;
  /** Default: 64 KiB. */
  maxBodyBytes?: number;
  /** Default: 10000. */
  maxSlowMs?: number;
}

export interface AppControls {
  /** The request listener, usable without this server (e.g. in another server). */
  handler: RequestListener;
  /** The dedicated registry behind GET /metrics. */
  registry: Registry;
  metrics: Metrics;
  /** Whether GET /health/ready answers 200 (true) or 503 (false). */
  isReady(): boolean;
  setReady(ready: boolean): void;
}

/** An http.Server (call listen() on it) with a few controls attached. */
export type App = http.Server & AppControls;

interface Reply {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

interface RequestContext {
  req: IncomingMessage;
  path: string;
  query: URLSearchParams;
}

type RouteHandler = (ctx: RequestContext) => Reply | Promise<Reply>;

function json(status: number, payload: unknown, headers?: Record<string, string>): Reply {
  return { status, body: JSON.stringify(payload), contentType: JSON_CONTENT_TYPE, headers };
}

function readPackageVersion(): string {
  try {
    const raw = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
    const pkg = JSON.parse(raw) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Splits a request target into path and query without trusting it as a URL. */
function splitTarget(target: string | undefined): { path: string; query: URLSearchParams } {
  const raw = target ?? '/';
  const hash = raw.indexOf('#');
  const noHash = hash === -1 ? raw : raw.slice(0, hash);
  const q = noHash.indexOf('?');
  const path = q === -1 ? noHash : noHash.slice(0, q);
  const query = new URLSearchParams(q === -1 ? '' : noHash.slice(q + 1));
  return { path: path === '' ? '/' : path, query };
}

type BodyResult =
  | { kind: 'ok'; body: Buffer }
  | { kind: 'too_large'; closeConnection: boolean }
  | { kind: 'aborted' };

/**
 * Reads the request body up to `limit` bytes. Oversized bodies up to
 * DRAIN_LIMIT_BYTES are drained (so the client reliably gets the 413);
 * anything larger is refused without reading and the connection is closed.
 */
function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > DRAIN_LIMIT_BYTES) {
    return Promise.resolve({ kind: 'too_large', closeConnection: true });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > DRAIN_LIMIT_BYTES) {
        req.pause();
        finish({ kind: 'too_large', closeConnection: true });
      } else if (size <= limit) {
        chunks.push(chunk);
      }
    };
    req.on('data', onData);
    req.on('end', () => {
      finish(size > limit ? { kind: 'too_large', closeConnection: false } : { kind: 'ok', body: Buffer.concat(chunks) });
    });
    req.on('error', () => finish({ kind: 'aborted' }));
    req.on('close', () => finish({ kind: 'aborted' }));
  });
}

function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const mediaType = header.split(';', 1)[0]?.trim().toLowerCase();
  return mediaType === 'application/json';
}

function errorDetails(err: unknown): { error: string; error_type: string; stack?: string } {
  if (err instanceof Error) {
    return { error: err.message, error_type: err.name, stack: err.stack };
  }
  return { error: String(err), error_type: typeof err };
}

/**
 * Builds the service. Nothing listens until `listen()` is called on the
 * returned server; tests use `listen(0, '127.0.0.1')`.
 *
 * Metrics contract: every request that reaches the handler is counted exactly
 * once in app_requests_total and app_request_latency_seconds, after its
 * response has been written, labelled with the route template (or "unknown").
 * GET /metrics counts itself too, once, so a scrape shows up in the next one.
 */
export function createApp(options: AppOptions = {}): App {
  const serviceName = options.serviceName ?? DEFAULT_SERVICE_NAME;
  const version = options.version ?? readPackageVersion();
  const logger = options.logger ?? createJsonLogger();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxSlowMs = options.maxSlowMs ?? DEFAULT_MAX_SLOW_MS;
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? false });

  let ready = true;
  const items: Item[] = [];
  let nextId = 1;

  const routes = new Map<string, Map<string, RouteHandler>>();
  const route = (method: string, path: string, handler: RouteHandler): void => {
    const methods = routes.get(path) ?? new Map<string, RouteHandler>();
    methods.set(method, handler);
    routes.set(path, methods);
  };

  route('GET', '/', () => json(200, { service: serviceName, version }));

  route('GET', '/items', () => json(200, items));

  route('POST', '/items', async ({ req }) => {
    if (!isJsonContentType(req.headers['content-type'])) {
      return json(400, { error: 'content-type must be application/json' });
    }
    const result = await readBody(req, maxBodyBytes);
    if (result.kind === 'too_large') {
      return json(
        413,
        { error: `request body exceeds ${maxBodyBytes} bytes` },
        result.closeConnection ? { connection: 'close' } : undefined,
      );
    }
    if (result.kind === 'aborted') {
      return json(400, { error: 'request body incomplete' });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(result.body.toString('utf8'));
    } catch {
      // The parser's message can quote the body, so it is neither logged nor returned.
      return json(400, { error: 'invalid JSON body' });
    }
    const validation = validateNewItem(parsed);
    if (!validation.ok) {
      return json(400, { error: validation.error });
    }
    const item: Item = { id: nextId++, ...validation.value };
    items.push(item);
    return json(201, item, { location: `/items/${item.id}` });
  });

  route('GET', '/health/live', () => json(200, { status: 'ok' }));

  route('GET', '/health/ready', () =>
    ready ? json(200, { status: 'ok' }) : json(503, { status: 'shutting_down' }),
  );

  route('GET', '/metrics', async () => ({
    status: 200,
    body: await metrics.registry.metrics(),
    contentType: metrics.registry.contentType,
  }));

  if (options.faultsEnabled) {
    route('GET', '/fault/error', () => json(500, { error: 'simulated error' }));

    route('GET', '/fault/slow', async ({ query }) => {
      const raw = query.get('ms');
      let ms = DEFAULT_SLOW_MS;
      if (raw !== null) {
        if (!/^\d+$/.test(raw)) {
          return json(400, { error: 'ms must be a non-negative integer' });
        }
        ms = Number(raw);
      }
      ms = Math.min(ms, maxSlowMs);
      await sleep(ms);
      return json(200, { status: 'ok', slept_ms: ms });
    });

    route('GET', '/fault/exception', () => {
      throw new Error('simulated exception from /fault/exception');
    });
  }

  const resolveRoute = (method: string, path: string): { endpoint: string; handler: RouteHandler } => {
    const methods = routes.get(path);
    if (!methods) {
      return { endpoint: UNKNOWN_ENDPOINT, handler: () => json(404, { error: 'not found' }) };
    }
    const handler = methods.get(method);
    if (!handler) {
      const allow = [...methods.keys()].join(', ');
      return { endpoint: path, handler: () => json(405, { error: 'method not allowed' }, { allow }) };
    }
    return { endpoint: path, handler };
  };

  const send = (res: ServerResponse, reply: Reply): void => {
    res.statusCode = reply.status;
    res.setHeader('content-type', reply.contentType);
    res.setHeader('content-length', Buffer.byteLength(reply.body));
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-content-type-options', 'nosniff');
    for (const [name, value] of Object.entries(reply.headers ?? {})) {
      res.setHeader(name, value);
    }
    // While shutting down, ask keep-alive clients to go away so close() can finish.
    if (!ready) res.setHeader('connection', 'close');
    res.end(reply.body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const start = process.hrtime.bigint();
    const method = req.method ?? 'GET';
    const { path, query } = splitTarget(req.url);
    const { endpoint, handler } = resolveRoute(method, path);

    let reply: Reply;
    try {
      reply = await handler({ req, path, query });
    } catch (err) {
      metrics.errorsTotal.inc({ endpoint });
      logger.error('unhandled exception', { method, path, endpoint, ...errorDetails(err) });
      reply = json(500, { error: 'internal error' });
    }

    try {
      send(res, reply);
    } catch (err) {
      logger.error('failed to write response', { method, path, endpoint, ...errorDetails(err) });
      res.destroy();
    }

    // Recorded synchronously after end(), so a client that has read the
    // response can never scrape /metrics before this request is counted.
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const status = res.statusCode;
    metrics.requestsTotal.inc({ method, endpoint, http_status: String(status) });
    metrics.requestLatency.observe({ method, endpoint }, seconds);
    const fields = { method, path, endpoint, status, duration_ms: Math.round(seconds * 1e6) / 1e3 };
    if (status >= 500) logger.error('request', fields);
    else logger.info('request', fields);
  };

  const listener: RequestListener = (req, res) => {
    handle(req, res).catch((err: unknown) => {
      // Last resort: handle() already catches route errors; this only guards bugs in it.
      logger.error('request handler failed', errorDetails(err));
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      }
    });
  };

  const server = http.createServer(listener);
  // Bounds slow uploads; the longest legitimate request is /fault/slow (10 s).
  server.requestTimeout = 30_000;

  return Object.assign(server, {
    handler: listener,
    registry: metrics.registry,
    metrics,
    isReady: () => ready,
    setReady: (value: boolean) => {
      ready = value;
    },
  });
}
