/** sha256 in the three spellings the suite uses: hex, an OCI digest, and a file's hex hash. */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `sha256:<hex>`, the form OCI registries and manifests name content by. */
export function sha256Digest(data: string | Uint8Array): string {
  return `sha256:${sha256Hex(data)}`;
}

/** For small files (configs, records); large ones (archives) go through sha256OfFile. */
export function sha256FileSync(path: string): string {
  return sha256Hex(readFileSync(path));
}

/** Streams the file, so a tool archive of any size is hashed in constant memory. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}
