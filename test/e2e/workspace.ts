import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/local/harness.js';

/**
 * A scratch workspace holding a copy of sample-service (its node_modules linked, not copied),
 * so a test can break it without touching the repository.
 */
export function scratchSampleService(): { workspace: string; service: string } {
  const workspace = mkdtempSync(join(tmpdir(), 'rs-ws-'));
  const service = join(workspace, 'sample-service');
  const source = join(REPO_ROOT, 'sample-service');
  cpSync(source, service, {
    recursive: true,
    filter: (src) => !/[/\\](node_modules|reports|dist)([/\\]|$)/.test(src.slice(source.length)),
  });
  symlinkSync(join(source, 'node_modules'), join(service, 'node_modules'), 'dir');
  return { workspace, service };
}
