/**
 * The gitleaks executable a secrets scan runs: the one named by `gitleaks-path`, or the version
 * pinned (with sha256 sums) in the tool catalog, installed and verified by the installer. The
 * gate receives the resolved path; an install that fails is a ToolError (the gate could not
 * judge, and nothing unverified ran); a bad input is a ConfigurationError naming it.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigurationError, errorMessage, ToolError } from '../core/errors.js';
import { GITLEAKS_DEFAULT_VERSION, TOOL_CATALOG } from './catalog.js';
import { checkMirrorUrl, installTool, type InstallRequest } from './installer.js';
import type { Logger } from '../core/log.js';

export { GITLEAKS_DEFAULT_VERSION };

/** `mirror-url`: checked by the installer's rule (http(s), no credentials, never echoed). */
export function mirrorUrlInput(value: string): string | undefined {
  return value === '' ? undefined : checkMirrorUrl(value);
}

/** `gitleaks-version`: one of the versions pinned (with sha256 sums) in the tool catalog. */
export function gitleaksVersionInput(value: string): string {
  const pinned = Object.keys(TOOL_CATALOG.gitleaks?.versions ?? {});
  const version = value.replace(/^v/, '');
  if (!pinned.includes(version)) {
    throw new ConfigurationError(
      `input "gitleaks-version" is ${JSON.stringify(value.slice(0, 40))}, which is not pinned in release-safety's tool catalog: use ${pinned.join(' or ')} (pinned versions), or install gitleaks yourself and set "gitleaks-path"`,
    );
  }
  return version;
}

export interface GitleaksRequest {
  /** `gitleaks-path`: '' to install the pinned version. */
  path: string;
  /** `gitleaks-version`. */
  version: string;
  /** `mirror-url`: '' for the release downloads. */
  mirrorUrl: string;
  /** Relative `path` values are resolved against it. */
  workspace: string;
  tempDir: string;
  log: Logger;
  /** Adds the install directory to PATH for later steps. */
  addPath: (dir: string) => void;
}

/** What installTool is asked for: validated inputs, and the install directory added to PATH for later steps. */
export function gitleaksInstallRequest(req: Pick<GitleaksRequest, 'version' | 'mirrorUrl' | 'tempDir' | 'log' | 'addPath'>): InstallRequest {
  const mirrorUrl = mirrorUrlInput(req.mirrorUrl);
  return {
    tool: 'gitleaks',
    version: gitleaksVersionInput(req.version),
    ...(mirrorUrl ? { mirrorUrl } : {}),
    tempDir: req.tempDir,
    log: req.log,
    addPath: req.addPath,
  };
}

/** The gitleaks to run: the override when given, else the pinned install. */
export async function resolveGitleaks(req: GitleaksRequest): Promise<string> {
  // Checked whether or not it is used: a URL with credentials in a workflow is a mistake either way.
  mirrorUrlInput(req.mirrorUrl);
  if (req.path !== '') {
    const path = isAbsolute(req.path) ? req.path : resolve(req.workspace, req.path);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new ConfigurationError(
        `input "gitleaks-path" names ${JSON.stringify(req.path)}, which is not a file: give the path of an installed gitleaks executable, or leave it empty to install the pinned version`,
      );
    }
    return path;
  }
  const request = gitleaksInstallRequest(req);
  try {
    const installed = await req.log.group(`install gitleaks ${request.version}`, () => installTool(request));
    return installed.path;
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    throw new ToolError(`gitleaks ${req.version} could not be installed: ${errorMessage(error)}`);
  }
}
