import { describe, expect, it } from 'vitest';
import { sampleEvidence, sampleImageDetails } from '../../test/fixtures/evidence.js';
import { createBundle, parseBundle, serializeBundle } from './bundle.js';
import { judgeRelease, RELEASE_GATES, type ReleaseQuestion } from './release.js';
import type { Evidence, GateName } from './evidence.js';

const DIGEST = `sha256:${'d'.repeat(64)}`;
const all = (overrides: Partial<Record<GateName, Partial<Evidence>>> = {}): Evidence[] =>
  RELEASE_GATES.map((gate) => sampleEvidence({ gate, details: gate === 'image' ? sampleImageDetails(DIGEST) : {}, ...overrides[gate] }));

const question = (digest = DIGEST, more: Partial<ReleaseQuestion> = {}): ReleaseQuestion => ({
  digest,
  repository: 'acme/service',
  commitSha: 'a'.repeat(40),
  maxAgeMs: 24 * 3600_000,
  now: new Date('2026-11-23T12:00:00.000Z'),
  ...more,
});

describe('judgeRelease', () => {
  it('allows a digest whose every gate passed for one commit', () => {
    expect(judgeRelease(all(), question())).toEqual({ ok: true, reasons: [], commitSha: 'a'.repeat(40), digest: DIGEST });
  });
  it('refuses fail, error and skipped alike, naming the gate', () => {
    for (const status of ['fail', 'error', 'skipped'] as const) {
      const v = judgeRelease(all({ secrets: { status, summary: 'x' } }), question());
      expect(v.ok).toBe(false);
      expect(v.reasons).toEqual([`secrets is ${status}: x`]);
    }
  });
  it('refuses a missing or duplicated gate, mixed commits and another digest', () => {
    expect(
      judgeRelease(
        all().filter((r) => r.gate !== 'rules'),
        question(),
      ).reasons,
    ).toEqual(['no evidence from the rules gate']);
    expect(judgeRelease([...all(), sampleEvidence({ gate: 'lint' })], question()).reasons).toEqual(['2 evidence records from the lint gate: expected one']);
    const other = all({ test: { subject: { ...sampleEvidence().subject, commitSha: 'b'.repeat(40) } } });
    expect(judgeRelease(other, question()).reasons).toContain(`the records are about different commits: ${'a'.repeat(40)}, ${'b'.repeat(40)}`);
    expect(judgeRelease(all(), question(`sha256:${'e'.repeat(64)}`)).reasons[0]).toMatch(/image evidence is for sha256:d+, not sha256:e+/);
  });
  it('refuses a pass that contradicts itself, naming the gate and why', () => {
    expect(judgeRelease(all({ test: { metrics: { passed: 70, failed: 12 } } }), question()).reasons).toEqual(['test says pass, but its metric failed is 12']);
    expect(judgeRelease(all({ lint: { metrics: { errors: 2 } } }), question()).reasons).toEqual(['lint says pass, but its metric errors is 2']);
    const finding = { severity: 'error' as const, message: 'leak', file: 'a.ts' };
    expect(judgeRelease(all({ secrets: { findings: [finding], findingsTotal: 1 } }), question()).reasons).toEqual([
      'secrets says pass, but carries an error finding',
    ]);
    // Each gate's own failure counts: open secrets, failed rule tests, alerts that never fired.
    expect(judgeRelease(all({ secrets: { metrics: { findings: 2, suppressed: 0 } } }), question()).reasons).toEqual([
      'secrets says pass, but its metric findings is 2',
    ]);
    expect(judgeRelease(all({ rules: { metrics: { alerts: 4, testGroupsFailed: 1 } } }), question()).reasons).toEqual([
      'rules says pass, but its metric testGroupsFailed is 1',
    ]);
    expect(judgeRelease(all({ rules: { metrics: { checkErrors: 3 } } }), question()).reasons).toEqual(['rules says pass, but its metric checkErrors is 3']);
    expect(judgeRelease(all({ alerts: { metrics: { fired: 3, missing: 1 } } }), question()).reasons).toEqual(['alerts says pass, but its metric missing is 1']);
  });
  it('refuses records about another repository or commit, too old, or from the future', () => {
    const elsewhere = all({ audit: { subject: { ...sampleEvidence().subject, repository: 'evil/fork' } } });
    expect(judgeRelease(elsewhere, question()).reasons).toEqual(['the audit evidence is about evil/fork, not acme/service']);
    expect(judgeRelease(all(), question(DIGEST, { commitSha: 'c'.repeat(40) })).reasons).toContain(
      `the lint evidence is about commit ${'a'.repeat(40)}, not ${'c'.repeat(40)}`,
    );
    const old = all({ rules: { startedAt: '1999-01-01T00:00:00.000Z' } });
    expect(judgeRelease(old, question()).reasons).toEqual(['the rules evidence is from 1999-01-01T00:00:00.000Z, older than the 86400 s allowed']);
    const future = all({ rules: { startedAt: '2027-01-01T00:00:00.000Z' } });
    expect(judgeRelease(future, question()).reasons).toEqual(['the rules evidence is from 2027-01-01T00:00:00.000Z, in the future']);
    expect(judgeRelease(all(), question(DIGEST, { maxAgeMs: 60_000 })).ok).toBe(false);
  });
  it('refuses an image that was not pushed, or whose details give no verifiable digest', () => {
    const local = all({ image: { details: sampleImageDetails(DIGEST, { pushed: false }) } });
    expect(judgeRelease(local, question()).reasons).toEqual([
      'the image evidence says the image was not pushed: only a pushed, verified digest can be released',
    ]);
    const untyped = all({ image: { details: { digest: DIGEST } } });
    expect(judgeRelease(untyped, question()).reasons[0]).toMatch(/^the image evidence has no verifiable digest: field "details\.builder"/);
    const badDigest = all({ image: { details: sampleImageDetails('sha256:short') } });
    expect(judgeRelease(badDigest, question('sha256:short')).reasons[0]).toMatch(/no verifiable digest: field "details\.digest"/);
  });
  it('bundles records in gate order with a hash that ignores input order', () => {
    const fields = {
      repository: 'acme/service',
      commitSha: 'a'.repeat(40),
      digest: DIGEST,
      verdict: 'pass' as const,
      requiredGates: [...RELEASE_GATES],
      reasons: [],
      createdAt: '2026-12-01T00:00:00.000Z',
    };
    const a = createBundle(all(), fields);
    const b = createBundle([...all()].reverse(), fields);
    expect(a.records.map((r) => r.record.gate)).toEqual(['lint', 'test', 'image', 'audit', 'secrets', 'rules', 'alerts']);
    expect(a.sha256).toBe(b.sha256);
    expect(a.sha256).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(parseBundle(serializeBundle(a), 'a.json')).toEqual(a);
  });
  it('rejects a bundle whose record or whole was altered after hashing', () => {
    const a = createBundle(all(), { repository: 'acme/service', commitSha: 'a'.repeat(40), verdict: 'pass', requiredGates: [...RELEASE_GATES], reasons: [] });
    const record = JSON.parse(serializeBundle(a));
    record.records[1].record.metrics.failed = 3;
    expect(() => parseBundle(JSON.stringify(record), 'b.json')).toThrow(/record 1 \(test\) hashes to sha256:[0-9a-f]+, not the/);
    const whole = JSON.parse(serializeBundle(a));
    whole.verdict = 'fail';
    expect(() => parseBundle(JSON.stringify(whole), 'c.json')).toThrow(/evidence bundle c.json hashes to/);
  });
});
