/**
 * The build-push-action style inputs of the image gate (secrets, build-contexts, cache-from and
 * cache-to, annotations), parsed into the typed shapes the builders' argv are made from. Pure:
 * every rule here is unit-tested on its output and its error message.
 */
import { ConfigurationError } from '../../core/errors.js';

/** A build secret: its id and where the builder reads it. The value itself never travels in argv. */
export type BuildSecret = { id: string; src: string } | { id: string; env: string };

const SECRET_ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function fields(line: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of line.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return new Map();
    map.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return map;
}

/**
 * `id=name,src=path` (a file) or `id=name,env=VAR` (an environment variable of the step), one per
 * line, the form buildah and buildx take after --secret. The line is never echoed in an error
 * (someone may have pasted the value itself): only its position.
 */
export function parseSecretLines(lines: readonly string[]): BuildSecret[] {
  const secrets: BuildSecret[] = [];
  lines.forEach((line, index) => {
    const f = fields(line);
    const id = f.get('id') ?? '';
    const src = f.get('src');
    const env = f.get('env');
    const known = [...f.keys()].every((k) => k === 'id' || k === 'src' || k === 'env' || k === 'type');
    const shape = `input "secrets" line ${index + 1} is not of the form id=<name>,src=<file> or id=<name>,env=<VARIABLE>`;
    if (
      !known ||
      !SECRET_ID.test(id) ||
      (src === undefined) === (env === undefined) ||
      (f.has('type') && f.get('type') !== 'file' && f.get('type') !== 'env')
    ) {
      throw new ConfigurationError(`${shape} (the line is not shown: it may hold the secret itself)`);
    }
    if (env !== undefined && !ENV_NAME.test(env)) throw new ConfigurationError(`${shape}: env= names an environment variable (letters, digits, _)`);
    if (src === '') throw new ConfigurationError(`${shape}: src= names a file`);
    if (secrets.some((s) => s.id === id))
      throw new ConfigurationError(`input "secrets" gives the id ${JSON.stringify(id)} twice: each secret needs its own id`);
    secrets.push(src !== undefined ? { id, src } : { id, env: env! });
  });
  return secrets;
}

/** The --secret value; src is the resolved absolute path. */
export function secretFlag(s: BuildSecret): string {
  return 'src' in s ? `id=${s.id},src=${s.src}` : `id=${s.id},env=${s.env}`;
}

export interface NamedContext {
  name: string;
  /** An absolute directory, or a docker-image:// / https:// location passed through as given. */
  value: string;
}

const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9_./:@-]*$/;
const REMOTE_CONTEXT = /^(?:docker-image|container-image|https?):\/\/\S+$/;

/**
 * `name=path` or `name=docker-image://ref` lines (build-push-action's build-contexts). A local
 * path goes through `resolveDirectory` (the workspace containment of every path input).
 */
export function parseBuildContexts(lines: readonly string[], resolveDirectory: (value: string) => string): NamedContext[] {
  return lines.map((line) => {
    const eq = line.indexOf('=');
    const name = eq > 0 ? line.slice(0, eq).trim() : '';
    const value = eq > 0 ? line.slice(eq + 1).trim() : '';
    if (!CONTEXT_NAME.test(name) || value === '') {
      throw new ConfigurationError(
        `input "build-contexts" has the line ${JSON.stringify(line.slice(0, 80))}: expected name=<directory> or name=docker-image://<image>, one per line`,
      );
    }
    return { name, value: REMOTE_CONTEXT.test(value) ? value : resolveDirectory(value) };
  });
}

/**
 * cache-from / cache-to. buildx takes its own forms (type=registry,ref=...; type=gha; ...) and
 * gets them as given. buildah takes one repository (no tag), where its --layers cache lives; the
 * buildx form type=registry,ref=<repo> is accepted too so one workflow suits both builders.
 */
export function buildahCacheRepository(values: readonly string[], input: 'cache-from' | 'cache-to'): string | undefined {
  if (values.length === 0) return undefined;
  if (values.length > 1)
    throw new ConfigurationError(`input "${input}" has ${values.length} entries: buildah takes one cache repository (registry/repository)`);
  const value = values[0]!;
  let ref = value;
  if (value.includes('=')) {
    const f = fields(value);
    if ((f.get('type') ?? 'registry') !== 'registry' || !f.get('ref')) {
      throw new ConfigurationError(
        `input "${input}" is ${JSON.stringify(value)}: buildah takes a registry repository (registry/repository, or type=registry,ref=registry/repository)`,
      );
    }
    ref = f.get('ref')!;
  }
  if (!/^[a-z0-9][a-z0-9._:-]*(?:\/[a-z0-9][a-z0-9._-]*)+$/.test(ref)) {
    throw new ConfigurationError(
      `input "${input}" names ${JSON.stringify(ref)}: expected registry/repository without a tag, in lower case (e.g. ghcr.io/acme/service-cache)`,
    );
  }
  return ref;
}
