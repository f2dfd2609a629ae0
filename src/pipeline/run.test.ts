import { describe, expect, it } from 'vitest';
import { attachRequested, pipelineVerdict, startOrder } from './run.js';
import type { PlannedGate } from './plan.js';

describe('pipelineVerdict: the stricter of the gates, the evidence judgement and the attestation', () => {
  const cases: [string, 'pass' | 'fail' | 'error', string, boolean, string][] = [
    ['all pass, attached', 'pass', 'pass', false, 'pass'],
    ['all pass, attestation asked for and missing', 'pass', 'pass', true, 'error'],
    ['a gate failed, attestation missing too', 'fail', 'pass', true, 'fail'],
    ['gates pass, evidence fail', 'pass', 'fail', false, 'fail'],
    ['gates pass, evidence error', 'pass', 'error', false, 'error'],
    ['gates pass, evidence printed nothing', 'pass', '', false, 'error'],
    ['a gate error', 'error', 'pass', false, 'error'],
  ];
  it.each(cases)('%s', (_name, own, evidence, missing, expected) => {
    expect(pipelineVerdict(own, evidence, missing)).toBe(expected);
  });
  it('attach is requested only by the input boolean true', () => {
    expect(attachRequested({ attach: 'true' })).toBe(true);
    expect(attachRequested({ attach: 'TRUE' })).toBe(true);
    expect(attachRequested({ attach: 'false' })).toBe(false);
    expect(attachRequested({})).toBe(false);
  });
});

describe('startOrder: the longest gates are offered a slot first', () => {
  const planned = (gate: PlannedGate['gate'], needs: PlannedGate['gate'][] = []): PlannedGate => ({ gate, needs, required: true, inputs: {} });
  it.each([
    [
      ['lint', 'test', 'audit', 'secrets', 'rules'],
      ['test', 'lint', 'audit', 'secrets', 'rules'],
    ],
    [
      ['lint', 'test', 'audit', 'secrets', 'rules', 'image', 'alerts'],
      ['image', 'test', 'lint', 'audit', 'secrets', 'rules', 'alerts'],
    ],
    [
      ['lint', 'audit'],
      ['lint', 'audit'],
    ],
    [
      ['rules', 'test'],
      ['test', 'rules'],
    ],
  ] as [PlannedGate['gate'][], string[]][])('%j -> %j', (gates, expected) => {
    expect(startOrder(gates.map((g) => planned(g, g === 'alerts' ? ['image'] : []))).map((p) => p.gate)).toEqual(expected);
  });
});
