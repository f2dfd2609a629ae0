import { describe, expect, it } from 'vitest';
import { applySuppressions, judgeSecrets, type VerdictInput } from './judge.js';
import type { ExceptionEntry } from '../../core/exceptions.js';
import type { SecretFinding } from './report.js';

const base: VerdictInput = { range: 'abc..def', commitsScanned: 2, filesScanned: 3, skipped: [], open: 0, suppressed: 0, expired: [] };
const expiredEntry = { key: 'k', where: 'x.yml:3', owner: 'o', expires: '2020-01-01', reason: 'r' } as unknown as ExceptionEntry;

describe('judgeSecrets', () => {
  it.each<[string, Partial<VerdictInput>, string, RegExp]>([
    ['clean range', {}, 'pass', /^no secrets in abc\.\.def \(2 commit\(s\), 3 file\(s\)\)$/],
    ['clean with suppressions', { suppressed: 2 }, 'pass', /; 2 suppressed$/],
    ['open findings', { open: 1 }, 'fail', /^1 secret\(s\) found in abc\.\.def/],
    ['open findings and an expired exception', { open: 1, expired: [expiredEntry] }, 'fail', /expired exception\(s\): x\.yml:3/],
    [
      'unscanned content is never a pass',
      { skipped: [{ commit: 'c', path: 'a.bin', reason: 'r' }] },
      'error',
      /1 file\(s\) in abc\.\.def could not be scanned \(a\.bin\)/,
    ],
    [
      'findings and unscanned content: fail, and says so',
      { open: 1, skipped: [{ commit: 'c', path: 'a.bin', reason: 'r' }] },
      'fail',
      /1 skipped.*1 file\(s\) could not be scanned/,
    ],
    ['the scan could not run', { toolError: 'gitleaks exited 2', open: 3 }, 'error', /^secrets could not be scanned: gitleaks exited 2$/],
    ['nothing to scan', { nothingToScan: 'the branch was deleted' }, 'skipped', /^the branch was deleted$/],
  ])('%s', (_name, input, status, summary) => {
    const verdict = judgeSecrets({ ...base, ...input });
    expect(verdict.status).toBe(status);
    expect(verdict.summary).toMatch(summary);
  });
});

describe('applySuppressions', () => {
  const finding = (fingerprint: string): SecretFinding => ({
    rule: 'github-pat',
    description: 'GitHub token.',
    file: 'a.ts',
    startLine: 1,
    endLine: 1,
    startColumn: 1,
    endColumn: 2,
    commit: fingerprint.split(':')[0]!,
    fingerprint,
    entropy: 4,
    tags: [],
  });

  it('.gitleaksignore first, then the baseline; the rest stays open', () => {
    const r = applySuppressions(
      [finding('c1:a.ts:github-pat:1'), finding('c2:a.ts:github-pat:1'), finding('c3:a.ts:github-pat:1')],
      {
        ignore: new Set(['c1:a.ts:github-pat:1']),
        baseline: new Set(['c2:a.ts:github-pat:1']),
        exceptions: [],
      },
      new Date('2026-01-01'),
    );
    expect(r.reported.map((f) => f.suppression?.by ?? 'open')).toEqual(['gitleaksignore', 'baseline', 'open']);
    expect(r.open.map((f) => f.fingerprint)).toEqual(['c3:a.ts:github-pat:1']);
  });
});
