import { describe, expect, it } from 'vitest';
import { renderTimeline } from './timeline.js';

describe('renderTimeline', () => {
  it('draws traffic, pending and firing spans per scenario', () => {
    const text = renderTimeline([
      {
        name: 'errors: 5xx #1',
        startedAtMs: 2000,
        durationMs: 70_000,
        results: [
          {
            alert: 'A',
            scenario: 'errors',
            expected: 'fire',
            outcome: 'fired',
            pendingAfterMs: 3000,
            firingAfterMs: 63_000,
            resolvedAfterMs: 80_000,
            resolved: true,
          },
          { alert: 'B', scenario: 'errors', expected: 'silent', outcome: 'silent' },
          { alert: 'C', scenario: 'errors', expected: 'silent', outcome: 'silent', pendingAfterMs: 10_000 },
        ],
      },
    ]);
    expect(text.split('\n')).toEqual([
      'gantt',
      '  title Alert drill (mm:ss from the start of the drill)',
      '  dateFormat x',
      '  axisFormat %M:%S',
      '  section errors 5xx 1',
      '  traffic :done, 2000, 72000',
      '  A pending :active, 5000, 65000',
      '  A firing :crit, 65000, 82000',
      '  C pending :active, 12000, 72000',
    ]);
  });
});
