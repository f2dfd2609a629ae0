export const id = 957;
export const ids = [957];
export const modules = {

/***/ 1957:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  verifyCommand: () => (/* binding */ verifyCommand)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __webpack_require__(7975);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 17 modules
var schemas = __webpack_require__(8816);
// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
;// CONCATENATED MODULE: ./src/attest/dsse.ts
/**
 * DSSE envelopes (https://github.com/secure-systems-lab/dsse, protocol v1): the signature is over
 * the pre-authentication encoding PAE(type, body), never over the JSON or the base64. ECDSA P-256
 * with SHA-256, DER-encoded signatures (what cosign and openssl produce and read).
 */



// Standard and URL-safe base64, with or without padding, are both accepted on read (the spec allows either).
const base64Text = schemas/* string */.YjP()
    .max(16 * 1024 * 1024)
    .regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'base64 (standard or URL-safe)');
const envelopeSchema = schemas/* object */.Ikc({
    payloadType: schemas/* string */.YjP().min(1).max(200),
    payload: base64Text,
    signatures: schemas/* array */.YOg(schemas/* object */.Ikc({ keyid: schemas/* string */.YjP().max(500).optional().default(''), sig: base64Text })).max(16),
});
/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII decimal bytes. */
function preAuthEncoding(payloadType, payload) {
    const type = Buffer.from(payloadType, 'utf8');
    return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `, 'utf8'), type, Buffer.from(` ${payload.length} `, 'utf8'), payload]);
}
function decodeBase64(text, what) {
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text))
        throw new errors/* ConfigurationError */.j1(`${what} is not base64`);
    return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}
/** Reads a PKCS#8 (or SEC1) PEM private key and insists on ECDSA P-256. */
function loadSigningKey(pem, input = 'signing-key') {
    let key;
    try {
        key = createPrivateKey({ key: pem, format: 'pem' });
    }
    catch {
        throw new ConfigurationError(`input "${input}" is not a PEM private key: expected a PKCS#8 ECDSA P-256 key (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)`);
    }
    assertP256(key, input);
    return key;
}
/** Reads a PEM public key (SPKI) and insists on ECDSA P-256. */
function loadPublicKey(pem, input = 'public-key') {
    let key;
    try {
        key = (0,external_node_crypto_.createPublicKey)({ key: pem, format: 'pem' });
    }
    catch {
        throw new errors/* ConfigurationError */.j1(`input "${input}" is not a PEM public key: expected an ECDSA P-256 "BEGIN PUBLIC KEY" block`);
    }
    assertP256(key, input);
    return key;
}
function assertP256(key, input) {
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
        throw new errors/* ConfigurationError */.j1(`input "${input}" is a ${key.asymmetricKeyType ?? 'unknown'} key${key.asymmetricKeyDetails?.namedCurve ? ` on ${key.asymmetricKeyDetails.namedCurve}` : ''}: expected ECDSA P-256`);
    }
}
/** The key hint: hex sha256 of the public key's DER SubjectPublicKeyInfo. */
function keyHint(key) {
    const pub = key.type === 'private' ? createPublicKey(key) : key;
    return createHash('sha256')
        .update(pub.export({ type: 'spki', format: 'der' }))
        .digest('hex');
}
function publicKeyPem(key) {
    const pub = key.type === 'private' ? createPublicKey(key) : key;
    return pub.export({ type: 'spki', format: 'pem' }).toString();
}
/** An envelope over payload; signed when a key is given, with no signatures otherwise. */
function dsse_createEnvelope(payloadType, payload, key) {
    const signatures = key ? [{ keyid: keyHint(key), sig: sign('sha256', preAuthEncoding(payloadType, payload), key).toString('base64') }] : [];
    return { payloadType, payload: payload.toString('base64'), signatures };
}
/**
 * True when at least one signature verifies with `key` over PAE(type, payload). Key ids are not
 * used to pick or skip signatures: every signature is tried against the given key.
 */
function verifyEnvelope(envelope, key) {
    if (envelope.signatures.length === 0)
        return { ok: false, reason: 'the attestation is unsigned (its DSSE envelope has no signatures)' };
    const pae = preAuthEncoding(envelope.payloadType, decodeBase64(envelope.payload, 'the DSSE payload'));
    for (const s of envelope.signatures) {
        const sig = decodeBase64(s.sig, 'a DSSE signature');
        let good = false;
        try {
            good = (0,external_node_crypto_.verify)('sha256', pae, key, sig);
        }
        catch {
            good = false;
        }
        if (good)
            return { ok: true, keyid: s.keyid };
    }
    return {
        ok: false,
        reason: `none of the ${envelope.signatures.length} signature(s) verifies with the given public key over the DSSE PAE of the payload: signed by another key, or altered after signing`,
    };
}

;// CONCATENATED MODULE: ./src/core/details.ts
/**
 * The shape of each gate's `details` in its evidence record, for readers that act on them (the
 * release judgement, promotion). Records come from other jobs: a reader parses details through
 * these schemas and never reads `details.x` untyped. Extra fields (timings) are allowed.
 */

const digestSchema = schemas/* string */.YjP().regex(/^sha256:[0-9a-f]{64}$/, 'sha256:<64 hex>');
/** A file the image gate wrote beside the evidence record: where it is and the sha256 of its bytes. */
const artifactSchema = schemas/* object */.Ikc({ path: schemas/* string */.YjP(), sha256: schemas/* string */.YjP().regex(/^[0-9a-f]{64}$/, '64 hex') });
/** What the image gate records: the image, the digest it verified, where it pushed. */
const imageDetailsSchema = schemas/* object */.Ikc({
    builder: schemas/* string */.YjP(),
    builderVersion: schemas/* string */.YjP(),
    image: schemas/* string */.YjP(),
    /** The digest of the manifest the registry serves (or of the local layout when not pushed); '' when none. */
    digest: schemas/* union */.KCZ([digestSchema, schemas/* literal */.euz('')]),
    ref: schemas/* string */.YjP(),
    tags: schemas/* array */.YOg(schemas/* string */.YjP()),
    platforms: schemas/* array */.YOg(schemas/* string */.YjP()),
    size: schemas/* number */.aig().nonnegative(),
    mediaType: schemas/* string */.YjP(),
    revision: schemas/* string */.YjP(),
    /** True only when the image was pushed and its digest re-read from the registry. */
    pushed: schemas/* boolean */.zMY(),
    verifiedBy: schemas/* string */.YjP(),
    /** Each FROM that names an image, with the digest it resolved to ('' when unknown). */
    baseImages: schemas/* array */.YOg(schemas/* object */.Ikc({
        reference: schemas/* string */.YjP(),
        line: schemas/* number */.aig().int().positive(),
        pinned: schemas/* boolean */.zMY(),
        digest: schemas/* union */.KCZ([digestSchema, schemas/* literal */.euz('')]),
        problem: schemas/* string */.YjP().optional(),
    }))
        .optional(),
    dockerfileSha256: schemas/* string */.YjP()
        .regex(/^[0-9a-f]{64}$/)
        .optional(),
    /** The SLSA v1 provenance statement written beside the record (pass only). */
    provenance: artifactSchema.extend({ predicateType: schemas/* string */.YjP() }).loose().optional(),
    /** The CycloneDX SBOM written beside the record (pass only, unless sbom: false). */
    sbom: artifactSchema.extend({ format: schemas/* string */.YjP(), components: schemas/* number */.aig().int().nonnegative() }).loose().optional(),
})
    .loose();
/** Parses an image record's details; the first problem, named, when they do not fit. */
function parseImageDetails(details) {
    const result = imageDetailsSchema.safeParse(details);
    if (result.success)
        return { ok: true, details: result.data };
    const issue = result.error.issues[0];
    return { ok: false, problem: `field "details.${issue?.path.join('.') ?? ''}" ${issue?.message ?? 'is invalid'}` };
}

// EXTERNAL MODULE: ./src/core/evidence.ts + 1 modules
var evidence = __webpack_require__(7336);
// EXTERNAL MODULE: ./src/core/identifiers.ts
var identifiers = __webpack_require__(3523);
;// CONCATENATED MODULE: ./src/core/release.ts



/** The gates a release needs by default: every gate the suite has. */
const RELEASE_GATES = evidence/* GATES */.JH;
/** Allowed clock difference between the job that wrote a record and the one judging it. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** Counts that no passing record can have above zero: every gate's, then each gate's own. */
const FAILURE_METRICS = ['failed', 'errors', 'error', 'blocking'];
const GATE_FAILURE_METRICS = {
    secrets: ['findings'],
    rules: ['testGroupsFailed', 'checkErrors'],
    alerts: ['missingMetrics', 'missing', 'unexpected'],
};
/** Why a record that says `pass` contradicts itself; undefined when it does not. */
function selfContradiction(record) {
    if (record.status !== 'pass')
        return undefined;
    for (const metric of [...FAILURE_METRICS, ...(GATE_FAILURE_METRICS[record.gate] ?? [])]) {
        const value = record.metrics[metric];
        if (value !== undefined && value > 0)
            return `${record.gate} says pass, but its metric ${metric} is ${value}`;
    }
    if (record.findings.some((f) => f.severity === 'error'))
        return `${record.gate} says pass, but carries an error finding`;
    return undefined;
}
function recordProblems(record, question, now) {
    const problems = [];
    const contradiction = selfContradiction(record);
    if (contradiction)
        problems.push(contradiction);
    if (!(0,identifiers/* sameRepository */.RB)(record.subject.repository, question.repository)) {
        problems.push(`the ${record.gate} evidence is about ${record.subject.repository}, not ${question.repository}`);
    }
    if (record.subject.commitSha !== question.commitSha.toLowerCase()) {
        problems.push(`the ${record.gate} evidence is about commit ${record.subject.commitSha}, not ${question.commitSha}`);
    }
    const age = now - Date.parse(record.startedAt);
    if (!(age <= question.maxAgeMs))
        problems.push(`the ${record.gate} evidence is from ${record.startedAt}, older than the ${Math.round(question.maxAgeMs / 1000)} s allowed`);
    else if (age < -CLOCK_SKEW_MS)
        problems.push(`the ${record.gate} evidence is from ${record.startedAt}, in the future`);
    return problems;
}
/** The image record names this digest, was pushed, and its details parse. */
function imageProblems(image, digest) {
    const parsed = parseImageDetails(image.details);
    if (!parsed.ok)
        return { problems: [`the image evidence has no verifiable digest: ${parsed.problem}`] };
    const recorded = parsed.details.digest || undefined;
    const problems = [];
    if (recorded !== digest)
        problems.push(`the image evidence is for ${recorded ?? 'no digest'}, not ${digest}`);
    if (!parsed.details.pushed)
        problems.push('the image evidence says the image was not pushed: only a pushed, verified digest can be released');
    return { problems, ...(recorded ? { recorded } : {}) };
}
/**
 * Decides whether a set of evidence records allows releasing `digest`: one record per required
 * gate, every one `pass` and self-consistent, all about this repository and commit and within
 * the allowed age, and the image record naming this digest as pushed. `fail`, `error` and
 * `skipped` all refuse; so does a missing or duplicated record.
 */
function judgeRelease(records, question) {
    const required = question.required ?? RELEASE_GATES;
    const now = (question.now ?? new Date()).getTime();
    const reasons = [];
    const byGate = new Map();
    for (const r of records)
        byGate.set(r.gate, [...(byGate.get(r.gate) ?? []), r]);
    for (const gate of required) {
        const found = byGate.get(gate) ?? [];
        if (found.length === 0)
            reasons.push(`no evidence from the ${gate} gate`);
        else if (found.length > 1)
            reasons.push(`${found.length} evidence records from the ${gate} gate: expected one`);
        else if (found[0].status !== 'pass')
            reasons.push(`${gate} is ${found[0].status}: ${found[0].summary}`);
    }
    for (const record of records)
        reasons.push(...recordProblems(record, question, now));
    const commits = [...new Set(records.map((r) => r.subject.commitSha))];
    if (commits.length > 1)
        reasons.push(`the records are about different commits: ${commits.join(', ')}`);
    const image = byGate.get('image')?.[0];
    let recorded;
    if (image) {
        const checked = imageProblems(image, question.digest);
        reasons.push(...checked.problems);
        recorded = checked.recorded;
    }
    return { ok: reasons.length === 0, reasons, ...(commits.length === 1 ? { commitSha: commits[0] } : {}), ...(recorded ? { digest: recorded } : {}) };
}

// EXTERNAL MODULE: ./src/core/hash.ts + 1 modules
var hash = __webpack_require__(8599);
// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
;// CONCATENATED MODULE: ./src/registry/reference.ts

/** Manifest media types the suite reads; every one goes into Accept so no registry converts. */
const reference_MEDIA_TYPES = {
    ociIndex: 'application/vnd.oci.image.index.v1+json',
    ociManifest: 'application/vnd.oci.image.manifest.v1+json',
    dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
    dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
};
const MANIFEST_ACCEPT = [reference_MEDIA_TYPES.ociIndex, reference_MEDIA_TYPES.dockerList, reference_MEDIA_TYPES.ociManifest, reference_MEDIA_TYPES.dockerManifest];
const INDEX_MEDIA_TYPES = [reference_MEDIA_TYPES.ociIndex, reference_MEDIA_TYPES.dockerList];
/** The tag grammar of the distribution spec. */
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const reference_DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
const REPOSITORY_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
function isValidTag(tag) {
    return TAG_PATTERN.test(tag);
}
/**
 * Parses "registry/repository" (no tag, no digest). A first component with a dot, a colon or
 * "localhost" is the registry; otherwise Docker Hub, as docker does.
 */
function parseImageName(value) {
    const trimmed = value.trim();
    if (trimmed === '')
        throw new Error('is empty');
    if (/[@\s]/.test(trimmed))
        throw new Error('must not contain "@" or spaces: give registry/repository without a digest');
    const parts = trimmed.split('/');
    let registry = 'docker.io';
    if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) {
        registry = parts.shift();
    }
    const last = parts[parts.length - 1];
    if (last.includes(':'))
        throw new Error('must not contain a tag: give registry/repository and put tags in the tags input');
    if (registry === 'docker.io' && parts.length === 1)
        parts.unshift('library');
    for (const part of parts) {
        if (!REPOSITORY_COMPONENT.test(part)) {
            throw new Error(`has an invalid repository component ${JSON.stringify(part)}: lower-case letters, digits and single separators (. _ -)`);
        }
    }
    if (!/^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/.test(registry)) {
        throw new Error(`has an invalid registry host ${JSON.stringify(registry)}`);
    }
    const repository = parts.join('/');
    if (repository.length > 255)
        throw new Error('has a repository name longer than 255 characters');
    return { registry, repository };
}
function imageNameToString(name) {
    return `${name.registry}/${name.repository}`;
}
/** The host without its port, brackets removed for IPv6. */
function hostOf(registry) {
    const m = /^\[([^\]]+)\](?::\d+)?$/.exec(registry);
    if (m)
        return m[1];
    return registry.replace(/:\d+$/, '');
}
function isLoopbackRegistry(registry) {
    const host = hostOf(registry).toLowerCase();
    if (host === 'localhost' || host.endsWith('.localhost'))
        return true;
    if ((0,external_node_net_.isIP)(host) === 4)
        return host.startsWith('127.');
    if ((0,external_node_net_.isIP)(host) === 6)
        return host === '::1';
    return false;
}
/** The API endpoint of a registry name (Docker Hub's API host differs from its name). */
function registryApiHost(registry) {
    return registry === 'docker.io' || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
}

;// CONCATENATED MODULE: ./src/registry/client.ts
/**
 * A small OCI distribution client on Node's fetch: exact manifest bytes, content verified by
 * hashing (never by trusting Docker-Content-Digest), anonymous, basic and bearer-token auth,
 * bounded retries on 429/5xx and network errors, none on other 4xx.
 */


class client_RegistryError extends Error {
    kind;
    status;
    name = 'RegistryError';
    constructor(message, kind, status) {
        super(message);
        this.kind = kind;
        this.status = status;
    }
}
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_REDIRECTS = 5;

function isIndexMediaType(mediaType) {
    return INDEX_MEDIA_TYPES.includes(mediaType);
}
/** Parses one WWW-Authenticate challenge: Bearer realm="...",service="...",scope="..." */
function parseChallenge(header) {
    if (!header)
        return undefined;
    const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
    if (!m)
        return undefined;
    const params = {};
    for (const p of m[2].matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
        params[p[1].toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
    }
    return { scheme: m[1].toLowerCase(), params };
}
function retryAfterMs(value) {
    if (!value)
        return undefined;
    if (/^\d+$/.test(value.trim()))
        return Number(value.trim()) * 1000;
    const at = Date.parse(value);
    return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
async function readCapped(res, max, what) {
    const declared = Number(res.headers.get('content-length') ?? '');
    if (Number.isFinite(declared) && declared > max) {
        await res.body?.cancel();
        throw new client_RegistryError(`${what} is ${declared} bytes, more than the ${max} this client reads`, 'protocol', res.status);
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length > max)
        throw new client_RegistryError(`${what} is more than ${max} bytes`, 'protocol', res.status);
    return bytes;
}
/** The message of an abort reason: an Error's message, a string as is. */
function abortReason(signal) {
    const reason = signal.reason;
    if (reason instanceof Error)
        return reason.message;
    return typeof reason === 'string' && reason ? reason : 'the operation was aborted';
}
function describeNetworkError(error) {
    const e = error;
    const cause = e.cause?.code ?? e.cause?.message;
    return cause ? `${e.message ?? 'fetch failed'} (${cause})` : (e.message ?? String(error));
}
class RegistryClient {
    options;
    registry;
    baseUrl;
    fetchImpl;
    sleep;
    maxAttempts;
    backoffMs;
    maxBackoffMs;
    timeoutMs;
    basicHeader;
    /** Decided by the registry's first challenge. */
    scheme = 'none';
    tokens = new Map();
    bearerChallenge;
    constructor(options) {
        this.options = options;
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
    async send(url, init, what) {
        const outer = this.options.signal;
        let lastProblem = '';
        for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
            this.throwIfAborted(what);
            let res;
            try {
                // The per-request timeout and the caller's deadline, whichever comes first; the signal
                // also covers reading the body.
                const timeout = AbortSignal.timeout(this.timeoutMs);
                res = await this.fetchImpl(url, { ...init, redirect: 'manual', signal: outer ? AbortSignal.any([timeout, outer]) : timeout });
            }
            catch (error) {
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
                throw new client_RegistryError(`${what}: registry ${this.registry} answered ${lastProblem} ${this.maxAttempts} times`, 'unavailable', res.status);
            }
            return res;
        }
        throw new client_RegistryError(`${what}: registry ${this.registry} is unreachable after ${this.maxAttempts} attempts: ${lastProblem}`, 'unavailable');
    }
    /** Reads a capped body; a body cut off by the caller's signal or the network is a RegistryError too. */
    async read(res, max, body, what) {
        try {
            return await readCapped(res, max, body);
        }
        catch (error) {
            if (error instanceof client_RegistryError)
                throw error;
            this.throwIfAborted(what);
            throw new client_RegistryError(`${what}: reading ${body} failed: ${describeNetworkError(error)}`, 'unavailable', res.status);
        }
    }
    throwIfAborted(what) {
        const signal = this.options.signal;
        if (signal?.aborted)
            throw new client_RegistryError(`${what}: stopped: ${abortReason(signal)}`, 'aborted');
    }
    /** A backoff that ends early, with an 'aborted' error, when the caller's signal aborts. */
    async pause(ms, what) {
        const signal = this.options.signal;
        if (!signal)
            return this.sleep(ms);
        this.throwIfAborted(what);
        let onAbort;
        const aborted = new Promise((resolve) => {
            onAbort = resolve;
            signal.addEventListener('abort', onAbort, { once: true });
        });
        try {
            await Promise.race([this.sleep(ms), aborted]);
        }
        finally {
            signal.removeEventListener('abort', onAbort);
        }
        this.throwIfAborted(what);
    }
    backoff(attempt) {
        return Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (attempt - 1));
    }
    authorization(scope) {
        if (this.scheme === 'basic')
            return this.basicHeader;
        if (this.scheme === 'bearer') {
            const token = this.tokens.get(scope);
            return token ? `Bearer ${token}` : undefined;
        }
        return undefined;
    }
    async fetchToken(challenge, scope, what) {
        const realm = challenge.params.realm;
        if (!realm || !/^https?:\/\//.test(realm))
            throw new client_RegistryError(`${what}: the registry's bearer challenge has no usable realm`, 'protocol');
        const url = new URL(realm);
        if (url.protocol === 'http:' && !isLoopbackRegistry(url.host) && this.options.insecure !== true) {
            throw new client_RegistryError(`${what}: the token service ${url.host} is plain http; set insecure-registry only if that is intended`, 'insecure');
        }
        if (challenge.params.service)
            url.searchParams.set('service', challenge.params.service);
        // Several scopes (a blob mount needs pull on the source and push on the target) are several parameters.
        for (const one of scope.split(' '))
            url.searchParams.append('scope', one);
        const headers = { accept: 'application/json' };
        if (this.basicHeader)
            headers.authorization = this.basicHeader;
        const res = await this.send(url.toString(), { method: 'GET', headers }, what);
        if (res.status === 401 || res.status === 403) {
            await res.body?.cancel();
            throw this.authError(res.status, what);
        }
        if (!res.ok) {
            await res.body?.cancel();
            throw new client_RegistryError(`${what}: the token service answered HTTP ${res.status}`, 'protocol', res.status);
        }
        let body;
        try {
            body = JSON.parse((await this.read(res, 1024 * 1024, 'the token response', what)).toString('utf8'));
        }
        catch (error) {
            if (error instanceof client_RegistryError)
                throw error;
            throw new client_RegistryError(`${what}: the token service did not answer JSON`, 'protocol');
        }
        const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : '';
        if (!token)
            throw new client_RegistryError(`${what}: the token service answered without a token`, 'protocol');
        this.options.onSecret?.(token);
        return token;
    }
    authError(status, what) {
        if (status === 403)
            return new client_RegistryError(`${what}: registry ${this.registry} denied access (HTTP 403): the credentials lack permission for this repository`, 'denied', 403);
        return this.options.credentials
            ? new client_RegistryError(`${what}: registry ${this.registry} refused the credentials of user ${JSON.stringify(this.options.credentials.username)} (HTTP 401): check registry-username and registry-password`, 'unauthorized', 401)
            : new client_RegistryError(`${what}: registry ${this.registry} requires credentials (HTTP 401): set registry-username and registry-password`, 'unauthorized', 401);
    }
    /**
     * A registry request with auth: on a 401 the challenge decides basic or bearer, the request is
     * repeated once with credentials, and a second 401 is an error. Redirects are followed by hand
     * so credentials never travel to another origin.
     */
    async request(method, path, opts) {
        const own = opts.repository ? `repository:${opts.repository}:${(opts.actions ?? ['pull']).join(',')}` : 'registry:catalog:*';
        const scope = opts.alsoPull ? `${own} repository:${opts.alsoPull}:pull` : own;
        const url = `${this.baseUrl}${path}`;
        for (let authTry = 0; authTry < 2; authTry++) {
            if (this.scheme === 'bearer' && !this.tokens.has(scope) && this.bearerChallenge) {
                this.tokens.set(scope, await this.fetchToken(this.bearerChallenge, scope, opts.what));
            }
            const headers = { 'user-agent': this.options.userAgent ?? 'release-safety', ...opts.headers };
            const auth = this.authorization(scope);
            if (auth)
                headers.authorization = auth;
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
    async followRedirects(first, from, headers, what) {
        let res = first;
        let current = from;
        for (let hop = 0; hop < MAX_REDIRECTS; hop++) {
            const location = res.headers.get('location');
            if (!(res.status >= 300 && res.status < 400 && location))
                return res;
            await res.body?.cancel();
            const next = new URL(location, current);
            const sameOrigin = next.origin === new URL(current).origin;
            const nextHeaders = { ...headers };
            if (!sameOrigin)
                delete nextHeaders.authorization;
            current = next.toString();
            res = await this.send(current, { method: 'GET', headers: nextHeaders }, what);
        }
        throw new client_RegistryError(`${what}: more than ${MAX_REDIRECTS} redirects`, 'protocol');
    }
    /** An authenticated registry request for the operations in content.ts (blobs, mounts, referrers). */
    call(method, path, opts) {
        return this.request(method, path, opts);
    }
    /** Checks that the registry answers and, when given, that the credentials get the scope. */
    async ping(repository, actions = ['pull']) {
        const what = `checking access to ${this.registry}/${repository}`;
        const res = await this.request('GET', '/v2/', { repository, actions, what });
        await res.body?.cancel();
        if (!res.ok)
            throw new client_RegistryError(`${what}: GET /v2/ answered HTTP ${res.status}`, 'protocol', res.status);
        // Bearer registries answer /v2/ for any token: ask for the scope itself.
        if (this.scheme === 'bearer' && this.bearerChallenge && !this.tokens.has(`repository:${repository}:${actions.join(',')}`)) {
            this.tokens.set(`repository:${repository}:${actions.join(',')}`, await this.fetchToken(this.bearerChallenge, `repository:${repository}:${actions.join(',')}`, what));
        }
    }
    /**
     * Fetches a manifest by tag or digest with every manifest type accepted. The digest is computed
     * from the bytes; a digest reference or a Docker-Content-Digest header that disagrees is an error.
     */
    async getManifest(repository, reference) {
        const what = `fetching the manifest ${this.registry}/${repository}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`;
        const res = await this.request('GET', `/v2/${repository}/manifests/${encodeURIComponent(reference)}`, {
            repository,
            what,
            headers: { accept: MANIFEST_ACCEPT.join(', ') },
        });
        await failUnlessOk(res, what);
        const bytes = await this.read(res, MAX_MANIFEST_BYTES, 'the manifest', what);
        const digest = (0,hash/* sha256Digest */.sI)(bytes);
        if (reference_DIGEST_PATTERN.test(reference) && reference !== digest) {
            throw new client_RegistryError(`${what}: the bytes served hash to ${digest}, not the digest asked for`, 'mismatch');
        }
        const claimed = res.headers.get('docker-content-digest');
        if (claimed && claimed.startsWith('sha256:') && claimed !== digest) {
            throw new client_RegistryError(`${what}: the registry claims ${claimed} but the bytes hash to ${digest}`, 'mismatch');
        }
        return { bytes, digest, mediaType: client_manifestMediaType(bytes, res.headers.get('content-type')) };
    }
    /** Resolves a tag to the digest of the manifest it names, by hashing the bytes served. */
    async resolveDigest(repository, tag) {
        return (await this.getManifest(repository, tag)).digest;
    }
    /** PUTs exact manifest bytes under a tag or digest; returns the digest computed from the bytes. */
    async putManifest(repository, reference, bytes, mediaType) {
        return (await this.pushManifest(repository, reference, bytes, mediaType)).digest;
    }
    /**
     * PUTs exact manifest bytes with their own media type; also returns the OCI-Subject header a
     * registry with the referrers API sends for a manifest with a subject (absent otherwise).
     */
    async pushManifest(repository, reference, bytes, mediaType) {
        const what = `pushing the manifest ${this.registry}/${repository}:${reference}`;
        const digest = (0,hash/* sha256Digest */.sI)(bytes);
        if (reference_DIGEST_PATTERN.test(reference) && reference !== digest)
            throw new client_RegistryError(`${what}: the bytes hash to ${digest}, not ${reference}`, 'mismatch');
        const res = await this.request('PUT', `/v2/${repository}/manifests/${encodeURIComponent(reference)}`, {
            repository,
            actions: ['pull', 'push'],
            what,
            headers: { 'content-type': mediaType },
            body: bytes,
        });
        const text = await res.text().catch(() => '');
        if (res.status !== 201 && res.status !== 200) {
            throw new client_RegistryError(`${what}: HTTP ${res.status} ${text.slice(0, 300)}`.trim(), res.status === 404 ? 'not-found' : 'protocol', res.status);
        }
        const claimed = res.headers.get('docker-content-digest');
        if (claimed && claimed.startsWith('sha256:') && claimed !== digest) {
            throw new client_RegistryError(`${what}: the registry stored ${claimed} but the bytes hash to ${digest}`, 'mismatch');
        }
        const ociSubject = res.headers.get('oci-subject');
        return ociSubject ? { digest, ociSubject } : { digest };
    }
    /** Fetches a blob (an image config, not layers) and verifies it against its digest. */
    async getBlob(repository, digest, maxBytes = 16 * 1024 * 1024) {
        if (!reference_DIGEST_PATTERN.test(digest))
            throw new client_RegistryError(`blob digest ${JSON.stringify(digest)} is not sha256:<64 hex>`, 'protocol');
        const what = `fetching the blob ${this.registry}/${repository}@${digest}`;
        const res = await this.request('GET', `/v2/${repository}/blobs/${digest}`, { repository, what, follow: true });
        await failUnlessOk(res, what);
        const bytes = await this.read(res, maxBytes, 'the blob', what);
        const actual = (0,hash/* sha256Digest */.sI)(bytes);
        if (actual !== digest)
            throw new client_RegistryError(`${what}: the bytes served hash to ${actual}`, 'mismatch');
        return bytes;
    }
}
/** The media type of manifest bytes: their own mediaType field first, then the Content-Type. */
/** A 404 is not-found, any other non-2xx a protocol error; the body is discarded either way. */
async function failUnlessOk(res, what) {
    if (res.ok)
        return;
    await res.body?.cancel();
    if (res.status === 404)
        throw new client_RegistryError(`${what}: not found (HTTP 404)`, 'not-found', 404);
    throw new client_RegistryError(`${what}: HTTP ${res.status}`, 'protocol', res.status);
}
function client_manifestMediaType(bytes, contentType) {
    try {
        const parsed = JSON.parse(bytes.toString('utf8'));
        if (typeof parsed.mediaType === 'string' && parsed.mediaType)
            return parsed.mediaType;
    }
    catch {
        // Not JSON: the header is all there is.
    }
    return (contentType ?? '').split(';')[0].trim();
}

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./src/registry/inspect.ts




function registrySource(client, repository) {
    return {
        describe: `${client.registry}/${repository}`,
        manifest: (digest) => client.getManifest(repository, digest),
        blob: (digest) => client.getBlob(repository, digest),
    };
}
/** An OCI image layout directory (what `buildah push ... oci:<dir>` writes); every read is hashed. */
function ociLayoutSource(dir) {
    const read = async (digest) => {
        if (!DIGEST_PATTERN.test(digest))
            throw new RegistryError(`digest ${JSON.stringify(digest)} is not sha256:<64 hex>`, 'protocol');
        const bytes = await readFile(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)));
        const actual = sha256Digest(bytes);
        if (actual !== digest)
            throw new RegistryError(`blob ${digest} in ${dir} hashes to ${actual}`, 'mismatch');
        return bytes;
    };
    return {
        describe: dir,
        manifest: async (digest) => {
            const bytes = await read(digest);
            return { bytes, digest, mediaType: manifestMediaType(bytes, null) };
        },
        blob: read,
    };
}
function parseJson(bytes, what) {
    try {
        return JSON.parse(bytes.toString('utf8'));
    }
    catch {
        throw new client_RegistryError(`${what} is not JSON`, 'protocol');
    }
}
function platformString(p) {
    if (!p?.os || !p.architecture)
        return 'unknown/unknown';
    return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}
/**
 * Reads what an image is made of without pulling layers: platforms, total size and the labels of
 * each image config. For an index, every child manifest is fetched by digest and verified.
 */
async function inspectImage(source, top) {
    const facts = { mediaType: top.mediaType, isIndex: isIndexMediaType(top.mediaType), platforms: [], size: top.bytes.length, labels: {} };
    const single = async (manifest) => {
        const m = parseJson(manifest.bytes, `manifest ${manifest.digest}`);
        if (!m.config?.digest)
            throw new client_RegistryError(`manifest ${manifest.digest} has no config`, 'protocol');
        const config = parseJson(await source.blob(m.config.digest), `image config ${m.config.digest}`);
        const platform = platformString(config);
        facts.platforms.push(platform);
        // Two images for one platform keep both label sets: keyed by platform alone, the second
        // would hide the first from a revision check.
        facts.labels[Object.hasOwn(facts.labels, platform) ? `${platform}@${manifest.digest}` : platform] = config.config?.Labels ?? {};
        facts.size += m.config.size + (m.layers ?? []).reduce((sum, l) => sum + (l.size || 0), 0);
    };
    if (facts.isIndex) {
        const index = parseJson(top.bytes, `index ${top.digest}`);
        for (const d of index.manifests ?? []) {
            // Fetched by digest so the bytes are hashed against it; anything else would be fetched as a
            // tag (whatever it points at now) with nothing to check it against.
            if (typeof d.digest !== 'string' || !reference_DIGEST_PATTERN.test(d.digest)) {
                throw new client_RegistryError(`index ${top.digest} lists a manifest whose digest ${JSON.stringify(d.digest ?? null)} is not sha256:<64 hex>`, 'protocol');
            }
            const child = await source.manifest(d.digest);
            if (isIndexMediaType(child.mediaType))
                throw new client_RegistryError(`index ${top.digest} nests another index; not supported`, 'protocol');
            facts.size += child.bytes.length;
            await single(child);
        }
    }
    else {
        await single(top);
    }
    return facts;
}

;// CONCATENATED MODULE: ./src/registry/content.ts
/**
 * Registry operations beyond manifests: blob existence, monolithic blob upload, cross-repository
 * blob mount, and the OCI 1.1 referrers API. Every blob pushed is addressed by the sha256 of its
 * bytes; every referrers index read is validated.
 */



function checkDigest(digest) {
    if (!reference_DIGEST_PATTERN.test(digest))
        throw new client_RegistryError(`digest ${JSON.stringify(digest)} is not sha256:<64 hex>`, 'protocol');
}
async function fail(res, what) {
    const text = (await res.text().catch(() => '')).slice(0, 300);
    throw new client_RegistryError(`${what}: HTTP ${res.status} ${text}`.trim(), res.status === 404 ? 'not-found' : 'protocol', res.status);
}
async function hasBlob(client, repository, digest) {
    checkDigest(digest);
    const what = `checking the blob ${client.registry}/${repository}@${digest}`;
    const res = await client.call('HEAD', `/v2/${repository}/blobs/${digest}`, { repository, what });
    await res.body?.cancel();
    if (res.status === 200)
        return true;
    if (res.status === 404)
        return false;
    return fail(res, what);
}
/** The upload URL's path and query, which must stay on the registry's own origin (credentials go with it). */
function uploadPath(client, location, what) {
    if (!location)
        throw new RegistryError(`${what}: the registry answered without an upload Location`, 'protocol');
    const url = new URL(location, client.baseUrl);
    if (url.origin !== new URL(client.baseUrl).origin)
        throw new RegistryError(`${what}: the upload Location points at another origin (${url.origin})`, 'protocol');
    return `${url.pathname}${url.search}`;
}
/** Uploads a small blob in one PUT unless the repository has it already; returns its digest. */
async function content_pushBlob(client, repository, bytes) {
    const digest = sha256Digest(bytes);
    if (await hasBlob(client, repository, digest))
        return digest;
    const what = `uploading the blob ${client.registry}/${repository}@${digest}`;
    const started = await client.call('POST', `/v2/${repository}/blobs/uploads/`, {
        repository,
        actions: ['pull', 'push'],
        what,
        headers: { 'content-length': '0' },
    });
    if (started.status !== 202)
        return fail(started, what);
    await started.body?.cancel();
    const path = uploadPath(client, started.headers.get('location'), what);
    const target = `${path}${path.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
    const done = await client.call('PUT', target, {
        repository,
        actions: ['pull', 'push'],
        what,
        headers: { 'content-type': 'application/octet-stream' },
        body: bytes,
    });
    if (done.status !== 201)
        return fail(done, what);
    await done.body?.cancel();
    return digest;
}
/**
 * Mounts a blob from another repository of the same registry without transferring it. Returns
 * false when the registry declined the mount (it then opened an upload, which is cancelled).
 */
async function mountBlob(client, repository, digest, from) {
    checkDigest(digest);
    if (await hasBlob(client, repository, digest))
        return true;
    const what = `mounting the blob ${digest} from ${from} into ${client.registry}/${repository}`;
    const res = await client.call('POST', `/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, {
        repository,
        actions: ['pull', 'push'],
        alsoPull: from,
        what,
        headers: { 'content-length': '0' },
    });
    if (res.status === 201) {
        await res.body?.cancel();
        return true;
    }
    if (res.status === 202) {
        await res.body?.cancel();
        const cancel = await client.call('DELETE', uploadPath(client, res.headers.get('location'), what), { repository, actions: ['pull', 'push'], what });
        await cancel.body?.cancel();
        return false;
    }
    return fail(res, what);
}
const descriptorSchema = schemas/* object */.Ikc({
    mediaType: schemas/* string */.YjP().max(300),
    digest: schemas/* string */.YjP().regex(reference_DIGEST_PATTERN, 'sha256:<64 hex>'),
    size: schemas/* number */.aig().int().nonnegative(),
    artifactType: schemas/* string */.YjP().max(300).optional(),
    annotations: schemas/* record */.g1P(schemas/* string */.YjP(), schemas/* string */.YjP()).optional(),
});
const referrersIndexSchema = schemas/* object */.Ikc({
    schemaVersion: schemas/* literal */.euz(2),
    mediaType: schemas/* literal */.euz(reference_MEDIA_TYPES.ociIndex).optional(),
    manifests: schemas/* array */.YOg(descriptorSchema).max(10_000),
});
function parseReferrersIndex(bytes, source) {
    let data;
    try {
        data = JSON.parse(bytes.toString('utf8'));
    }
    catch {
        throw new client_RegistryError(`${source} is not JSON: expected an OCI image index of referrers`, 'protocol');
    }
    const result = referrersIndexSchema.safeParse(data);
    if (!result.success) {
        const issue = result.error.issues[0];
        throw new client_RegistryError(`${source} is not an OCI image index of referrers: field "${issue?.path.join('.') || '(root)'}" ${issue?.message ?? ''}`.trim(), 'protocol');
    }
    return result.data.manifests;
}
/**
 * The referrers API (GET /v2/<name>/referrers/<digest>). Returns undefined when the registry has
 * no such API (404, as the distribution spec says such a registry answers), else the descriptors,
 * filtered here by artifactType whether or not the registry filtered.
 */
async function content_listReferrers(client, repository, digest, artifactType) {
    checkDigest(digest);
    const what = `listing the referrers of ${client.registry}/${repository}@${digest}`;
    const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const res = await client.call('GET', `/v2/${repository}/referrers/${digest}${query}`, { repository, what, headers: { accept: reference_MEDIA_TYPES.ociIndex } });
    if (res.status === 404) {
        await res.body?.cancel();
        return undefined;
    }
    if (res.status !== 200)
        return fail(res, what);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length > 4 * 1024 * 1024)
        throw new client_RegistryError(`${what}: the index is more than 4 MiB`, 'protocol');
    const all = parseReferrersIndex(bytes, `the referrers index of ${digest}`);
    return artifactType ? all.filter((d) => d.artifactType === artifactType) : all;
}

;// CONCATENATED MODULE: ./src/attest/sigstore.ts
/**
 * The Sigstore bundle v0.3 that holds the DSSE envelope, as cosign v3 stores attestations: key
 * material is a public-key hint only (no certificate), no transparency-log entry, no timestamp.
 */



const sigstore_SIGSTORE_BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const sigstoreBundleSchema = schemas/* object */.Ikc({
    mediaType: schemas/* literal */.euz(sigstore_SIGSTORE_BUNDLE_MEDIA_TYPE),
    verificationMaterial: schemas/* object */.Ikc({
        publicKey: schemas/* object */.Ikc({ hint: schemas/* string */.YjP().max(500) }).optional(),
        tlogEntries: schemas/* array */.YOg(schemas/* unknown */.L5J()).max(16).optional(),
        timestampVerificationData: schemas/* unknown */.L5J().optional(),
    }),
    dsseEnvelope: envelopeSchema,
});
function sigstore_wrapEnvelope(envelope) {
    return {
        mediaType: sigstore_SIGSTORE_BUNDLE_MEDIA_TYPE,
        verificationMaterial: { publicKey: { hint: envelope.signatures[0]?.keyid ?? '' }, tlogEntries: [] },
        dsseEnvelope: envelope,
    };
}
function parseSigstoreBundle(bytes, source) {
    let data;
    try {
        data = JSON.parse(bytes.toString('utf8'));
    }
    catch {
        throw new errors/* ConfigurationError */.j1(`${source} is not JSON: expected a Sigstore bundle (${sigstore_SIGSTORE_BUNDLE_MEDIA_TYPE})`);
    }
    const result = sigstoreBundleSchema.safeParse(data);
    if (!result.success) {
        const issue = result.error.issues[0];
        throw new errors/* ConfigurationError */.j1(`${source} is not a Sigstore bundle v0.3 with a DSSE envelope: field "${issue?.path.join('.') || '(root)'}" ${issue?.message ?? ''}`.trim());
    }
    return result.data;
}

// EXTERNAL MODULE: ./src/core/files.ts
var files = __webpack_require__(9928);
;// CONCATENATED MODULE: ./src/core/bundle.ts
/**
 * The evidence bundle (`release-safety/bundle@1`): every gate's record with its own sha256, the
 * verdict, the commit and the image digest, hashed as a whole over canonical JSON. It is what the
 * evidence action writes (`bundle-path`), what the attestation's predicate carries, and what the
 * promote action and the CLI read back. Readers never trust it: `parseBundle` validates every
 * field and re-computes every hash.
 */





const BUNDLE_SCHEMA = 'release-safety/bundle@1';
const bundle_digestSchema = schemas/* string */.YjP().regex(/^sha256:[0-9a-f]{64}$/, 'sha256:<64 hex>');
const bundleEntrySchema = schemas/* object */.Ikc({
    /** evidenceDigest(record): sha256 over the record's canonical JSON. */
    sha256: bundle_digestSchema,
    record: evidence/* evidenceSchema */.jU,
});
const bundleSchema = schemas/* object */.Ikc({
    schema: schemas/* literal */.euz(BUNDLE_SCHEMA),
    repository: identifiers/* repositorySchema */._L,
    /** The commit the change is about: the PR head SHA, never the test merge commit. */
    commitSha: identifiers/* commitShaSchema */.jr,
    /** The image the records are about (the image gate's digest), when there is one. */
    digest: bundle_digestSchema.optional(),
    /** `repository@digest` of that image. */
    image: schemas/* string */.YjP().max(500).optional(),
    verdict: schemas/* enum */.k5n(['pass', 'fail', 'error']),
    requiredGates: schemas/* array */.YOg(schemas/* enum */.k5n(evidence/* GATES */.JH)),
    /** Why the verdict is not pass, one line each. */
    reasons: schemas/* array */.YOg(schemas/* string */.YjP().max(2000)).max(200),
    run: schemas/* object */.Ikc({
        id: schemas/* string */.YjP().max(40).optional(),
        attempt: schemas/* string */.YjP().max(10).optional(),
        url: schemas/* string */.YjP().url().max(1000).optional(),
        workflowRef: schemas/* string */.YjP().max(1000).optional(),
    })
        .optional(),
    createdAt: schemas/* string */.YjP().datetime({ offset: true }),
    records: schemas/* array */.YOg(bundleEntrySchema).max(100),
    /** sha256 over the canonical JSON of every other field of the bundle. */
    sha256: bundle_digestSchema,
});
function bundleHash(bundle) {
    return `sha256:${(0,evidence/* sha256Hex */.fg)((0,evidence/* canonicalJson */.dj)(bundle))}`;
}
/** Records in gate order (then by start time), each with its own hash, and the bundle's hash over all. */
function createBundle(records, fields) {
    const order = (g) => GATES.indexOf(g);
    const sorted = [...records].sort((a, b) => order(a.gate) - order(b.gate) || a.startedAt.localeCompare(b.startedAt));
    const body = {
        schema: BUNDLE_SCHEMA,
        ...fields,
        createdAt: fields.createdAt ?? new Date().toISOString(),
        records: sorted.map((record) => ({ sha256: evidenceDigest(record), record })),
    };
    return bundleSchema.parse({ ...body, sha256: bundleHash(body) });
}
/** Validates an untrusted bundle and verifies every record hash and the bundle hash. */
function parseBundle(text, source) {
    let data;
    try {
        data = JSON.parse(text);
    }
    catch {
        throw new errors/* ConfigurationError */.j1(`evidence bundle ${source} is not JSON: expected a ${BUNDLE_SCHEMA} document`);
    }
    const result = bundleSchema.safeParse(data);
    if (!result.success) {
        const issue = result.error.issues[0];
        throw new errors/* ConfigurationError */.j1(`evidence bundle ${source} is not a valid ${BUNDLE_SCHEMA} document: field "${issue?.path.join('.') || '(root)'}" ${issue?.message ?? ''}`.trim());
    }
    const bundle = result.data;
    for (const [i, entry] of bundle.records.entries()) {
        const actual = (0,evidence/* evidenceDigest */.YB)(entry.record);
        if (actual !== entry.sha256) {
            throw new errors/* ConfigurationError */.j1(`evidence bundle ${source}: record ${i} (${entry.record.gate}) hashes to ${actual}, not the ${entry.sha256} it carries: it was altered`);
        }
    }
    const { sha256, ...body } = bundle;
    const actual = bundleHash(body);
    if (actual !== sha256)
        throw new errors/* ConfigurationError */.j1(`evidence bundle ${source} hashes to ${actual}, not the ${sha256} it carries: it was altered`);
    return bundle;
}
function readBundle(path) {
    const text = readTextOrConfigurationError(path, `evidence bundle ${path}`);
    return parseBundle(text, path);
}
/** The JSON a reader gets: pretty, one trailing newline. */
function bundle_serializeBundle(bundle) {
    return `${JSON.stringify(bundle, null, 2)}\n`;
}

;// CONCATENATED MODULE: ./src/attest/statement.ts
/**
 * The in-toto Statement v1 that carries an evidence bundle: the subject is the image (its
 * repository and the sha256 of its top manifest, the index digest for a multi-platform image),
 * the predicate is the `release-safety/bundle@1` document itself.
 */



const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/**
 * The predicate type of "release-safety evidence bundle v1". Stable: readers select attestations
 * by it (`cosign verify-attestation --type` takes it as is).
 */
const statement_PREDICATE_TYPE = 'https://release-safety.dev/evidence-bundle/v1';
const statement_IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const hex64 = schemas/* string */.YjP().regex(/^[0-9a-f]{64}$/, '64 lower-case hex characters');
const statementSchema = schemas/* object */.Ikc({
    _type: schemas/* literal */.euz(STATEMENT_TYPE),
    subject: schemas/* array */.YOg(schemas/* object */.Ikc({ name: schemas/* string */.YjP().min(1).max(500), digest: schemas/* object */.Ikc({ sha256: hex64 }).catchall(schemas/* string */.YjP().max(200)) }))
        .min(1)
        .max(16),
    predicateType: schemas/* string */.YjP().url().max(500),
    predicate: schemas/* unknown */.L5J(),
});
/** `name` is registry/repository of the image; `digest` its sha256:<hex> digest. */
function statement_createStatement(name, digest, bundle) {
    if (!/^sha256:[0-9a-f]{64}$/.test(digest))
        throw new ConfigurationError(`the attested digest ${JSON.stringify(digest)} is not sha256:<64 hex>`);
    // The predicate is the bundle as it was hashed: a reader re-verifies its hashes with parseBundle.
    return {
        _type: STATEMENT_TYPE,
        subject: [{ name, digest: { sha256: digest.slice(7) } }],
        predicateType: statement_PREDICATE_TYPE,
        predicate: JSON.parse(serializeBundle(bundle)),
    };
}
/** Validates untrusted statement bytes; the predicate must be a bundle whose hashes verify. */
function parseEvidenceStatement(payload, source) {
    let data;
    try {
        data = JSON.parse(payload.toString('utf8'));
    }
    catch {
        throw new errors/* ConfigurationError */.j1(`the attestation payload of ${source} is not JSON: expected an in-toto Statement v1`);
    }
    const result = statementSchema.safeParse(data);
    if (!result.success) {
        const issue = result.error.issues[0];
        throw new errors/* ConfigurationError */.j1(`the attestation payload of ${source} is not an in-toto Statement v1: field "${issue?.path.join('.') || '(root)'}" ${issue?.message ?? ''}`.trim());
    }
    const statement = result.data;
    if (statement.predicateType !== statement_PREDICATE_TYPE) {
        throw new errors/* ConfigurationError */.j1(`the attestation of ${source} has predicateType ${JSON.stringify(statement.predicateType)}, not ${statement_PREDICATE_TYPE}`);
    }
    const bundle = parseBundle(JSON.stringify(statement.predicate), `in the attestation of ${source}`);
    return { statement, bundle };
}
/** Every sha256:<hex> digest the statement names as its subject. */
function subjectDigests(statement) {
    return statement.subject.map((s) => `sha256:${s.digest.sha256}`);
}

;// CONCATENATED MODULE: ./src/attest/referrer.ts
/**
 * The attestation as an OCI 1.1 referrer: an image manifest with `artifactType` the Sigstore
 * bundle type, the empty config, one layer holding the bundle, and `subject` the image's
 * descriptor. The annotations are the ones cosign v3 writes, so its tooling finds it.
 */




const EMPTY_CONFIG = {
    mediaType: 'application/vnd.oci.empty.v1+json',
    digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    size: 2,
};
const referrer_EMPTY_CONFIG_BYTES = Buffer.from('{}');
const PREDICATE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
const CONTENT_ANNOTATION = 'dev.sigstore.bundle.content';
/**
 * The referrer manifest for a serialized Sigstore bundle attached to `subject`. `predicateType` is
 * the in-toto predicate inside (the evidence bundle by default; SLSA provenance, CycloneDX): readers
 * pick attestations by this annotation without fetching them.
 */
function referrer_buildReferrerManifest(bundleBytes, subject, created = new Date().toISOString(), predicateType = PREDICATE_TYPE) {
    const layer = { mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE, digest: sha256Digest(bundleBytes), size: bundleBytes.length };
    const annotations = { [CONTENT_ANNOTATION]: 'dsse-envelope', [PREDICATE_ANNOTATION]: predicateType, 'org.opencontainers.image.created': created };
    const manifest = {
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociManifest,
        artifactType: SIGSTORE_BUNDLE_MEDIA_TYPE,
        config: EMPTY_CONFIG,
        layers: [layer],
        subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
        annotations,
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const digest = sha256Digest(bytes);
    return {
        bytes,
        digest,
        descriptor: { mediaType: MEDIA_TYPES.ociManifest, digest, size: bytes.length, artifactType: SIGSTORE_BUNDLE_MEDIA_TYPE, annotations },
        layer: { bytes: bundleBytes, descriptor: layer },
    };
}
/** The `sha256-<hex>` tag under which registries without the referrers API keep the referrers index. */
function referrer_referrersTag(digest) {
    return digest.replace(':', '-');
}

;// CONCATENATED MODULE: ./src/attest/attach.ts
/**
 * Attaches an evidence bundle to an image as a signed attestation: an in-toto statement in a DSSE
 * envelope in a Sigstore bundle, pushed as an OCI 1.1 referrer of the image digest. A registry that
 * answers the manifest PUT with OCI-Subject keeps the referrers itself; otherwise the
 * `sha256-<hex>` referrers tag index is maintained here (read-modify-write, re-read to catch a
 * lost update from a concurrent writer, bounded retries).
 */







/** Builds the attestation bytes without touching a registry (also what tests verify independently). */
function buildAttestation(imageName, subjectDigest, bundle, key) {
    const statement = createStatement(imageName, subjectDigest, bundle);
    const envelope = createEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)), key);
    return { envelope, bundleBytes: Buffer.from(JSON.stringify(wrapEnvelope(envelope))) };
}
async function attachAttestation(req) {
    const statement = createStatement(`${req.client.registry}/${req.repository}`, req.subject.digest, req.bundle);
    const [result] = (await attachStatements({
        ...req,
        statements: [{ label: 'evidence', payload: Buffer.from(JSON.stringify(statement)), predicateType: PREDICATE_TYPE }],
    })).attached;
    const { referrerDigest, bundleBytes, envelope, via } = result;
    return { referrerDigest, bundleBytes, envelope, signed: req.signingKey !== undefined, via, indexAttempts: result.indexAttempts };
}
/**
 * Attaches several statements to one subject, each as its own referrer. Every blob and manifest is
 * pushed first; the manifests the registry did not index itself (no OCI-Subject) are then added to
 * the tag index in one read-modify-write, so a failure before that leaves none of them listed
 * there. A failure after a referrers-API registry has indexed some names them in the error.
 */
async function attachStatements(req) {
    const { client, repository, subject } = req;
    const built = req.statements.map((s) => {
        const envelope = createEnvelope(IN_TOTO_PAYLOAD_TYPE, s.payload, req.signingKey);
        const bundleBytes = Buffer.from(JSON.stringify(wrapEnvelope(envelope)));
        return { ...s, envelope, bundleBytes, referrer: buildReferrerManifest(bundleBytes, subject, undefined, s.predicateType) };
    });
    const pushed = [];
    try {
        await pushBlob(client, repository, EMPTY_CONFIG_BYTES);
        for (const b of built) {
            await pushBlob(client, repository, b.bundleBytes);
            const answer = await client.pushManifest(repository, b.referrer.digest, b.referrer.bytes, MEDIA_TYPES.ociManifest);
            pushed.push({ label: b.label, digest: b.referrer.digest, api: answer.ociSubject === subject.digest });
        }
        const unindexed = built.filter((_, i) => !pushed[i].api).map((b) => b.referrer.descriptor);
        const indexAttempts = unindexed.length === 0 ? 0 : await addToReferrersTagIndex(client, repository, subject.digest, unindexed, req.maxAttempts ?? 5, req.beforeIndexWrite);
        return {
            attached: built.map((b, i) => ({
                label: b.label,
                predicateType: b.predicateType,
                referrerDigest: b.referrer.digest,
                bundleBytes: b.bundleBytes,
                envelope: b.envelope,
                via: pushed[i].api ? 'referrers-api' : 'tag-index',
                indexAttempts: pushed[i].api ? 0 : indexAttempts,
            })),
        };
    }
    catch (error) {
        const listed = pushed.filter((p) => p.api);
        if (!(error instanceof RegistryError) || listed.length === 0)
            throw error;
        const names = listed.map((p) => `${p.label} ${p.digest}`).join(', ');
        throw new RegistryError(`${error.message} (the registry already lists through its referrers API: ${names}; the others were not attached)`, error.kind, error.status);
    }
}
/** The raw descriptors of the `sha256-<hex>` tag index (kept verbatim), or none when the tag does not exist. */
async function attach_readReferrersTagIndex(client, repository, digest) {
    let bytes;
    try {
        bytes = (await client.getManifest(repository, referrer_referrersTag(digest))).bytes;
    }
    catch (error) {
        if (error instanceof client_RegistryError && error.kind === 'not-found')
            return [];
        throw error;
    }
    parseReferrersIndex(bytes, `the referrers tag index ${repository}:${referrer_referrersTag(digest)}`);
    return JSON.parse(bytes.toString('utf8')).manifests;
}
/**
 * Adds descriptors to the tag index: entries of other writers are kept byte for byte, an entry
 * already there is not added twice, and the index is read back after the PUT; if one of ours is
 * gone, another writer's PUT overwrote ours, and the whole read-modify-write is repeated.
 */
async function addToReferrersTagIndex(client, repository, subjectDigest, descriptors, maxAttempts, beforeWrite) {
    const ours = Array.isArray(descriptors) ? descriptors : [descriptors];
    const tag = referrersTag(subjectDigest);
    const allListed = (entries) => ours.every((d) => entries.some((e) => e.digest === d.digest));
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const entries = await attach_readReferrersTagIndex(client, repository, subjectDigest);
        const missing = ours.filter((d) => !entries.some((e) => e.digest === d.digest));
        if (missing.length > 0) {
            const index = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [...entries, ...missing.map((d) => ({ ...d }))] };
            await beforeWrite?.(attempt);
            await client.pushManifest(repository, tag, Buffer.from(JSON.stringify(index)), MEDIA_TYPES.ociIndex);
        }
        if (allListed(await attach_readReferrersTagIndex(client, repository, subjectDigest)))
            return attempt;
    }
    throw new RegistryError(`the referrers tag index ${repository}:${tag} lost ${ours.map((d) => d.digest).join(', ')} to concurrent writers ${maxAttempts} times`, 'mismatch');
}

;// CONCATENATED MODULE: ./src/attest/discover.ts
/**
 * Finds the evidence attestations of a digest: the referrers API first, then the `sha256-<hex>`
 * tag index (registries without the API, and referrers pushed before a registry gained it).
 * Every lookup tried is reported, with what it found.
 */






/** An evidence attestation: a Sigstore bundle whose predicate-type annotation, when set, is ours. */
function isEvidence(d) {
    if (d.artifactType !== sigstore_SIGSTORE_BUNDLE_MEDIA_TYPE)
        return false;
    const annotations = (d.annotations ?? {});
    return annotations[PREDICATE_ANNOTATION] === undefined || annotations[PREDICATE_ANNOTATION] === statement_PREDICATE_TYPE;
}
async function discoverEvidence(client, repository, digest) {
    const lookups = [];
    const found = new Map();
    const api = await content_listReferrers(client, repository, digest, sigstore_SIGSTORE_BUNDLE_MEDIA_TYPE);
    if (api === undefined)
        lookups.push('referrers API: not supported by the registry (HTTP 404)');
    else {
        const ours = api.filter(isEvidence);
        lookups.push(`referrers API: ${api.length} Sigstore bundle referrer(s), ${ours.length} with predicate ${statement_PREDICATE_TYPE}`);
        for (const d of ours)
            found.set(d.digest, d);
    }
    if (found.size === 0) {
        const tag = referrer_referrersTag(digest);
        let entries;
        try {
            entries = await attach_readReferrersTagIndex(client, repository, digest);
        }
        catch (error) {
            if (!(error instanceof client_RegistryError))
                throw error;
            lookups.push(`tag index ${tag}: unreadable: ${error.message}`);
            throw new client_RegistryError(`${error.message} (lookups tried: ${lookups.join('; ')})`, error.kind, error.status);
        }
        const ours = entries.filter(isEvidence);
        lookups.push(entries.length === 0 ? `tag index ${tag}: absent or empty` : `tag index ${tag}: ${entries.length} referrer(s), ${ours.length} evidence attestation(s)`);
        for (const d of ours)
            found.set(d.digest, d);
    }
    return { descriptors: [...found.values()], lookups };
}
/**
 * Every referrer of a digest, whatever its type (the evidence, the provenance and SBOM beside it,
 * signatures by other tools): what a copy to another repository must carry along. The referrers
 * API when the registry has one, else the tag index.
 */
async function discoverReferrers(client, repository, digest) {
    const api = await listReferrers(client, repository, digest);
    if (api !== undefined && api.length > 0)
        return api;
    return (await readReferrersTagIndex(client, repository, digest));
}

;// CONCATENATED MODULE: ./src/attest/verify.ts
/**
 * Verifies that an image digest carries passing evidence: the attestation is found by digest,
 * its DSSE signature verifies with the given public key (or it is reported unsigned), its
 * statement names this digest, every required gate passed in its bundle, and the image's
 * org.opencontainers.image.revision (every platform of an index) is the bundle's head SHA.
 * Used by the promote action and by the command line (`release-safety verify`).
 */








const REVISION_LABEL = 'org.opencontainers.image.revision';
/** At most this many attestations of one digest are examined. */
const MAX_CANDIDATES = 20;
/** How old the evidence of a promoted image may be unless the caller says otherwise. */
const DEFAULT_MAX_EVIDENCE_AGE_MS = 90 * 24 * 3600_000;
function criteriaFor(req) {
    return [
        `an attestation (${sigstore_SIGSTORE_BUNDLE_MEDIA_TYPE}, predicate ${statement_PREDICATE_TYPE}) attached to ${req.digest}`,
        req.publicKey
            ? 'its DSSE signature verifies with public-key (ECDSA P-256 over the PAE bytes)'
            : 'unsigned attestations accepted only with the commit status as a second witness (no public-key given)',
        `its in-toto subject is ${req.digest}, and its evidence bundle's record and bundle hashes verify`,
        `required gates passed in the bundle: ${req.requiredGates.join(', ')}`,
        `every image's ${REVISION_LABEL} label equals the bundle's head SHA`,
    ];
}
async function checkCandidate(req, referrerDigest) {
    const { client, repository, digest } = req;
    const manifest = await client.getManifest(repository, referrerDigest);
    const m = JSON.parse(manifest.bytes.toString('utf8'));
    if (m.subject?.digest !== digest)
        return { ok: false, reason: `referrer ${referrerDigest} hangs on ${String(m.subject?.digest)}, not ${digest}` };
    const layer = m.layers?.find((l) => l.mediaType === sigstore_SIGSTORE_BUNDLE_MEDIA_TYPE);
    if (!layer || typeof layer.digest !== 'string')
        return { ok: false, reason: `referrer ${referrerDigest} has no Sigstore bundle layer` };
    const sigstore = parseSigstoreBundle(await client.getBlob(repository, layer.digest, 16 * 1024 * 1024), `the attestation ${referrerDigest}`);
    const envelope = sigstore.dsseEnvelope;
    if (envelope.payloadType !== statement_IN_TOTO_PAYLOAD_TYPE)
        return { ok: false, reason: `attestation ${referrerDigest} has payloadType ${envelope.payloadType}, not ${statement_IN_TOTO_PAYLOAD_TYPE}` };
    let keyid;
    if (req.publicKey) {
        const check = verifyEnvelope(envelope, req.publicKey);
        if (!check.ok)
            return { ok: false, reason: `attestation ${referrerDigest}: ${check.reason}` };
        keyid = check.keyid;
    }
    const { statement, bundle } = parseEvidenceStatement(decodeBase64(envelope.payload, 'the DSSE payload'), `attestation ${referrerDigest}`);
    const subjects = subjectDigests(statement);
    if (!subjects.includes(digest))
        return { ok: false, reason: `attestation ${referrerDigest} is for ${subjects.join(', ')}, not ${digest}: an attestation for another digest` };
    if (bundle.digest !== undefined && bundle.digest !== digest)
        return { ok: false, reason: `the evidence bundle in ${referrerDigest} is about ${bundle.digest}, not ${digest}` };
    // Promotion happens long after the pull request: records may be old, but never older than the caller allows.
    const verdict = judgeRelease(bundle.records.map((r) => r.record), {
        digest,
        repository: bundle.repository,
        commitSha: bundle.commitSha,
        maxAgeMs: req.maxAgeMs ?? DEFAULT_MAX_EVIDENCE_AGE_MS,
        required: req.requiredGates,
    });
    if (!verdict.ok)
        return { ok: false, reason: `attestation ${referrerDigest}: ${verdict.reasons.join('; ')}` };
    if (verdict.commitSha !== undefined && verdict.commitSha !== bundle.commitSha) {
        return { ok: false, reason: `attestation ${referrerDigest}: the records are about ${verdict.commitSha}, the bundle about ${bundle.commitSha}` };
    }
    return {
        ok: true,
        attestation: { referrerDigest, bundle, signed: envelope.signatures.length > 0 && keyid !== undefined, ...(keyid !== undefined ? { keyid } : {}) },
    };
}
/** Every platform image's revision label must be the attested head SHA; an index with no image never passes. */
function revisionProblems(facts, digest, headSha) {
    const entries = Object.entries(facts.labels);
    if (entries.length === 0)
        return [`${digest} lists no images: there is no ${REVISION_LABEL} label to check`];
    return entries
        .filter(([, labels]) => labels[REVISION_LABEL] !== headSha)
        .map(([platform, labels]) => `the ${platform} image of ${digest} has ${REVISION_LABEL}=${labels[REVISION_LABEL] ?? '(none)'}, not the attested head SHA ${headSha}`);
}
async function verifyImageEvidence(req) {
    const criteria = criteriaFor(req);
    const manifest = req.manifest ?? (await req.client.getManifest(req.repository, req.digest));
    if (manifest.digest !== req.digest)
        throw new client_RegistryError(`the manifest given hashes to ${manifest.digest}, not ${req.digest}`, 'mismatch');
    const discovery = await discoverEvidence(req.client, req.repository, req.digest);
    const base = { criteria, lookups: discovery.lookups };
    if (discovery.descriptors.length === 0) {
        return { ...base, ok: false, reasons: [`no evidence attestation is attached to ${req.digest} (lookups: ${discovery.lookups.join('; ')})`] };
    }
    const reasons = [];
    let accepted;
    for (const d of discovery.descriptors.slice(0, MAX_CANDIDATES)) {
        let result;
        try {
            result = await checkCandidate(req, d.digest);
        }
        catch (error) {
            // A malformed or altered attestation refuses this candidate; a registry failure means no judgement.
            if (!(error instanceof errors/* ConfigurationError */.j1))
                throw error;
            result = { ok: false, reason: error.message };
        }
        if (result.ok) {
            accepted = result.attestation;
            break;
        }
        reasons.push(result.reason);
    }
    if (!accepted)
        return { ...base, ok: false, reasons };
    const facts = await inspectImage(registrySource(req.client, req.repository), manifest);
    const problems = revisionProblems(facts, req.digest, accepted.bundle.commitSha);
    return { ...base, ok: problems.length === 0, reasons: problems, attestation: accepted, facts, revision: accepted.bundle.commitSha };
}

;// CONCATENATED MODULE: ./src/cli/verify.ts
/**
 * `release-safety verify <registry/repository@sha256:...> --key pub.pem`: finds the image's
 * evidence attestation (referrers API, then the sha256-<hex> tag index), verifies it with the key
 * given, prints every criterion enforced and then the verdict. Exit 0 verified, 1 refused, 2 usage.
 */








function parseTarget(value) {
    const m = /^(.+)@(sha256:[0-9a-f]{64})$/.exec(value ?? '');
    if (!m)
        throw new errors/* ConfigurationError */.j1(`give the image by digest: registry/repository@sha256:<64 hex> (got ${JSON.stringify(value ?? '')})`);
    try {
        const name = parseImageName(m[1]);
        return { ...name, digest: m[2] };
    }
    catch (error) {
        throw new errors/* ConfigurationError */.j1(`the image ${JSON.stringify(m[1])} ${error.message}`);
    }
}
function requiredGates(value) {
    if (value === undefined)
        return [...evidence/* GATES */.JH];
    const gates = value
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean);
    for (const gate of gates)
        if (!evidence/* GATES */.JH.includes(gate))
            throw new errors/* ConfigurationError */.j1(`--required-gates names "${gate}", which is not a gate: ${evidence/* GATES */.JH.join(', ')}`);
    return gates;
}
async function verifyCommand(args) {
    const { values, positionals } = (0,external_node_util_.parseArgs)({
        args,
        allowPositionals: true,
        options: { key: { type: 'string' }, 'required-gates': { type: 'string' }, 'insecure-registry': { type: 'boolean' } },
        strict: true,
    });
    const target = parseTarget(positionals[0]);
    if (!values.key)
        throw new errors/* ConfigurationError */.j1('--key is required: the PEM public key the attestation must be signed with (an unsigned attestation is never accepted here)');
    let pem;
    try {
        pem = (0,external_node_fs_.readFileSync)(values.key, 'utf8');
    }
    catch (error) {
        throw new errors/* ConfigurationError */.j1(`--key ${values.key} cannot be read (${error.code ?? error.message})`);
    }
    const publicKey = loadPublicKey(pem, '--key');
    const client = new RegistryClient({ registry: target.registry, ...(values['insecure-registry'] ? { insecure: true } : {}) });
    const result = await verifyImageEvidence({
        client,
        repository: target.repository,
        digest: target.digest,
        publicKey,
        requiredGates: requiredGates(values['required-gates']),
    });
    const out = (line) => process.stdout.write(`${line}\n`);
    out(`image     ${target.registry}/${target.repository}@${target.digest}`);
    out('criteria enforced:');
    for (const c of result.criteria)
        out(`  - ${c}`);
    out('lookups:');
    for (const l of result.lookups)
        out(`  - ${l}`);
    if (result.ok) {
        out(`verified: attestation ${result.attestation?.referrerDigest ?? ''}, signed, commit ${result.revision ?? result.attestation?.bundle.commitSha ?? ''}, bundle ${result.attestation?.bundle.sha256 ?? ''}`);
        return 0;
    }
    out('REFUSED:');
    for (const r of result.reasons)
        out(`  - ${r}`);
    return 1;
}


/***/ })

};
