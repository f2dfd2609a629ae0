/**
 * vitest globalSetup: the run gets a private temp directory (TMPDIR, inherited by the test
 * workers and every tool they start), and at the end whatever is still in it is named and
 * removed. `strict` fails the run when something was left behind.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Node's own module compile cache (vitest enables it): shared and reused by every run, not a leftover. */
const NOT_LEFTOVERS = new Set(['node-compile-cache']);

export function leftovers(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => !NOT_LEFTOVERS.has(name))
    .sort();
}

export function guardTempDirectory(label: string, strict: boolean): () => void {
  const previous = process.env.TMPDIR;
  const runTemp = mkdtempSync(join(tmpdir(), `rs-${label}-run-`));
  process.env.TMPDIR = runTemp;
  return () => {
    const left = leftovers(runTemp);
    rmSync(runTemp, { recursive: true, force: true, maxRetries: 3 });
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (left.length === 0) return;
    const message = `${label} tests left ${left.length} item(s) in the temp directory (removed now): ${left.slice(0, 20).join(', ')}${left.length > 20 ? ', ...' : ''}`;
    if (strict) throw new Error(`${message}; make them with scratchDir() from src/local/scratch.ts or remove them in afterAll`);
    console.warn(`warning: ${message}`);
  };
}
