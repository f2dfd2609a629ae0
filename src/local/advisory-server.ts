/**
 * A stand-in for the npm registry's advisory service, on 127.0.0.1 and a port chosen at run time.
 * It answers what `npm audit` asks, in npm's format:
 *
 *   POST /-/npm/v1/security/advisories/bulk   body: gzip'd JSON {name: [versions]}
 *     -> 200 {name: [{id, url, title, severity, vulnerable_versions, cwe, cvss}]}, only the
 *        advisories whose range covers one of the requested versions (as the registry does)
 *   GET /<name>                               the package document (packument), when the test
 *                                             supplies one; npm fetches it to work out fixes
 *   anything else                             404
 *
 * Every request is recorded so tests can assert exactly what npm asked. `mode` makes it fail the
 * way real services do: a 500, a connection closed mid-request, or a 200 that is not JSON.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { rangeIncludes } from '../gates/audit/model.js';
import type { AddressInfo } from 'node:net';

export interface BulkAdvisory {
  id: number;
  url: string;
  title: string;
  severity: string;
  vulnerable_versions: string;
  cwe?: string[];
  cvss?: { score: number; vectorString: string | null };
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The decoded JSON body of a bulk request. */
  body?: unknown;
}

export type AdvisoryServerMode = 'ok' | 'error-500' | 'close-connection' | 'not-json';

export interface AdvisoryServer {
  /** Registry URL with a trailing slash, for npm's --registry. */
  url: string;
  requests: RecordedRequest[];
  mode: AdvisoryServerMode;
  close(): Promise<void>;
}

const BULK = '/-/npm/v1/security/advisories/bulk';
const MAX_BODY = 8 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The registry's answer: for each requested package, the advisories that cover a requested version. */
export function answerBulk(db: Record<string, BulkAdvisory[]>, request: Record<string, string[]>): Record<string, BulkAdvisory[]> {
  const out: Record<string, BulkAdvisory[]> = {};
  for (const [name, versions] of Object.entries(request)) {
    const hits = (db[name] ?? []).filter((a) => versions.some((v) => rangeIncludes(a.vulnerable_versions, v) !== false));
    if (hits.length > 0) out[name] = hits;
  }
  return out;
}

export async function startAdvisoryServer(options: {
  advisories: Record<string, BulkAdvisory[]>;
  packuments?: Record<string, unknown>;
  mode?: AdvisoryServerMode;
}): Promise<AdvisoryServer> {
  const requests: RecordedRequest[] = [];
  const state = { mode: options.mode ?? 'ok' } as { mode: AdvisoryServerMode };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const record: RecordedRequest = { method: req.method ?? '', path, headers: req.headers };
    requests.push(record);
    readBody(req)
      .then((raw) => {
        if (state.mode === 'close-connection') {
          req.socket.destroy();
          return;
        }
        if (state.mode === 'error-500') {
          res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
          return;
        }
        if (req.method === 'POST' && path === BULK) {
          let body: unknown;
          try {
            const bytes = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
            body = JSON.parse(bytes.toString('utf8'));
          } catch {
            res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad request body"}');
            return;
          }
          record.body = body;
          const valid =
            body !== null && typeof body === 'object' && Object.values(body).every((v) => Array.isArray(v) && v.every((x) => typeof x === 'string'));
          if (!valid) {
            res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"expected {name: [versions]}"}');
            return;
          }
          if (state.mode === 'not-json') {
            res.writeHead(200, { 'content-type': 'application/json' }).end('<html>maintenance</html>');
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answerBulk(options.advisories, body as Record<string, string[]>)));
          return;
        }
        if (req.method === 'GET') {
          const name = decodeURIComponent(path.slice(1));
          const doc = options.packuments?.[name];
          if (doc) {
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
            return;
          }
        }
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(400).end();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    get mode() {
      return state.mode;
    },
    set mode(m: AdvisoryServerMode) {
      state.mode = m;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
