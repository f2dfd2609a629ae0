import { describe, expect, it } from 'vitest';
import { sampleRulesDetails, sampleTestDetails } from '../../test/fixtures/evidence.js';
import { gateDetailsProblem } from './details-gates.js';

const rulesMetrics = { alerts: 1, alertsTested: 1, alertsUntested: 0 };
const untestedAlert = { name: 'Down', severity: 'page', file: 'rules/service.yml', line: 9, tested: false, fires: [], silent: [] };
const testedAlert = (sampleRulesDetails().alerts as unknown[])[0];

describe('gateDetailsProblem', () => {
  it.each<[string, { gate: string; status: string; metrics?: Record<string, number>; details: Record<string, unknown> }, RegExp | undefined]>([
    ['a test pass with the details the gate writes', { gate: 'test', status: 'pass', details: sampleTestDetails() }, undefined],
    [
      'a test pass without npmVersion (python preset)',
      { gate: 'test', status: 'pass', details: sampleTestDetails({ preset: 'python', npmVersion: undefined }) },
      undefined,
    ],
    ['a test pass with extra fields (timings)', { gate: 'test', status: 'pass', details: sampleTestDetails({ reportMs: 12 }) }, undefined],
    ['a test pass with no details', { gate: 'test', status: 'pass', details: {} }, /details\.preset/],
    ['a test fail with no details', { gate: 'test', status: 'fail', details: {} }, /details\.preset/],
    ['a test pass whose preset is not a string', { gate: 'test', status: 'pass', details: sampleTestDetails({ preset: 3 }) }, /details\.preset/],
    ['a test error with no details (the entry point\u2019s error report)', { gate: 'test', status: 'error', details: {} }, undefined],
    ['a test skipped with no details (the pipeline\u2019s skip record)', { gate: 'test', status: 'skipped', details: {} }, undefined],
    ['a test error whose details are malformed', { gate: 'test', status: 'error', details: { preset: '' } }, /details\.preset/],
    ['a rules pass with the details the gate writes', { gate: 'rules', status: 'pass', metrics: rulesMetrics, details: sampleRulesDetails() }, undefined],
    ['a rules pass with no details', { gate: 'rules', status: 'pass', metrics: rulesMetrics, details: {} }, /details\.alerts/],
    [
      'a rules pass with an unknown scope',
      { gate: 'rules', status: 'pass', metrics: rulesMetrics, details: sampleRulesDetails({ scope: 'some' }) },
      /details\.scope/,
    ],
    [
      'a rules pass whose alert has no line',
      { gate: 'rules', status: 'pass', metrics: rulesMetrics, details: sampleRulesDetails({ alerts: [{ ...(testedAlert as object), line: 'x' }] }) },
      /details\.alerts\.0\.line/,
    ],
    [
      'a rules pass whose test group status is made up',
      { gate: 'rules', status: 'pass', metrics: rulesMetrics, details: sampleRulesDetails({ testGroups: [{ file: 'a', group: null, status: 'ok' }] }) },
      /details\.testGroups\.0\.status/,
    ],
    [
      'a rules pass claiming more alerts tested than it lists',
      {
        gate: 'rules',
        status: 'pass',
        metrics: { alerts: 2, alertsTested: 2, alertsUntested: 0 },
        details: sampleRulesDetails({ alerts: [testedAlert, untestedAlert] }),
      },
      /metric alertsTested is 2, but details\.alerts lists 1/,
    ],
    [
      'a rules pass whose alert count differs from its list',
      { gate: 'rules', status: 'pass', metrics: { alerts: 5, alertsTested: 1, alertsUntested: 0 }, details: sampleRulesDetails() },
      /metric alerts is 5/,
    ],
    [
      'a rules fail with agreeing counts and an untested alert',
      {
        gate: 'rules',
        status: 'fail',
        metrics: { alerts: 2, alertsTested: 1, alertsUntested: 1 },
        details: sampleRulesDetails({ alerts: [testedAlert, untestedAlert] }),
      },
      undefined,
    ],
    ['a rules error with no details', { gate: 'rules', status: 'error', metrics: {}, details: {} }, undefined],
    ['a gate without a details schema here', { gate: 'lint', status: 'pass', details: {} }, undefined],
  ])('%s', (_name, record, problem) => {
    const found = gateDetailsProblem({ metrics: {}, ...record });
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });
});
