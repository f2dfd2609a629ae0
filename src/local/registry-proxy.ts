/**
 * A loopback HTTP proxy in front of a test registry. It counts every byte that crosses it (the
 * promotion benchmark's "only manifest bytes" check), and with `referrersApi` it stands in for
 * an OCI 1.1 registry: a manifest PUT with a `subject` is answered with OCI-Subject and recorded,
 * and GET /v2/<name>/referrers/<digest> serves the recorded referrers as an OCI index (the CNCF
 * registry 2.8 has no referrers API of its own).
 */
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface TrafficCount {
  requests: number;
  /** Request and response body bytes, by route kind. */
  bytes: { manifests: number; blobs: number; other: number };
  blobRequests: number;
  /** Every request in order: method, path, and the bytes of its request body. */
  log: { method: string; path: string; bodyBytes: number }[];
}

export interface RegistryProxy {
  host: string;
  url: string;
  traffic: () => TrafficCount;
  reset: () => void;
  stop: () => Promise<void>;
}

interface Referrer {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

function kindOf(path: string): keyof TrafficCount['bytes'] {
  if (/^\/v2\/.+\/manifests\//.test(path)) return 'manifests';
  if (/^\/v2\/.+\/blobs\//.test(path)) return 'blobs';
  return 'other';
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export interface RegistryProxyOptions {
  referrersApi?: boolean;
  /** Awaited before each request is forwarded: lets a test change the registry between two requests of a client. */
  beforeForward?: (request: { method: string; path: string }) => Promise<void> | void;
}

export async function startRegistryProxy(upstreamPort: number, opts: RegistryProxyOptions = {}): Promise<RegistryProxy> {
  const empty = (): TrafficCount => ({ requests: 0, bytes: { manifests: 0, blobs: 0, other: 0 }, blobRequests: 0, log: [] });
  let traffic = empty();
  const referrers = new Map<string, Referrer[]>();

  function serveReferrers(path: string, query: URLSearchParams, res: ServerResponse): boolean {
    const m = /^\/v2\/(.+)\/referrers\/(sha256:[0-9a-f]{64})$/.exec(path);
    if (!m || !opts.referrersApi) return false;
    const wanted = query.get('artifactType');
    const all = referrers.get(`${m[1]}@${m[2]}`) ?? [];
    const manifests = wanted ? all.filter((r) => r.artifactType === wanted) : all;
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
    traffic.bytes.other += body.length;
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json', ...(wanted ? { 'oci-filters-applied': 'artifactType' } : {}) }).end(body);
    return true;
  }

  function record(path: string, body: Buffer, status: number, headers: Record<string, string | string[] | undefined>): void {
    const m = /^\/v2\/(.+)\/manifests\/[^/]+$/.exec(path);
    if (!m || status !== 201) return;
    let manifest: {
      mediaType?: string;
      artifactType?: string;
      config?: { mediaType?: string };
      subject?: { digest?: string };
      annotations?: Record<string, string>;
    };
    try {
      manifest = JSON.parse(body.toString('utf8')) as typeof manifest;
    } catch {
      return;
    }
    const subject = manifest.subject?.digest;
    if (!subject) return;
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const list = referrers.get(`${m[1]}@${subject}`) ?? [];
    if (!list.some((r) => r.digest === digest)) {
      list.push({
        mediaType: manifest.mediaType ?? 'application/vnd.oci.image.manifest.v1+json',
        digest,
        size: body.length,
        ...((manifest.artifactType ?? manifest.config?.mediaType) ? { artifactType: manifest.artifactType ?? manifest.config?.mediaType } : {}),
        ...(manifest.annotations ? { annotations: manifest.annotations } : {}),
      });
    }
    referrers.set(`${m[1]}@${subject}`, list);
    headers['oci-subject'] = subject;
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      traffic.requests++;
      const entry = { method: req.method ?? 'GET', path: url.pathname, bodyBytes: 0 };
      traffic.log.push(entry);
      await opts.beforeForward?.({ method: entry.method, path: entry.path });
      const kind = kindOf(url.pathname);
      if (kind === 'blobs') traffic.blobRequests++;
      if (req.method === 'GET' && serveReferrers(url.pathname, url.searchParams, res)) return;
      // Manifest PUTs are buffered (the referrers stand-in reads them); everything else streams,
      // so a 500 MB layer never sits in memory.
      const buffered = opts.referrersApi === true && req.method === 'PUT' && kind === 'manifests';
      const body = buffered ? await readBody(req) : undefined;
      if (body) {
        traffic.bytes[kind] += body.length;
        entry.bodyBytes = body.length;
      }
      const upstream = httpRequest({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers }, (up) => {
        const headers = { ...up.headers };
        if (body) {
          const chunks: Buffer[] = [];
          up.on('data', (c: Buffer) => chunks.push(c));
          up.on('end', () => {
            const out = Buffer.concat(chunks);
            traffic.bytes[kind] += out.length;
            record(url.pathname, body, up.statusCode ?? 0, headers);
            res.writeHead(up.statusCode ?? 502, headers).end(out);
          });
          return;
        }
        res.writeHead(up.statusCode ?? 502, headers);
        up.on('data', (c: Buffer) => (traffic.bytes[kind] += c.length));
        up.pipe(res);
      });
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      if (body) upstream.end(body);
      else {
        req.on('data', (c: Buffer) => {
          traffic.bytes[kind] += c.length;
          entry.bodyBytes += c.length;
        });
        req.pipe(upstream);
      }
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    traffic: () => structuredClone(traffic),
    reset: () => void (traffic = empty()),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
