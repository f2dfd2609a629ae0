import { describe, expect, it } from 'vitest';
import { sampleEvidence } from '../../test/fixtures/evidence.js';
import type { Evidence, GateName } from './evidence.js';
import { createBundle, parseBundle, serializeBundle } from './bundle.js';
import { judgeRelease, RELEASE_GATES } from './release.js';

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
    const fields = { repository: 'acme/service', commitSha: 'a'.repeat(40), digest: DIGEST, verdict: 'pass' as const, requiredGates: [...RELEASE_GATES], reasons: [], createdAt: '2026-12-01T00:00:00.000Z' };
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
