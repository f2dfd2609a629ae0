import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { evidenceSchema } from '../../src/core/evidence.js';
import type { ActionRun } from '../../src/local/harness.js';

export { copySampleService, scratchSampleService } from '../../src/local/sample-service.js';

/** The evidence record a gate run wrote, validated; the run's stdout tail names what went wrong when there is none. */
export function evidenceOf(run: ActionRun) {
  const path = run.outputs['evidence-path'];
  expect(path, `evidence-path output; stdout:\n${run.stdout.slice(-3000)}`).toBeTruthy();
  return evidenceSchema.parse(JSON.parse(readFileSync(path!, 'utf8')));
}
