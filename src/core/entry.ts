/**
 * The start of every action bundle. On the runner it runs the action at once. The root action and
 * the CLI may load a gate's bundle before its turn (the next gate loads while the current one
 * runs, so its Node start and module evaluation overlap that work): they set START_SIGNAL_ENV and
 * write one line to the child's stdin when its turn comes. Until then the bundle has only
 * evaluated its modules; it reads no input, writes no file and starts no tool. End of stdin
 * without the line (the pipeline gave up the gate, or stdin was never a pipe) ends the process
 * without running anything.
 */
import { setFailed } from './runner.js';

export const START_SIGNAL_ENV = 'RELEASE_SAFETY_START_ON_STDIN';

/** Resolves true when a line arrived on stdin, false when stdin ended (or failed) without one. */
function startSignal(): Promise<boolean> {
  return new Promise((resolve) => {
    let signalled = false;
    process.stdin.on('data', () => (signalled = true));
    process.stdin.once('end', () => resolve(signalled));
    process.stdin.once('error', () => resolve(false));
  });
}

/** Runs `run` now, or on the start signal when the pipeline asked for one. `run` never rejects. */
export function startAction(run: () => Promise<void>): void {
  if (process.env[START_SIGNAL_ENV] !== '1') {
    void run();
    return;
  }
  // Not passed on to the action's inputs or the tools it starts.
  delete process.env[START_SIGNAL_ENV];
  void startSignal().then((signalled) => {
    if (signalled) return run();
    setFailed(`${START_SIGNAL_ENV} is set but no start signal came on stdin: the action did not run (the variable is for the release-safety pipeline only)`);
  });
}
