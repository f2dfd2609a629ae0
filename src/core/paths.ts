import { existsSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ConfigurationError } from './errors.js';

/** Resolves a directory input against the workspace; it must exist and stay inside it. */
export function resolveDirectoryInput(input: string, value: string, workspace: string): string {
  const dir = isAbsolute(value) ? value : resolve(workspace, value);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ConfigurationError(`input "${input}" names ${JSON.stringify(value)}, which is not a directory: give a directory relative to the repository root`);
  }
  const rel = relative(workspace, dir);
  if (!isAbsolute(value) && (rel.startsWith('..') || isAbsolute(rel))) {
    throw new ConfigurationError(`input "${input}" names ${JSON.stringify(value)}, which is outside the repository: give a directory relative to the repository root`);
  }
  return dir;
}

/**
 * Resolves a file input against the workspace, as resolveDirectoryInput does for directories: it
 * must be a file, and a relative value must not lead out of the repository (an absolute path is
 * taken as written). `what` names the file in messages ("Dockerfile path").
 */
export function resolveFileInput(input: string, value: string, workspace: string, what = 'file path'): string {
  const file = isAbsolute(value) ? value : resolve(workspace, value);
  const rel = relative(workspace, file);
  if (!isAbsolute(value) && (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))) {
    throw new ConfigurationError(`input "${input}" names ${JSON.stringify(value)}, which is outside the repository: give the ${what} relative to the repository root`);
  }
  if (!existsSync(file)) {
    throw new ConfigurationError(`input "${input}" names ${JSON.stringify(value)}, which does not exist: give the ${what} relative to the repository root`);
  }
  if (!statSync(file).isFile()) {
    throw new ConfigurationError(`input "${input}" names ${JSON.stringify(value)}, which is not a file: give the ${what} relative to the repository root`);
  }
  return file;
}
