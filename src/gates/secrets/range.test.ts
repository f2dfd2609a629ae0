import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../core/errors.js';
import { planScan } from './range.js';

const H = '1'.repeat(40);
const B = '2'.repeat(40);

describe('planScan', () => {
  it('pull requests and merge groups scan base..head, every commit', () => {
    for (const eventName of ['pull_request', 'pull_request_target', 'merge_group']) {
      expect(planScan('auto', { eventName, headSha: H, baseSha: B })).toMatchObject({ kind: 'commits', revs: [H, `^${B}`], requireBase: B, head: H });
    }
  });

  it('a push scans before..after', () => {
    expect(planScan('auto', { eventName: 'push', headSha: H, baseSha: B, ref: 'refs/heads/x', defaultBranch: 'main' })).toMatchObject({ revs: [H, `^${B}`] });
  });

  it('a new branch scans what the default branch lacks; the first push of the default branch scans history', () => {
    const ev = { eventName: 'push', headSha: H, created: true, ref: 'refs/heads/feature', defaultBranch: 'main' };
    expect(planScan('auto', ev)).toMatchObject({ revs: [H, '^refs/remotes/origin/main'], requireRef: 'refs/remotes/origin/main' });
    expect(planScan('auto', { ...ev, ref: 'refs/heads/main' })).toMatchObject({ revs: [H] });
  });

  it('a new branch without a usable default branch name is a configuration error', () => {
    expect(() => planScan('auto', { eventName: 'push', headSha: H, created: true, ref: 'refs/heads/f', defaultBranch: '--output=/tmp/x' })).toThrow(
      ConfigurationError,
    );
  });

  it('schedule and workflow_dispatch scan the history; scope: range there is a configuration error naming the input', () => {
    expect(planScan('auto', { eventName: 'schedule', headSha: H })).toMatchObject({ kind: 'commits', revs: [H] });
    expect(() => planScan('range', { eventName: 'workflow_dispatch', headSha: H })).toThrow(/input "scope" is range/);
  });

  it('scope: tree and a deleted branch', () => {
    expect(planScan('tree', { eventName: 'pull_request', headSha: H, baseSha: B }).kind).toBe('tree');
    expect(planScan('auto', { eventName: 'push', headSha: '0'.repeat(40), baseSha: B }).kind).toBe('nothing');
  });
});
