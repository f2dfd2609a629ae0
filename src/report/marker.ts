/**
 * The hidden marker that makes the PR comment sticky, with the state that orders runs: the run id,
 * its attempt and the head SHA. GitHub hands out increasing run ids, and a re-run keeps its id with
 * a higher attempt, so (runId, runAttempt) orders two reports of one workflow: an older run that
 * finishes late never overwrites a newer one. Only digits and hex are written, so the HTML
 * comment cannot be closed early by anything in it.
 */
export const MARKER_PREFIX = '<!-- release-safety:evidence ';

export interface MarkerState {
  runId: number;
  runAttempt: number;
  headSha: string;
}

export function renderMarker(state: MarkerState): string {
  return `${MARKER_PREFIX}run=${state.runId} attempt=${state.runAttempt} sha=${state.headSha} -->`;
}

/** The state of a body that starts with our marker; undefined for anything else (a quote, an edit). */
export function parseMarker(body: string): MarkerState | undefined {
  const m = /^<!-- release-safety:evidence run=(\d{1,20}) attempt=(\d{1,6}) sha=([0-9a-f]{40}) -->/.exec(body);
  if (!m) return undefined;
  return { runId: Number(m[1]), runAttempt: Number(m[2]), headSha: m[3]! };
}

/** Negative when a is older than b, zero when they are the same run attempt. */
export function compareRuns(a: MarkerState, b: MarkerState): number {
  return a.runId - b.runId || a.runAttempt - b.runAttempt;
}
