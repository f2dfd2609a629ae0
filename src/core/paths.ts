import { existsSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
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
