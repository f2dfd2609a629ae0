import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../core/errors.js';
import { planPipeline } from './plan.js';
import type { PipelineConfig } from './config.js';

const cfg = (gates: PipelineConfig['gates']): PipelineConfig => ({ version: 1, gates });

describe('planPipeline', () => {
  it('keeps the gates the config enables, in suite order, with their inputs as strings', () => {
    const plan = planPipeline(cfg({ test: { with: { 'timeout-seconds': 60, junit: ['a.xml', 'b.xml'] } }, lint: {}, audit: { enabled: false } }));
    expect(plan).toEqual([
      { gate: 'lint', needs: [], required: true, inputs: {} },
      { gate: 'test', needs: [], required: true, inputs: { 'timeout-seconds': '60', junit: 'a.xml\nb.xml' } },
    ]);
  });

  it.each([
    [
      'the image after what it needs, alerts after the image',
      { lint: {}, image: { needs: ['lint'] }, alerts: {} },
      { lint: [], image: ['lint'], alerts: ['image'] },
    ],
    ['alerts given an image of its own does not wait', { image: {}, alerts: { with: { image: 'r/x@sha256:' + 'a'.repeat(64) } } }, { image: [], alerts: [] }],
    ['a not-required gate keeps its needs', { test: { required: false }, image: { needs: ['test'] } }, { test: [], image: ['test'] }],
  ] as const)('%s', (_name, gates, needs) => {
    const plan = planPipeline(cfg(gates as PipelineConfig['gates']));
    expect(Object.fromEntries(plan.map((p) => [p.gate, p.needs]))).toEqual(needs);
  });

  it.each([
    ['no gate', {}, [], /enables no gate/],
    ['an unknown gate in only', { lint: {} }, ['lnt'], /input "only" names "lnt", which is not a gate/],
    ['only selecting nothing enabled', { lint: {} }, ['test'], /selects no gate that the config enables \(lint\)/],
    ['a need that is not enabled', { image: { needs: ['test'] } }, [], /key "gates.image.needs" names test, which the config does not enable/],
    ['a gate needing itself', { lint: { needs: ['lint'] } }, [], /cannot need itself/],
    ['a cycle', { lint: { needs: ['test'] }, test: { needs: ['lint'] } }, [], /forms a cycle: lint -> test -> lint/],
    ['alerts without an image or a command', { alerts: {} }, [], /the alerts gate needs an image/],
  ] as const)('rejects %s, naming the key', (_name, gates, only, message) => {
    expect(() => planPipeline(cfg(gates as PipelineConfig['gates']), only)).toThrow(ConfigurationError);
    expect(() => planPipeline(cfg(gates as PipelineConfig['gates']), only)).toThrow(message);
  });

  it('with only, a need outside the selection is dropped rather than run', () => {
    expect(planPipeline(cfg({ lint: {}, image: { needs: ['lint'] } }), ['image'])).toEqual([{ gate: 'image', needs: [], required: true, inputs: {} }]);
  });
});
