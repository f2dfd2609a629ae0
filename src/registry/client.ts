/**
 * A small OCI distribution client on Node's fetch: exact manifest bytes, content verified by
 * hashing (never by trusting Docker-Content-Digest), anonymous, basic and bearer-token auth,
 * bounded retries on 429/5xx and network errors, none on other 4xx.
 */
import { sha256Digest } from '../core/hash.js';
import { DIGEST_PATTERN, INDEX_MEDIA_TYPES, isLoopbackRegistry, MANIFEST_ACCEPT, registryApiHost } from './reference.js';

export type RegistryErrorKind = 'unauthorized' | 'denied' | 'not-found' | 'unavailable' | 'mismatch' | 'protocol' | 'insecure' | 'aborted';

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    message: string,
    readonly kind: RegistryErrorKind,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface RegistryClientOptions {
  /** host[:port], e.g. ghcr.io or 127.0.0.1:5000 (docker.io is mapped to its API host). */
  registry: string;
  credentials?: RegistryCredentials;
  /** Allow plain http for a registry that is not on loopback. */
  insecure?: boolean;
  /** Attempts per request on 429, 5xx and network errors (default 4, at most 6). */
  maxAttempts?: number;
  /** First backoff; doubled per attempt and capped at maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  requestTimeoutMs?: number;
  /**
   * Stops every request, retry and backoff when it aborts (the caller's overall deadline); the
   * error is kind 'aborted' and carries the abort reason's message. Each request still has its
   * own requestTimeoutMs.
   */
  signal?: AbortSignal;
  /** Called with every credential-derived value (basic header, tokens) before it is used. */
  onSecret?: (value: string) => void;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  userAgent?: string;
}

export interface Manifest {
  /** Exactly the bytes the registry served. */
  bytes: Buffer;
  /** sha256 of bytes, computed here. */
  digest: string;
  mediaType: string;
}

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_REDIRECTS = 5;

export { sha256Digest };

export function isIndexMediaType(mediaType: string): boolean {
  return INDEX_MEDIA_TYPES.includes(mediaType);
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses one WWW-Authenticate challenge: Bearer realm="...",service="...",scope="..." */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2]!.matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[p[1]!.toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { scheme: m[1]!.toLowerCase(), params };
}

function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

async function readCapped(res: Response, max: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? '');
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel();
    throw new RegistryError(`${what} is ${declared} bytes, more than the ${max} this client reads`, 'protocol', res.status);
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  if (bytes.length > max) throw new RegistryError(`${what} is more than ${max} bytes`, 'protocol', res.status);
  return bytes;
}

/** The message of an abort reason: an Error's message, a string as is. */
function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason.message;
  return typeof reason === 'string' && reason ? reason : 'the operation was aborted';
}

function describeNetworkError(error: unknown): string {
  const e = error as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message ?? 'fetch failed'} (${cause})` : (e.message ?? String(error));
}

export class RegistryClient {
  readonly registry: string;
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly timeoutMs: number;
  private readonly basicHeader?: string;
  /** Decided by the registry's first challenge. */
  private scheme: 'none' | 'basic' | 'bearer' = 'none';
  private readonly tokens = new Map<string, string>();
  private bearerChallenge?: Challenge;

  constructor(private readonly options: RegistryClientOptions) {
    this.registry = options.registry;
    const plain = isLoopbackRegistry(options.registry) || options.insecure === true;
    this.baseUrl = `${plain ? 'http' : 'https'}://${registryApiHost(options.registry)}`;
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.maxAttempts = Math.min(6, Math.max(1, options.maxAttempts ?? 4));
    this.backoffMs = options.backoffMs ?? 250;
    this.maxBackoffMs = options.maxBackoffMs ?? 4000;
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    if (options.credentials) {
      const { username, password } = options.credentials;
      const encoded = Buffer.from(`${username}:${password}`).toString('base64');
      options.onSecret?.(encoded);
      this.basicHeader = `Basic ${encoded}`;
    }
  }

  /** One request with bounded retries on network errors, 429 and 5xx; other statuses are returned. */
  private async send(url: string, init: RequestInit, what: string): Promise<Response> {
    const outer = this.options.signal;
    let lastProblem = '';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      this.throwIfAborted(what);
      let res: Response;
      try {
        // The per-request timeout and the caller's deadline, whichever comes first; the signal
        // also covers reading the body.
        const timeout = AbortSignal.timeout(this.timeoutMs);
        res = await this.fetchImpl(url, { ...init, redirect: 'manual', signal: outer ? AbortSignal.any([timeout, outer]) : timeout });
      } catch (error) {
        this.throwIfAborted(what);
        lastProblem = describeNetworkError(error);
        if (attempt < this.maxAttempts) {
          await this.pause(this.backoff(attempt), what);
          continue;
        }
        break;
      }
      if (res.status === 429 || res.status >= 500) {
        lastProblem = `HTTP ${res.status}`;
        const wait = retryAfterMs(res.headers.get('retry-after'));
        await res.body?.cancel();
        if (attempt < this.maxAttempts) {
          await this.pause(Math.min(this.maxBackoffMs, wait ?? this.backoff(attempt)), what);
          continue;
        }
        throw new RegistryError(`${what}: registry ${this.registry} answered ${lastProblem} ${this.maxAttempts} times`, 'unavailable', res.status);
      }
      return res;
    }
    throw new RegistryError(`${what}: registry ${this.registry} is unreachable after ${this.maxAttempts} attempts: ${lastProblem}`, 'unavailable');
  }

  /** Reads a capped body; a body cut off by the caller's signal or the network is a RegistryError too. */
  private async read(res: Response, max: number, body: string, what: string): Promise<Buffer> {
    try {
      return await readCapped(res, max, body);
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      this.throwIfAborted(what);
      throw new RegistryError(`${what}: reading ${body} failed: ${describeNetworkError(error)}`, 'unavailable', res.status);
    }
  }

  private throwIfAborted(what: string): void {
    const signal = this.options.signal;
    if (signal?.aborted) throw new RegistryError(`${what}: stopped: ${abortReason(signal)}`, 'aborted');
  }

  /** A backoff that ends early, with an 'aborted' error, when the caller's signal aborts. */
  private async pause(ms: number, what: string): Promise<void> {
    const signal = this.options.signal;
    if (!signal) return this.sleep(ms);
    this.throwIfAborted(what);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.sleep(ms), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
    this.throwIfAborted(what);
  }

  private backoff(attempt: number): number {
    return Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (attempt - 1));
  }

  private authorization(scope: string): string | undefined {
    if (this.scheme === 'basic') return this.basicHeader;
    if (this.scheme === 'bearer') {
      const token = this.tokens.get(scope);
      return token ? `Bearer ${token}` : undefined;
    }
    return undefined;
  }

  private async fetchToken(challenge: Challenge, scope: string, what: string): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm || !/^https?:\/\//.test(realm)) throw new RegistryError(`${what}: the registry's bearer challenge has no usable realm`, 'protocol');
    const url = new URL(realm);
    if (url.protocol === 'http:' && !isLoopbackRegistry(url.host) && this.options.insecure !== true) {
      throw new RegistryError(`${what}: the token service ${url.host} is plain http; set insecure-registry only if that is intended`, 'insecure');
    }
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    // Several scopes (a blob mount needs pull on the source and push on the target) are several parameters.
    for (const one of scope.split(' ')) url.searchParams.append('scope', one);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.basicHeader) headers.authorization = this.basicHeader;
    const res = await this.send(url.toString(), { method: 'GET', headers }, what);
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw this.authError(res.status, what);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new RegistryError(`${what}: the token service answered HTTP ${res.status}`, 'protocol', res.status);
    }
    let body: { token?: unknown; access_token?: unknown };
    try {
      body = JSON.parse((await this.read(res, 1024 * 1024, 'the token response', what)).toString('utf8')) as typeof body;
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      throw new RegistryError(`${what}: the token service did not answer JSON`, 'protocol');
    }
    const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : '';
    if (!token) throw new RegistryError(`${what}: the token service answered without a token`, 'protocol');
    this.options.onSecret?.(token);
    return token;
  }

  private authError(status: number, what: string): RegistryError {
    if (status === 403)
      return new RegistryError(
        `${what}: registry ${this.registry} denied access (HTTP 403): the credentials lack permission for this repository`,
        'denied',
        403,
      );
    return this.options.credentials
      ? new RegistryError(
          `${what}: registry ${this.registry} refused the credentials of user ${JSON.stringify(this.options.credentials.username)} (HTTP 401): check registry-username and registry-password`,
          'unauthorized',
          401,
        )
      : new RegistryError(
          `${what}: registry ${this.registry} requires credentials (HTTP 401): set registry-username and registry-password`,
          'unauthorized',
          401,
        );
  }

  /**
   * A registry request with auth: on a 401 the challenge decides basic or bearer, the request is
   * repeated once with credentials, and a second 401 is an error. Redirects are followed by hand
   * so credentials never travel to another origin.
   */
  private async request(
    method: string,
    path: string,
    opts: { repository?: string; actions?: string[]; alsoPull?: string; headers?: Record<string, string>; body?: Buffer; what: string; follow?: boolean },
  ): Promise<Response> {
    const own = opts.repository ? `repository:${opts.repository}:${(opts.actions ?? ['pull']).join(',')}` : 'registry:catalog:*';
    const scope = opts.alsoPull ? `${own} repository:${opts.alsoPull}:pull` : own;
    const url = `${this.baseUrl}${path}`;
    for (let authTry = 0; authTry < 2; authTry++) {
      if (this.scheme === 'bearer' && !this.tokens.has(scope) && this.bearerChallenge) {
        this.tokens.set(scope, await this.fetchToken(this.bearerChallenge, scope, opts.what));
      }
      const headers: Record<string, string> = { 'user-agent': this.options.userAgent ?? 'release-safety', ...opts.headers };
      const auth = this.authorization(scope);
      if (auth) headers.authorization = auth;
      const res = await this.send(url, { method, headers, body: opts.body ? new Uint8Array(opts.body) : undefined }, opts.what);
      if (res.status === 401 && authTry === 0) {
        const challenge = parseChallenge(res.headers.get('www-authenticate'));
        await res.body?.cancel();
        if (challenge?.scheme === 'bearer') {
          this.scheme = 'bearer';
          this.bearerChallenge = challenge;
          this.tokens.delete(scope);
          continue;
        }
        if (challenge?.scheme === 'basic' && this.basicHeader && this.scheme !== 'basic') {
          this.scheme = 'basic';
          continue;
        }
        throw this.authError(401, opts.what);
      }
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel();
        throw this.authError(res.status, opts.what);
      }
      if (opts.follow && res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        return this.followRedirects(res, url, headers, opts.what);
      }
      return res;
    }
    throw this.authError(401, opts.what);
  }

  private async followRedirects(first: Response, from: string, headers: Record<string, string>, what: string): Promise<Response> {
    let res = first;
    let current = from;
    for (let hop = 0; hop < MAX_REDIRECTS; hop++) {
      const location = res.headers.get('location');
      if (!(res.status >= 300 && res.status < 400 && location)) return res;
      await res.body?.cancel();
      const next = new URL(location, current);
      const sameOrigin = next.origin === new URL(current).origin;
      const nextHeaders: Record<string, string> = { ...headers };
      if (!sameOrigin) delete nextHeaders.authorization;
      current = next.toString();
      res = await this.send(current, { method: 'GET', headers: nextHeaders }, what);
    }
    throw new RegistryError(`${what}: more than ${MAX_REDIRECTS} redirects`, 'protocol');
  }

  /** An authenticated registry request for the operations in content.ts (blobs, mounts, referrers). */
  call(
    method: string,
    path: string,
    opts: { repository: string; actions?: string[]; alsoPull?: string; headers?: Record<string, string>; body?: Buffer; what: string },
  ): Promise<Response> {
    return this.request(method, path, opts);
  }

  /** Checks that the registry answers and, when given, that the credentials get the scope. */
  async ping(repository: string, actions: string[] = ['pull']): Promise<void> {
    const what = `checking access to ${this.registry}/${repository}`;
    const res = await this.request('GET', '/v2/', { repository, actions, what });
    await res.body?.cancel();
    if (!res.ok) throw new RegistryError(`${what}: GET /v2/ answered HTTP ${res.status}`, 'protocol', res.status);
    // Bearer registries answer /v2/ for any token: ask for the scope itself.
    if (this.scheme === 'bearer' && this.bearerChallenge && !this.tokens.has(`repository:${repository}:${actions.join(',')}`)) {
      this.tokens.set(
        `repository:${repository}:${actions.join(',')}`,
        await this.fetchToken(this.bearerChallenge, `repository:${repository}:${actions.join(',')}`, what),
      );
    }
  }

  /**
   * Fetches a manifest by tag or digest with every manifest type accepted. The digest is computed
   * from the bytes; a digest reference or a Docker-Content-Digest header that disagrees is an error.
   */
  async getManifest(repository: string, reference: string): Promise<Manifest> {
    const what = `fetching the manifest ${this.registry}/${repository}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`;
    const res = await this.request('GET', `/v2/${repository}/manifests/${encodeURIComponent(reference)}`, {
      repository,
      what,
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
    });
    await failUnlessOk(res, what);
    const bytes = await this.read(res, MAX_MANIFEST_BYTES, 'the manifest', what);
    const digest = sha256Digest(bytes);
    if (DIGEST_PATTERN.test(reference) && reference !== digest) {
      throw new RegistryError(`${what}: the bytes served hash to ${digest}, not the digest asked for`, 'mismatch');
    }
    const claimed = res.headers.get('docker-content-digest');
    if (claimed && claimed.startsWith('sha256:') && claimed !== digest) {
      throw new RegistryError(`${what}: the registry claims ${claimed} but the bytes hash to ${digest}`, 'mismatch');
    }
    return { bytes, digest, mediaType: manifestMediaType(bytes, res.headers.get('content-type')) };
  }

  /** Resolves a tag to the digest of the manifest it names, by hashing the bytes served. */
  async resolveDigest(repository: string, tag: string): Promise<string> {
    return (await this.getManifest(repository, tag)).digest;
  }

  /** PUTs exact manifest bytes under a tag or digest; returns the digest computed from the bytes. */
  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    return (await this.pushManifest(repository, reference, bytes, mediaType)).digest;
  }

  /**
   * PUTs exact manifest bytes with their own media type; also returns the OCI-Subject header a
   * registry with the referrers API sends for a manifest with a subject (absent otherwise).
   */
  async pushManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<{ digest: string; ociSubject?: string }> {
    const what = `pushing the manifest ${this.registry}/${repository}:${reference}`;
    const digest = sha256Digest(bytes);
    if (DIGEST_PATTERN.test(reference) && reference !== digest) throw new RegistryError(`${what}: the bytes hash to ${digest}, not ${reference}`, 'mismatch');
    const res = await this.request('PUT', `/v2/${repository}/manifests/${encodeURIComponent(reference)}`, {
      repository,
      actions: ['pull', 'push'],
      what,
      headers: { 'content-type': mediaType },
      body: bytes,
    });
    const text = await res.text().catch(() => '');
    if (res.status !== 201 && res.status !== 200) {
      throw new RegistryError(`${what}: HTTP ${res.status} ${text.slice(0, 300)}`.trim(), res.status === 404 ? 'not-found' : 'protocol', res.status);
    }
    const claimed = res.headers.get('docker-content-digest');
    if (claimed && claimed.startsWith('sha256:') && claimed !== digest) {
      throw new RegistryError(`${what}: the registry stored ${claimed} but the bytes hash to ${digest}`, 'mismatch');
    }
    const ociSubject = res.headers.get('oci-subject');
    return ociSubject ? { digest, ociSubject } : { digest };
  }

  /** Fetches a blob (an image config, not layers) and verifies it against its digest. */
  async getBlob(repository: string, digest: string, maxBytes = 16 * 1024 * 1024): Promise<Buffer> {
    if (!DIGEST_PATTERN.test(digest)) throw new RegistryError(`blob digest ${JSON.stringify(digest)} is not sha256:<64 hex>`, 'protocol');
    const what = `fetching the blob ${this.registry}/${repository}@${digest}`;
    const res = await this.request('GET', `/v2/${repository}/blobs/${digest}`, { repository, what, follow: true });
    await failUnlessOk(res, what);
    const bytes = await this.read(res, maxBytes, 'the blob', what);
    const actual = sha256Digest(bytes);
    if (actual !== digest) throw new RegistryError(`${what}: the bytes served hash to ${actual}`, 'mismatch');
    return bytes;
  }
}

/** The media type of manifest bytes: their own mediaType field first, then the Content-Type. */
/** A 404 is not-found, any other non-2xx a protocol error; the body is discarded either way. */
async function failUnlessOk(res: Response, what: string): Promise<void> {
  if (res.ok) return;
  await res.body?.cancel();
  if (res.status === 404) throw new RegistryError(`${what}: not found (HTTP 404)`, 'not-found', 404);
  throw new RegistryError(`${what}: HTTP ${res.status}`, 'protocol', res.status);
}

export function manifestMediaType(bytes: Buffer, contentType: string | null): string {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown; manifests?: unknown };
    if (typeof parsed.mediaType === 'string' && parsed.mediaType) return parsed.mediaType;
  } catch {
    // Not JSON: the header is all there is.
  }
  return (contentType ?? '').split(';')[0]!.trim();
}
