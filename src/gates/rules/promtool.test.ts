import { describe, expect, it } from 'vitest';
import { parseCheckOutput, parsePromtoolJUnit, parsePromtoolVersion, parseTestFailures, parseTestWarnings } from './promtool.js';

describe('parseCheckOutput', () => {
  const stderr = [
    '  FAILED:',
    'rules/a.yml: 5:15: group "app", rule 1, "B": could not parse expression: 1:17: parse error: unclosed left parenthesis',
    '  FAILED:',
    'rules/b.yml: not a valid duration string: "1x"',
    '  FAILED:',
    "rules/c.yml: yaml: line 1: did not find expected ',' or ']'",
    "rules/c.yml: yaml: line 1: did not find expected ',' or ']'",
    '  FAILED:',
    'rules/d.yml: group "a", rule 1, "X": annotation "summary": template: __alert_X:1: unclosed action',
    'lint error 1 duplicate rule(s) found.',
  ].join('\n');
  const problems = parseCheckOutput(stderr, ['rules/a.yml', 'rules/b.yml', 'rules/c.yml', 'rules/d.yml']);

  it('reads file, line, column and the rule promtool names', () => {
    expect(problems[0]).toEqual({
      path: 'rules/a.yml',
      line: 5,
      column: 15,
      group: 'app',
      ruleIndex: 1,
      ruleName: 'B',
      message: 'group "app", rule 1, "B": could not parse expression: 1:17: parse error: unclosed left parenthesis',
    });
  });
  it('keeps errors without a position, drops the duplicated YAML line', () => {
    expect(problems.filter((p) => p.path === 'rules/c.yml')).toHaveLength(1);
    expect(problems[1]).toEqual({ path: 'rules/b.yml', message: 'not a valid duration string: "1x"' });
  });
  it('names the rule of a template error; unattributed lines have no path', () => {
    expect(problems[3]).toMatchObject({ path: 'rules/d.yml', group: 'a', ruleIndex: 1, ruleName: 'X' });
    expect(problems[4]).toEqual({ message: 'lint error 1 duplicate rule(s) found.' });
  });
  it('prefers the longest path when one is a prefix of another', () => {
    expect(parseCheckOutput('x.yml.bak: 1:1: boom', ['x.yml', 'x.yml.bak'])[0]!.path).toBe('x.yml.bak');
  });
});

describe('parseCheckOutput: messages over several lines are one problem (promtool 2.42 output)', () => {
  it('unknown fields: one problem for the file, at the first line it names', () => {
    const stderr =
      '  FAILED:\nunk.yml: yaml: unmarshal errors:\n  line 5: field expresion not found in type rulefmt.RuleNode\n  line 9: field foo not found in type rulefmt.RuleNode\n';
    expect(parseCheckOutput(stderr, ['unk.yml'])).toEqual([
      {
        path: 'unk.yml',
        line: 5,
        message:
          'yaml: unmarshal errors:\n  line 5: field expresion not found in type rulefmt.RuleNode\n  line 9: field foo not found in type rulefmt.RuleNode',
      },
    ]);
  });

  it('the duplicate-rules lint: one problem naming no file', () => {
    const stderr = '  FAILED:\nlint error 1 duplicate rule(s) found.\nMetric: r\nLabel(s):\n\ta: b\nMight cause inconsistency while recording expressions\n';
    expect(parseCheckOutput(stderr, ['dup.yml'])).toEqual([
      { message: 'lint error 1 duplicate rule(s) found.\nMetric: r\nLabel(s):\n\ta: b\nMight cause inconsistency while recording expressions' },
    ]);
  });

  it('messages of several files stay apart; a repeated message is kept once', () => {
    const stderr = [
      '  FAILED:',
      'a.yml: yaml: unmarshal errors:',
      '  line 3: field x not found in type rulefmt.RuleGroup',
      '  FAILED:',
      "b.yml: yaml: line 2: did not find expected ',' or ']'",
      "b.yml: yaml: line 2: did not find expected ',' or ']'",
      'lint error 2 duplicate rule(s) found.',
      'Metric: r',
    ].join('\n');
    expect(parseCheckOutput(stderr, ['a.yml', 'b.yml']).map((p) => [p.path, p.line, p.message.split('\n').length])).toEqual([
      ['a.yml', 3, 2],
      ['b.yml', 2, 1],
      [undefined, undefined, 2],
    ]);
  });
});

describe('parseTestFailures (promtool 2.x text output)', () => {
  const stderr = `  FAILED:
    name: fires,
    alertname: A, time: 5m, 
        exp:[
            0:
              Labels:{alertname="A", job="a", severity="critical"}
              Annotations:{}
            ], 
        got:[]
    alertname: A, time: 5m, 
        exp:[], 
        got:[
            0:
              Labels:{alertname="A", severity="warning"}
            ]
    expr: "up", time: 1m,
        exp: {__name__="up", job="b"} 1E+00
        got: {__name__="up", job="a"} 1E+00
bad.yml: 5:15: group "app", rule 1, "B": could not parse expression
`;
  const failures = parseTestFailures(stderr);

  it('splits failures and keeps the group name with its failure', () => {
    expect(failures).toHaveLength(4);
    expect(failures[0]).toMatchObject({ group: 'fires', alertname: 'A', evalTime: '5m' });
    expect(failures[0]!.message).toContain('got:[]');
    expect(failures[1]).toMatchObject({ alertname: 'A', evalTime: '5m' });
    expect(failures[1]!.group).toBeUndefined();
    expect(failures[2]).toMatchObject({ expr: 'up', evalTime: '1m' });
    expect(failures[3]!.message).toContain('could not parse expression');
  });

  it('reads the no-match warning', () => {
    expect(parseTestWarnings('  WARNING: no file match pattern /x/missing.yml\n')).toEqual(['no file match pattern /x/missing.yml']);
  });
});

describe('parsePromtoolJUnit', () => {
  it('reads suites per test file and cases per group', async () => {
    const xml = `<testsuites><testsuite name="t/a.test.yml" tests="2" failures="1" errors="0" skipped="0" timestamp="x"><testcase name="fires"><failure>    alertname: A, time: 5m, exp:[] got:[]</failure></testcase><testcase name="unnamed#1"></testcase></testsuite></testsuites>`;
    expect(await parsePromtoolJUnit(xml)).toEqual([
      { suite: 't/a.test.yml', name: 'fires', failures: ['alertname: A, time: 5m, exp:[] got:[]'] },
      { suite: 't/a.test.yml', name: 'unnamed#1', failures: [] },
    ]);
  });
});

describe('parsePromtoolVersion', () => {
  it.each([
    ['promtool, version 2.42.0+ds (branch: debian/sid, revision: 2.42.0+ds-5)', '2.42.0+ds'],
    ['promtool, version 3.5.0 (branch: HEAD, revision: abc)', '3.5.0'],
    ['garbage', ''],
  ])('%s', (text, version) => expect(parsePromtoolVersion(text)).toBe(version));
});
