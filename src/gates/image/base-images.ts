/**
 * The base images a Dockerfile builds on: every FROM, with ARG substitution as the builders do
 * it, resolved to the digest the registry serves now. The provenance names those digests, and a
 * FROM not pinned by digest is a warning (or, with require-pinned-base, a failure) that says what
 * to pin it to. No Dockerfile library on npm is kept up and small enough for reading FROM and ARG
 * alone, so this reads the two instructions itself; everything else in the file is ignored.
 */
import { errorMessage } from '../../core/errors.js';
import { RegistryClient, type RegistryCredentials } from '../../registry/client.js';
import { DIGEST_PATTERN, parseImageName } from '../../registry/reference.js';
import type { Finding } from '../../core/evidence.js';

export interface BaseImage {
  /** 1-based line of the FROM in the Dockerfile. */
  line: number;
  /** The image as written (before ARG substitution). */
  written: string;
  /** After substitution: what the builder pulls. */
  reference: string;
  registry: string;
  repository: string;
  /** The tag (latest when none is written and no digest is either). */
  tag: string;
  /** sha256:... when the FROM pins it. */
  pinned?: string;
  /** The digest the registry serves for it (the pinned one when pinned). */
  digest?: string;
  /** Why it could not be resolved. */
  problem?: string;
}

/** Instructions with continuation lines joined, each with the line it starts on; comments dropped. */
function instructions(dockerfile: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let current: { line: number; text: string } | undefined;
  dockerfile.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (!current && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (current && trimmed.startsWith('#')) return;
    const continued = /\\\s*$/.test(raw);
    const text = continued ? raw.replace(/\\\s*$/, '') : raw;
    if (current) current.text += ` ${text.trim()}`;
    else current = { line: i + 1, text: text.trim() };
    if (!continued) {
      out.push(current);
      current = undefined;
    }
  });
  if (current) out.push(current);
  return out;
}

/** ${VAR}, ${VAR:-default}, ${VAR:+alt} and $VAR, as the Dockerfile frontend substitutes them. */
export function substitute(value: string, vars: ReadonlyMap<string, string>): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare!;
      const set = vars.get(name);
      if (op === '-') return set ? set : (word ?? '');
      if (op === '+') return set ? (word ?? '') : '';
      return set ?? '';
    },
  );
}

/** Splits registry/repository[:tag][@sha256:...]; Docker Hub names get docker.io and library/. */
export function parseImageReference(reference: string): { registry: string; repository: string; tag: string; digest?: string } {
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_PATTERN.test(digest)) throw new Error(`has the digest ${JSON.stringify(digest)}: expected sha256:<64 hex>`);
  }
  let tag = '';
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const name = parseImageName(rest);
  return { ...name, tag: tag || (digest ? '' : 'latest'), ...(digest ? { digest } : {}) };
}

/**
 * Every FROM that names an image: not scratch, not an earlier stage, not a named build context.
 * Global ARGs (before the first FROM) take their defaults unless a build arg sets them.
 */
export function parseBaseImages(dockerfile: string, buildArgs: readonly [string, string][], contextNames: readonly string[] = []): BaseImage[] {
  const given = new Map(buildArgs);
  const vars = new Map<string, string>();
  const stages = new Set<string>();
  const bases: BaseImage[] = [];
  let seenFrom = false;
  for (const { line, text } of instructions(dockerfile)) {
    const [keyword = '', ...words] = text.split(/\s+/);
    if (/^arg$/i.test(keyword) && !seenFrom) {
      for (const word of words) {
        const eq = word.indexOf('=');
        const name = eq > 0 ? word.slice(0, eq) : word;
        const fallback = eq > 0 ? word.slice(eq + 1).replace(/^(["'])(.*)\1$/, '$2') : undefined;
        const value = given.get(name) ?? (fallback !== undefined ? substitute(fallback, vars) : undefined);
        if (value !== undefined) vars.set(name, value);
      }
      continue;
    }
    if (!/^from$/i.test(keyword)) continue;
    seenFrom = true;
    const args = words.filter((w) => !w.startsWith('--'));
    const written = args[0] ?? '';
    const reference = substitute(written, vars);
    const earlierStage = stages.has(reference.toLowerCase());
    if (args.length >= 3 && /^as$/i.test(args[1]!)) stages.add(args[2]!.toLowerCase());
    if (reference === '' || reference.toLowerCase() === 'scratch' || earlierStage || contextNames.includes(reference)) continue;
    try {
      const parsed = parseImageReference(reference);
      bases.push({
        line,
        written,
        reference,
        registry: parsed.registry,
        repository: parsed.repository,
        tag: parsed.tag,
        ...(parsed.digest ? { pinned: parsed.digest, digest: parsed.digest } : {}),
      });
    } catch (error) {
      bases.push({
        line,
        written,
        reference,
        registry: '',
        repository: '',
        tag: '',
        problem: `FROM ${reference} is not an image reference the gate can read: it ${errorMessage(error)}`,
      });
    }
  }
  return bases;
}

export interface BaseResolveOptions {
  /** The image's own registry and its credentials: a base there is read with them. */
  imageRegistry: string;
  credentials?: RegistryCredentials;
  insecure: boolean;
  signal?: AbortSignal;
  onSecret?: (value: string) => void;
}

/** Asks each base image's registry for the digest its tag names now; a pinned one is kept as is. */
export async function resolveBaseImages(bases: readonly BaseImage[], opts: BaseResolveOptions): Promise<BaseImage[]> {
  const clients = new Map<string, RegistryClient>();
  const clientFor = (registry: string) => {
    let client = clients.get(registry);
    if (!client) {
      const own = registry === opts.imageRegistry;
      client = new RegistryClient({
        registry,
        ...(own && opts.credentials ? { credentials: opts.credentials } : {}),
        insecure: own && opts.insecure,
        signal: opts.signal,
        onSecret: opts.onSecret,
        maxAttempts: 2,
      });
      clients.set(registry, client);
    }
    return client;
  };
  return Promise.all(
    bases.map(async (b) => {
      if (b.problem || b.pinned) return b;
      try {
        return { ...b, digest: await clientFor(b.registry).resolveDigest(b.repository, b.tag) };
      } catch (error) {
        return { ...b, problem: `the digest of ${b.reference} could not be resolved from ${b.registry}: ${errorMessage(error)}` };
      }
    }),
  );
}

/**
 * A FROM without a digest is a warning naming the digest to pin it to, or an error finding (the
 * gate fails) when require-pinned-base is set. One whose digest is unknown says so in either case.
 */
export function judgeBasePinning(bases: readonly BaseImage[], requirePinned: boolean, file: string): Finding[] {
  const findings: Finding[] = [];
  for (const b of bases) {
    if (b.pinned) continue;
    const pin = b.digest
      ? `pin it as ${b.reference.replace(/:[^:/@]+$/, '')}${b.tag ? `:${b.tag}` : ''}@${b.digest}`
      : `its digest is unknown (${b.problem ?? 'not resolved'})`;
    findings.push({
      severity: requirePinned ? 'error' : 'warning',
      message: `FROM ${b.reference} is not pinned by digest: ${pin}${requirePinned ? ' (require-pinned-base: true)' : ''}`,
      file,
      line: b.line,
      rule: 'unpinned-base-image',
    });
  }
  return findings;
}
