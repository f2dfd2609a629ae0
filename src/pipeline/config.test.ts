import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../core/errors.js';
import { PIPELINE_GATES, type ActionMeta, type PipelineGate } from './action-meta.js';
import { buildConfigSchema, parseConfig } from './config.js';

const meta = (name: string, inputs: string[]): ActionMeta => ({ name, inputs: Object.fromEntries(inputs.map((i) => [i, ''])), outputs: [] });
const metas = Object.fromEntries(
  PIPELINE_GATES.map((g) => [g, meta(g, ['working-directory', 'timeout-seconds', 'evidence-dir', 'registry-password', 'registry-username'])]),
) as Record<PipelineGate, ActionMeta>;
const schema = buildConfigSchema(metas, meta('evidence', ['comment', 'github-token']));
const parse = (text: string) => parseConfig(text, '.github/release-safety.yml', schema);
const error = (text: string) => {
  try {
    parse(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigurationError);
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('pipeline config', () => {
  it('accepts the documented form', () => {
    const config = parse(
      'version: 1\nconcurrency: 2\ngates:\n  lint:\n    with: { working-directory: svc, timeout-seconds: 60 }\n  image:\n    needs: [lint]\n    with: { registry-username: bot }\nevidence:\n  with: { comment: always }\n',
    );
    expect(config.gates.lint?.with).toEqual({ 'working-directory': 'svc', 'timeout-seconds': 60 });
    expect(config.gates.image?.needs).toEqual(['lint']);
    expect(config.evidence?.with).toEqual({ comment: 'always' });
    expect(config.isolation).toBeUndefined();
    expect(parse('version: 1\nisolation: process\ngates: {}\n').isolation).toBe('process');
  });

  it.each([
    [
      'an unknown top-level key',
      'version: 1\ngates: {}\nextra: 1\n',
      /unknown key "extra": the accepted keys are version, concurrency, isolation, gates, evidence/,
    ],
    ['an unknown gate', 'version: 1\ngates:\n  lnt: {}\n', /unknown key "gates.lnt": the accepted gates are lint, test/],
    [
      'an unknown input',
      'version: 1\ngates:\n  lint:\n    with: { workdir: x }\n',
      /unknown key "gates.lint.with.workdir": inputs are the action's own input names/,
    ],
    ['an input the pipeline sets itself', 'version: 1\ngates:\n  lint:\n    with: { evidence-dir: x }\n', /unknown key "gates.lint.with.evidence-dir"/],
    [
      'a credential in the file',
      'version: 1\ngates:\n  image:\n    with: { registry-password: hunter2 }\n',
      /unknown key "gates.image.with.registry-password"/,
    ],
    ['an isolation that is neither thread nor process', 'version: 1\nisolation: fork\ngates: {}\n', /key "isolation": .*; isolation is one of thread, process/],
    ['a wrong version', 'version: 2\ngates: {}\n', /key "version"/],
    ['a wrong type', 'version: 1\ngates:\n  lint:\n    enabled: "yes"\n', /key "gates.lint.enabled"/],
    ['a needs naming no gate', 'version: 1\ngates:\n  image:\n    needs: [lnt]\n', /key "gates.image.needs.0"/],
    ['a list at the top', '- a\n', /must be a mapping with the keys version \(1\) and gates/],
    ['duplicate keys', 'version: 1\nversion: 1\ngates: {}\n', /not valid YAML/],
  ])('rejects %s, naming the key', (_name, text, message) => {
    expect(error(text)).toMatch(message);
  });

  it('the error never echoes a credential-looking value back', () => {
    expect(error('version: 1\ngates:\n  image:\n    with: { registry-password: hunter2 }\n')).not.toContain('hunter2');
  });
});
