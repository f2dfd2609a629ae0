import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, sep } from 'node:path';
import { ConfigurationError, errorMessage, ToolError } from '../core/errors.js';
import { clamp } from '../core/evidence.js';
import { PROMTOOL_DEFAULT_VERSION } from './catalog.js';
import { installTool } from './installer.js';
import type { Logger } from '../core/log.js';

/** How the rules action asks for promtool: its promtool-path, promtool-version and mirror-url inputs. */
export interface PromtoolRequest {
  /**
   * promtool-path input: a path (absolute, or already resolved against the workspace) of a promtool
   * the workflow installed, or a bare command name such as "promtool", looked up on searchPath.
   */
  path: string;
  /** promtool-version input: a version pinned in the tool catalog, installed and verified. */
  version: string;
  mirrorUrl: string;
  /** The PATH a bare promtool-path is looked up on. */
  searchPath: string;
  /** Called with the directory of an installed promtool (the action puts it on PATH for later steps). */
  addPath?: (dir: string) => void;
  /** Where the download goes (RUNNER_TEMP): not a gate's scratch directory, the tool stays for later steps. */
  tempDir: string;
  log: Logger;
}

/** A promtool ready to run. */
export interface ResolvedPromtool {
  path: string;
  source: 'promtool-path' | 'PATH' | 'installed';
  /** Known without asking for an installed promtool (its verified archive is pinned as this version). */
  version?: string;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function findOnPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** "promtool" (a command name to look up on PATH), as opposed to "./promtool" or "bin/promtool". */
export function isCommandName(value: string): boolean {
  return value !== '' && !value.includes('/') && !value.includes(sep) && value !== '.' && value !== '..';
}

/**
 * Which promtool runs: promtool-path when given (a path, or a command name looked up on PATH:
 * the explicit way to use an unverified, preinstalled promtool); otherwise the pinned,
 * checksum-verified download of promtool-version, or of the catalog's default version. A promtool
 * that merely happens to be on PATH is never picked silently: its version would be whatever the
 * runner image carries. A bad input is a ConfigurationError; a failed install a ToolError.
 */
export async function acquirePromtool(request: PromtoolRequest): Promise<ResolvedPromtool> {
  if (request.path && isCommandName(request.path)) {
    const onPath = findOnPath(request.path, request.searchPath);
    if (!onPath) {
      throw new ConfigurationError(
        `input "promtool-path" is the command name ${JSON.stringify(request.path)}, but no executable of that name is on PATH: install promtool in an earlier step, give its path, or leave promtool-path empty to use the pinned, verified promtool ${request.version || PROMTOOL_DEFAULT_VERSION}`,
      );
    }
    return { path: onPath, source: 'PATH' };
  }
  if (request.path) {
    if (!existsSync(request.path))
      throw new ConfigurationError(
        `input "promtool-path" names ${JSON.stringify(request.path)}, which does not exist: give the path of a promtool executable, or leave it empty`,
      );
    if (!isExecutable(request.path))
      throw new ConfigurationError(
        `input "promtool-path" names ${JSON.stringify(request.path)}, which is not an executable file: give the path of a promtool executable`,
      );
    return { path: request.path, source: 'promtool-path' };
  }
  const version = request.version || PROMTOOL_DEFAULT_VERSION;
  try {
    const installed = await installTool({
      tool: 'promtool',
      version,
      ...(request.mirrorUrl ? { mirrorUrl: request.mirrorUrl } : {}),
      ...(request.addPath ? { addPath: request.addPath } : {}),
      tempDir: request.tempDir,
      log: request.log,
    });
    return { path: installed.path, source: 'installed', version: installed.version };
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    // Clamped: the message is the verdict line (at most 1,000 characters), and the hint must survive.
    throw new ToolError(
      `the pinned promtool ${version} could not be installed: ${clamp(errorMessage(error), 600)} (to run a promtool the workflow installed instead, set promtool-path, e.g. "promtool" to take it from PATH)`,
    );
  }
}
