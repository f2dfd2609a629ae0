import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync, copyFileSync, chmodSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConfigurationError } from '../core/errors.js';
import { describeExit, execTool } from '../core/exec.js';
import type { Logger } from '../core/log.js';
import { TOOL_CATALOG, type ToolAsset, type ToolCatalog, type ToolName } from './catalog.js';

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
  /** Per attempt; downloads are retried twice on network errors and 5xx, never on 4xx. */
  timeoutMs?: number;
}

export interface InstalledTool {
  path: string;
  version: string;
  fromCache: boolean;
  /** The verified archive hash. */
  sha256: string;
}

const CACHE_PREFIX = 'release-safety-';

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

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
    throw new ConfigurationError(`${tool} ${v} has no pinned download for ${platform}-${arch} (pinned: ${Object.keys(byPlatform).join(', ')}): install it yourself and pass its path`);
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
    throw new ConfigurationError('input "mirror-url" is not a URL: give an http(s) base URL that serves the release archives by file name, e.g. https://artifacts.example.com/tools');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError(`input "mirror-url" must be an http or https URL (got ${url.protocol})`);
  }
  if (url.username || url.password) {
    throw new ConfigurationError('input "mirror-url" must not contain credentials: they would be printed in logs; use a mirror that needs none, or a network-level allow list');
  }
  return value;
}

function assetUrl(asset: ToolAsset, mirrorUrl: string | undefined): string {
  if (!mirrorUrl) return asset.url;
  return `${mirrorUrl.replace(/\/+$/, '')}/${basename(new URL(asset.url).pathname)}`;
}

async function download(url: string, dest: string, timeoutMs: number, log: Logger): Promise<void> {
  const attempts = 3;
  for (let attempt = 1; ; attempt++) {
    let retryable = false;
    try {
      const response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok || !response.body) {
        retryable = response.status >= 500 || response.status === 429;
        throw new Error(`HTTP ${response.status} ${response.statusText}`);
      }
      await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), createWriteStream(dest));
      return;
    } catch (error) {
      const message = (error as Error).message;
      // Network errors (no HTTP status) are retried like 5xx; 4xx are final.
      if (!/^HTTP \d/.test(message)) retryable = true;
      if (!retryable || attempt >= attempts) throw new Error(`download of ${url} failed: ${message}`);
      log.info(`download of ${url} failed (${message}); retry ${attempt} of ${attempts - 1}`);
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

/**
 * The runner's tool-cache layout ($RUNNER_TOOL_CACHE/<name>/<version>/<arch> plus a `.complete`
 * marker), so entries are shared with other actions' conventions and cacheable the same way.
 */
function toolCacheRoot(): string {
  return process.env.RUNNER_TOOL_CACHE || join(tmpdir(), 'release-safety-tool-cache');
}

function findCached(name: string, version: string, arch: string): string | undefined {
  const dir = join(toolCacheRoot(), name, version, arch);
  return existsSync(dir) && existsSync(`${dir}.complete`) ? dir : undefined;
}

function cacheFile(file: string, fileName: string, name: string, version: string, arch: string): string {
  const dir = join(toolCacheRoot(), name, version, arch);
  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}.complete`, { force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(file, join(dir, fileName));
  writeFileSync(`${dir}.complete`, '');
  return dir;
}

async function extract(archive: string, tempDir: string, asset: ToolAsset): Promise<string> {
  const dest = join(tempDir, `extract-${randomUUID()}`);
  mkdirSync(dest, { recursive: true });
  const r = await execTool('tar', ['-xzf', archive, '-C', dest, '--no-same-owner'], { timeoutMs: 120_000, installHint: 'tar is needed to unpack tools' });
  if (r.exitCode !== 0) throw new Error(`tar could not unpack the verified archive: ${describeExit(r)}: ${r.stderr.trim().slice(0, 300)}`);
  const exe = join(dest, asset.entry);
  if (!existsSync(exe) || !statSync(exe).isFile()) throw new Error(`the verified archive has no ${asset.entry}`);
  chmodSync(exe, 0o755);
  return exe;
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
  // Every archive is hashed and unpacked from a private copy: a cache entry shared with other
  // jobs cannot be swapped between the check and the use.
  let archive: string | undefined;
  let fromCache = false;
  const cachedDir = findCached(cacheName, version, arch);
  if (cachedDir) {
    const cachedArchive = join(cachedDir, archiveName);
    const copy = join(req.tempDir, `cached-${randomUUID()}`);
    if (existsSync(cachedArchive)) copyFileSync(cachedArchive, copy);
    const actual = existsSync(copy) ? await sha256OfFile(copy) : 'missing';
    if (actual === asset.sha256) {
      archive = copy;
      fromCache = true;
    } else {
      rmSync(copy, { force: true });
      req.log.warning(`the cached ${req.tool} ${version} failed verification (sha256 ${actual}, pinned ${asset.sha256}): discarded, downloading again`);
      rmSync(cachedDir, { recursive: true, force: true });
      rmSync(`${cachedDir}.complete`, { force: true });
    }
  }
  if (!archive) {
    const url = assetUrl(asset, mirror);
    const downloaded = join(req.tempDir, `download-${randomUUID()}`);
    await req.log.group(`download ${req.tool} ${version}`, () => download(url, downloaded, req.timeoutMs ?? 120_000, req.log));
    const actual = await sha256OfFile(downloaded);
    if (actual !== asset.sha256) {
      rmSync(downloaded, { force: true });
      throw new Error(`${archiveName} from ${url} does not match the pinned sha256 (expected ${asset.sha256}, got ${actual}): refusing to extract or run it`);
    }
    cacheFile(downloaded, archiveName, cacheName, version, arch);
    archive = downloaded;
  }
  let path: string;
  try {
    path = await extract(archive, req.tempDir, asset);
  } finally {
    rmSync(archive, { force: true });
  }
  req.addPath?.(join(path, '..'));
  req.log.info(`${req.tool} ${version}: sha256 ${asset.sha256} verified${fromCache ? ' (from the tool cache)' : ''}`);
  return { path, version, fromCache, sha256: asset.sha256 };
}
