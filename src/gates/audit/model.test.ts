import { describe, expect, it } from 'vitest';
import {
  compareSeverity,
  fixedVersionFromRange,
  ghsaFrom,
  meetsThreshold,
  parseSeverityWord,
  rangeIncludes,
  rangeVerdict,
  SEVERITIES,
  severityFromCvss,
} from './model.js';

describe('advisory ranges', () => {
  it.each([
    ['<4.17.21', '4.17.15', true],
    ['<4.17.21', '4.17.21', false],
    ['>=3.7.0 <4.17.19', '4.17.19', false],
    ['>=3.7.0 <4.17.19', '3.7.0', true],
    ['>=3.7.0 <4.17.19', '3.6.9', false],
    ['<0.2.4 || >=1.0.0 <1.2.6', '0.0.8', true],
    ['<0.2.4 || >=1.0.0 <1.2.6', '0.2.4', false],
    ['<0.2.4 || >=1.0.0 <1.2.6', '1.2.0', true],
    ['<=4.17.23', '4.17.23', true],
    ['1.0.0 - 1.2.3', '1.2.3', true],
    ['1.0.0 - 1.2.3', '1.2.4', false],
    ['>= 2.0.0 < 2.1.0', '2.0.5', true],
    ['<2.0.0', '2.0.0-beta.1', true],
    ['*', '9.9.9', true],
  ])('%s includes %s: %s', (range, version, expected) => {
    expect(rangeIncludes(range, version)).toBe(expected);
  });

  // Expected values are node-semver 7's satisfies(version, range, { includePrerelease: true,
  // loose: true }), the call npm makes (@npmcli/metavuln-calculator), recorded for each row.
  it.each([
    ['<=1.2', '1.2.5', true],
    ['<=1.2', '1.3.0', false],
    ['<=1.2', '1.3.0-0', false],
    ['<=1.2', '1.2.0-beta', true],
    ['1.0.0 - 1.2', '1.2.5', true],
    ['1.0.0 - 1.2', '1.3.0', false],
    ['1.0.0 - 1.2', '0.9.9', false],
    ['1.0.0 - 1.2', '1.0.0-rc.1', true],
    ['1.2', '1.2.5', true],
    ['1.2', '1.2.0', true],
    ['1.2', '1.3.0', false],
    ['1.2', '1.1.9', false],
    ['1', '1.9.9', true],
    ['1', '2.0.0', false],
    ['1.x', '1.4.0', true],
    ['1.2.x', '1.2.9', true],
    ['1.2.x', '1.3.0', false],
    ['1.2.*', '1.2.3', true],
    ['<1.2', '1.1.9', true],
    ['<1.2', '1.2.0', false],
    ['<1.2', '1.2.0-0', false],
    ['<1', '0.9.0', true],
    ['<1', '1.0.0', false],
    ['>1.2', '1.2.9', false],
    ['>1.2', '1.3.0', true],
    ['>1', '1.9.9', false],
    ['>1', '2.0.0', true],
    ['>=1.2', '1.2.0', true],
    ['>=1.2', '1.1.9', false],
    ['>=1.2 <=1.4', '1.4.7', true],
    ['>=1.2 <=1.4', '1.5.0', false],
    ['=1.2', '1.2.3', true],
    ['=1.2.3', '1.2.3', true],
    ['v1.2.3', '1.2.3', true],
    ['1.2.3', '1.2.4', false],
    ['1.2 - 2', '2.9.0', true],
    ['1.2 - 2', '3.0.0', false],
    ['1.2 - 2', '1.1.0', false],
    ['1.2.3 - 2.3.4', '2.3.4', true],
    ['1.2.3 - 2.3.4', '2.3.5', false],
    ['1.2.3 - 2.3.4', '2.3.5-0', false],
    ['1.0.0 - 1.2.3-beta.2', '1.2.3-beta.1', true],
    ['1.0.0 - 1.2.3-beta.2', '1.2.3-beta.3', false],
    ['~1.2.3', '1.2.9', true],
    ['~1.2.3', '1.3.0', false],
    ['~1.2', '1.2.0', true],
    ['~1', '1.9.0', true],
    ['~1', '2.0.0', false],
    ['~>1.2.3', '1.2.5', true],
    ['^1.2.3', '1.9.9', true],
    ['^1.2.3', '2.0.0', false],
    ['^0.2.3', '0.2.9', true],
    ['^0.2.3', '0.3.0', false],
    ['^0.0.3', '0.0.3', true],
    ['^0.0.3', '0.0.4', false],
    ['^1.2', '1.9.0', true],
    ['^0.x', '0.9.0', true],
    ['*', '9.9.9', true],
    ['', '1.0.0', true],
    ['x', '1.0.0', true],
    ['>=0.0.0', '0.0.0', true],
    ['<0.2.4 || >=1.0.0 <1.2.6', '1.2.0', true],
    ['<0.2.4 || >=1.0.0 <1.2.6', '0.2.4', false],
    ['<=0.3 || >=1.0.0 <1.2', '0.3.8', true],
    ['<=0.3 || >=1.0.0 <1.2', '1.2.0', false],
    ['>= 2.0.0 < 2.1.0', '2.0.5', true],
    ['<2.0.0', '2.0.0-beta.1', true],
    ['>=1.0.0-alpha <1.0.0', '1.0.0-beta', true],
    ['<1.0.0-rc.10', '1.0.0-rc.9', true],
    ['<1.0.0-rc.10', '1.0.0-rc.a', false],
    ['<=4.17.23', '4.17.23', true],
    ['<4.17.21', '4.17.21', false],
    ['~1', '1.0.0-rc.1', true],
    ['~1.2', '1.2.0-beta', true],
    ['~1.2.3', '1.2.3-beta', false],
    ['^1.2.3', '1.2.3-beta', false],
    ['^0.2.3', '0.2.3-beta', false],
    ['^0.0.3', '0.0.3-beta', false],
    ['^0.0.3-beta', '0.0.3-rc', true],
  ])('node-semver: %j includes %s: %s', (range, version, expected) => {
    expect(rangeIncludes(range, version)).toBe(expected);
  });

  it('says "cannot tell" rather than "no" for what it cannot read', () => {
    for (const range of ['latest', '>=1.0.0 foo', '1.0.0 -', '>=1.0.0 - 2.0.0', '<=1.2.3.4', '3.*.10', '1.2.x-beta'])
      expect(rangeIncludes(range, '1.2.5'), range).toBeUndefined();
    expect(rangeIncludes('<1.0.0', 'git+https://x')).toBeUndefined();
    expect(rangeIncludes('<1.0.0', '1.2')).toBeUndefined();
    // one readable alternative that matches is enough
    expect(rangeIncludes('latest || <2.0.0', '1.2.5')).toBe(true);
    expect(rangeIncludes('latest || <1.0.0', '1.2.5')).toBeUndefined();
  });

  it('rangeVerdict answers both questions in one pass, as the two functions do', () => {
    expect(rangeVerdict('<0.2.4 || >=1.0.0 <1.2.6', '1.2.0')).toEqual({ includes: true, fixed: '1.2.6' });
    expect(rangeVerdict('<0.2.4 || >=1.0.0 <1.2.6', '0.3.0')).toEqual({ includes: false });
    expect(rangeVerdict('latest || <2.0.0', '1.0.0')).toEqual({ includes: true, fixed: '2.0.0' });
    expect(rangeVerdict('<=1.2', '1.2.5')).toEqual({ includes: true });
    expect(rangeVerdict('<4.17.21', '')).toEqual({ includes: undefined, fixed: '4.17.21' });
    expect(rangeVerdict('<=1.0.0 || <2.0.0', 'git+https://x')).toEqual({ includes: undefined, fixed: '2.0.0' });
  });

  it('names the fixed version from the exclusive upper bound of the matching alternative', () => {
    expect(fixedVersionFromRange('<0.2.4 || >=1.0.0 <1.2.6', '1.2.0')).toBe('1.2.6');
    expect(fixedVersionFromRange('<0.2.4 || >=1.0.0 <1.2.6', '0.0.8')).toBe('0.2.4');
    expect(fixedVersionFromRange('>=4.0.0 <=4.17.23', '4.17.15')).toBeUndefined();
    expect(fixedVersionFromRange('<4.17.21', '')).toBe('4.17.21');
    // a bound desugared from a partial or inclusive version names no release
    expect(fixedVersionFromRange('<=1.2', '1.2.5')).toBeUndefined();
    expect(fixedVersionFromRange('1.0.0 - 1.2.3', '1.2.0')).toBeUndefined();
    expect(fixedVersionFromRange('<1.2', '1.1.0')).toBeUndefined();
  });
});

describe('severity', () => {
  it('maps CVSS scores on the v3 bands, and refuses scores that are not scores', () => {
    expect([0.1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map(severityFromCvss)).toEqual(['low', 'low', 'moderate', 'moderate', 'high', 'high', 'critical', 'critical']);
    expect([0, -1, 10.1, Number.NaN, undefined, null].map(severityFromCvss)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });

  it('reads severity words, GitHub "medium" as moderate', () => {
    expect(['HIGH', 'medium', 'moderate', 'bogus', 5].map(parseSeverityWord)).toEqual(['high', 'moderate', 'moderate', undefined, undefined]);
  });

  it('thresholds: at or above fails; unknown fails at every level; info never does', () => {
    expect(meetsThreshold('high', 'high')).toBe(true);
    expect(meetsThreshold('moderate', 'high')).toBe(false);
    expect(meetsThreshold('critical', 'low')).toBe(true);
    expect(meetsThreshold('info', 'low')).toBe(false);
    expect(meetsThreshold('unknown', 'critical')).toBe(true);
  });

  it('sorts severities most severe first, unknown (treated as blocking) before critical', () => {
    expect([...SEVERITIES].sort(compareSeverity)).toEqual(['unknown', 'critical', 'high', 'moderate', 'low', 'info']);
  });

  it('finds GHSA ids in URLs and ids, lower-casing the body', () => {
    expect(ghsaFrom('https://github.com/advisories/GHSA-35jh-r3h4-6jhm')).toBe('GHSA-35jh-r3h4-6jhm');
    expect(ghsaFrom('ghsa-XVCH-5gv4-984h')).toBe('GHSA-xvch-5gv4-984h');
    expect(ghsaFrom('https://npmjs.com/advisories/1179')).toBeUndefined();
  });
});
