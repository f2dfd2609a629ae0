/** What the secrets end-to-end files share: the engine and one way to run the bundle. */
import { join } from 'node:path';
import { REPO_ROOT, runAction, type ActionRun, type RunOptions } from '../../src/local/harness.js';

/** The real gitleaks v8.28.0 engine (WebAssembly build: dir and stdin modes, no git). */
export const GITLEAKS = join(REPO_ROOT, 'node_modules', '.bin', 'gitleaks');

/** The secrets bundle as the runner runs it; its run directories go with the file's scratch cleanup. */
export function runSecrets(options: RunOptions): Promise<ActionRun> {
  return runAction('secrets', options);
}
