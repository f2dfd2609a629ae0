/**
 * A plain HTTP GET for the readiness probe and the metrics page. node:http rather than the global
 * fetch: Node compiles its bundled undici on the first fetch (about 80 ms here), more than the
 * whole metric contract check costs after a cold start; node:http is loaded by @actions/core
 * already. Loopback plain HTTP only: the service under test runs on 127.0.0.1 (an https URL
 * goes through node:https the same way).
 */
import { get as httpGetRequest, type IncomingHttpHeaders } from 'node:http';
import { get as httpsGetRequest } from 'node:https';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** GETs `url`; rejects with the socket's own message (e.g. "connect ECONNREFUSED 127.0.0.1:8080") or on the deadline. */
export function httpGet(url: string, opts: { timeoutMs: number; headers?: Record<string, string>; maxBytes?: number }): Promise<HttpAnswer> {
  const target = new URL(url);
  const get = target.protocol === 'https:' ? httpsGetRequest : target.protocol === 'http:' ? httpGetRequest : undefined;
  if (!get) return Promise.reject(new Error(`${url} is not an http(s) URL`));
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    // The first outcome wins: a destroyed request can still emit 'end' or 'error' afterwards.
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const fail = (error: Error) => {
      settle(() => reject(error));
      request.destroy();
    };
    // agent: false: one connection, closed after the answer (no keep-alive socket holds the process open).
    const request = get(target, { headers: opts.headers ?? {}, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) fail(new Error(`the answer of ${url} exceeds ${maxBytes} bytes`));
        else chunks.push(chunk);
      });
      response.on('end', () =>
        settle(() => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') })),
      );
      response.on('error', fail);
    });
    const timer = setTimeout(() => fail(new Error(`no complete answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    request.on('error', fail);
  });
}
