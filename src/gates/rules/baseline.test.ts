import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../core/errors.js';
import { applyBaseline, parseRulesBaseline, renderRulesBaseline, rulesFingerprint, type BaselineInForce } from './baseline.js';
import type { Finding } from '../../core/evidence.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const fp = (file: string, group: string, rule: string, check: 'coverage' | 'require-runbook' | 'duplicate-alert', occurrence?: number) =>
  rulesFingerprint({ file, group, rule, check, ...(occurrence ? { occurrence } : {}) });
const finding = (rule: 'coverage' | 'require-runbook' | 'duplicate-alert', name: string, line: number, extra: Partial<Finding> = {}): Finding => ({
  severity: 'error',
  file: 'r.yml',
  line,
  rule,
  message: `${name} ${rule}`,
  fingerprint: fp('r.yml', 'g', name, rule),
  ...extra,
});
const inForce = (text: string): BaselineInForce => ({ shown: 'b.yml', entries: parseRulesBaseline(text, 'b.yml'), afterMerge: [], notes: [], now: NOW });
const everywhere = () => true;

describe('parseRulesBaseline', () => {
  it('reads entries with their line; an empty file is no entry', () => {
    const entries = parseRulesBaseline(
      'version: 1\nbaseline:\n  - file: r.yml\n    group: g\n    rule: A\n    check: coverage\n    owner: "@acme/sre"\n    expires: 2026-12-31\n',
      'b.yml',
    );
    expect(entries).toEqual([{ file: 'r.yml', group: 'g', rule: 'A', check: 'coverage', owner: '@acme/sre', expires: '2026-12-31', where: 'b.yml:3' }]);
    expect(parseRulesBaseline('', 'b.yml')).toEqual([]);
  });

  it('lists every problem with its key and line, in its own words', () => {
    const text = [
      'version: 1',
      'baseline:',
      '  - file: r.yml',
      '    group: g',
      '    rule: A',
      '    check: promtool-check',
      '  - file: r.yml',
      '    rule: B',
      '    check: coverage',
      '    expires: 31/12/2026',
      '    colour: red',
      '',
    ].join('\n');
    let message = '';
    try {
      parseRulesBaseline(text, 'b.yml');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      message = (error as Error).message;
    }
    expect(message).toContain('rules baseline b.yml has 4 problems');
    expect(message).toContain('b.yml:6: key "check" must be one of require-severity');
    expect(message).toContain('invalid rules, failing rule tests and zero rules are never baselined');
    expect(message).toContain('b.yml:7: key "group" is missing');
    expect(message).toContain('b.yml:10: key "expires" must be a date in the form YYYY-MM-DD');
    expect(message).toContain('b.yml:11: unknown key "colour"');
    expect(message).not.toMatch(/Invalid input|expected string/);
  });

  it('a wrong top level, bad YAML and a repeated entry are configuration errors naming the line', () => {
    expect(() => parseRulesBaseline('version: 2\nbaseline: []\n', 'b.yml')).toThrow(/b\.yml:1: key "version" is not in its form/);
    expect(() => parseRulesBaseline('version: 1\nentries: []\n', 'b.yml')).toThrow(/b\.yml:2: key "entries"/);
    expect(() => parseRulesBaseline('version: 1\nbaseline: [\n', 'b.yml')).toThrow(/b\.yml:\d+ is not valid YAML/);
    const entry = '  - {file: r.yml, group: g, rule: A, check: coverage}\n';
    expect(() => parseRulesBaseline(`version: 1\nbaseline:\n${entry}${entry}`, 'b.yml')).toThrow('b.yml:4: repeats the entry at b.yml:3');
  });
});

describe('applyBaseline', () => {
  const base = inForce(
    'version: 1\nbaseline:\n  - {file: r.yml, group: g, rule: A, check: coverage}\n  - {file: r.yml, group: g, rule: Gone, check: require-runbook}\n',
  );

  it('a baselined finding becomes a notice that names its entry; a new one stays; an entry that matches nothing is stale', () => {
    const out = applyBaseline([finding('coverage', 'A', 9), finding('coverage', 'B', 20)], base, everywhere);
    expect(out.findings.map((f) => [f.severity, f.message])).toEqual([
      ['notice', 'existing (baselined at b.yml:3): A coverage'],
      ['error', 'B coverage'],
    ]);
    expect(out.baselined.map((b) => b.entry.rule)).toEqual(['A']);
    expect(out.stale.map((e) => e.rule)).toEqual(['Gone']);
    expect(out.current.map((k) => k.rule)).toEqual(['A', 'B']);
  });

  it('matches by file, group, rule and check, not by line; another group or file is another finding', () => {
    expect(applyBaseline([finding('coverage', 'A', 400)], base, everywhere).findings[0]!.severity).toBe('notice');
    expect(applyBaseline([finding('coverage', 'A', 9, { fingerprint: fp('r.yml', 'other', 'A', 'coverage') })], base, everywhere).findings[0]!.severity).toBe(
      'error',
    );
    expect(applyBaseline([finding('coverage', 'A', 9, { fingerprint: fp('s.yml', 'g', 'A', 'coverage') })], base, everywhere).findings[0]!.severity).toBe(
      'error',
    );
  });

  it("a second finding with the same identity is occurrence 2: the first one's entry does not hide it", () => {
    const one = inForce('version: 1\nbaseline:\n  - {file: r.yml, group: g, rule: A, check: require-runbook}\n');
    const out = applyBaseline([finding('require-runbook', 'A', 4), finding('require-runbook', 'A', 12)], one, everywhere);
    expect(out.findings.map((f) => f.severity)).toEqual(['notice', 'error']);
    expect(out.findings[1]!.fingerprint).toBe(fp('r.yml', 'g', 'A', 'require-runbook', 2));
  });

  it('an expired entry baselines nothing and says so; an entry where the run did not look is not stale', () => {
    const expired = inForce('version: 1\nbaseline:\n  - {file: r.yml, group: g, rule: A, check: coverage, expires: 2026-05-31}\n');
    const out = applyBaseline([finding('coverage', 'A', 9)], expired, everywhere);
    expect(out.findings[0]!.severity).toBe('error');
    expect(out.findings[0]!.message).toContain('expired on 2026-05-31');
    expect(out.stale).toEqual([]);
    expect(applyBaseline([], base, () => false).stale).toEqual([]);
    expect(applyBaseline([], base, (_file, check) => check === 'coverage').stale.map((e) => e.rule)).toEqual(['A']);
  });

  it('findings of other checks (invalid rules, failing tests) are never baselined, even with a fingerprint', () => {
    const out = applyBaseline(
      [{ severity: 'error', file: 'r.yml', line: 3, rule: 'promtool-check', message: 'bad', fingerprint: fp('r.yml', 'g', 'A', 'coverage') }],
      base,
      everywhere,
    );
    expect(out.findings[0]!.severity).toBe('error');
    expect(out.current).toEqual([]);
  });
});

describe('renderRulesBaseline', () => {
  it('writes a file parseRulesBaseline reads back, sorted, keeping owner, reason and expiry of matching entries', () => {
    const previous = parseRulesBaseline(
      'version: 1\nbaseline:\n  - {file: r.yml, group: g, rule: B, check: coverage, owner: alice, reason: inherited from the old repo}\n',
      'b.yml',
    );
    const text = renderRulesBaseline(
      [
        { file: 'r.yml', group: 'g', rule: 'B', check: 'coverage' },
        { file: 'r.yml', group: 'g', rule: 'A', check: 'require-runbook', occurrence: 2 },
        { file: 'r.yml', group: 'g', rule: 'B', check: 'coverage' },
      ],
      previous,
      { commit: 'a'.repeat(40), date: '2026-06-01' },
    );
    expect(text).toMatch(/^# release-safety rules baseline: 2 hygiene\/coverage finding\(s\) that already exist at a{12}, written 2026-06-01/);
    expect(parseRulesBaseline(text, 'b.yml').map(({ where: _where, ...e }) => e)).toEqual([
      { file: 'r.yml', group: 'g', rule: 'A', check: 'require-runbook', occurrence: 2 },
      { file: 'r.yml', group: 'g', rule: 'B', check: 'coverage', reason: 'inherited from the old repo', owner: 'alice' },
    ]);
  });
});
