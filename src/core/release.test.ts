import { describe, expect, it } from 'vitest';
import { sampleEvidence } from '../../test/fixtures/evidence.js';
import type { Evidence, GateName } from './evidence.js';
import { bundleEvidence, judgeRelease, RELEASE_GATES } from './release.js';

const DIGEST = `sha256:${'d'.repeat(64)}`;
const all = (overrides: Partial<Record<GateName, Partial<Evidence>>> = {}): Evidence[] =>
  RELEASE_GATES.map((gate) => sampleEvidence({ gate, details: gate === 'image' ? { digest: DIGEST } : {}, ...overrides[gate] }));

describe('judgeRelease', () => {
  it('allows a digest whose every gate passed for one commit', () => {
    expect(judgeRelease(all(), DIGEST)).toEqual({ ok: true, reasons: [], commitSha: 'a'.repeat(40), digest: DIGEST });
  });
  it('refuses fail, error and skipped alike, naming the gate', () => {
    for (const status of ['fail', 'error', 'skipped'] as const) {
      const v = judgeRelease(all({ secrets: { status, summary: 'x' } }), DIGEST);
      expect(v.ok).toBe(false);
      expect(v.reasons).toEqual([`secrets is ${status}: x`]);
    }
  });
  it('refuses a missing or duplicated gate, mixed commits and another digest', () => {
    expect(judgeRelease(all().filter((r) => r.gate !== 'rules'), DIGEST).reasons).toEqual(['no evidence from the rules gate']);
    expect(judgeRelease([...all(), sampleEvidence({ gate: 'lint' })], DIGEST).reasons).toEqual(['2 evidence records from the lint gate: expected one']);
    const other = all({ test: { subject: { ...sampleEvidence().subject, commitSha: 'b'.repeat(40) } } });
    expect(judgeRelease(other, DIGEST).reasons[0]).toMatch(/different commits/);
    expect(judgeRelease(all(), `sha256:${'e'.repeat(64)}`).reasons[0]).toMatch(/image evidence is for sha256:d+, not sha256:e+/);
  });
  it('bundles records in gate order with a hash that ignores input order', () => {
    const a = bundleEvidence(all(), DIGEST);
    const b = bundleEvidence([...all()].reverse(), DIGEST);
    expect(a.records.map((r) => r.gate)).toEqual(['audit', 'image', 'lint', 'rules', 'secrets', 'test']);
    expect(a.sha256).toBe(b.sha256);
    expect(a.sha256).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
