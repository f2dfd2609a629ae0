/**
 * The release judgement as the promote bundle (dist/promote) applies it to a signed attestation:
 * a bundle whose records lie about themselves, come from another repository, are from 1999, or
 * whose image record says the image was never pushed is refused, with prod left where it was.
 * Each bundle here is correctly hashed and signed with the trusted key: only the judgement of
 * the records can refuse it. The control (the same bundle untouched) promotes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBundle, type EvidenceBundle } from '../../src/core/bundle.js';
import { GATES, type Evidence } from '../../src/core/evidence.js';
import { startGitHubApi, type GitHubApi } from '../../src/local/github-api.js';
import { randomSha } from '../../src/local/harness.js';
import { startRegistry, type LocalRegistry } from '../../src/local/registry.js';
import { RegistryClient } from '../../src/registry/client.js';
import { attachSigned, cleanupRuns, plainText, pushLabelImage, runPromote, skopeoDigest } from './promote-action-fixtures.js';
import { makeKeyPair, record } from './promote-fixtures.js';

const REPOSITORY = 'acme/service';

/** Every gate's passing record for `digest` at `rev`, then `alter` applied: hashed and bundled as the evidence action does. */
function alteredBundle(digest: string, rev: string, alter: (r: Evidence) => Evidence, repository = REPOSITORY): EvidenceBundle {
  const records = GATES.map((g) => alter(record(g, rev, { digest })));
  return createBundle(records, { repository, commitSha: rev, digest, verdict: 'pass', requiredGates: [...GATES], reasons: [] });
}

describe('promote action: the release judgement on signed attestations', () => {
  let registry: LocalRegistry;
  let api: GitHubApi;
  let client: RegistryClient;
  const keys = makeKeyPair();

  beforeAll(async () => {
    registry = await startRegistry();
    api = await startGitHubApi();
    client = new RegistryClient({ registry: registry.host });
  });
  afterAll(async () => {
    await api?.stop();
    await registry?.stop();
    cleanupRuns();
  });

  /** prod at an older image, ci at one labelled `rev` with the signed bundle attached; the promotion run. */
  async function promoteWith(repo: string, bundle: (digest: string, rev: string) => EvidenceBundle) {
    const rev = randomSha();
    const oldProd = await pushLabelImage(client, repo, 'prod', randomSha());
    await pushLabelImage(client, repo, 'ci', rev);
    await attachSigned(client, repo, 'ci', (d) => bundle(d, rev), keys.privateKey);
    const run = await runPromote({ image: `${registry.host}/${repo}`, 'public-key': keys.publicPem, 'github-token': 'ghs_write' }, { apiUrl: api.url });
    return { run, oldProd, prod: () => skopeoDigest(`${registry.host}/${repo}:prod`) };
  }

  async function expectRefused(repo: string, bundle: (digest: string, rev: string) => EvidenceBundle, reason: RegExp): Promise<void> {
    const { run, oldProd, prod } = await promoteWith(repo, bundle);
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(1);
    expect(run.stdout).toMatch(/promote: refused/);
    expect(run.stdout).toMatch(reason);
    expect(plainText(run.summary)).toMatch(reason);
    expect(prod()).toBe(oldProd);
    expect(run.outputs.image).toBe('');
  }

  it('the control: the untouched signed bundle promotes', async () => {
    const { run, prod } = await promoteWith('control', (d, rev) => alteredBundle(d, rev, (r) => r));
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    expect(prod()).toBe(run.outputs.digest);
  });

  it('a test record that says pass with 12 failed tests is refused, naming the gate', async () => {
    await expectRefused(
      'lying-metrics',
      (d, rev) => alteredBundle(d, rev, (r) => (r.gate === 'test' ? { ...r, metrics: { ...r.metrics, passed: 30, failed: 12, total: 42 } } : r)),
      /test says pass, but its metric failed is 12/,
    );
  });

  it('a lint record that says pass but carries an error finding is refused', async () => {
    const finding = { severity: 'error' as const, message: 'no-undef: x is not defined', file: 'src/a.ts', line: 3 };
    await expectRefused(
      'lying-findings',
      (d, rev) => alteredBundle(d, rev, (r) => (r.gate === 'lint' ? { ...r, findings: [finding], findingsTotal: 1 } : r)),
      /lint says pass, but carries an error finding/,
    );
  });

  it('a record about another repository is refused', async () => {
    await expectRefused(
      'other-repo',
      (d, rev) => alteredBundle(d, rev, (r) => (r.gate === 'secrets' ? { ...r, subject: { ...r.subject, repository: 'mallory/fork' } } : r)),
      /the secrets evidence is about mallory\/fork, not acme\/service/,
    );
  });

  it('a bundle about another repository (every record agreeing) is refused', async () => {
    await expectRefused(
      'other-bundle',
      (d, rev) => alteredBundle(d, rev, (r) => ({ ...r, subject: { ...r.subject, repository: 'acme/other' } }), 'acme/other'),
      /about acme\/other, not this repository acme\/service/,
    );
  });

  it('a bundle naming this repository in other letter case promotes: GitHub names ignore case, as the record check does', async () => {
    const { run, prod } = await promoteWith('case', (d, rev) =>
      alteredBundle(d, rev, (r) => ({ ...r, subject: { ...r.subject, repository: 'Acme/Service' } }), 'Acme/Service'),
    );
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    expect(prod()).toBe(run.outputs.digest);
  });

  it('records from 1999 are refused as older than the allowed age', async () => {
    await expectRefused(
      'from-1999',
      (d, rev) => alteredBundle(d, rev, (r) => ({ ...r, startedAt: '1999-06-01T00:00:00.000Z' })),
      /evidence is from 1999-06-01T00:00:00\.000Z, older than/,
    );
  });

  it('an image record that says the image was not pushed is refused', async () => {
    await expectRefused(
      'not-pushed',
      (d, rev) => alteredBundle(d, rev, (r) => (r.gate === 'image' ? { ...r, details: { ...r.details, pushed: false } } : r)),
      /the image evidence says the image was not pushed/,
    );
  });
});
