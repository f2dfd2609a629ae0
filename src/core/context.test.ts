import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../local/scratch.js';
import { buildContext } from './context.js';

const HEAD = 'a'.repeat(40);
const BASE = 'b'.repeat(40);
const MERGE = 'c'.repeat(40);

const eventsDir = scratchDir('rs-ctx-');
afterAll(() => rmSync(eventsDir, { recursive: true, force: true }));
let eventCount = 0;

function envFor(eventName: string, payload: unknown, extra: Record<string, string> = {}) {
  const path = join(eventsDir, `event-${++eventCount}.json`);
  writeFileSync(path, typeof payload === 'string' ? payload : JSON.stringify(payload));
  return { GITHUB_EVENT_NAME: eventName, GITHUB_EVENT_PATH: path, GITHUB_REPOSITORY: 'acme/service', GITHUB_SHA: MERGE, GITHUB_RUN_ID: '99', ...extra };
}

const pr = (headRepo = 'acme/service') => ({
  number: 5,
  pull_request: {
    number: 5,
    head: { sha: HEAD, ref: 'feat', repo: { full_name: headRepo } },
    base: { sha: BASE, ref: 'main', repo: { full_name: 'acme/service' } },
  },
});

describe('buildContext', () => {
  it('pull_request: the subject is the PR head SHA, never the merge SHA', () => {
    const ctx = buildContext(envFor('pull_request', pr()));
    expect(ctx).toMatchObject({
      headSha: HEAD,
      baseSha: BASE,
      mergeSha: MERGE,
      prNumber: 5,
      isFork: false,
      runUrl: 'https://github.com/acme/service/actions/runs/99',
    });
  });

  it('pull_request_target from a fork: head SHA, fork flagged, no merge SHA', () => {
    const ctx = buildContext(envFor('pull_request_target', pr('stranger/service')));
    expect(ctx).toMatchObject({ headSha: HEAD, baseSha: BASE, isFork: true });
    expect(ctx.mergeSha).toBeUndefined();
  });

  it('push: before..after, new branches have no base, force pushes are flagged', () => {
    const push = { before: BASE, after: HEAD, ref: 'refs/heads/main', forced: true, repository: { default_branch: 'main' } };
    expect(buildContext(envFor('push', push))).toMatchObject({ headSha: HEAD, baseSha: BASE, forced: true, created: false, defaultBranch: 'main' });
    const created = buildContext(envFor('push', { ...push, before: '0'.repeat(40), forced: false }));
    expect(created.baseSha).toBeUndefined();
    expect(created.created).toBe(true);
  });

  it('merge_group, workflow_run, schedule and workflow_dispatch', () => {
    const mg = { merge_group: { head_sha: HEAD, base_sha: BASE, head_ref: 'gh-readonly-queue/main/pr-5', base_ref: 'refs/heads/main' } };
    expect(buildContext(envFor('merge_group', mg))).toMatchObject({ headSha: HEAD, baseSha: BASE });
    const wr = {
      workflow_run: {
        head_sha: HEAD,
        head_branch: 'feat',
        pull_requests: [{ number: 9, base: { sha: BASE } }],
        head_repository: { full_name: 'x/y' },
        repository: { full_name: 'acme/service' },
      },
    };
    expect(buildContext(envFor('workflow_run', wr))).toMatchObject({ headSha: HEAD, prNumber: 9, baseSha: BASE, isFork: true });
    expect(buildContext(envFor('schedule', {}))).toMatchObject({ headSha: MERGE, eventName: 'schedule' });
    expect(buildContext(envFor('workflow_dispatch', { inputs: {} }))).toMatchObject({ headSha: MERGE });
  });

  it('rejects malformed payloads and variables with a message naming the field', () => {
    expect(() => buildContext(envFor('pull_request', { number: 5, pull_request: { number: 5, head: { sha: 'nope' } } }))).toThrowError(
      /not a valid pull_request event: field "pull_request.head.sha"/,
    );
    expect(() => buildContext(envFor('push', 'not json'))).toThrowError(/is not JSON/);
    expect(() => buildContext(envFor('schedule', {}, { GITHUB_REPOSITORY: 'no-slash' }))).toThrowError(
      /GITHUB_REPOSITORY "no-slash" is not of the form owner\/name/,
    );
    expect(() => buildContext(envFor('schedule', {}, { GITHUB_SHA: 'abc' }))).toThrowError(/GITHUB_SHA "abc"/);
  });
});
