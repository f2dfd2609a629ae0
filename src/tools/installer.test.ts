import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../core/errors.js';
import { consoleLogger } from '../core/log.js';
import { scratchDir } from '../local/scratch.js';
import { installTool, resolveAsset } from './installer.js';
import type { ToolCatalog } from './catalog.js';
import type { AddressInfo } from 'node:net';

// tool-cache's own hook for its retry pause (10 to 20 s between attempts on a runner).
Object.assign(globalThis, { TEST_DOWNLOAD_TOOL_RETRY_MIN_SECONDS: 0, TEST_DOWNLOAD_TOOL_RETRY_MAX_SECONDS: 0 });

// A real tarball holding a fake "gitleaks" executable, served by a local HTTP server.
const work = scratchDir('rs-installer-');
const src = join(work, 'src');
mkdirSync(src);
writeFileSync(join(src, 'gitleaks'), '#!/bin/sh\necho "v8.99.0"\n', { mode: 0o755 });
const tarball = join(work, 'gitleaks_8.99.0_linux_x64.tar.gz');
execFileSync('tar', ['-czf', tarball, '-C', src, 'gitleaks']);
const good = readFileSync(tarball);
const flipped = Buffer.from(good);
flipped[flipped.length - 10]! ^= 0xff;
const sha = createHash('sha256').update(good).digest('hex');

let served: Buffer | 'status-404' | 'status-500' = good;
const requests: string[] = [];
let server: Server;
let base = '';

function catalog(): ToolCatalog {
  return {
    gitleaks: {
      defaultVersion: '8.99.0',
      versions: { '8.99.0': { 'linux-x64': { url: `${base}/releases/gitleaks_8.99.0_linux_x64.tar.gz`, sha256: sha, format: 'tar.gz', entry: 'gitleaks' } } },
    },
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (served === 'status-404') return void res.writeHead(404).end('no');
    if (served === 'status-500') return void res.writeHead(500).end('down');
    res.writeHead(200, { 'content-type': 'application/gzip' }).end(served);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(work, { recursive: true, force: true });
});

let toolCache = '';
beforeEach(() => {
  toolCache = mkdtempSync(join(work, 'cache-'));
  process.env.RUNNER_TOOL_CACHE = toolCache;
  served = good;
  requests.length = 0;
});

const request = (extra: Partial<Parameters<typeof installTool>[0]> = {}) => {
  const paths: string[] = [];
  return {
    paths,
    req: {
      tool: 'gitleaks' as const,
      version: '8.99.0',
      tempDir: mkdtempSync(join(work, 'tmp-')),
      log: consoleLogger(true),
      catalog: catalog(),
      platform: 'linux' as const,
      arch: 'x64',
      addPath: (d: string) => paths.push(d),
      ...extra,
    },
  };
};

const cachedArchive = () => join(toolCache, 'release-safety-gitleaks', '8.99.0', 'x64', 'gitleaks_8.99.0_linux_x64.tar.gz');

describe('installTool', () => {
  it('downloads, verifies, caches the archive, unpacks and adds the directory to PATH', async () => {
    const { req, paths } = request();
    const tool = await installTool(req);
    expect(tool).toMatchObject({ version: '8.99.0', fromCache: false, sha256: sha });
    expect(execFileSync(tool.path).toString().trim()).toBe('v8.99.0');
    expect(existsSync(cachedArchive())).toBe(true);
    expect(paths).toEqual([join(tool.path, '..')]);
    expect(requests).toEqual(['/releases/gitleaks_8.99.0_linux_x64.tar.gz']);
  });

  it('a cache hit is re-verified and needs no download', async () => {
    await installTool(request().req);
    const again = await installTool(request().req);
    expect(again.fromCache).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it('a flipped byte fails: nothing cached, nothing added to PATH, nothing extracted', async () => {
    served = flipped;
    const { req, paths } = request();
    await expect(installTool(req)).rejects.toThrowError(/does not match the pinned sha256 .*refusing to extract or run it/);
    expect(paths).toEqual([]);
    expect(existsSync(join(toolCache, 'release-safety-gitleaks'))).toBe(false);
    expect(readdirSync(req.tempDir)).toEqual([]);
  });

  it('a tampered cache entry is rejected, discarded and replaced by a verified download', async () => {
    await installTool(request().req);
    writeFileSync(cachedArchive(), flipped);
    const { req } = request();
    const tool = await installTool(req);
    expect(tool.fromCache).toBe(false);
    expect(requests).toHaveLength(2);
    expect(createHash('sha256').update(readFileSync(cachedArchive())).digest('hex')).toBe(sha);
  });

  it('a tampered cache entry with the download also failing is an error, never the tampered tool', async () => {
    await installTool(request().req);
    writeFileSync(cachedArchive(), flipped);
    served = 'status-404';
    await expect(installTool(request().req)).rejects.toThrowError(/HTTP 404/);
  });

  it('retries 5xx a bounded number of times and 4xx never', async () => {
    served = 'status-500';
    await expect(installTool(request().req)).rejects.toThrowError(/HTTP 500/);
    expect(requests).toHaveLength(3);
    requests.length = 0;
    served = 'status-404';
    await expect(installTool(request().req)).rejects.toThrowError(/HTTP 404/);
    expect(requests).toHaveLength(1);
  });

  it('a mirror serves the same file name and is verified the same way', async () => {
    const tool = await installTool(request({ mirrorUrl: `${base}/mirror/tools/` }).req);
    expect(tool.fromCache).toBe(false);
    expect(requests).toEqual(['/mirror/tools/gitleaks_8.99.0_linux_x64.tar.gz']);
  });

  it('a mirror URL with credentials, another scheme or no URL at all is a ConfigurationError naming the input', async () => {
    await expect(installTool(request({ mirrorUrl: `http://bob:tok3n@127.0.0.1:1/m` }).req)).rejects.toThrowError(
      /input "mirror-url" must not contain credentials/,
    );
    await expect(installTool(request({ mirrorUrl: 'file:///etc' }).req)).rejects.toThrowError(/input "mirror-url" must be an http or https URL/);
    await expect(installTool(request({ mirrorUrl: 'not a url' }).req)).rejects.toThrowError(/input "mirror-url" is not a URL/);
    expect(requests).toHaveLength(0);
  });

  it('leaves no archive copies behind in the temp dir, only the unpacked tool', async () => {
    const { req } = request();
    await installTool(req);
    await installTool(req);
    expect(readdirSync(req.tempDir).every((n) => n.startsWith('extract-'))).toBe(true);
  });

  it('an unknown version or platform is a ConfigurationError naming what is pinned', () => {
    expect(() => resolveAsset(catalog(), 'gitleaks', '1.0.0', 'linux', 'x64')).toThrowError(ConfigurationError);
    expect(() => resolveAsset(catalog(), 'gitleaks', '1.0.0', 'linux', 'x64')).toThrowError(/"1.0.0" is not pinned .*known: 8.99.0/);
    expect(() => resolveAsset(catalog(), 'gitleaks', 'v8.99.0', 'win32', 'x64')).toThrowError(/no pinned download for win32-x64 \(pinned: linux-x64\)/);
  });
});
