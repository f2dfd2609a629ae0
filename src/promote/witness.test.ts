import { describe, expect, it } from 'vitest';
import { judgeCommitStatus } from './witness.js';

const sha = 'a'.repeat(40);
const digest = `sha256:${'b'.repeat(64)}`;
const status = (state: string, description: string, context = 'release-safety') => ({ state, description, context });

describe('the commit status as second witness of an unsigned attestation', () => {
  it.each([
    ['none at all', [], false, /has no "release-safety" commit status/],
    ['another context only', [status('success', `image ${digest}`, 'ci/other')], false, /has no "release-safety"/],
    ['failure', [status('failure', `fail; image ${digest}`)], false, /is failure, not success/],
    ['success for another digest', [status('success', `pass; image sha256:${'c'.repeat(64)}`)], false, /names sha256:c+, not/],
    ['success without a digest', [status('success', 'pass; no image digest')], false, /names no digest/],
    ['the newest decides: failure after success', [status('failure', `image ${digest}`), status('success', `image ${digest}`)], false, /is failure/],
    ['success naming the digest', [status('success', `pass: 7/7 required gates pass; image ${digest}`)], true, /is success and names/],
  ])('%s', (_name, statuses, ok, reason) => {
    const verdict = judgeCommitStatus(statuses, sha, digest);
    expect(verdict.ok).toBe(ok);
    expect(verdict.reason).toMatch(reason);
  });
});
