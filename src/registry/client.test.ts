import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseChallenge, RegistryClient, RegistryError, sha256Digest } from './client.js';
import { MEDIA_TYPES } from './reference.js';
import type { AddressInfo } from 'node:net';

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/** A fake registry on 127.0.0.1 whose behaviour each test sets; it records every request. */
let server: Server;
let port = 0;
let handler: Handler = (_req, res) => res.writeHead(500).end();
const requests: { method: string; url: string; auth?: string; accept?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, accept: req.headers.accept });
      handler(req, res, Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
afterEach(() => {
  requests.length = 0;
});

const noSleep = () => Promise.resolve();
const manifestBytes = Buffer.from(
  JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: { digest: 'sha256:' + 'a'.repeat(64), size: 2 }, layers: [] }),
);
const manifestDigest = sha256Digest(manifestBytes);

function client(extra: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}) {
  return new RegistryClient({ registry: `127.0.0.1:${port}`, sleep: noSleep, ...extra });
}

describe('RegistryClient', () => {
  it('asks for every manifest media type and returns the exact bytes with their digest', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': MEDIA_TYPES.ociManifest, 'docker-content-digest': manifestDigest }).end(manifestBytes);
    const m = await client().getManifest('acme/svc', 'ci');
    expect(m.bytes.equals(manifestBytes)).toBe(true);
    expect(m.digest).toBe(manifestDigest);
    expect(m.mediaType).toBe(MEDIA_TYPES.ociManifest);
    const accept = requests[0]!.accept!.split(/,\s*/);
    expect(accept).toEqual(expect.arrayContaining([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]));
  });

  it('follows a bearer challenge: token fetched with basic credentials and the scope, then the request repeated', async () => {
    const secrets: string[] = [];
    handler = (req, res) => {
      if (req.url!.startsWith('/token')) {
        const u = new URL(req.url!, 'http://x');
        expect(u.searchParams.get('service')).toBe('fake');
        expect(u.searchParams.get('scope')).toBe('repository:acme/svc:pull');
        if (req.headers.authorization !== `Basic ${Buffer.from('bob:s3cret').toString('base64')}`) return res.writeHead(401).end();
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'tok-123' }));
      }
      if (req.headers.authorization !== 'Bearer tok-123') {
        return res
          .writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="fake",scope="repository:acme/svc:pull"` })
          .end();
      }
      res.writeHead(200, { 'content-type': MEDIA_TYPES.ociManifest }).end(manifestBytes);
    };
    const c = client({ credentials: { username: 'bob', password: 's3cret' }, onSecret: (s) => secrets.push(s) });
    expect(await c.resolveDigest('acme/svc', 'ci')).toBe(manifestDigest);
    expect(requests.map((r) => r.url.split('?')[0])).toEqual(['/v2/acme/svc/manifests/ci', '/token', '/v2/acme/svc/manifests/ci']);
    expect(secrets).toContain('tok-123');
    // The token is reused for the same scope: no second token request.
    await c.resolveDigest('acme/svc', 'ci');
    expect(requests.filter((r) => r.url.startsWith('/token'))).toHaveLength(1);
  });

  it('uses basic auth after a Basic challenge, and names the user when the password is wrong', async () => {
    handler = (req, res) => {
      if (req.headers.authorization === `Basic ${Buffer.from('bob:right').toString('base64')}`) return res.writeHead(200).end('{}');
      res.writeHead(401, { 'www-authenticate': 'Basic realm="basic-realm"' }).end();
    };
    await expect(client({ credentials: { username: 'bob', password: 'right' } }).ping('acme/svc', ['pull', 'push'])).resolves.toBeUndefined();
    const err = await client({ credentials: { username: 'bob', password: 'wrong' } })
      .ping('acme/svc')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).kind).toBe('unauthorized');
    expect((err as RegistryError).message).toContain('refused the credentials of user "bob"');
    expect((err as RegistryError).message).not.toContain('wrong');
    const anonymous = await client()
      .ping('acme/svc')
      .catch((e: unknown) => e);
    expect((anonymous as RegistryError).message).toContain('requires credentials');
  });

  it('retries 429 (honouring a small Retry-After) and then succeeds', async () => {
    const waits: number[] = [];
    let calls = 0;
    handler = (_req, res) => {
      calls++;
      if (calls <= 2) return res.writeHead(429, { 'retry-after': '1' }).end();
      res.writeHead(200, { 'content-type': MEDIA_TYPES.ociManifest }).end(manifestBytes);
    };
    const m = await client({ sleep: (ms) => (waits.push(ms), Promise.resolve()) }).getManifest('acme/svc', 'ci');
    expect(m.digest).toBe(manifestDigest);
    expect(calls).toBe(3);
    expect(waits).toEqual([1000, 1000]);
  });

  it('gives up on 5xx after the bounded number of attempts, with backoff', async () => {
    const waits: number[] = [];
    handler = (_req, res) => res.writeHead(503).end();
    const err = await client({ maxAttempts: 3, backoffMs: 100, sleep: (ms) => (waits.push(ms), Promise.resolve()) })
      .getManifest('acme/svc', 'ci')
      .catch((e: unknown) => e);
    expect((err as RegistryError).kind).toBe('unavailable');
    expect(requests).toHaveLength(3);
    expect(waits).toEqual([100, 200]);
  });

  it('does not retry a 404', async () => {
    handler = (_req, res) => res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
    const err = await client()
      .getManifest('acme/svc', 'nope')
      .catch((e: unknown) => e);
    expect((err as RegistryError).kind).toBe('not-found');
    expect(requests).toHaveLength(1);
  });

  it('detects bytes that do not hash to the digest asked for, and a lying Docker-Content-Digest', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': MEDIA_TYPES.ociManifest }).end(manifestBytes);
    const wanted = `sha256:${'b'.repeat(64)}`;
    const err = await client()
      .getManifest('acme/svc', wanted)
      .catch((e: unknown) => e);
    expect((err as RegistryError).kind).toBe('mismatch');
    handler = (_req, res) => res.writeHead(200, { 'content-type': MEDIA_TYPES.ociManifest, 'docker-content-digest': wanted }).end(manifestBytes);
    const lie = await client()
      .getManifest('acme/svc', 'ci')
      .catch((e: unknown) => e);
    expect((lie as RegistryError).kind).toBe('mismatch');
    expect((lie as RegistryError).message).toContain(manifestDigest);
  });

  it('verifies blobs by hashing them', async () => {
    const config = Buffer.from('{"config":{"Labels":{"a":"b"}}}');
    handler = (_req, res) => res.writeHead(200).end(config);
    expect((await client().getBlob('acme/svc', sha256Digest(config))).equals(config)).toBe(true);
    const err = await client()
      .getBlob('acme/svc', `sha256:${'c'.repeat(64)}`)
      .catch((e: unknown) => e);
    expect((err as RegistryError).kind).toBe('mismatch');
  });

  it('follows a blob redirect without sending credentials to another origin', async () => {
    const config = Buffer.from('{}');
    handler = (req, res) => {
      if (req.url!.startsWith('/v2/')) {
        if (!req.headers.authorization) return res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
        return res.writeHead(307, { location: `http://localhost:${port}/storage/blob` }).end();
      }
      res.writeHead(200).end(config);
    };
    const bytes = await client({ credentials: { username: 'u', password: 'p' } }).getBlob('acme/svc', sha256Digest(config));
    expect(bytes.equals(config)).toBe(true);
    const storage = requests.find((r) => r.url === '/storage/blob');
    expect(storage).toBeDefined();
    expect(storage!.auth).toBeUndefined();
  });

  it('PUTs the exact bytes with their media type and checks the digest the registry reports', async () => {
    let received: Buffer | undefined;
    let type: string | undefined;
    handler = (req, res, body) => {
      received = body;
      type = req.headers['content-type'];
      res.writeHead(201, { 'docker-content-digest': sha256Digest(body) }).end();
    };
    expect(await client().putManifest('acme/svc', 'prod', manifestBytes, MEDIA_TYPES.ociManifest)).toBe(manifestDigest);
    expect(received!.equals(manifestBytes)).toBe(true);
    expect(type).toBe(MEDIA_TYPES.ociManifest);
    expect(requests[0]!.method).toBe('PUT');
  });

  it('uses https for non-loopback registries unless told the registry is insecure', () => {
    expect(new RegistryClient({ registry: 'ghcr.io' }).baseUrl).toBe('https://ghcr.io');
    expect(new RegistryClient({ registry: 'docker.io' }).baseUrl).toBe('https://registry-1.docker.io');
    expect(new RegistryClient({ registry: 'registry.lan:5000', insecure: true }).baseUrl).toBe('http://registry.lan:5000');
    expect(new RegistryClient({ registry: 'localhost:5000' }).baseUrl).toBe('http://localhost:5000');
  });

  it("stops when the caller's signal aborts: a registry that never answers is an aborted error naming the reason", async () => {
    handler = () => undefined; // never answers
    const deadline = new AbortController();
    setTimeout(() => deadline.abort(new Error('timeout-seconds (1 s) ran out')), 300);
    const started = Date.now();
    // The per-request timeout alone would wait 30 s per attempt, four times.
    const err = await client({ signal: deadline.signal })
      .getManifest('acme/svc', 'ci')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).kind).toBe('aborted');
    expect((err as RegistryError).message).toBe(`fetching the manifest 127.0.0.1:${port}/acme/svc:ci: stopped: timeout-seconds (1 s) ran out`);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(requests).toHaveLength(1); // one attempt, never answered; no retry after the abort
  });

  it('an abort during a retry backoff stops at once, without another attempt', async () => {
    handler = (_req, res) => res.writeHead(503).end();
    const deadline = new AbortController();
    let sleeping = 0;
    const forever = () => {
      sleeping++;
      deadline.abort(new Error('deadline passed'));
      return new Promise<void>(() => undefined);
    };
    const err = await client({ signal: deadline.signal, sleep: forever })
      .getManifest('acme/svc', 'ci')
      .catch((e: unknown) => e);
    expect((err as RegistryError).kind).toBe('aborted');
    expect((err as RegistryError).message).toContain('stopped: deadline passed');
    expect(sleeping).toBe(1);
    expect(requests).toHaveLength(1);
    // An already aborted signal sends nothing.
    const none = await client({ signal: deadline.signal })
      .ping('acme/svc')
      .catch((e: unknown) => e);
    expect((none as RegistryError).kind).toBe('aborted');
    expect(requests).toHaveLength(1);
  });

  it('reports a registry that is down as unavailable after bounded attempts', async () => {
    const dead = new RegistryClient({ registry: '127.0.0.1:1', sleep: noSleep, maxAttempts: 2 });
    const err = await dead.ping('acme/svc').catch((e: unknown) => e);
    expect((err as RegistryError).kind).toBe('unavailable');
    expect((err as RegistryError).message).toMatch(/unreachable after 2 attempts/);
  });
});

describe('parseChallenge', () => {
  it('reads quoted and bare parameters', () => {
    expect(parseChallenge('Bearer realm="https://auth.io/token",service="reg",scope="repository:a/b:pull,push"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.io/token', service: 'reg', scope: 'repository:a/b:pull,push' },
    });
    expect(parseChallenge('Basic realm=x')).toEqual({ scheme: 'basic', params: { realm: 'x' } });
    expect(parseChallenge(null)).toBeUndefined();
  });
});
