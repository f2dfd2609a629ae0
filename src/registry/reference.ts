import { isIP } from 'node:net';

/** Manifest media types the suite reads; every one goes into Accept so no registry converts. */
export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

export const MANIFEST_ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest];

export const INDEX_MEDIA_TYPES: readonly string[] = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList];

/** The tag grammar of the distribution spec. */
export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
const REPOSITORY_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

export interface ImageName {
  /** host[:port] as written (docker.io for Docker Hub). */
  registry: string;
  /** Path inside the registry, e.g. acme/service (library/x for official Docker Hub images). */
  repository: string;
}

export function isValidTag(tag: string): boolean {
  return TAG_PATTERN.test(tag);
}

/**
 * Parses "registry/repository" (no tag, no digest). A first component with a dot, a colon or
 * "localhost" is the registry; otherwise Docker Hub, as docker does.
 */
export function parseImageName(value: string): ImageName {
  const trimmed = value.trim();
  if (trimmed === '') throw new Error('is empty');
  if (/[@\s]/.test(trimmed)) throw new Error('must not contain "@" or spaces: give registry/repository without a digest');
  const parts = trimmed.split('/');
  let registry = 'docker.io';
  if (parts.length > 1 && (parts[0]!.includes('.') || parts[0]!.includes(':') || parts[0] === 'localhost')) {
    registry = parts.shift()!;
  }
  const last = parts[parts.length - 1]!;
  if (last.includes(':')) throw new Error('must not contain a tag: give registry/repository and put tags in the tags input');
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  for (const part of parts) {
    if (!REPOSITORY_COMPONENT.test(part)) {
      throw new Error(`has an invalid repository component ${JSON.stringify(part)}: lower-case letters, digits and single separators (. _ -)`);
    }
  }
  if (!/^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/.test(registry)) {
    throw new Error(`has an invalid registry host ${JSON.stringify(registry)}`);
  }
  const repository = parts.join('/');
  if (repository.length > 255) throw new Error('has a repository name longer than 255 characters');
  return { registry, repository };
}

export function imageNameToString(name: ImageName): string {
  return `${name.registry}/${name.repository}`;
}

/** The host without its port, brackets removed for IPv6. */
export function hostOf(registry: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(registry);
  if (m) return m[1]!;
  return registry.replace(/:\d+$/, '');
}

export function isLoopbackRegistry(registry: string): boolean {
  const host = hostOf(registry).toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

/** The API endpoint of a registry name (Docker Hub's API host differs from its name). */
export function registryApiHost(registry: string): string {
  return registry === 'docker.io' || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
}
