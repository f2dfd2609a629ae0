/**
 * Registry operations beyond manifests: blob existence, monolithic blob upload, cross-repository
 * blob mount, and the OCI 1.1 referrers API. Every blob pushed is addressed by the sha256 of its
 * bytes; every referrers index read is validated.
 */
import { z } from 'zod';
import { RegistryError, sha256Digest, type RegistryClient } from './client.js';
import { DIGEST_PATTERN, MEDIA_TYPES } from './reference.js';

function checkDigest(digest: string): void {
  if (!DIGEST_PATTERN.test(digest)) throw new RegistryError(`digest ${JSON.stringify(digest)} is not sha256:<64 hex>`, 'protocol');
}

async function fail(res: Response, what: string): Promise<never> {
  const text = (await res.text().catch(() => '')).slice(0, 300);
  throw new RegistryError(`${what}: HTTP ${res.status} ${text}`.trim(), res.status === 404 ? 'not-found' : 'protocol', res.status);
}

export async function hasBlob(client: RegistryClient, repository: string, digest: string): Promise<boolean> {
  checkDigest(digest);
  const what = `checking the blob ${client.registry}/${repository}@${digest}`;
  const res = await client.call('HEAD', `/v2/${repository}/blobs/${digest}`, { repository, what });
  await res.body?.cancel();
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  return fail(res, what);
}

/** The upload URL's path and query, which must stay on the registry's own origin (credentials go with it). */
function uploadPath(client: RegistryClient, location: string | null, what: string): string {
  if (!location) throw new RegistryError(`${what}: the registry answered without an upload Location`, 'protocol');
  const url = new URL(location, client.baseUrl);
  if (url.origin !== new URL(client.baseUrl).origin)
    throw new RegistryError(`${what}: the upload Location points at another origin (${url.origin})`, 'protocol');
  return `${url.pathname}${url.search}`;
}

/** Uploads a small blob in one PUT unless the repository has it already; returns its digest. */
export async function pushBlob(client: RegistryClient, repository: string, bytes: Buffer): Promise<string> {
  const digest = sha256Digest(bytes);
  if (await hasBlob(client, repository, digest)) return digest;
  const what = `uploading the blob ${client.registry}/${repository}@${digest}`;
  const started = await client.call('POST', `/v2/${repository}/blobs/uploads/`, {
    repository,
    actions: ['pull', 'push'],
    what,
    headers: { 'content-length': '0' },
  });
  if (started.status !== 202) return fail(started, what);
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
  if (done.status !== 201) return fail(done, what);
  await done.body?.cancel();
  return digest;
}

/**
 * Mounts a blob from another repository of the same registry without transferring it. Returns
 * false when the registry declined the mount (it then opened an upload, which is cancelled).
 */
export async function mountBlob(client: RegistryClient, repository: string, digest: string, from: string): Promise<boolean> {
  checkDigest(digest);
  if (await hasBlob(client, repository, digest)) return true;
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

const descriptorSchema = z.object({
  mediaType: z.string().max(300),
  digest: z.string().regex(DIGEST_PATTERN, 'sha256:<64 hex>'),
  size: z.number().int().nonnegative(),
  artifactType: z.string().max(300).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type IndexDescriptor = z.infer<typeof descriptorSchema>;

export const referrersIndexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.literal(MEDIA_TYPES.ociIndex).optional(),
  manifests: z.array(descriptorSchema).max(10_000),
});

export function parseReferrersIndex(bytes: Buffer, source: string): IndexDescriptor[] {
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new RegistryError(`${source} is not JSON: expected an OCI image index of referrers`, 'protocol');
  }
  const result = referrersIndexSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new RegistryError(
      `${source} is not an OCI image index of referrers: field "${issue?.path.join('.') || '(root)'}" ${issue?.message ?? ''}`.trim(),
      'protocol',
    );
  }
  return result.data.manifests;
}

/**
 * The referrers API (GET /v2/<name>/referrers/<digest>). Returns undefined when the registry has
 * no such API (404, as the distribution spec says such a registry answers), else the descriptors,
 * filtered here by artifactType whether or not the registry filtered.
 */
export async function listReferrers(client: RegistryClient, repository: string, digest: string, artifactType?: string): Promise<IndexDescriptor[] | undefined> {
  checkDigest(digest);
  const what = `listing the referrers of ${client.registry}/${repository}@${digest}`;
  const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
  const res = await client.call('GET', `/v2/${repository}/referrers/${digest}${query}`, { repository, what, headers: { accept: MEDIA_TYPES.ociIndex } });
  if (res.status === 404) {
    await res.body?.cancel();
    return undefined;
  }
  if (res.status !== 200) return fail(res, what);
  const bytes = Buffer.from(await res.arrayBuffer());
  if (bytes.length > 4 * 1024 * 1024) throw new RegistryError(`${what}: the index is more than 4 MiB`, 'protocol');
  const all = parseReferrersIndex(bytes, `the referrers index of ${digest}`);
  return artifactType ? all.filter((d) => d.artifactType === artifactType) : all;
}
