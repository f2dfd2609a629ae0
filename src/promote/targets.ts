/**
 * The promote action's references, validated before any request: `image` (registry/repository),
 * `from` (a tag or a sha256 digest), `to` (tags, or repository:tag in the same registry),
 * `expected-digest` and `release` (vMAJOR.MINOR.PATCH). Pure.
 */
import { ConfigurationError } from '../core/errors.js';
import { DIGEST_PATTERN, isValidTag, parseImageName, type ImageName } from '../registry/reference.js';
import type { PromotionTarget } from '../registry/promote.js';

export const RELEASE_PATTERN = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

export type SourceRef = { kind: 'tag'; tag: string } | { kind: 'digest'; digest: string };

export function parseImageInput(value: string): ImageName {
  try {
    return parseImageName(value);
  } catch (error) {
    throw new ConfigurationError(
      `input "image" ${(error as Error).message}: expected registry/repository, e.g. ghcr.io/acme/service (got ${JSON.stringify(value.slice(0, 200))})`,
    );
  }
}

export function parseSource(value: string): SourceRef {
  if (value.startsWith('sha256:')) {
    if (!DIGEST_PATTERN.test(value))
      throw new ConfigurationError(`input "from" is not a digest: expected sha256:<64 lower-case hex> or a tag (got ${JSON.stringify(value.slice(0, 200))})`);
    return { kind: 'digest', digest: value };
  }
  if (!isValidTag(value))
    throw new ConfigurationError(
      `input "from" is not a tag: expected [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} or sha256:<64 hex> (got ${JSON.stringify(value.slice(0, 200))})`,
    );
  return { kind: 'tag', tag: value };
}

/**
 * One entry of `to`: a tag of the image's own repository, or `repository:tag` naming another
 * repository of the same registry (`registry/repository:tag` with the same registry is accepted).
 */
export function parseTarget(entry: string, image: ImageName): PromotionTarget {
  const form = 'a tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}) or repository:tag in the same registry';
  const colon = entry.lastIndexOf(':');
  if (colon < 0) {
    if (!isValidTag(entry)) throw new ConfigurationError(`input "to" has ${JSON.stringify(entry.slice(0, 200))}, which is not ${form}`);
    return { repository: image.repository, tag: entry };
  }
  const tag = entry.slice(colon + 1);
  let name = entry.slice(0, colon);
  if (!isValidTag(tag) || name === '' || name.includes('@'))
    throw new ConfigurationError(`input "to" has ${JSON.stringify(entry.slice(0, 200))}, which is not ${form}`);
  if (name.startsWith(`${image.registry}/`)) name = name.slice(image.registry.length + 1);
  const first = name.split('/')[0]!;
  if (name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    throw new ConfigurationError(
      `input "to" has ${JSON.stringify(entry.slice(0, 200))}, which names another registry: promotion copies within ${image.registry} only`,
    );
  }
  let parsed: ImageName;
  try {
    parsed = parseImageName(`${image.registry}/${name}`);
  } catch (error) {
    throw new ConfigurationError(`input "to" has ${JSON.stringify(entry.slice(0, 200))}, whose repository ${(error as Error).message}: expected ${form}`);
  }
  if (parsed.registry !== image.registry || parsed.repository !== name) {
    throw new ConfigurationError(
      `input "to" has ${JSON.stringify(entry.slice(0, 200))}, which names another registry: promotion copies within ${image.registry} only`,
    );
  }
  return { repository: parsed.repository, tag };
}

export function parseTargets(entries: readonly string[], image: ImageName): PromotionTarget[] {
  if (entries.length === 0) throw new ConfigurationError('input "to" is empty: expected one or more tags, one a line or comma-separated');
  if (entries.length > 20) throw new ConfigurationError(`input "to" names ${entries.length} targets: at most 20`);
  const targets = entries.map((e) => parseTarget(e, image));
  const seen = new Set<string>();
  return targets.filter((t) => {
    const key = `${t.repository}:${t.tag}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function parseExpectedDigest(value: string): string | undefined {
  if (value === '') return undefined;
  if (!DIGEST_PATTERN.test(value))
    throw new ConfigurationError(`input "expected-digest" is not a digest: expected sha256:<64 lower-case hex> (got ${JSON.stringify(value.slice(0, 200))})`);
  return value;
}

export function parseRelease(value: string): string | undefined {
  if (value === '') return undefined;
  if (!RELEASE_PATTERN.test(value))
    throw new ConfigurationError(`input "release" is not a release tag: expected vMAJOR.MINOR.PATCH, e.g. v1.4.2 (got ${JSON.stringify(value.slice(0, 200))})`);
  return value;
}

/** The environment a deployment is recorded in: the first target's tag (prod, staging, ...). */
export function environmentOf(targets: readonly PromotionTarget[]): string {
  return targets[0]!.tag;
}
