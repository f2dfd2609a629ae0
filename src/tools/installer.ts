import { randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ConfigurationError, errorMessage } from '../core/errors.js';
import { sha256OfFile } from '../core/hash.js';
import { TOOL_CATALOG, type ToolAsset, type ToolCatalog, type ToolName } from './catalog.js';
import type { Logger } from '../core/log.js';

export interface InstallRequest {
  tool: ToolName;
  version: string;
  /** An internal artifact mirror holding the same archive file names. */
  mirrorUrl?: string;
  tempDir: string;
  log: Logger;
  /** Tests pass their own catalog; everyone else gets the pinned one. */
  catalog?: ToolCatalog;
  platform?: NodeJS.Platform;
  arch?: string;
  /** Called with the executable's directory once it is verified (the action adds it to PATH). */
  addPath?: (dir: string) => void;
}

export interface InstalledTool {
  path: string;
  version: string;
  fromCache: boolean;
  /** The verified archive hash. */
  sha256: string;
}

const CACHE_PREFIX = 'release-safety-';

export { sha256OfFile };

export function resolveAsset(catalog: ToolCatalog, tool: string, version: string, platform: string, arch: string): ToolAsset {
  const spec = catalog[tool];
  if (!spec) throw new ConfigurationError(`no pinned catalog entry for the tool "${tool}"`);
  const v = version.replace(/^v/, '');
  const versions = Object.keys(spec.versions);
  const byPlatform = spec.versions[v];
  if (!byPlatform) {
    throw new ConfigurationError(
      `${tool} version "${version}" is not pinned in release-safety's tool catalog (known: ${versions.join(', ') || 'none'}): use a known version, or install it yourself and pass its path`,
    );
  }
  const asset = byPlatform[`${platform}-${arch}`];
  if (!asset) {
    throw new ConfigurationError(
      `${tool} ${v} has no pinned download for ${platform}-${arch} (pinned: ${Object.keys(byPlatform).join(', ')}): install it yourself and pass its path`,
    );
  }
  return asset;
}

/** A mirror is an http(s) base URL without credentials (they would end up in logs). */
export function checkMirrorUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // The value is never echoed: it may hold the very credentials refused below.
    throw new ConfigurationError(
      'input "mirror-url" is not a URL: give an http(s) base URL that serves the release archives by file name, e.g. https://artifacts.example.com/tools',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError(`input "mirror-url" must be an http or https URL (got ${url.protocol})`);
  }
  if (url.username || url.password) {
    throw new ConfigurationError(
      'input "mirror-url" must not contain credentials: they would be printed in logs; use a mirror that needs none, or a network-level allow list',
    );
  }
  return value;
}

function assetUrl(asset: ToolAsset, mirrorUrl: string | undefined): string {
  if (!mirrorUrl) return asset.url;
  return `${mirrorUrl.replace(/\/+$/, '')}/${basename(new URL(asset.url).pathname)}`;
}

type ToolCache = typeof import('@actions/tool-cache');

/**
 * @actions/tool-cache (and the HTTP client under it) is loaded only when a tool is installed:
 * most runs pass a tool path or use no pinned tool, and its load would be paid on every start.
 */
const loadToolCache = (): Promise<ToolCache> => import('@actions/tool-cache');

/**
 * tool-cache keeps the runner's layout ($RUNNER_TOOL_CACHE/<name>/<version>/<arch> plus a
 * `.complete` marker) and needs both runner directories; outside a runner they default to
 * folders under the system temp directory.
 */
function ensureRunnerDirectories(tempDir: string): void {
  process.env.RUNNER_TOOL_CACHE ||= join(tmpdir(), 'release-safety-tool-cache');
  process.env.RUNNER_TEMP ||= tempDir;
}

/**
 * tool-cache retries 408, 429, 5xx and network errors (three attempts, 10 to 20 s apart) and no
 * other 4xx; its error is restated with the URL and status so the log says what failed.
 */
async function download(toolCache: ToolCache, url: string, dest: string): Promise<void> {
  try {
    await toolCache.downloadTool(url, dest);
  } catch (error) {
    const reason = error instanceof toolCache.HTTPError && error.httpStatusCode ? `HTTP ${error.httpStatusCode}` : errorMessage(error);
    rmSync(dest, { force: true });
    throw new Error(`download of ${url} failed: ${reason}`);
  }
}

async function extract(toolCache: ToolCache, archive: string, tempDir: string, asset: ToolAsset): Promise<string> {
  const dest = join(tempDir, `extract-${randomUUID()}`);
  try {
    await toolCache.extractTar(archive, dest, ['xz', '--no-same-owner']);
  } catch (error) {
    throw new Error(`tar could not unpack the verified archive: ${errorMessage(error)}`);
  }
  const exe = join(dest, asset.entry);
  if (!existsSync(exe) || !statSync(exe).isFile()) throw new Error(`the verified archive has no ${asset.entry}`);
  chmodSync(exe, 0o755);
  return exe;
}

/** A private copy of the cached archive when it still hashes to the pin; a tampered entry is removed. */
async function verifiedCacheHit(
  toolCache: ToolCache,
  req: InstallRequest,
  cacheName: string,
  version: string,
  arch: string,
  archiveName: string,
  pinned: string,
): Promise<string | undefined> {
  const cachedDir = toolCache.find(cacheName, version, arch);
  if (!cachedDir) return undefined;
  const cachedArchive = join(cachedDir, archiveName);
  const copy = join(req.tempDir, `cached-${randomUUID()}`);
  if (existsSync(cachedArchive)) copyFileSync(cachedArchive, copy);
  const actual = existsSync(copy) ? await sha256OfFile(copy) : 'missing';
  if (actual === pinned) return copy;
  rmSync(copy, { force: true });
  req.log.warning(`the cached ${req.tool} ${version} failed verification (sha256 ${actual}, pinned ${pinned}): discarded, downloading again`);
  rmSync(cachedDir, { recursive: true, force: true });
  rmSync(`${cachedDir}.complete`, { force: true });
  return undefined;
}

/**
 * Finds, downloads, verifies, caches and unpacks a pinned tool. The archive is what is cached
 * and it is re-hashed on every cache hit; the executable is always unpacked from an archive that
 * was just verified, so a tampered cache can neither be run nor pass as a hit.
 */
export async function installTool(req: InstallRequest): Promise<InstalledTool> {
  const catalog = req.catalog ?? TOOL_CATALOG;
  const platform = req.platform ?? process.platform;
  const arch = req.arch ?? process.arch;
  const spec = catalog[req.tool];
  const version = (req.version || spec?.defaultVersion || '').replace(/^v/, '');
  const asset = resolveAsset(catalog, req.tool, version, platform, arch);
  const archiveName = basename(new URL(asset.url).pathname);
  const cacheName = `${CACHE_PREFIX}${req.tool}`;
  mkdirSync(req.tempDir, { recursive: true });

  const mirror = req.mirrorUrl ? checkMirrorUrl(req.mirrorUrl) : undefined;
  ensureRunnerDirectories(req.tempDir);
  const toolCache = await loadToolCache();
  // Every archive is hashed and unpacked from a private copy: a cache entry shared with other
  // jobs cannot be swapped between the check and the use.
  let archive = await verifiedCacheHit(toolCache, req, cacheName, version, arch, archiveName, asset.sha256);
  const fromCache = archive !== undefined;
  if (!archive) {
    const url = assetUrl(asset, mirror);
    const downloaded = join(req.tempDir, `download-${randomUUID()}`);
    await req.log.group(`download ${req.tool} ${version}`, () => download(toolCache, url, downloaded));
    const actual = await sha256OfFile(downloaded);
    if (actual !== asset.sha256) {
      rmSync(downloaded, { force: true });
      throw new Error(`${archiveName} from ${url} does not match the pinned sha256 (expected ${asset.sha256}, got ${actual}): refusing to extract or run it`);
    }
    await toolCache.cacheFile(downloaded, archiveName, cacheName, version, arch);
    archive = downloaded;
  }
  let path: string;
  try {
    path = await extract(toolCache, archive, req.tempDir, asset);
  } finally {
    rmSync(archive, { force: true });
  }
  req.addPath?.(join(path, '..'));
  req.log.info(`${req.tool} ${version}: sha256 ${asset.sha256} verified${fromCache ? ' (from the tool cache)' : ''}`);
  return { path, version, fromCache, sha256: asset.sha256 };
}
