import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './harness.js';
import { scratchDir } from './scratch.js';

/** Copies sample-service into `dir` (its node_modules linked, not copied); returns the copy's path. */
export function copySampleService(dir: string): string {
  const service = join(dir, 'sample-service');
  const source = join(REPO_ROOT, 'sample-service');
  cpSync(source, service, {
    recursive: true,
    filter: (src) => !/[/\\](node_modules|reports|dist)([/\\]|$)/.test(src.slice(source.length)),
  });
  symlinkSync(join(source, 'node_modules'), join(service, 'node_modules'), 'dir');
  return service;
}

/**
 * A scratch workspace holding a copy of sample-service, so a test or the demo can break it
 * without touching the repository.
 */
export function scratchSampleService(prefix = 'rs-ws-'): { workspace: string; service: string } {
  const workspace = scratchDir(prefix);
  return { workspace, service: copySampleService(workspace) };
}
