import { existsSync } from 'node:fs';
import { ConfigurationError, ToolError } from '../core/errors.js';
import { probeVersion } from '../core/version.js';
import { PROMETHEUS_DEFAULT_VERSION } from './catalog.js';
import { installTool } from './installer.js';
import { findOnPath, isCommandName } from './promtool.js';
import type { Logger } from '../core/log.js';

export interface PrometheusLocation {
  /** prometheus-path input: a path (absolute, or resolved against the workspace) or a command name looked up on searchPath. */
  path: string;
  /** prometheus-version input: a version pinned in the tool catalog. */
  version: string;
  mirrorUrl: string;
  searchPath: string;
  tempDir: string;
  log: Logger;
}

/**
 * The Prometheus server that runs the drill: prometheus-path when given (the explicit way to run a
 * preinstalled, unverified one, e.g. a distribution package), otherwise the pinned release
 * archive, sha256-verified before it is unpacked. One on PATH is never picked silently.
 */
export async function locatePrometheus(location: PrometheusLocation): Promise<{ path: string; source: 'prometheus-path' | 'PATH' | 'installed' }> {
  if (location.path && isCommandName(location.path)) {
    const found = findOnPath(location.path, location.searchPath);
    if (!found) {
      throw new ConfigurationError(
        `input "prometheus-path" is the command name ${JSON.stringify(location.path)}, but no executable of that name is on PATH: install Prometheus in an earlier step, give its path, or leave prometheus-path empty for the pinned, verified Prometheus ${location.version || PROMETHEUS_DEFAULT_VERSION}`,
      );
    }
    return { path: found, source: 'PATH' };
  }
  if (location.path) {
    if (!existsSync(location.path))
      throw new ConfigurationError(
        `input "prometheus-path" names ${JSON.stringify(location.path)}, which does not exist: give the path of a prometheus executable, or leave it empty`,
      );
    return { path: location.path, source: 'prometheus-path' };
  }
  const version = location.version || PROMETHEUS_DEFAULT_VERSION;
  try {
    const installed = await installTool({
      tool: 'prometheus',
      version,
      ...(location.mirrorUrl ? { mirrorUrl: location.mirrorUrl } : {}),
      tempDir: location.tempDir,
      log: location.log,
    });
    return { path: installed.path, source: 'installed' };
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    throw new ToolError(
      `the pinned Prometheus ${version} could not be installed: ${(error as Error).message} (to run a Prometheus the workflow installed, set prometheus-path)`,
    );
  }
}

/** `prometheus, version 2.42.0+ds (branch: ...)` -> 2.42.0+ds */
export function parsePrometheusVersion(text: string): string {
  return /prometheus,? version (\S+)/i.exec(text)?.[1] ?? '';
}

/** `prometheus --version`; a Prometheus that cannot even say its version cannot run the drill. */
export async function prometheusVersion(path: string): Promise<string> {
  let answer;
  try {
    answer = await probeVersion({ command: path }, parsePrometheusVersion);
  } catch (error) {
    throw new ToolError(`${path} --version could not be started: ${(error as Error).message}`);
  }
  const { version, result } = answer;
  if ((result && result.exitCode !== 0) || version === '') {
    throw new ToolError(
      `${path} --version did not name a Prometheus version (exit ${result?.exitCode}): ${`${result?.stderr ?? ''}${result?.stdout ?? ''}`.trim().slice(0, 300)}`,
    );
  }
  return version;
}
