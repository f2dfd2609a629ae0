/**
 * @cyclonedx/cyclonedx-npm, acquired at run time as the suite acquires every tool: a pinned
 * version, verified integrity, cached in RUNNER_TOOL_CACHE and re-verified on every hit. It is an
 * npm package, not a release archive, so the pin is a lockfile kept in this repository
 * (cyclonedx-npm.lock.json: every package with its registry sha512) and `npm ci` installs exactly
 * that, refusing any tarball whose hash differs. The cache entry records a hash over every file
 * installed; a hit that no longer matches is discarded and installed again.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ToolError, errorMessage } from '../core/errors.js';
import { describeExit, execTool, lastLines } from '../core/exec.js';
import { sha256FileSync, sha256Hex } from '../core/hash.js';
import lockfile from './cyclonedx-npm.lock.json' with { type: 'json' };
import type { Logger } from '../core/log.js';

export const CYCLONEDX_NPM_VERSION = '6.0.1';
/** The registry's integrity of @cyclonedx/cyclonedx-npm-6.0.1.tgz; the lockfile must agree. */
export const CYCLONEDX_NPM_INTEGRITY = 'sha512-/aU3bBC6qP6cV/qQ5SfUSygE/+2hQhwgg6sJML31/gZ96NyMvIUuwdk637H4z+LS/NryRT2kjR2wtD0qBEVVHQ==';
const PACKAGE = '@cyclonedx/cyclonedx-npm';
const CACHE_NAME = 'release-safety-cyclonedx-npm';

export interface CycloneDxInstallRequest {
  /** RUNNER_TOOL_CACHE (or a folder of the caller's when not on a runner). */
  toolCache: string;
  tempDir: string;
  log: Logger;
  timeoutMs: number;
}

export interface CycloneDxTool {
  /** The CLI script, run with node. */
  cli: string;
  version: string;
  fromCache: boolean;
}

/** sha256 over every file's relative path and content, in sorted order: what a cache hit must still be. */
export function treeDigest(dir: string): string {
  const lines: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) lines.push(`${relative(dir, path)}\0${sha256FileSync(path)}`);
      else if (entry.isSymbolicLink()) lines.push(`${relative(dir, path)}\0symlink`);
    }
  };
  walk(dir);
  return sha256Hex(lines.sort().join('\n'));
}

/** The pinned lockfile itself must name the pinned version and integrity: a stray edit stops here. */
export function checkPinnedLockfile(lock: unknown): void {
  const entry = (lock as { packages?: Record<string, { version?: string; integrity?: string }> }).packages?.[`node_modules/${PACKAGE}`];
  if (entry?.version !== CYCLONEDX_NPM_VERSION || entry.integrity !== CYCLONEDX_NPM_INTEGRITY) {
    throw new ToolError(`the pinned lockfile for ${PACKAGE} does not name ${CYCLONEDX_NPM_VERSION} with its pinned integrity: refusing to install it`);
  }
}

function cliIn(dir: string): string {
  return join(dir, 'node_modules', '@cyclonedx', 'cyclonedx-npm', 'bin', 'cyclonedx-npm-cli.js');
}

function installedVersion(dir: string): string {
  try {
    return (JSON.parse(readFileSync(join(dir, 'node_modules', '@cyclonedx', 'cyclonedx-npm', 'package.json'), 'utf8')) as { version?: string }).version ?? '';
  } catch {
    return '';
  }
}

function verifiedHit(dir: string, log: Logger): boolean {
  const marker = `${dir}.complete`;
  if (!existsSync(marker) || !existsSync(dir)) return false;
  let recorded = '';
  try {
    recorded = (JSON.parse(readFileSync(marker, 'utf8')) as { tree?: string }).tree ?? '';
  } catch {
    // An unreadable marker is a miss.
  }
  if (recorded !== '' && installedVersion(dir) === CYCLONEDX_NPM_VERSION && treeDigest(dir) === recorded) return true;
  log.warning(`the cached ${PACKAGE} ${CYCLONEDX_NPM_VERSION} failed verification (its files changed since it was installed): discarded, installing again`);
  rmSync(dir, { recursive: true, force: true });
  rmSync(marker, { force: true });
  return false;
}

/** Installs (or finds, verified) the pinned cyclonedx-npm; a ToolError when it cannot be obtained. */
export async function installCycloneDxNpm(req: CycloneDxInstallRequest): Promise<CycloneDxTool> {
  checkPinnedLockfile(lockfile);
  const dir = join(req.toolCache, CACHE_NAME, CYCLONEDX_NPM_VERSION, process.arch);
  if (verifiedHit(dir, req.log)) {
    req.log.info(`${PACKAGE} ${CYCLONEDX_NPM_VERSION}: the cached install verified (every file as installed)`);
    return { cli: cliIn(dir), version: CYCLONEDX_NPM_VERSION, fromCache: true };
  }
  const staging = join(req.tempDir, `cyclonedx-npm-${randomUUID()}`);
  mkdirSync(staging, { recursive: true });
  try {
    writeFileSync(
      join(staging, 'package.json'),
      `${JSON.stringify({ name: 'release-safety-cyclonedx-npm', private: true, dependencies: { [PACKAGE]: CYCLONEDX_NPM_VERSION } }, null, 2)}\n`,
    );
    writeFileSync(join(staging, 'package-lock.json'), `${JSON.stringify(lockfile, null, 2)}\n`);
    // npm ci installs exactly the lockfile and checks each tarball against its integrity; no
    // install scripts run, and the optional validators (a native XML library among them) are left out.
    const args = ['ci', '--omit=optional', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'];
    const r = await req.log.group(`install ${PACKAGE} ${CYCLONEDX_NPM_VERSION} (npm ci on the pinned lockfile)`, () =>
      execTool('npm', args, { cwd: staging, timeoutMs: req.timeoutMs }).catch((error: unknown) => {
        throw new ToolError(`npm could not be run to install ${PACKAGE}: ${errorMessage(error)}`);
      }),
    );
    if (r.exitCode !== 0 || r.timedOut || r.signal)
      throw new ToolError(`npm ci for ${PACKAGE} ${CYCLONEDX_NPM_VERSION} ${describeExit(r)}: ${lastLines(r.stderr || r.stdout, 3)}`);
    if (installedVersion(staging) !== CYCLONEDX_NPM_VERSION) throw new ToolError(`npm ci did not install ${PACKAGE} ${CYCLONEDX_NPM_VERSION}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    cpSync(staging, dir, { recursive: true, verbatimSymlinks: true });
    writeFileSync(`${dir}.complete`, JSON.stringify({ tree: treeDigest(dir), integrity: CYCLONEDX_NPM_INTEGRITY }));
    req.log.info(`${PACKAGE} ${CYCLONEDX_NPM_VERSION}: installed from the pinned lockfile (integrity ${CYCLONEDX_NPM_INTEGRITY.slice(0, 19)}...) and cached`);
    return { cli: cliIn(dir), version: CYCLONEDX_NPM_VERSION, fromCache: false };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
