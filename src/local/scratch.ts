/**
 * Scratch folders for the demo and the tests, registered so they are removed again: a test file
 * removes its own after it ends (src/local/vitest-cleanup.ts), the demo when it finishes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created = new Set<string>();

/** A new folder under the system temp directory, named `<prefix>XXXXXX`, removed by removeScratchDirs. */
export function scratchDir(prefix = 'rs-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.add(dir);
  return dir;
}

/** Removes every scratch folder made so far (buildah's vfs layers included). */
export function removeScratchDirs(): void {
  for (const dir of created) {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    created.delete(dir);
  }
}
