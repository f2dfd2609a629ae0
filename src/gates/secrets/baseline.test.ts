import { describe, expect, it } from 'vitest';
import { mergeIntoGitleaksIgnore, openFingerprints } from './baseline.js';

const header = { commit: 'a'.repeat(40), scope: 'history', date: '2026-12-02' };
const entry = (fp: string, status: string) => ({ Fingerprint: fp, Status: status, File: 'a.env', RuleID: 'aws-access-token', StartLine: 1 });

describe('secrets baseline', () => {
  it('takes the open findings of a report, once each; suppressed ones are already handled', () => {
    const text = JSON.stringify([entry('c1:a.env:r:1', 'open'), entry('c2:a.env:r:1', 'suppressed'), entry('c1:a.env:r:1', 'open')]);
    expect(openFingerprints(text, 'report.json')).toEqual({ open: ['c1:a.env:r:1'], suppressed: 1 });
  });

  it('a file that is not the gate report is a configuration error naming it and the form', () => {
    expect(() => openFingerprints('nope', 'r.json')).toThrow(/r\.json is not JSON/);
    expect(() => openFingerprints(JSON.stringify([{ Fingerprint: 'x' }]), 'r.json')).toThrow(/r\.json is not the secrets gate's report: entry 0\.Status/);
  });

  it('appends only what the file lacks, under one dated comment, keeping existing lines', () => {
    const first = mergeIntoGitleaksIgnore('', ['c1:a.env:r:1', 'c2:b.env:r:3'], header);
    expect(first.added).toEqual(['c1:a.env:r:1', 'c2:b.env:r:3']);
    expect(first.text.split('\n').filter((l) => !l.startsWith('#') && l !== '')).toEqual(['c1:a.env:r:1', 'c2:b.env:r:3']);
    expect(first.text).toContain(`scope history at ${'a'.repeat(12)}`);
    const again = mergeIntoGitleaksIgnore(`# mine\nold:x:r:1`, ['old:x:r:1', 'c1:a.env:r:1'], header);
    expect(again.added).toEqual(['c1:a.env:r:1']);
    expect(again.text.startsWith('# mine\nold:x:r:1\n\n# release-safety baseline: 1 finding(s)')).toBe(true);
    expect(mergeIntoGitleaksIgnore(first.text, ['c1:a.env:r:1'], header)).toEqual({ text: first.text, added: [] });
  });
});
