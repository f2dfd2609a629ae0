import { describe, expect, it } from 'vitest';
import { judgeRules } from './judge.js';
import type { ExecResult } from '../../core/exec.js';
import type { CollectedRules, GroupResult } from './model.js';
import type { ParsedRule, RuleFile } from './sources.js';
import type { TestFile } from './testfiles.js';

function rule(name: string, kind: ParsedRule['kind'] = 'alert'): ParsedRule {
  return { kind, name, group: 'g', index: 1, line: 4, column: 7, labels: { severity: 'critical' }, annotations: {} };
}

function ruleFile(file: string, rules: ParsedRule[], extra: Partial<RuleFile> = {}): RuleFile {
  return {
    absPath: `/ws/${file}`,
    file,
    kind: 'plain',
    promtoolPath: `/ws/${file}`,
    groups: [{ name: 'g', line: 2, rules }],
    findings: [],
    checkable: true,
    toOriginal: (line) => ({ line }),
    ...extra,
  };
}

function testFile(file: string, ruleFiles: string[], alertname: string | undefined): TestFile {
  const groups =
    alertname === undefined
      ? []
      : [
          {
            name: 'fires',
            named: true,
            index: 0,
            line: 3,
            alerts: [{ alertname, evalTime: '5m', line: 5, expected: [{ severity: 'critical' }] }],
            promqlTests: 0,
          },
        ];
  return { absPath: `/ws/${file}`, file, ruleFiles, groups, findings: [], runnable: true, promtoolPath: `/ws/${file}`, promtoolArg: file };
}

const exec = (exitCode: number, stderr = ''): ExecResult => ({ exitCode, signal: null, stdout: '', stderr, timedOut: false }) as unknown as ExecResult;

function collected(ruleFiles: RuleFile[], testFiles: TestFile[] = [], extra: Partial<CollectedRules> = {}): CollectedRules {
  const groupResults: GroupResult[] = testFiles.flatMap((t) => t.groups.map((group) => ({ test: t, group, failures: [] })));
  return {
    ruleFiles,
    testFiles,
    check: { result: exec(0), paths: ruleFiles.map((rf) => rf.file), files: new Map(ruleFiles.map((rf) => [rf.file, rf])) },
    groupResults,
    hygieneFindings: [],
    problems: [],
    promtool: { path: '/usr/bin/promtool', version: '2.42.0', source: 'PATH', junit: false },
    ...extra,
  };
}

const tested = () => [testFile('t.test.yml', ['/ws/a.yml'], 'Down')];

describe('judgeRules', () => {
  it.each<[string, CollectedRules, 'pass' | 'fail' | 'error', RegExp]>([
    [
      'one tested alert',
      collected([ruleFile('a.yml', [rule('Down')])], tested()),
      'pass',
      /^1 rule\(s\) in 1 file\(s\) valid, 1 rule test group\(s\) passed, 1\/1 alerts/,
    ],
    ['zero rule files', collected([]), 'error', /^no rule to check: the 0 rule file\(s\)/],
    ['a file of groups: []', collected([{ ...ruleFile('a.yml', []), groups: [] }]), 'error', /^no rule to check/],
    ['groups with no rules', collected([ruleFile('a.yml', [])]), 'error', /^no rule to check/],
    ['an untested alert', collected([ruleFile('a.yml', [rule('Down')])]), 'fail', /^1 alert\(s\) without a firing test; 0\/1/],
    [
      'a tool problem wins over findings',
      collected([ruleFile('a.yml', [rule('Down')])], [], { problems: ['promtool check rules was killed'] }),
      'error',
      /^the rules could not be judged: promtool check rules was killed$/,
    ],
    [
      'a check that crashed',
      collected([ruleFile('a.yml', [rule('Down')])], tested(), { check: { result: exec(2, 'panic'), paths: ['a.yml'], files: new Map() } }),
      'error',
      /^the rules could not be judged: promtool check rules/,
    ],
    [
      'test files holding no test group',
      collected([ruleFile('a.yml', [rule('r', 'record')])], [testFile('t.test.yml', ['/ws/a.yml'], undefined)]),
      'error',
      /no rule test group ran: nothing was tested/,
    ],
    [
      'a failing test group',
      collected([ruleFile('a.yml', [rule('Down')])], tested(), {
        groupResults: [{ test: tested()[0]!, group: tested()[0]!.groups[0]!, failures: ['alertname: Down, time: 5m, exp: x'] }],
      }),
      'fail',
      /^1 failing rule test group\(s\)/,
    ],
  ])('%s', (_name, input, status, summary) => {
    const judged = judgeRules(input, 'error');
    expect(judged.status).toBe(status);
    expect(judged.summary).toMatch(summary);
  });

  it('a file with no rule beside one with rules is a warning naming it, and the gate passes', () => {
    const judged = judgeRules(collected([ruleFile('a.yml', [rule('Down')]), ruleFile('b.yml', [])], tested()), 'error');
    expect(judged.status).toBe('pass');
    expect(judged.findings).toEqual([{ severity: 'warning', file: 'b.yml', line: 2, rule: 'no-rules', message: 'b.yml holds no rule (1 empty group(s))' }]);
  });
});
